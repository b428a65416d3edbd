// Package timer reads the timer definitions of BPMN timer events as Zeebe does: ISO 8601
// durations (timeDuration), date-times (timeDate), and cycles (timeCycle), either ISO 8601
// repeating intervals or cron expressions with seconds, as Spring reads them.
//
// Every function is pure: the time a timer is computed from is passed in, so the engine
// stays deterministic.
package timer

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Duration is an ISO 8601 duration: calendar years, months and days, and a clock part.
// Adding it to a time adds the calendar part first, in the time's zone, then the clock
// part (see AddTo).
type Duration struct {
	Negative             bool
	Years, Months, Days  int
	Hours, Minutes       int64
	Seconds, Nanoseconds int64
}

var durationRE = regexp.MustCompile(`^([-+]?)P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,9}))?S)?)?$`)

// ParseDuration reads an ISO 8601 duration such as PT30S, P1DT2H, P2W or P1Y2M.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	m := durationRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") || strings.TrimLeft(strings.ToUpper(s), "+-") == "P" {
		return Duration{}, fmt.Errorf("'%s' is not an ISO 8601 duration (such as PT30S, P1DT2H or P2W)", s)
	}
	num := func(i int) (int64, error) {
		if m[i] == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(m[i], 10, 64)
		if err != nil || n > math.MaxInt32 {
			return 0, fmt.Errorf("'%s': the number %s is too large", s, m[i])
		}
		return n, nil
	}
	var d Duration
	d.Negative = m[1] == "-"
	vals := make([]int64, 10)
	for i := 2; i <= 8; i++ {
		n, err := num(i)
		if err != nil {
			return Duration{}, err
		}
		vals[i] = n
	}
	d.Years, d.Months = int(vals[2]), int(vals[3])
	d.Days = int(vals[4]*7 + vals[5])
	d.Hours, d.Minutes, d.Seconds = vals[6], vals[7], vals[8]
	if frac := m[9]; frac != "" {
		frac += strings.Repeat("0", 9-len(frac))
		d.Nanoseconds, _ = strconv.ParseInt(frac, 10, 64)
	}
	return d, nil
}

// clock returns the clock part as a time.Duration.
func (d Duration) clock() time.Duration {
	return time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute +
		time.Duration(d.Seconds)*time.Second + time.Duration(d.Nanoseconds)
}

