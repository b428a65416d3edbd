package feel

// Range functions (DMN 1.4 section 10.3.4.12, feel-scala 1.17): relations
// between points and ranges. A point is any value that is not a range. A
// range without a start or an end ("< 10") is unbounded on that side. Values
// that do not compare (different kinds, null) make the result null.
var rangeBuiltins = func() map[string][]builtin {
	m := map[string][]builtin{}
	for name, f := range map[string]func(a, b Value) Value{
		"before":          rangeBefore,
		"after":           func(a, b Value) Value { return rangeBefore(b, a) },
		"meets":           rangeMeets,
		"met by":          func(a, b Value) Value { return rangeMeets(b, a) },
		"overlaps":        rangeOverlaps,
		"overlaps before": rangeOverlapsBefore,
		"overlaps after":  func(a, b Value) Value { return rangeOverlapsBefore(b, a) },
		"finishes":        rangeFinishes,
		"finished by":     func(a, b Value) Value { return rangeFinishes(b, a) },
		"includes":        rangeIncludes,
		"during":          func(a, b Value) Value { return rangeIncludes(b, a) },
		"starts":          rangeStarts,
		"started by":      func(a, b Value) Value { return rangeStarts(b, a) },
		"coincides":       rangeCoincides,
	} {
		invoke := func(args []Value) Value {
			if isNull(args[0]) || isNull(args[1]) {
				return Null{}
			}
			return f(args[0], args[1])
		}
		// The parameter names differ by the kinds of the arguments; a call
		// with named arguments picks the overload by its names.
		for _, names := range [][]string{
			{"range1", "range2"}, {"point", "range"}, {"range", "point"}, {"point1", "point2"},
		} {
			m[name] = append(m[name], builtin{params: names, invoke: invoke})
		}
	}
	return m
}()

// bound is one end of a range: a value, or infinity when v is nil.
type bound struct {
	v        Value
	included bool
	start    bool // a start (nil is -inf) rather than an end (nil is +inf)
}

func startOf(r Range) bound { return bound{v: r.Start, included: r.StartIncluded, start: true} }
func endOf(r Range) bound   { return bound{v: r.End, included: r.EndIncluded} }
func point(v Value) bound   { return bound{v: v, included: true} }

// rel compares two bounds' values; ok is false when they do not compare.
func rel(a, b bound) (int, bool) {
	inf := func(x bound) int {
		if x.start {
			return -1
		}
		return 1
	}
	switch {
	case a.v == nil && b.v == nil:
		return inf(a) - inf(b), true
	case a.v == nil:
		return inf(a), true
	case b.v == nil:
		return -inf(b), true
	}
	return orderOf(a.v, b.v)
}

// logic evaluates a relation built from comparisons; a comparison that
// fails makes the whole relation null.
type logic struct{ failed bool }

func (l *logic) cmp(a, b bound) int {
	c, ok := rel(a, b)
	if !ok {
		l.failed = true
	}
	return c
}

func (l *logic) lt(a, b bound) bool { return l.cmp(a, b) < 0 }
func (l *logic) gt(a, b bound) bool { return l.cmp(a, b) > 0 }
func (l *logic) eq(a, b bound) bool { return l.cmp(a, b) == 0 }

func (l *logic) result(b bool) Value {
	if l.failed {
		return Null{}
	}
	return Bool(b)
}

func rangeBefore(a, b Value) Value {
	var l logic
	ra, aRange := a.(Range)
	rb, bRange := b.(Range)
	switch {
	case !aRange && !bRange:
		return l.result(l.lt(point(a), point(b)))
	case !aRange:
		s := startOf(rb)
		return l.result(l.lt(point(a), s) || (l.eq(point(a), s) && !s.included))
	case !bRange:
		e := endOf(ra)
		return l.result(l.lt(e, point(b)) || (l.eq(e, point(b)) && !e.included))
	}
	e, s := endOf(ra), startOf(rb)
	return l.result(l.lt(e, s) || ((!e.included || !s.included) && l.eq(e, s)))
}

