package feel

import (
	"math"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zone rules travel with the binary, so every broker reads the same
)

// Parsing of the text forms that date(), time(), date and time(),
// duration() and @"..." literals accept. Anything else is not a temporal
// value (null, or a syntax error for a literal).

// parseDateText reads "2019-03-31", "-0044-03-15" or "10000-01-01".
func parseDateText(s string) (Date, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	dash := strings.IndexByte(s, '-')
	if dash < 4 || dash > 9 || (dash > 4 && s[0] == '0') || len(s) != dash+6 || s[dash+3] != '-' {
		return Date{}, false
	}
	year, ok1 := digits(s[:dash])
	month, ok2 := digits(s[dash+1 : dash+3])
	day, ok3 := digits(s[dash+4:])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, false
	}
	if neg {
		year = -year
	}
	return NewDate(int(year), time.Month(month), int(day))
}

// digits reads a run of ASCII digits (at most 18).
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, true
}

// parseClock reads HH:mm[:ss[.fffffffff]] at the start of s and returns the
// nanoseconds since midnight and the rest of s.
func parseClock(s string) (int64, string, bool) {
	if len(s) < 5 || s[2] != ':' {
		return 0, "", false
	}
	h, ok1 := digits(s[:2])
	m, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, "", false
	}
	nanos := h*3600e9 + m*60e9
	rest := s[5:]
	if strings.HasPrefix(rest, ":") {
		if len(rest) < 3 {
			return 0, "", false
		}
		sec, ok := digits(rest[1:3])
		if !ok || sec > 59 {
			return 0, "", false
		}
		nanos += sec * 1e9
		rest = rest[3:]
		if strings.HasPrefix(rest, ".") {
			n := 1
			for n < len(rest) && isDigit(rest[n]) {
				n++
			}
			if n == 1 || n > 10 {
				return 0, "", false
			}
			frac, _ := digits(rest[1:n])
			for i := n - 1; i < 9; i++ {
				frac *= 10
			}
			nanos += frac
			rest = rest[n:]
		}
	}
	return nanos, rest, true
}

// parseOffset reads "Z", "+02:00", "-05:30" or "+02:00:30" (the whole of s);
// offsets lie within ±18 hours, as in Java.
func parseOffset(s string) (int, bool) {
	if s == "Z" {
		return 0, true
	}
	if len(s) != 6 && len(s) != 9 {
		return 0, false
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	if s[3] != ':' || (len(s) == 9 && s[6] != ':') {
		return 0, false
	}
	h, ok1 := digits(s[1:3])
	m, ok2 := digits(s[4:6])
	var sec int64
	ok3 := true
	if len(s) == 9 {
		sec, ok3 = digits(s[7:9])
	}
	if !ok1 || !ok2 || !ok3 || m > 59 || sec > 59 {
		return 0, false
	}
	off := int(h*3600 + m*60 + sec)
	if off > 18*3600 {
		return 0, false
	}
	return sign * off, true
}

// zoneSuffix reads what follows a clock: nothing (local), an offset, or
// "@" and a zone id.
type zoneSuffix struct {
	zoned  bool
	offset int
	loc    *time.Location // set for a zone id
	name   string
}

func parseZoneSuffix(s string) (zoneSuffix, bool) {
	switch {
	case s == "":
		return zoneSuffix{}, true
	case strings.HasPrefix(s, "@"):
		loc, ok := loadZone(s[1:])
		if !ok {
			return zoneSuffix{}, false
		}
		return zoneSuffix{zoned: true, loc: loc, name: s[1:]}, true
	}
	off, ok := parseOffset(s)
	return zoneSuffix{zoned: true, offset: off}, ok
}

// parseTimeText reads "10:30:00", "10:30:00.5+02:00", "10:30:00Z" or
// "10:30:00@Europe/Paris". A time in a zone takes the zone's standard
// offset, as feel-scala does (a time alone cannot know whether summer time
// applies).
func parseTimeText(s string) (Time, bool) {
	nanos, rest, ok := parseClock(s)
	if !ok {
		return Time{}, false
	}
	z, ok := parseZoneSuffix(rest)
	if !ok {
		return Time{}, false
	}
	t := Time{nanos: nanos, zoned: z.zoned, offset: z.offset}
	if z.loc != nil {
		t.zone, t.offset = z.name, standardOffset(z.loc)
	}
	return t, true
}

// parseDateTimeText reads a date, "T" and a time as parseTimeText does; a
// date alone is its midnight, local.
func parseDateTimeText(s string) (DateTime, bool) {
	i := strings.IndexByte(s, 'T')
	if i < 0 {
		d, ok := parseDateText(s)
		if !ok {
			return DateTime{}, false
		}
		return DateTime{t: d.t}, true
	}
	d, ok := parseDateText(s[:i])
	if !ok {
		return DateTime{}, false
	}
	nanos, rest, ok := parseClock(s[i+1:])
	if !ok {
		return DateTime{}, false
	}
	z, ok := parseZoneSuffix(rest)
	if !ok {
		return DateTime{}, false
	}
	wall := d.t.Add(time.Duration(nanos))
	return dateTimeIn(wall, z), true
}

// dateTimeIn places a wall clock (held in UTC) in a zone suffix.
func dateTimeIn(wall time.Time, z zoneSuffix) DateTime {
	switch {
	case !z.zoned:
		return DateTime{t: wall}
	case z.loc != nil:
		return DateTime{t: resolveLocal(wall, z.loc, 0, false), zoned: true, zone: z.name}
	}
	return DateTime{t: wall.Add(-time.Duration(z.offset) * time.Second).In(fixedZone(z.offset)), zoned: true}
}

var fixedZones sync.Map // offset seconds -> *time.Location

// fixedZone returns a location with a constant offset and no name.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if loc, ok := fixedZones.Load(off); ok {
		return loc.(*time.Location)
	}
	loc, _ := fixedZones.LoadOrStore(off, time.FixedZone("", off))
	return loc.(*time.Location)
}

