package web

import (
	"strconv"
	"strings"
	"time"
)

// Key shows a key as the decimal string clients use; keys that name nothing (0 or
// less) show as "-".
func Key(k int64) string {
	if k <= 0 {
		return "-"
	}
	return strconv.FormatInt(k, 10)
}

// Count shows a number with commas between thousands: 1,234,567.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// TimeFormat is how pages show times: to the second, with the zone.
const TimeFormat = "2006-01-02 15:04:05 MST"

// Time shows t in UTC with TimeFormat; the zero time shows as "-".
func Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(TimeFormat)
}

// ISOTime is t for a <time datetime> attribute.
func ISOTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Duration shows how long from start to end (to now, when end is zero) with at most
// two units: 3d 4h, 5m 12s, 820ms.
func Duration(start, end time.Time) string {
	if start.IsZero() {
		return "-"
	}
	if end.IsZero() {
		end = time.Now()
	}
	return ShortDuration(end.Sub(start))
}

// ShortDuration shows d with at most two units.
func ShortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if d >= u.d {
			parts = append(parts, strconv.FormatInt(int64(d/u.d), 10)+u.name)
			d %= u.d
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 1 && parts[0] != "" {
		return parts[0]
	}
	return strings.Join(parts, " ")
}

// StateClass is the CSS class of a state badge.
func StateClass(state string) string {
	switch state {
	case "ACTIVE", "ACTIVATED", "CREATED", "PUBLISHED", "CREATING", "OPENED":
		return "badge badge-active"
	case "COMPLETED", "CORRELATED", "EVALUATED", "TRIGGERED", "RESOLVED":
		return "badge badge-done"
	case "INCIDENT", "FAILED", "ERROR_THROWN":
		return "badge badge-incident"
	}
	return "badge"
}
