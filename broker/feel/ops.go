package feel

import "unicode/utf8"

// valuesEqual compares a and b for FEEL's '='. comparable is false when the
// kinds differ (neither being null), in which case '=' is null. Lists are
// equal item by item and contexts entry by entry, whatever their key order;
// a nested pair of different kinds makes them unequal.
func valuesEqual(a, b Value) (equal, comparable bool) {
	return equalIn(a, b, false)
}

// equalIn is valuesEqual, with DMN's equality of times and dates and times
// when dmn is set (see dmnTemporalEqual).
func equalIn(a, b Value, dmn bool) (equal, comparable bool) {
	an, bn := isNull(a), isNull(b)
	if an || bn {
		return an && bn, true
	}
	if a.Kind() != b.Kind() {
		return false, false
	}
	switch x := a.(type) {
	case Bool:
		return x == b.(Bool), true
	case Number:
		return x.Cmp(b.(Number)) == 0, true
	case String:
		return x == b.(String), true
	case List:
		y := b.(List)
		if len(x) != len(y) {
			return false, true
		}
		for i := range x {
			if eq, ok := equalIn(x[i], y[i], dmn); !eq || !ok {
				return false, true
			}
		}
		return true, true
	case Range:
		return rangeEqual(x, b.(Range)), true
	case Date, Time, DateTime, DaysTimeDuration, YearsMonthsDuration:
		if dmn {
			return dmnTemporalEqual(a, b)
		}
		return temporalEqual(a, b)
	case *Context:
		y := b.(*Context)
		if x.Len() != y.Len() {
			return false, true
		}
		for _, e := range x.entries {
			other, ok := y.Get(e.Key)
			if !ok {
				return false, true
			}
			if eq, ok := equalIn(e.Value, other, dmn); !eq || !ok {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

func isNull(v Value) bool { return v == nil || v.Kind() == KindNull }

// equalValue is '=' as a FEEL value: a boolean, or null for values of
// different kinds.
func equalValue(a, b Value) Value {
	return equalValueIn(a, b, false)
}

func equalValueIn(a, b Value, dmn bool) Value {
	eq, ok := equalIn(a, b, dmn)
	if !ok {
		return Null{}
	}
	return Bool(eq)
}

// orderOf orders two values of the same ordered kind: numbers, strings and
// the temporal kinds. ok is false for anything else, null included.
func orderOf(a, b Value) (int, bool) {
	switch x := a.(type) {
	case Number:
		y, ok := b.(Number)
		if !ok {
			return 0, false
		}
		return x.Cmp(y), true
	case String:
		y, ok := b.(String)
		if !ok {
			return 0, false
		}
		return compareUTF16(string(x), string(y)), true
	}
	return orderTemporal(a, b)
}

// compareValues applies an ordering operator. Only values of the same
// ordered kind compare (see orderOf); anything else, null included, is null.
func compareValues(op tokenKind, a, b Value) Value {
	c, ok := orderOf(a, b)
	if !ok {
		return Null{}
	}
	switch op {
	case tokLt:
		return Bool(c < 0)
	case tokLe:
		return Bool(c <= 0)
	case tokGt:
		return Bool(c > 0)
	case tokGe:
		return Bool(c >= 0)
	}
	return Null{}
}

// compare applies any comparison operator.
func compare(op tokenKind, a, b Value) Value {
	return compareIn(op, a, b, false)
}

// compareIn is compare with DMN's equality when dmn is set.
func compareIn(op tokenKind, a, b Value, dmn bool) Value {
	switch op {
	case tokEq:
		return equalValueIn(a, b, dmn)
	case tokNe:
		if eq, ok := equalValueIn(a, b, dmn).(Bool); ok {
			return !eq
		}
		return Null{}
	}
	return compareValues(op, a, b)
}

// compareUTF16 orders strings by UTF-16 code units, as Java's compareTo does.
// It differs from Go's byte order only for characters above U+FFFF against
// characters from U+E000 to U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ha, la := utf16Units(ra)
			hb, lb := utf16Units(rb)
			switch {
			case ha != hb:
				return cmpUint16(ha, hb)
			default:
				return cmpUint16(la, lb)
			}
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

func utf16Units(r rune) (uint16, uint16) {
	if r < 0x10000 {
		return uint16(r), 0
	}
	r -= 0x10000
	return uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)
}

func cmpUint16(a, b uint16) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arithmetic applies + - * / **. Numbers combine with numbers, and '+' joins
// strings; any other operand, null included, makes the result null, as does
// division by zero or an overflow.
func arithmetic(op tokenKind, a, b Value) Value {
	if v, ok := temporalArithmetic(op, a, b); ok {
		return v
	}
	if op == tokPlus {
		if x, ok := a.(String); ok {
			if y, ok := b.(String); ok {
				return x + y
			}
			return Null{}
		}
	}
	x, ok := a.(Number)
	if !ok {
		return Null{}
	}
	y, ok := b.(Number)
	if !ok {
		return Null{}
	}
	var r Number
	switch op {
	case tokPlus:
		r, ok = x.add(y)
	case tokMinus:
		r, ok = x.sub(y)
	case tokStar:
		r, ok = x.mul(y)
	case tokSlash:
		r, ok = x.quo(y)
	case tokStarStar:
		r, ok = x.pow(y)
	default:
		ok = false
	}
	if !ok {
		return Null{}
	}
	return r
}

// and3 and or3 are FEEL's three-valued connectives over already evaluated
// operands: anything that is not a boolean counts as unknown.
func and3(a, b Value) Value {
	x, xok := a.(Bool)
	y, yok := b.(Bool)
	switch {
	case xok && !bool(x), yok && !bool(y):
		return Bool(false)
	case xok && yok:
		return Bool(true)
	}
	return Null{}
}

func or3(a, b Value) Value {
	x, xok := a.(Bool)
	y, yok := b.(Bool)
	switch {
	case xok && bool(x), yok && bool(y):
		return Bool(true)
	case xok && yok:
		return Bool(false)
	}
	return Null{}
}
