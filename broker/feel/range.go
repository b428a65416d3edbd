package feel

import "strings"

// Range is a FEEL range (an interval) such as [1..10], (a..b] or ]x..y[.
// Start or End is nil for a side without a bound, as in the range a unary
// test "< 10" stands for. Both bounds, when present, are of the same ordered
// kind: numbers, strings, dates, times, dates and times, or durations of one
// kind.
type Range struct {
	Start, End                 Value
	StartIncluded, EndIncluded bool
	// test is the operator of a range written as a unary comparison
	// ("(< 10)" under DMN), or tokEOF for an interval. Such a range equals
	// only the same comparison.
	test tokenKind
}

// Kind returns KindRange.
func (Range) Kind() Kind { return KindRange }

// String renders the range as FEEL writes it: "[1..10]", "(1..10]".
func (r Range) String() string {
	var b strings.Builder
	if r.StartIncluded {
		b.WriteByte('[')
	} else {
		b.WriteByte('(')
	}
	if r.Start != nil {
		b.WriteString(r.Start.String())
	}
	b.WriteString("..")
	if r.End != nil {
		b.WriteString(r.End.String())
	}
	if r.EndIncluded {
		b.WriteByte(']')
	} else {
		b.WriteByte(')')
	}
	return b.String()
}

func (Range) isValue() {}

// Contains tells whether v lies in the range: a Bool, or Null when v cannot
// be compared with the bounds (null, or a value of another kind).
func (r Range) Contains(v Value) Value {
	switch r.test {
	case tokEq:
		return equalValue(v, r.Start)
	case tokNe:
		return compare(tokNe, v, r.Start)
	}
	if r.Start != nil {
		c, ok := orderOf(v, r.Start)
		if !ok {
			return Null{}
		}
		if c < 0 || (c == 0 && !r.StartIncluded) {
			return Bool(false)
		}
	}
	if r.End != nil {
		c, ok := orderOf(v, r.End)
		if !ok {
			return Null{}
		}
		if c > 0 || (c == 0 && !r.EndIncluded) {
			return Bool(false)
		}
	}
	return Bool(true)
}

// rangeEqual compares two ranges: same bounds (by value) and same closedness.
func rangeEqual(a, b Range) bool {
	if a.test != b.test || a.StartIncluded != b.StartIncluded || a.EndIncluded != b.EndIncluded {
		return false
	}
	return boundEqual(a.Start, b.Start) && boundEqual(a.End, b.End)
}

func boundEqual(a, b Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	eq, ok := valuesEqual(a, b)
	return ok && eq
}

// rangeNode is [a..b], (a..b), ]a..b[ and the mixed forms.
type rangeNode struct {
	start, end                 node
	startIncluded, endIncluded bool
	d                          int
}

func (n *rangeNode) depth() int { return n.d }

// eval builds the range. Bounds that are null, not ordered, or of different
// kinds make the range null.
func (n *rangeNode) eval(ev *evaluator, sc *scope) (Value, error) {
	start, err := n.start.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	end, err := n.end.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if _, ok := orderOf(start, end); !ok {
		// Under DMN one bound may be null: the range exists, but nothing
		// is known to lie in it.
		if ev.dmn() && isNull(start) != isNull(end) && (orderedValue(start) || orderedValue(end)) {
			return Range{Start: start, End: end, StartIncluded: n.startIncluded, EndIncluded: n.endIncluded}, nil
		}
		return Null{}, nil
	}
	return Range{Start: start, End: end, StartIncluded: n.startIncluded, EndIncluded: n.endIncluded}, nil
}

// orderedValue reports whether v is of an ordered kind.
func orderedValue(v Value) bool {
	_, ok := orderOf(v, v)
	return ok
}

// comparisonRangeNode is a unary comparison as a range value, "(< 10)".
type comparisonRangeNode struct {
	op tokenKind
	x  node
	d  int
}

func (n *comparisonRangeNode) depth() int { return n.d }

func (n *comparisonRangeNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if isNull(v) {
		return Null{}, nil
	}
	r := Range{test: n.op}
	switch n.op {
	case tokLt, tokLe:
		r.End, r.EndIncluded = v, n.op == tokLe
	case tokGt, tokGe:
		r.Start, r.StartIncluded = v, n.op == tokGe
	case tokEq, tokNe:
		r.Start, r.End = v, v
		r.StartIncluded, r.EndIncluded = n.op == tokEq, n.op == tokEq
	}
	return r, nil
}