var zones sync.Map // name -> *time.Location

// loadZone loads an IANA zone ("Europe/Paris", "UTC"). The host's own zone
// ("Local", "") is refused: a result must not depend on the machine.
func loadZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, false
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	zones.Store(name, loc)
	return loc, true
}

// standardOffset is the zone's offset outside summer time, taken from a
// fixed year so that it does not depend on the clock.
func standardOffset(loc *time.Location) int {
	for _, m := range []time.Month{time.January, time.July} {
		t := time.Date(2023, m, 1, 12, 0, 0, 0, loc)
		if !t.IsDST() {
			_, off := t.Zone()
			return off
		}
	}
	_, off := time.Date(2023, time.January, 1, 12, 0, 0, 0, loc).Zone()
	return off
}

// resolveLocal finds the instant at which loc's clocks show the wall clock
// (given in UTC), as Java's ZonedDateTime.ofLocal does: in a gap (spring
// forward) the time moves forward by the gap's length; in an overlap (fall
// back) it takes the preferred offset when that one is possible, else the
// earlier offset.
func resolveLocal(wall time.Time, loc *time.Location, prefer int, hasPrefer bool) time.Time {
	local := wall.Unix()
	ns := int64(wall.Nanosecond())
	type period struct {
		start, end int64
		off        int
	}
	var periods []period
	t := time.Unix(local-2*86400, 0).In(loc)
	for range 8 {
		_, off := t.Zone()
		s, e := t.ZoneBounds()
		p := period{start: math.MinInt64, end: math.MaxInt64, off: off}
		if !s.IsZero() {
			p.start = s.Unix()
		}
		if !e.IsZero() {
			p.end = e.Unix()
		}
		periods = append(periods, p)
		if e.IsZero() || p.end > local+2*86400 {
			break
		}
		t = e.In(loc)
	}
	var valid []period
	for _, p := range periods {
		if i := local - int64(p.off); i >= p.start && i < p.end {
			valid = append(valid, p)
		}
	}
	switch {
	case len(valid) == 1:
		return time.Unix(local-int64(valid[0].off), ns).In(loc)
	case len(valid) > 1:
		best := valid[0]
		for _, p := range valid {
			if hasPrefer && p.off == prefer {
				best = p
				break
			}
			if p.off > best.off {
				best = p // the earlier instant
			}
		}
		return time.Unix(local-int64(best.off), ns).In(loc)
	}
	// A gap: the wall clock lies past the end of a period under its offset
	// and before the start of the next under the next one's. Use the offset
	// from before the gap.
	for k := 0; k+1 < len(periods); k++ {
		if local-int64(periods[k].off) >= periods[k].end && local-int64(periods[k+1].off) < periods[k+1].start {
			return time.Unix(local-int64(periods[k].off), ns).In(loc)
		}
	}
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}