// AddTo returns t plus the duration: the years, months and days in t's zone (a day
// across a daylight saving change is a calendar day), then the clock part. A month added
// to a day that the target month lacks ends on its last day, as in Java.
func (d Duration) AddTo(t time.Time) time.Time {
	sign := 1
	if d.Negative {
		sign = -1
	}
	if d.Years != 0 || d.Months != 0 {
		y, mo, day := t.Date()
		target := time.Date(y+sign*d.Years, mo+time.Month(sign*d.Months), 1, 0, 0, 0, 0, t.Location())
		last := time.Date(target.Year(), target.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
		day = min(day, last)
		h, mi, s := t.Clock()
		t = time.Date(target.Year(), target.Month(), day, h, mi, s, t.Nanosecond(), t.Location())
	}
	if d.Days != 0 {
		t = t.AddDate(0, 0, sign*d.Days)
	}
	return t.Add(time.Duration(sign) * d.clock())
}

// String writes the duration in ISO 8601 form.
func (d Duration) String() string {
	var b strings.Builder
	if d.Negative {
		b.WriteByte('-')
	}
	b.WriteByte('P')
	for _, p := range []struct {
		n    int
		unit byte
	}{{d.Years, 'Y'}, {d.Months, 'M'}, {d.Days, 'D'}} {
		if p.n != 0 {
			fmt.Fprintf(&b, "%d%c", p.n, p.unit)
		}
	}
	if c := d.clock(); c != 0 || b.Len() <= 2 {
		b.WriteByte('T')
		if d.Hours != 0 {
			fmt.Fprintf(&b, "%dH", d.Hours)
		}
		if d.Minutes != 0 {
			fmt.Fprintf(&b, "%dM", d.Minutes)
		}
		if d.Seconds != 0 || d.Nanoseconds != 0 || (d.Hours == 0 && d.Minutes == 0) {
			if d.Nanoseconds != 0 {
				fmt.Fprintf(&b, "%d.%sS", d.Seconds, strings.TrimRight(fmt.Sprintf("%09d", d.Nanoseconds), "0"))
			} else {
				fmt.Fprintf(&b, "%dS", d.Seconds)
			}
		}
	}
	return b.String()
}

var zoneSuffix = regexp.MustCompile(`^(.*)\[([^\]]+)\]$`)

// ParseDate reads an ISO 8601 date-time: with an offset (2025-10-01T12:00:00Z,
// 2025-10-01T12:00:00+02:00), with an offset and a zone id in brackets
// (2025-10-01T12:00:00+02:00[Europe/Paris]), with only a zone id
// (2025-10-01T12:00:00[Europe/Paris]), or with neither, which is read as UTC.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	orig := s
	loc := time.UTC
	if m := zoneSuffix.FindStringSubmatch(s); m != nil {
		l, err := time.LoadLocation(m[2])
		if err != nil {
			return time.Time{}, fmt.Errorf("'%s': unknown time zone '%s'", orig, m[2])
		}
		s, loc = m[1], l
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.In(loc), nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("'%s' is not an ISO 8601 date-time (such as 2025-10-01T12:00:00Z)", orig)
}

// Cycle is a repeating timer: an ISO 8601 repeating interval (R5/PT10S, R/PT1H,
// R3/2025-01-01T00:00:00Z/P1D) or a cron expression.
type Cycle struct {
	// Repetitions is the number of times the timer fires, -1 for no end.
	Repetitions int
	// Start is the first due date of an interval with a start, zero otherwise.
	Start    time.Time
	Interval Duration
	cron     cron.Schedule
	source   string
}

var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCycle reads a timeCycle: an ISO 8601 repeating interval R[n]/[start/]duration, or a
// cron expression of six fields (second minute hour day-of-month month day-of-week, as
// Spring reads them: `0 0 9 * * MON-FRI`) or a macro such as @daily. A cron cycle repeats
// without end.
func ParseCycle(s string) (Cycle, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToUpper(s), "R") && strings.Contains(s, "/") {
		parts := strings.Split(s, "/")
		c := Cycle{Repetitions: -1, source: s}
		if n := parts[0][1:]; n != "" {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return Cycle{}, fmt.Errorf("'%s': the repetitions '%s' are not a whole number", s, n)
			}
			c.Repetitions = v
		}
		switch len(parts) {
		case 2:
		case 3:
			start, err := ParseDate(parts[1])
			if err != nil {
				return Cycle{}, fmt.Errorf("'%s': the start %w", s, err)
			}
			c.Start = start
		default:
			return Cycle{}, fmt.Errorf("'%s' is not a repeating interval (such as R5/PT10S)", s)
		}
		d, err := ParseDuration(parts[len(parts)-1])
		if err != nil {
			return Cycle{}, fmt.Errorf("'%s': %w", s, err)
		}
		if d.Negative || d.AddTo(time.Unix(0, 0).UTC()).Equal(time.Unix(0, 0).UTC()) {
			return Cycle{}, fmt.Errorf("'%s': the interval must be longer than zero", s)
		}
		c.Interval = d
		return c, nil
	}
	if strings.ContainsAny(s, "LW#") && !strings.HasPrefix(s, "@") {
		return Cycle{}, fmt.Errorf("'%s': the cron characters L, W and # are not supported", s)
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return Cycle{}, fmt.Errorf("'%s' is neither a repeating interval (such as R5/PT10S) nor a cron expression (such as 0 0 9 * * MON-FRI): %v", s, err)
	}
	return Cycle{Repetitions: -1, cron: sched, source: s}, nil
}

// First returns the first due date of the cycle for a timer that starts at now.
func (c Cycle) First(now time.Time) time.Time {
	if c.cron != nil {
		return c.cron.Next(now)
	}
	if !c.Start.IsZero() {
		return c.Start
	}
	return c.Interval.AddTo(now)
}

// Next returns the due date after one that fired at due.
func (c Cycle) Next(due time.Time) time.Time {
	if c.cron != nil {
		return c.cron.Next(due)
	}
	return c.Interval.AddTo(due)
}

// String returns the cycle as it was written.
func (c Cycle) String() string { return c.source }
