package timer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	base := time.Date(2025, 1, 31, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
		str  string
	}{
		{"PT30S", base.Add(30 * time.Second), "PT30S"},
		{"PT1.5S", base.Add(1500 * time.Millisecond), "PT1.5S"},
		{"P1DT2H", base.Add(26 * time.Hour), "P1DT2H"},
		{"P2W", base.AddDate(0, 0, 14), "P14D"},
		{"P1M", time.Date(2025, 2, 28, 10, 0, 0, 0, time.UTC), "P1M"}, // the last day of a shorter month
		{"P1Y", time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC), "P1Y"},
		{"pt10m", base.Add(10 * time.Minute), "PT10M"},
		{"PT0S", base, "PT0S"},
		{"-PT1H", base.Add(-time.Hour), "-PT1H"},
	} {
		d, err := ParseDuration(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, d.AddTo(base), c.in)
		assert.Equal(t, c.str, d.String(), c.in)
	}
	for _, bad := range []string{"", "P", "PT", "30S", "P1H", "PT1D", "P1.5D", "abc", "P99999999999D"} {
		_, err := ParseDuration(bad)
		assert.Error(t, err, bad)
	}
}

// A day is a calendar day across a daylight saving change; an hour is an hour.
func TestDurationAcrossDaylightSaving(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	before := time.Date(2025, 3, 29, 12, 0, 0, 0, paris)
	d, _ := ParseDuration("P1D")
	assert.Equal(t, time.Date(2025, 3, 30, 12, 0, 0, 0, paris), d.AddTo(before))
	h, _ := ParseDuration("PT24H")
	assert.Equal(t, time.Date(2025, 3, 30, 13, 0, 0, 0, paris), h.AddTo(before))
}

func TestParseDate(t *testing.T) {
	want := time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"2025-10-01T10:00:00Z", "2025-10-01T12:00:00+02:00", "2025-10-01T12:00:00+02:00[Europe/Paris]",
		"2025-10-01T12:00:00[Europe/Paris]", "2025-10-01T10:00:00", "2025-10-01T10:00:00.000Z", " 2025-10-01T10:00Z ",
	} {
		got, err := ParseDate(in)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: %v", in, got)
	}
	for _, bad := range []string{"", "2025-10-01", "tomorrow", "2025-10-01T10:00:00[Mars/Base]", "2025-13-01T10:00:00Z"} {
		_, err := ParseDate(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseCycle(t *testing.T) {
	now := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	c, err := ParseCycle("R3/PT10S")
	require.NoError(t, err)
	assert.Equal(t, 3, c.Repetitions)
	assert.Equal(t, now.Add(10*time.Second), c.First(now))
	assert.Equal(t, now.Add(20*time.Second), c.Next(now.Add(10*time.Second)))

	c, err = ParseCycle("R/P1D")
	require.NoError(t, err)
	assert.Equal(t, -1, c.Repetitions)

	c, err = ParseCycle("R2/2025-02-01T00:00:00Z/PT1H")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), c.First(now))
	assert.Equal(t, time.Date(2025, 2, 1, 1, 0, 0, 0, time.UTC), c.Next(c.First(now)))

	c, err = ParseCycle("0 0 9 * * MON-FRI")
	require.NoError(t, err)
	assert.Equal(t, -1, c.Repetitions)
	assert.Equal(t, time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), c.First(now), "January 1st 2025 is a Wednesday")
	assert.Equal(t, time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC), c.Next(c.First(now)))

	c, err = ParseCycle("0 */15 * * * *")
	require.NoError(t, err)
	assert.Equal(t, now.Add(15*time.Minute), c.First(now))

	for _, bad := range []string{"", "R3", "R-1/PT1S", "Rx/PT1S", "R3/PT0S", "R/1/2/3", "R3/P", "0 0 L * * *", "* * *", "every day"} {
		_, err := ParseCycle(bad)
		assert.Error(t, err, bad)
	}
}
