package feel

import (
	"math"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Arithmetic, comparison and properties of dates, times and durations, as
// feel-scala 1.17 defines them on top of java.time. A result outside the
// representable range (years beyond ±999999999, durations beyond ±2^63
// seconds) is null.

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func inYearRange(t time.Time) bool {
	y := t.Year()
	return y >= minYear && y <= maxYear
}

// addMonths adds months to a wall clock held in UTC, keeping the day of the
// month unless the new month is shorter (Jan 31 + 1 month is Feb 28 or 29),
// as Java's plusMonths does.
func addMonths(t time.Time, months int64) (time.Time, bool) {
	y, m, d := t.Date()
	total, ok := addChecked(int64(y)*12+int64(m-1), months)
	if !ok {
		return time.Time{}, false
	}
	ny := floorDiv(total, 12)
	nm := time.Month(total-ny*12) + 1
	if ny < minYear || ny > maxYear {
		return time.Time{}, false
	}
	if last := daysIn(int(ny), nm); d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(int(ny), nm, d, h, mi, s, t.Nanosecond(), time.UTC), true
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// addDuration adds d to an instant (or to a wall clock held in UTC).
func addDuration(t time.Time, d DaysTimeDuration) (time.Time, bool) {
	secs, ok := addChecked(t.Unix(), d.secs)
	if !ok {
		return time.Time{}, false
	}
	r := time.Unix(secs, int64(t.Nanosecond())+int64(d.nanos)).In(t.Location())
	return r, inYearRange(r)
}

// between returns b - a as a duration.
func between(a, b time.Time) (DaysTimeDuration, bool) {
	secs, ok := addChecked(b.Unix(), -a.Unix())
	if !ok {
		return DaysTimeDuration{}, false
	}
	return normDuration(secs, int64(b.Nanosecond())-int64(a.Nanosecond()))
}

// normDuration builds a duration from seconds and a nanosecond adjustment
// of less than a second either way.
func normDuration(secs, nanos int64) (DaysTimeDuration, bool) {
	if nanos < 0 {
		var ok bool
		if secs, ok = addChecked(secs, -1); !ok {
			return DaysTimeDuration{}, false
		}
		nanos += 1e9
	} else if nanos >= 1e9 {
		var ok bool
		if secs, ok = addChecked(secs, 1); !ok {
			return DaysTimeDuration{}, false
		}
		nanos -= 1e9
	}
	return DaysTimeDuration{secs: secs, nanos: int32(nanos)}, true
}

func (d DaysTimeDuration) add(o DaysTimeDuration) (DaysTimeDuration, bool) {
	secs, ok := addChecked(d.secs, o.secs)
	if !ok {
		return DaysTimeDuration{}, false
	}
	return normDuration(secs, int64(d.nanos)+int64(o.nanos))
}

func (d DaysTimeDuration) sub(o DaysTimeDuration) (DaysTimeDuration, bool) {
	n, ok := o.neg()
	if !ok {
		return DaysTimeDuration{}, false
	}
	return d.add(n)
}

var nanosPerSecond = apd.New(1e9, 0)

// decimalNanos is the duration in nanoseconds as an exact decimal.
func (d DaysTimeDuration) decimalNanos() *apd.Decimal {
	r := new(apd.Decimal)
	_, _ = apd.BaseContext.Mul(r, apd.New(d.secs, 0), nanosPerSecond)
	_, _ = apd.BaseContext.Add(r, r, apd.New(int64(d.nanos), 0))
	return r
}

// durationFromNanos truncates a decimal number of nanoseconds towards zero.
func durationFromNanos(x *apd.Decimal) (DaysTimeDuration, bool) {
	var whole apd.Decimal
	if _, err := apd.BaseContext.RoundToIntegralValue(&whole, truncated(x)); err != nil {
		return DaysTimeDuration{}, false
	}
	var secs, nanos apd.Decimal
	c := apd.BaseContext.WithPrecision(60)
	if _, err := c.QuoInteger(&secs, &whole, nanosPerSecond); err != nil {
		return DaysTimeDuration{}, false
	}
	if _, err := c.Rem(&nanos, &whole, nanosPerSecond); err != nil {
		return DaysTimeDuration{}, false
	}
	s, err := secs.Int64()
	if err != nil {
		return DaysTimeDuration{}, false
	}
	n, err := nanos.Int64()
	if err != nil {
		return DaysTimeDuration{}, false
	}
	return normDuration(s, n)
}

func truncated(x *apd.Decimal) *apd.Decimal {
	r := new(apd.Decimal)
	c := apd.BaseContext.WithPrecision(60)
	c.Rounding = apd.RoundDown
	_, _ = c.Quantize(r, x, 0)
	return r
}

// scaleMonths multiplies or divides a number of months by n, truncating
// towards zero.
func scaleMonths(months int64, n Number, divide bool) (Value, bool) {
	m := Number{d: apd.New(months, 0)}
	var r Number
	var ok bool
	if divide {
		r, ok = m.quo(n)
	} else {
		r, ok = m.mul(n)
	}
	if !ok {
		return nil, false
	}
	t, ok := truncate(r)
	if !ok {
		return nil, false
	}
	return YearsMonthsDuration{months: t}, true
}

func scaleDuration(d DaysTimeDuration, n Number, divide bool) (Value, bool) {
	r := new(apd.Decimal)
	c := apd.BaseContext.WithPrecision(60)
	var err error
	if divide {
		if n.Sign() == 0 {
			return nil, false
		}
		_, err = c.Quo(r, d.decimalNanos(), n.dec())
	} else {
		_, err = c.Mul(r, d.decimalNanos(), n.dec())
	}
	if err != nil {
		return nil, false
	}
	out, ok := durationFromNanos(r)
	return out, ok
}

// temporalArithmetic applies + - * / when an operand is a date, time or
// duration. handled is false when neither is one.
func temporalArithmetic(op tokenKind, a, b Value) (Value, bool) {
	if !isTemporal(a) && !isTemporal(b) {
		return nil, false
	}
	v, ok := temporalOp(op, a, b)
	if !ok || v == nil {
		return Null{}, true
	}
	return v, true
}

func isTemporal(v Value) bool {
	switch v.(type) {
	case Date, Time, DateTime, DaysTimeDuration, YearsMonthsDuration:
		return true
	}
	return false
}

func temporalOp(op tokenKind, a, b Value) (Value, bool) {
	switch op {
	case tokPlus:
		return temporalAdd(a, b)
	case tokMinus:
		return temporalSub(a, b)
	case tokStar:
		if n, ok := a.(Number); ok {
			a, b = b, n
		}
		n, ok := b.(Number)
		if !ok {
			return nil, false
		}
		switch x := a.(type) {
		case DaysTimeDuration:
			return scaleDuration(x, n, false)
		case YearsMonthsDuration:
			return scaleMonths(x.months, n, false)
		}
	case tokSlash:
		switch x := a.(type) {
		case DaysTimeDuration:
			switch y := b.(type) {
			case Number:
				return scaleDuration(x, y, true)
			case DaysTimeDuration:
				if y.isZero() {
					return nil, false
				}
				q, ok := Number{d: x.decimalNanos()}.quo(Number{d: y.decimalNanos()})
				return q, ok
			}
		case YearsMonthsDuration:
			switch y := b.(type) {
			case Number:
				if y.Sign() == 0 {
					return nil, false
				}
				return scaleMonths(x.months, y, true)
			case YearsMonthsDuration:
				if y.months == 0 {
					return nil, false
				}
				q, ok := IntNumber(x.months).quo(IntNumber(y.months))
				return q, ok
			}
		}
	}
	return nil, false
}

func temporalAdd(a, b Value) (Value, bool) {
	// A duration may come first: d + date is date + d.
	switch a.(type) {
	case DaysTimeDuration, YearsMonthsDuration:
		switch b.(type) {
		case Date, Time, DateTime:
			a, b = b, a
		}
	}
	switch x := a.(type) {
	case Date:
		switch d := b.(type) {
		case DaysTimeDuration:
			t, ok := addDuration(x.t, DaysTimeDuration{secs: floorDiv(d.secs, 86400) * 86400})
			return Date{t: t}, ok
		case YearsMonthsDuration:
			t, ok := addMonths(x.t, d.months)
			return Date{t: t}, ok
		}
	case Time:
		if d, ok := b.(DaysTimeDuration); ok {
			x.nanos = addClock(x.nanos, d)
			return x, true
		}
	case DateTime:
		switch d := b.(type) {
		case DaysTimeDuration:
			t, ok := addDuration(x.t, d)
			x.t = t
			return x, ok
		case YearsMonthsDuration:
			return x.addMonths(d.months)
		}
	case DaysTimeDuration:
		if y, ok := b.(DaysTimeDuration); ok {
			return x.add(y)
		}
	case YearsMonthsDuration:
		if y, ok := b.(YearsMonthsDuration); ok {
			m, ok := addChecked(x.months, y.months)
			return YearsMonthsDuration{months: m}, ok
		}
	}
	return nil, false
}

func temporalSub(a, b Value) (Value, bool) {
	switch x := a.(type) {
	case Date:
		switch y := b.(type) {
		case Date:
			return between(y.t, x.t)
		case DaysTimeDuration, YearsMonthsDuration:
			n, ok := negateDuration(y)
			if !ok {
				return nil, false
			}
			return temporalAdd(x, n)
		}
	case Time:
		switch y := b.(type) {
		case Time:
			switch {
			case !x.zoned && !y.zoned:
				return normDuration((x.nanos-y.nanos)/1e9, (x.nanos-y.nanos)%1e9)
			case x.zoned && y.zoned:
				diff := (x.nanos - int64(x.offset)*1e9) - (y.nanos - int64(y.offset)*1e9)
				return normDuration(diff/1e9, diff%1e9)
			}
		case DaysTimeDuration:
			n, ok := y.neg()
			if !ok {
				return nil, false
			}
			return temporalAdd(x, n)
		}
	case DateTime:
		switch y := b.(type) {
		case DateTime:
			if x.zoned != y.zoned {
				return nil, false
			}
			return between(y.t, x.t)
		case DaysTimeDuration, YearsMonthsDuration:
			n, ok := negateDuration(y)
			if !ok {
				return nil, false
			}
			return temporalAdd(x, n)
		}
	case DaysTimeDuration:
		if y, ok := b.(DaysTimeDuration); ok {
			return x.sub(y)
		}
	case YearsMonthsDuration:
		if y, ok := b.(YearsMonthsDuration); ok {
			m, ok := addChecked(x.months, -y.months)
			return YearsMonthsDuration{months: m}, ok && y.months != math.MinInt64
		}
	}
	return nil, false
}

func negateDuration(v Value) (Value, bool) {
	switch d := v.(type) {
	case DaysTimeDuration:
		return d.neg()
	case YearsMonthsDuration:
		if d.months == math.MinInt64 {
			return nil, false
		}
		return YearsMonthsDuration{months: -d.months}, true
	}
	return nil, false
}

const nanosPerDay = 86400e9

// addClock adds a duration to a time of day, wrapping around midnight.
func addClock(nanos int64, d DaysTimeDuration) int64 {
	secs := ((d.secs % 86400) + 86400) % 86400
	n := (nanos + secs*1e9 + int64(d.nanos)) % nanosPerDay
	return n
}

// addMonths moves the date part by months, keeping the clock; in a zone the
// new wall clock keeps the old offset if it can (Java's ZonedDateTime.plus).
func (dt DateTime) addMonths(months int64) (Value, bool) {
	wall := wallClock(dt.t)
	moved, ok := addMonths(wall, months)
	if !ok {
		return nil, false
	}
	switch {
	case !dt.zoned:
		return DateTime{t: moved}, true
	case dt.zone != "":
		_, off := dt.t.Zone()
		return DateTime{t: resolveLocal(moved, dt.t.Location(), off, true), zoned: true, zone: dt.zone}, true
	}
	_, off := dt.t.Zone()
	return DateTime{t: moved.Add(-time.Duration(off) * time.Second).In(dt.t.Location()), zoned: true}, true
}

// wallClock returns t's wall clock as the same fields in UTC.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// orderTemporal orders two temporal values of the same kind: dates and
// local dates and times by the calendar, zoned dates and times by the
// instant, times with an offset by their UTC clock, durations by length. A
// local value does not compare with a zoned one.
func orderTemporal(a, b Value) (int, bool) {
	switch x := a.(type) {
	case Date:
		if y, ok := b.(Date); ok {
			return x.t.Compare(y.t), true
		}
	case Time:
		y, ok := b.(Time)
		if !ok || x.zoned != y.zoned {
			return 0, false
		}
		return cmpInt64(x.nanos-int64(x.offset)*1e9, y.nanos-int64(y.offset)*1e9), true
	case DateTime:
		y, ok := b.(DateTime)
		if !ok || x.zoned != y.zoned {
			return 0, false
		}
		return x.t.Compare(y.t), true
	case DaysTimeDuration:
		if y, ok := b.(DaysTimeDuration); ok {
			if c := cmpInt64(x.secs, y.secs); c != 0 {
				return c, true
			}
			return cmpInt64(int64(x.nanos), int64(y.nanos)), true
		}
	case YearsMonthsDuration:
		if y, ok := b.(YearsMonthsDuration); ok {
			return cmpInt64(x.months, y.months), true
		}
	}
	return 0, false
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// temporalEqual is '=' on temporal values of one kind, as Java's equals: a
// zoned date and time equals another only with the same wall clock, offset
// and zone. comparable is false for a local value against a zoned one.
func temporalEqual(a, b Value) (equal, comparable bool) {
	switch x := a.(type) {
	case Date:
		return x.t.Equal(b.(Date).t), true
	case Time:
		y := b.(Time)
		if x.zoned != y.zoned {
			return false, false
		}
		return x == y, true
	case DateTime:
		y := b.(DateTime)
		if x.zoned != y.zoned {
			return false, false
		}
		if !x.zoned {
			return x.t.Equal(y.t), true
		}
		_, xo := x.t.Zone()
		_, yo := y.t.Zone()
		return x.t.Equal(y.t) && xo == yo && x.zone == y.zone, true
	case DaysTimeDuration:
		return x == b.(DaysTimeDuration), true
	case YearsMonthsDuration:
		return x == b.(YearsMonthsDuration), true
	}
	return false, false
}

// dmnTemporalEqual is DMN's '=' on temporal values: times and dates and
// times are equal when they denote the same instant (or, for local values,
// the same wall clock) to the second, whatever their zones; the TCK takes
// seconds as the resolution of equality.
func dmnTemporalEqual(a, b Value) (equal, comparable bool) {
	switch x := a.(type) {
	case Time:
		y := b.(Time)
		if x.zoned != y.zoned {
			return false, false
		}
		xs := floorDiv(x.nanos, 1e9) - int64(x.offset)
		ys := floorDiv(y.nanos, 1e9) - int64(y.offset)
		return xs == ys, true
	case DateTime:
		y := b.(DateTime)
		if x.zoned != y.zoned {
			return false, false
		}
		return x.t.Unix() == y.t.Unix(), true
	}
	return temporalEqual(a, b)
}

// temporalProperty reads a property of a temporal value or a range; ok is
// false when v has no such property.
func temporalProperty(v Value, key string) (Value, bool) {
	switch x := v.(type) {
	case Date:
		return dateProperty(x.t, key)
	case Time:
		switch key {
		case "hour":
			return IntNumber(x.nanos / 3600e9), true
		case "minute":
			return IntNumber(x.nanos / 60e9 % 60), true
		case "second":
			return IntNumber(x.nanos / 1e9 % 60), true
		case "time offset":
			if !x.zoned {
				return Null{}, true
			}
			return DaysTimeDuration{secs: int64(x.offset)}, true
		case "timezone":
			if x.zone == "" {
				return Null{}, true
			}
			return String(x.zone), true
		}
	case DateTime:
		if p, ok := dateProperty(x.t, key); ok {
			return p, true
		}
		switch key {
		case "hour":
			return IntNumber(int64(x.t.Hour())), true
		case "minute":
			return IntNumber(int64(x.t.Minute())), true
		case "second":
			return IntNumber(int64(x.t.Second())), true
		case "time offset":
			if !x.zoned {
				return Null{}, true
			}
			_, off := x.t.Zone()
			return DaysTimeDuration{secs: int64(off)}, true
		case "timezone":
			if x.zone == "" {
				return Null{}, true
			}
			return String(x.zone), true
		}
	case DaysTimeDuration:
		// As Java: toDays, toHours % 24, toMinutes % 60, getSeconds % 60.
		secs := x.secs
		if secs < 0 && x.nanos > 0 {
			secs++ // truncate towards zero, as toDays does
		}
		switch key {
		case "days":
			return IntNumber(secs / 86400), true
		case "hours":
			return IntNumber(secs / 3600 % 24), true
		case "minutes":
			return IntNumber(secs / 60 % 60), true
		case "seconds":
			return IntNumber(x.secs % 60), true
		}
	case YearsMonthsDuration:
		switch key {
		case "years":
			return IntNumber(x.months / 12), true
		case "months":
			return IntNumber(x.months % 12), true
		}
	case Range:
		switch key {
		case "start":
			return orNull(x.Start), true
		case "end":
			return orNull(x.End), true
		case "start included":
			return Bool(x.StartIncluded), true
		case "end included":
			return Bool(x.EndIncluded), true
		}
	}
	return nil, false
}

func orNull(v Value) Value {
	if v == nil {
		return Null{}
	}
	return v
}

func dateProperty(t time.Time, key string) (Value, bool) {
	switch key {
	case "year":
		return IntNumber(int64(t.Year())), true
	case "month":
		return IntNumber(int64(t.Month())), true
	case "day":
		return IntNumber(int64(t.Day())), true
	case "weekday":
		return IntNumber(int64(isoWeekday(t))), true
	}
	return nil, false
}

// isoWeekday is 1 for Monday to 7 for Sunday.
func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// dmnDateOperands turns a date facing a zoned date and time into midnight
// UTC of that date, as DMN subtracts them; a local date and time does not
// combine with a date.
func dmnDateOperands(a, b Value) (Value, Value) {
	if d, ok := a.(Date); ok {
		if dt, ok := b.(DateTime); ok && dt.zoned {
			return DateTime{t: d.t, zoned: true}, b
		}
	}
	if d, ok := b.(Date); ok {
		if dt, ok := a.(DateTime); ok && dt.zoned {
			return a, DateTime{t: d.t, zoned: true}
		}
	}
	return a, b
}
