package feel

import (
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Rounding modes of Java's BigDecimal.setScale, as apd names them.
const (
	roundDown     = apd.RoundDown
	roundUp       = apd.RoundUp
	roundFloor    = apd.RoundFloor
	roundCeiling  = apd.RoundCeiling
	roundHalfUp   = apd.RoundHalfUp
	roundHalfDown = apd.RoundHalfDown
	roundHalfEven = apd.RoundHalfEven
)

// maxScaledDigits bounds the digits a rounding may produce (Java has no
// limit; decimal(1, 100000000) would need 10^8 digits).
const maxScaledDigits = 10000

// roundScale is BigDecimal.setScale(scale, mode): n with exactly scale
// digits after the point.
func roundScale(n Number, scale int64, mode apd.Rounder) (Number, bool) {
	if scale > maxScaledDigits || scale < -maxScaledDigits {
		return Number{}, false
	}
	d := n.dec()
	digits := int64(d.Exponent) + d.NumDigits() + scale + 1
	if digits < 1 {
		digits = 1
	}
	if digits > maxScaledDigits {
		return Number{}, false
	}
	ctx := decimalContext.WithPrecision(uint32(digits))
	ctx.Rounding = mode
	ctx.MaxExponent = apd.MaxExponent
	ctx.MinExponent = apd.MinExponent
	r := new(apd.Decimal)
	if _, err := ctx.Quantize(r, d, int32(-scale)); err != nil || r.Form != apd.Finite || !inExponentRange(r) {
		return Number{}, false
	}
	return newNumber(r), true
}

func roundingBuiltin(mode apd.Rounder) builtin {
	return builtin{params: []string{"n", "scale"}, invoke: func(args []Value) Value {
		n, ok := args[0].(Number)
		scale, ok2 := intArg(args[1])
		if !ok || !ok2 {
			return Null{}
		}
		return numberOrNull(roundScale(n, scale, mode))
	}}
}

func roundingBuiltin1(mode apd.Rounder) builtin {
	return builtin{params: []string{"n"}, invoke: func(args []Value) Value {
		n, ok := args[0].(Number)
		if !ok {
			return Null{}
		}
		return numberOrNull(roundScale(n, 0, mode))
	}}
}

func numberBuiltin(param string, f func(n Number) Value) builtin {
	return builtin{params: []string{param}, invoke: func(args []Value) Value {
		n, ok := args[0].(Number)
		if !ok {
			return Null{}
		}
		return f(n)
	}}
}

// viaFloat computes through float64, as feel-scala does for sqrt, log and
// exp; an infinite or undefined result is null.
func viaFloat(f float64) Value {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Null{}
	}
	r, err := ParseNumber(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil {
		return Null{}
	}
	return r
}

func (n Number) abs() Number {
	if n.Sign() < 0 {
		return n.neg()
	}
	return n
}

// rem is Java's BigDecimal.remainder: the sign follows the dividend.
func (n Number) rem(o Number) (Number, bool) {
	if o.Sign() == 0 {
		return Number{}, false
	}
	return decimalOp(decimalContext.Rem, n, o)
}

// absBuiltin is abs of a number or, since feel-scala 1.14, of a duration.
func absBuiltin(param string) builtin {
	return builtin{params: []string{param}, invoke: func(args []Value) Value {
		switch x := args[0].(type) {
		case Number:
			return x.abs()
		case DaysTimeDuration:
			if a, ok := x.abs(); ok {
				return a
			}
		case YearsMonthsDuration:
			if x.months < 0 && x.months != math.MinInt64 {
				return YearsMonthsDuration{months: -x.months}
			}
			if x.months >= 0 {
				return x
			}
		}
		return Null{}
	}}
}

var numericBuiltins = map[string][]builtin{
	"decimal":         {roundingBuiltin(roundHalfEven)},
	"floor":           {roundingBuiltin1(roundFloor), roundingBuiltin(roundFloor)},
	"ceiling":         {roundingBuiltin1(roundCeiling), roundingBuiltin(roundCeiling)},
	"round up":        {roundingBuiltin(roundUp)},
	"round down":      {roundingBuiltin(roundDown)},
	"round half up":   {roundingBuiltin(roundHalfUp)},
	"round half down": {roundingBuiltin(roundHalfDown)},
	"abs":             {absBuiltin("n"), absBuiltin("number")},
	"modulo": {{params: []string{"dividend", "divisor"}, invoke: func(args []Value) Value {
		a, ok := args[0].(Number)
		b, ok2 := args[1].(Number)
		if !ok || !ok2 {
			return Null{}
		}
		// ((a % b) + b) % b, as feel-scala computes it.
		r, ok := a.rem(b)
		if !ok {
			return Null{}
		}
		if r, ok = r.add(b); !ok {
			return Null{}
		}
		return numberOrNull(r.rem(b))
	}}},
	"sqrt": {numberBuiltin("number", func(n Number) Value {
		if n.Sign() < 0 {
			return Null{}
		}
		return viaFloat(math.Sqrt(n.Float64()))
	})},
	"log": {numberBuiltin("number", func(n Number) Value {
		if n.Sign() <= 0 {
			return Null{}
		}
		return viaFloat(math.Log(n.Float64()))
	})},
	"exp": {numberBuiltin("number", func(n Number) Value { return viaFloat(math.Exp(n.Float64())) })},
	"odd": {numberBuiltin("number", func(n Number) Value {
		r, ok := n.abs().rem(IntNumber(2))
		return Bool(ok && r.Cmp(IntNumber(1)) == 0)
	})},
	"even": {numberBuiltin("number", func(n Number) Value {
		r, ok := n.rem(IntNumber(2))
		return Bool(ok && r.Sign() == 0)
	})},
}
