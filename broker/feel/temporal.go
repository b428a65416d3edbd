package feel

import (
	"strconv"
	"strings"
	"time"
)

// Date is a FEEL date: a day of the proleptic Gregorian calendar, without a
// time or a zone. Years run from -999999999 to 999999999, as in Java.
type Date struct {
	t time.Time // midnight UTC of the day
}

// NewDate returns the date, or ok=false when the day does not exist
// (2023-02-29) or the year is out of range.
func NewDate(year int, month time.Month, day int) (Date, bool) {
	if year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > 31 {
		return Date{}, false
	}
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return Date{}, false
	}
	return Date{t: t}, true
}

const (
	minYear = -999999999
	maxYear = 999999999
)

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// Kind returns KindDate.
func (Date) Kind() Kind { return KindDate }

// String returns the date as ISO 8601 writes it: "2019-03-31".
func (d Date) String() string { return string(appendDate(nil, d.t, false)) }

func (Date) isValue() {}

// Time is a FEEL time of day, local (no offset) or with a UTC offset or an
// IANA zone.
type Time struct {
	nanos  int64 // since midnight, 0 to 86399999999999
	zoned  bool
	offset int    // seconds east of UTC, when zoned
	zone   string // IANA zone id, or "" for a fixed offset
}

// Kind returns KindTime.
func (Time) Kind() Kind { return KindTime }

// String returns the time in FEEL's form: "10:30:00", "10:30:00.5",
// "10:30:00+02:00", "10:30:00Z", "10:30:00@Europe/Paris".
func (t Time) String() string {
	b := appendClock(nil, t.nanos, true)
	return string(t.appendZone(b))
}

func (t Time) appendZone(b []byte) []byte {
	switch {
	case !t.zoned:
		return b
	case t.zone != "":
		return append(append(b, '@'), t.zone...)
	}
	return appendOffset(b, t.offset)
}

func (Time) isValue() {}

// DateTime is a FEEL date and time: local, or with a UTC offset or an IANA
// zone.
type DateTime struct {
	// t holds the wall clock: in UTC for a local date and time, otherwise in
	// its offset or zone.
	t     time.Time
	zoned bool
	zone  string // IANA zone id, or "" for a fixed offset or a local value
}

// Kind returns KindDateTime.
func (DateTime) Kind() Kind { return KindDateTime }

// Time returns the date and time as a time.Time; a local one is in UTC.
func (dt DateTime) Time() time.Time { return dt.t }

// String returns FEEL's form: "2019-03-31T10:30:00", with "+02:00", "Z" or
// "@Europe/Paris" after it when it has an offset or a zone.
func (dt DateTime) String() string {
	b := appendDate(nil, dt.t, false)
	b = append(b, 'T')
	b = appendClock(b, clockNanos(dt.t), true)
	switch {
	case !dt.zoned:
	case dt.zone != "":
		b = append(append(b, '@'), dt.zone...)
	default:
		_, off := dt.t.Zone()
		b = appendOffset(b, off)
	}
	return string(b)
}

func (DateTime) isValue() {}

// DaysTimeDuration is a FEEL days and time duration, exact to the
// nanosecond, as Java's Duration.
type DaysTimeDuration struct {
	secs  int64
	nanos int32 // 0 to 999999999, added to secs
}

// DaysTimeDurationOf converts a Go duration.
func DaysTimeDurationOf(d time.Duration) DaysTimeDuration {
	secs, nanos := int64(d/time.Second), int64(d%time.Second)
	if nanos < 0 {
		secs--
		nanos += 1e9
	}
	return DaysTimeDuration{secs: secs, nanos: int32(nanos)}
}

// Kind returns KindDaysTimeDuration.
func (DaysTimeDuration) Kind() Kind { return KindDaysTimeDuration }

func (DaysTimeDuration) isValue() {}

// negative reports whether d is below zero.
func (d DaysTimeDuration) negative() bool { return d.secs < 0 }

func (d DaysTimeDuration) isZero() bool { return d.secs == 0 && d.nanos == 0 }

// abs returns the magnitude as seconds and nanoseconds; ok is false for the
// one value whose magnitude does not fit.
func (d DaysTimeDuration) abs() (DaysTimeDuration, bool) {
	if !d.negative() {
		return d, true
	}
	return d.neg()
}