func rangeMeets(a, b Value) Value {
	ra, ok1 := a.(Range)
	rb, ok2 := b.(Range)
	if !ok1 || !ok2 {
		return Null{}
	}
	var l logic
	e, s := endOf(ra), startOf(rb)
	return l.result(e.included && s.included && l.eq(e, s))
}

func rangeOverlaps(a, b Value) Value {
	ra, ok1 := a.(Range)
	rb, ok2 := b.(Range)
	if !ok1 || !ok2 {
		return Null{}
	}
	var l logic
	s1, e1, s2, e2 := startOf(ra), endOf(ra), startOf(rb), endOf(rb)
	left := l.gt(e1, s2) || (l.eq(e1, s2) && e1.included && s2.included)
	right := l.lt(s1, e2) || (l.eq(s1, e2) && s1.included && e2.included)
	return l.result(left && right)
}

func rangeOverlapsBefore(a, b Value) Value {
	ra, ok1 := a.(Range)
	rb, ok2 := b.(Range)
	if !ok1 || !ok2 {
		return Null{}
	}
	var l logic
	s1, e1, s2, e2 := startOf(ra), endOf(ra), startOf(rb), endOf(rb)
	c1 := l.lt(s1, s2) || (l.eq(s1, s2) && s1.included && !s2.included)
	c2 := l.gt(e1, s2) || (l.eq(e1, s2) && e1.included && s2.included)
	c3 := l.lt(e1, e2) || (l.eq(e1, e2) && (!e1.included || e2.included))
	return l.result(c1 && c2 && c3)
}

func rangeFinishes(a, b Value) Value {
	rb, ok := b.(Range)
	if !ok {
		return Null{}
	}
	var l logic
	e2 := endOf(rb)
	ra, aRange := a.(Range)
	if !aRange {
		return l.result(e2.included && l.eq(point(a), e2))
	}
	s1, e1, s2 := startOf(ra), endOf(ra), startOf(rb)
	return l.result(e1.included == e2.included && l.eq(e1, e2) &&
		(l.gt(s1, s2) || (l.eq(s1, s2) && (!s1.included || s2.included))))
}

func rangeIncludes(a, b Value) Value {
	ra, ok := a.(Range)
	if !ok {
		return Null{}
	}
	var l logic
	s1, e1 := startOf(ra), endOf(ra)
	rb, bRange := b.(Range)
	if !bRange {
		p := point(b)
		return l.result((l.lt(s1, p) && l.gt(e1, p)) || (l.eq(s1, p) && s1.included) || (l.eq(e1, p) && e1.included))
	}
	s2, e2 := startOf(rb), endOf(rb)
	return l.result((l.lt(s1, s2) || (l.eq(s1, s2) && (s1.included || !s2.included))) &&
		(l.gt(e1, e2) || (l.eq(e1, e2) && (e1.included || !e2.included))))
}

func rangeStarts(a, b Value) Value {
	rb, ok := b.(Range)
	if !ok {
		return Null{}
	}
	var l logic
	s2 := startOf(rb)
	ra, aRange := a.(Range)
	if !aRange {
		return l.result(s2.included && l.eq(point(a), s2))
	}
	s1, e1, e2 := startOf(ra), endOf(ra), endOf(rb)
	return l.result(l.eq(s1, s2) && s1.included == s2.included &&
		(l.lt(e1, e2) || (l.eq(e1, e2) && (!e1.included || e2.included))))
}

func rangeCoincides(a, b Value) Value {
	ra, aRange := a.(Range)
	rb, bRange := b.(Range)
	var l logic
	switch {
	case !aRange && !bRange:
		return l.result(l.eq(point(a), point(b)))
	case aRange && bRange:
		s1, e1, s2, e2 := startOf(ra), endOf(ra), startOf(rb), endOf(rb)
		return l.result(l.eq(s1, s2) && s1.included == s2.included && l.eq(e1, e2) && e1.included == e2.included)
	}
	return Null{}
}