// parseDurationText reads an ISO 8601 duration as FEEL knows them: years
// and months ("P1Y2M", "-P3M") or days and time ("P1DT2H", "PT0.5S",
// "-P2D"). A mix of the two kinds, weeks, or a negative part is not one.
func parseDurationText(s string) (Value, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return nil, false
	}
	s = s[1:]
	datePart, timePart, hasT := strings.Cut(s, "T")
	if hasT && timePart == "" {
		return nil, false
	}
	var years, months, days int64
	var haveYM, haveD bool
	for _, unit := range []byte{'Y', 'M', 'D'} {
		if datePart == "" {
			break
		}
		i := strings.IndexByte(datePart, unit)
		if i < 0 {
			continue
		}
		v, ok := digits(datePart[:i])
		if !ok {
			return nil, false
		}
		switch unit {
		case 'Y':
			years, haveYM = v, true
		case 'M':
			months, haveYM = v, true
		case 'D':
			days, haveD = v, true
		}
		datePart = datePart[i+1:]
	}
	if datePart != "" {
		return nil, false
	}
	if haveYM {
		if haveD || hasT {
			return nil, false
		}
		total, ok := mulAdd(years, 12, months)
		if !ok {
			return nil, false
		}
		if neg {
			total = -total
		}
		return YearsMonthsDuration{months: total}, true
	}
	var hours, minutes, secs, nanos int64
	for _, unit := range []byte{'H', 'M', 'S'} {
		if timePart == "" {
			break
		}
		i := strings.IndexByte(timePart, unit)
		if i < 0 {
			continue
		}
		text := timePart[:i]
		timePart = timePart[i+1:]
		if unit == 'S' {
			whole, frac, hasFrac := strings.Cut(text, ".")
			v, ok := digits(whole)
			if !ok {
				return nil, false
			}
			secs = v
			if hasFrac && frac != "" {
				f, ok := digits(frac)
				if !ok || len(frac) > 9 {
					return nil, false
				}
				for j := len(frac); j < 9; j++ {
					f *= 10
				}
				nanos = f
			}
			continue
		}
		v, ok := digits(text)
		if !ok {
			return nil, false
		}
		if unit == 'H' {
			hours = v
		} else {
			minutes = v
		}
	}
	if timePart != "" {
		return nil, false
	}
	if hours > math.MaxInt64/3600 || minutes > math.MaxInt64/60 {
		return nil, false
	}
	total, ok := mulAdd(days, 86400, 0)
	if ok {
		total, ok = addChecked(total, hours*3600)
	}
	if ok {
		total, ok = addChecked(total, minutes*60)
	}
	if ok {
		total, ok = addChecked(total, secs)
	}
	if !ok {
		return nil, false
	}
	d := DaysTimeDuration{secs: total, nanos: int32(nanos)}
	if neg {
		if d, ok = d.neg(); !ok {
			return nil, false
		}
	}
	return d, true
}

// mulAdd returns a*b + c, or ok=false on overflow.
func mulAdd(a, b, c int64) (int64, bool) {
	if a != 0 && (a > math.MaxInt64/b || a < math.MinInt64/b) {
		return 0, false
	}
	return addChecked(a*b, c)
}

func addChecked(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// parseTemporal reads the text of an @"..." literal.
func parseTemporal(s string) (Value, bool) {
	switch {
	case strings.HasPrefix(s, "P") || strings.HasPrefix(s, "-P"):
		return parseDurationText(s)
	case strings.Contains(s, "T"):
		return parseDateTimeText(s)
	case len(s) >= 3 && s[2] == ':':
		return parseTimeText(s)
	}
	return parseDateText(s)
}

// parseEndOfDay reads a date and time at 24:00:00, which XML Schema and DMN
// allow as the first instant of the next day.
func parseEndOfDay(s string) (Value, bool) {
	i := strings.Index(s, "T24:00:00")
	if i < 0 {
		return nil, false
	}
	rest := s[i+len("T24:00:00"):]
	if strings.HasPrefix(rest, ".") {
		j := 1
		for j < len(rest) && rest[j] == '0' {
			j++
		}
		rest = rest[j:]
	}
	dt, ok := parseDateTimeText(s[:i] + "T00:00:00" + rest)
	if !ok {
		return nil, false
	}
	v, ok := temporalAdd(dt, DaysTimeDuration{secs: 86400})
	return v, ok
}