func (d DaysTimeDuration) neg() (DaysTimeDuration, bool) {
	if d.secs == minInt64 {
		return DaysTimeDuration{}, false
	}
	if d.nanos == 0 {
		return DaysTimeDuration{secs: -d.secs}, true
	}
	return DaysTimeDuration{secs: -d.secs - 1, nanos: 1e9 - d.nanos}, true
}

// String returns FEEL's form: "P1DT2H3M4.5S", "-PT1H", "P0D".
func (d DaysTimeDuration) String() string {
	if d.isZero() {
		return "P0D"
	}
	var b []byte
	a, ok := d.abs()
	if !ok {
		return "-PT9223372036854775808S"
	}
	if d.negative() {
		b = append(b, '-')
	}
	b = append(b, 'P')
	days, rest := a.secs/86400, a.secs%86400
	if days != 0 {
		b = strconv.AppendInt(b, days, 10)
		b = append(b, 'D')
	}
	if rest == 0 && a.nanos == 0 {
		return string(b)
	}
	b = append(b, 'T')
	h, m, s := rest/3600, rest%3600/60, rest%60
	if h != 0 {
		b = strconv.AppendInt(b, h, 10)
		b = append(b, 'H')
	}
	if m != 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	if s != 0 || a.nanos != 0 {
		b = strconv.AppendInt(b, s, 10)
		b = appendFraction(b, int64(a.nanos))
		b = append(b, 'S')
	}
	return string(b)
}

// javaString is Java's Duration.toString, which Zeebe writes to JSON: hours
// at most ("PT120H"), a negative sign on each part ("PT-1H-30M").
func (d DaysTimeDuration) javaString() string {
	if d.isZero() {
		return "PT0S"
	}
	total := d.secs
	if total < 0 && d.nanos > 0 {
		total++
	}
	hours, minutes, secs := total/3600, total%3600/60, total%60
	b := []byte("PT")
	if hours != 0 {
		b = strconv.AppendInt(b, hours, 10)
		b = append(b, 'H')
	}
	if minutes != 0 {
		b = strconv.AppendInt(b, minutes, 10)
		b = append(b, 'M')
	}
	if secs == 0 && d.nanos == 0 && len(b) > 2 {
		return string(b)
	}
	if d.secs < 0 && d.nanos > 0 && secs == 0 {
		b = append(b, "-0"...)
	} else {
		b = strconv.AppendInt(b, secs, 10)
	}
	if d.nanos > 0 {
		n := int64(d.nanos)
		if d.secs < 0 {
			n = 1e9 - n
		}
		b = appendFraction(b, n)
	}
	return string(append(b, 'S'))
}

// YearsMonthsDuration is a FEEL years and months duration, a whole number of
// months.
type YearsMonthsDuration struct {
	months int64
}

// YearsMonths returns the duration of the given number of months.
func YearsMonths(months int64) YearsMonthsDuration { return YearsMonthsDuration{months: months} }

// Months returns the duration in months.
func (d YearsMonthsDuration) Months() int64 { return d.months }

// Kind returns KindYearsMonthsDuration.
func (YearsMonthsDuration) Kind() Kind { return KindYearsMonthsDuration }

func (YearsMonthsDuration) isValue() {}

// String returns FEEL's form: "P1Y2M", "-P3M", "P0Y".
func (d YearsMonthsDuration) String() string {
	m := d.months
	var b []byte
	if m < 0 {
		b = append(b, '-')
		if m == minInt64 {
			return "-P768614336404564650Y8M"
		}
		m = -m
	}
	b = append(b, 'P')
	y, mo := m/12, m%12
	if y != 0 {
		b = strconv.AppendInt(b, y, 10)
		b = append(b, 'Y')
	}
	if mo != 0 || y == 0 {
		if m == 0 {
			return "P0Y"
		}
		b = strconv.AppendInt(b, mo, 10)
		b = append(b, 'M')
	}
	return string(b)
}

