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
	if a.StartIncluded != b.StartIncluded || a.EndIncluded != b.EndIncluded {
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
		return Null{}, nil
	}
	return Range{Start: start, End: end, StartIncluded: n.startIncluded, EndIncluded: n.endIncluded}, nil
}
