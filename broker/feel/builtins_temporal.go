package feel

import (
	"time"
)

// Temporal functions: the constructors date(), time(), date and time(),
// duration() and years and months duration(), the clock functions now() and
// today(), and the calendar functions, as feel-scala 1.17 defines them.
var temporalBuiltins = map[string][]builtin{
	"date": {
		{params: []string{"from"}, invoke: func(args []Value) Value {
			switch x := args[0].(type) {
			case String:
				if d, ok := parseDateText(string(x)); ok {
					return d
				}
			case Date:
				return x
			case DateTime:
				return dateOf(x.t)
			}
			return Null{}
		}},
		{params: []string{"year", "month", "day"}, invoke: func(args []Value) Value {
			y, ok1 := intArg(args[0])
			m, ok2 := intArg(args[1])
			d, ok3 := intArg(args[2])
			if !ok1 || !ok2 || !ok3 {
				return Null{}
			}
			if date, ok := NewDate(int(y), time.Month(m), int(d)); ok {
				return date
			}
			return Null{}
		}},
	},
	"time": {
		{params: []string{"from"}, invoke: func(args []Value) Value {
			switch x := args[0].(type) {
			case String:
				if t, ok := parseTimeText(string(x)); ok {
					return t
				}
			case Time:
				return x
			case DateTime:
				return timeOf(x)
			case Date:
				return Time{zoned: true} // midnight UTC, as feel-scala
			}
			return Null{}
		}},
		{params: []string{"hour", "minute", "second"}, invoke: func(args []Value) Value {
			return clockTime(args[0], args[1], args[2], Null{})
		}},
		{params: []string{"hour", "minute", "second", "offset"}, invoke: func(args []Value) Value {
			return clockTime(args[0], args[1], args[2], args[3])
		}},
	},
	"date and time": {
		{params: []string{"from"}, invoke: func(args []Value) Value {
			if s, ok := args[0].(String); ok {
				if dt, ok := parseDateTimeText(string(s)); ok {
					return dt
				}
			}
			return Null{}
		}},
		{params: []string{"date", "time"}, invoke: func(args []Value) Value {
			return combineDateTime(args[0], args[1])
		}},
	},
	"duration": {{params: []string{"from"}, invoke: func(args []Value) Value {
		if s, ok := args[0].(String); ok {
			if d, ok := parseDurationText(string(s)); ok {
				return d
			}
		}
		return Null{}
	}}},
	"years and months duration": {{params: []string{"from", "to"}, invoke: func(args []Value) Value {
		from, ok1 := calendarDate(args[0])
		to, ok2 := calendarDate(args[1])
		if !ok1 || !ok2 {
			return Null{}
		}
		return YearsMonthsDuration{months: monthsBetween(from, to)}
	}}},
	"now": {{params: []string{}, withEval: func(ev *evaluator, _ []Value) (Value, error) {
		return dateTimeAt(ev.now()), nil
	}}},
	"today": {{params: []string{}, withEval: func(ev *evaluator, _ []Value) (Value, error) {
		return dateOf(ev.now()), nil
	}}},
	"day of week":   {calendarBuiltin(func(t time.Time) Value { return String(t.Weekday().String()) })},
	"month of year": {calendarBuiltin(func(t time.Time) Value { return String(t.Month().String()) })},
	"day of year":   {calendarBuiltin(func(t time.Time) Value { return IntNumber(int64(t.YearDay())) })},
	"week of year": {calendarBuiltin(func(t time.Time) Value {
		_, w := t.ISOWeek()
		return IntNumber(int64(w))
	})},
	"last day of month": {calendarBuiltin(func(t time.Time) Value {
		return IntNumber(int64(daysIn(t.Year(), t.Month())))
	})},
	"is": {{params: []string{"value1", "value2"}, invoke: func(args []Value) Value {
		a, b := args[0], args[1]
		if a.Kind() != b.Kind() {
			return Bool(false)
		}
		eq, ok := valuesEqual(a, b)
		return Bool(eq && ok)
	}}},
}

// calendarBuiltin is a function of the calendar day of a date or a date and
// time.
func calendarBuiltin(f func(t time.Time) Value) builtin {
	return builtin{params: []string{"date"}, invoke: func(args []Value) Value {
		t, ok := calendarDate(args[0])
		if !ok {
			return Null{}
		}
		return f(t)
	}}
}

// calendarDate returns the day of a date or a date and time, at midnight
// UTC.
func calendarDate(v Value) (time.Time, bool) {
	switch x := v.(type) {
	case Date:
		return x.t, true
	case DateTime:
		return dateOf(x.t).t, true
	}
	return time.Time{}, false
}

// monthsBetween counts the whole months from a to b, as Java's
// Period.between does, dropping the days.
func monthsBetween(a, b time.Time) int64 {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	months := (int64(by)-int64(ay))*12 + int64(bm) - int64(am)
	switch {
	case months > 0 && bd < ad:
		months--
	case months < 0 && bd > ad:
		months++
	}
	return months
}

// timeOf is the time of a date and time, keeping its offset or zone.
func timeOf(dt DateTime) Time {
	t := Time{nanos: clockNanos(dt.t)}
	if dt.zoned {
		_, off := dt.t.Zone()
		t.zoned, t.offset, t.zone = true, off, dt.zone
	}
	return t
}

// clockTime builds a time from hour, minute, second (which may have a
// fraction) and an optional offset as a days and time duration.
func clockTime(hour, minute, second, offset Value) Value {
	h, ok1 := intArg(hour)
	m, ok2 := intArg(minute)
	sec, ok3 := second.(Number)
	if !ok1 || !ok2 || !ok3 || h < 0 || h > 23 || m < 0 || m > 59 {
		return Null{}
	}
	nanos, ok := scaleDuration(DaysTimeDuration{secs: 1}, sec, false)
	if !ok {
		return Null{}
	}
	d := nanos.(DaysTimeDuration)
	if d.secs < 0 || d.secs > 59 {
		return Null{}
	}
	t := Time{nanos: h*3600e9 + m*60e9 + d.secs*1e9 + int64(d.nanos)}
	switch o := offset.(type) {
	case Null:
	case DaysTimeDuration:
		if o.nanos != 0 || o.secs > 18*3600 || o.secs < -18*3600 {
			return Null{}
		}
		t.zoned, t.offset = true, int(o.secs)
	default:
		return Null{}
	}
	return t
}

// combineDateTime is date and time(date, time): the day of the first
// argument (a date or a date and time) at the time of the second; or, with
// a zone id as second argument, the date and time placed in that zone.
func combineDateTime(date, clock Value) Value {
	if zone, ok := clock.(String); ok {
		dt, ok := date.(DateTime)
		loc, ok2 := loadZone(string(zone))
		if !ok || !ok2 {
			return Null{}
		}
		if dt.zoned {
			return DateTime{t: dt.t.In(loc), zoned: true, zone: string(zone)}
		}
		return DateTime{t: resolveLocal(dt.t, loc, 0, false), zoned: true, zone: string(zone)}
	}
	day, ok := calendarDate(date)
	t, ok2 := clock.(Time)
	if !ok || !ok2 {
		return Null{}
	}
	wall := day.Add(time.Duration(t.nanos))
	switch {
	case !t.zoned:
		return DateTime{t: wall}
	case t.zone != "":
		loc, _ := loadZone(t.zone)
		return DateTime{t: resolveLocal(wall, loc, 0, false), zoned: true, zone: t.zone}
	}
	return dateTimeIn(wall, zoneSuffix{zoned: true, offset: t.offset})
}