// javaString is Java's Period.toString: "P1Y6M", "P-1M", "P0D".
func (d YearsMonthsDuration) javaString() string {
	if d.months == 0 {
		return "P0D"
	}
	y, m := d.months/12, d.months%12
	b := []byte{'P'}
	if y != 0 {
		b = strconv.AppendInt(b, y, 10)
		b = append(b, 'Y')
	}
	if m != 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	return string(b)
}

const minInt64 = -1 << 63

// appendDate writes yyyy-MM-dd. With plus, a year beyond four digits gets a
// '+', as Java's toString writes it; FEEL's own form has none.
func appendDate(b []byte, t time.Time, plus bool) []byte {
	y, m, d := t.Date()
	switch {
	case y < 0:
		b = append(b, '-')
		b = appendPadded(b, int64(-y), 4)
	case y > 9999:
		if plus {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(y), 10)
	default:
		b = appendPadded(b, int64(y), 4)
	}
	b = append(b, '-')
	b = appendPadded(b, int64(m), 2)
	b = append(b, '-')
	return appendPadded(b, int64(d), 2)
}

// appendClock writes HH:mm:ss and a fraction without trailing zeros. With
// seconds false it is Java's LocalTime.toString: HH:mm when the seconds and
// the fraction are zero, and the fraction in groups of three digits.
func appendClock(b []byte, nanos int64, seconds bool) []byte {
	h, m, s, ns := nanos/3600e9, nanos/60e9%60, nanos/1e9%60, nanos%1e9
	b = appendPadded(b, h, 2)
	b = append(b, ':')
	b = appendPadded(b, m, 2)
	if !seconds && s == 0 && ns == 0 {
		return b
	}
	b = append(b, ':')
	b = appendPadded(b, s, 2)
	if seconds {
		return appendFraction(b, ns)
	}
	switch {
	case ns == 0:
	case ns%1e6 == 0:
		b = append(b, '.')
		b = appendPadded(b, ns/1e6, 3)
	case ns%1e3 == 0:
		b = append(b, '.')
		b = appendPadded(b, ns/1e3, 6)
	default:
		b = append(b, '.')
		b = appendPadded(b, ns, 9)
	}
	return b
}

// appendFraction writes ".5" for 500000000 nanoseconds; nothing for zero.
func appendFraction(b []byte, nanos int64) []byte {
	if nanos == 0 {
		return b
	}
	s := strconv.FormatInt(nanos+1e9, 10)[1:]
	return append(append(b, '.'), strings.TrimRight(s, "0")...)
}

// appendOffset writes "Z" or "+02:00" ("+02:00:30" with seconds).
func appendOffset(b []byte, off int) []byte {
	if off == 0 {
		return append(b, 'Z')
	}
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = appendPadded(b, int64(off/3600), 2)
	b = append(b, ':')
	b = appendPadded(b, int64(off/60%60), 2)
	if off%60 != 0 {
		b = append(b, ':')
		b = appendPadded(b, int64(off%60), 2)
	}
	return b
}

func appendPadded(b []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// clockNanos returns the nanoseconds since midnight of t's wall clock.
func clockNanos(t time.Time) int64 {
	h, m, s := t.Clock()
	return int64(h)*3600e9 + int64(m)*60e9 + int64(s)*1e9 + int64(t.Nanosecond())
}

// appendTemporalJSON writes a temporal value as Zeebe stores it: a string
// in Java's toString form (see ToJSON). ok is false for other values.
func appendTemporalJSON(b []byte, v Value) ([]byte, bool) {
	var s string
	switch t := v.(type) {
	case Date:
		s = string(appendDate(nil, t.t, true))
	case Time:
		if t.zoned {
			s = t.String()
		} else {
			s = string(appendClock(nil, t.nanos, false))
		}
	case DateTime:
		bs := appendDate(nil, t.t, true)
		bs = append(bs, 'T')
		bs = appendClock(bs, clockNanos(t.t), false)
		if t.zoned {
			_, off := t.t.Zone()
			bs = appendOffset(bs, off)
			if t.zone != "" {
				bs = append(append(append(bs, '['), t.zone...), ']')
			}
		}
		s = string(bs)
	case DaysTimeDuration:
		s = t.javaString()
	case YearsMonthsDuration:
		s = t.javaString()
	default:
		return b, false
	}
	return appendJSONString(b, s), true
}
