package feel

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Limits of the decimal arithmetic. They follow Java's DECIMAL128, which
// feel-scala uses for every operation: 34 significant digits, half-even
// rounding, and an exponent range of about ±6144. Exact inputs (literals and
// JSON numbers) keep all their digits; only results of operations are rounded.
const (
	numberPrecision   = 34
	numberMaxExponent = 6144
	numberMinExponent = -6143
)

// decimalContext is shared by all evaluations. apd reads a Context without
// changing it, so sharing it across goroutines is safe.
var decimalContext = &apd.Context{
	Precision:   numberPrecision,
	MaxExponent: numberMaxExponent,
	MinExponent: numberMinExponent,
	Rounding:    apd.RoundHalfEven,
	// Underflow and Subnormal are left untrapped: a tiny result rounds towards
	// zero, as it would in Java, instead of failing.
	Traps: apd.SystemOverflow | apd.SystemUnderflow | apd.Overflow |
		apd.DivisionUndefined | apd.DivisionByZero | apd.DivisionImpossible |
		apd.InvalidOperation,
}

// Number is a FEEL number: an exact decimal. The zero value is 0. A Number is
// immutable; operations return new Numbers.
type Number struct {
	d *apd.Decimal
}

var errNotANumber = errors.New("not a number")

// ParseNumber reads a decimal number such as "12", "-0.5", ".5" or "1.2e3".
// It keeps every digit: no rounding happens. Infinities, NaN, spaces and
// numbers whose exponent lies outside FEEL's range are rejected.
func ParseNumber(s string) (Number, error) {
	if !isDecimalSyntax(s) {
		return Number{}, errNotANumber
	}
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return Number{}, errNotANumber
	}
	if !inExponentRange(d) {
		return Number{}, errors.New("number out of range")
	}
	return newNumber(d), nil
}

// IntNumber returns the Number for i.
func IntNumber(i int64) Number {
	return Number{d: apd.New(i, 0)}
}

// isDecimalSyntax accepts [+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?,
// the forms Java's BigDecimal reads, and nothing else.
func isDecimalSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	intDigits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			expDigits++
		}
		if expDigits == 0 || expDigits > 9 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// inExponentRange reports whether d's adjusted exponent (the power of ten of
// its leading digit) lies within FEEL's range. Zero is always in range.
func inExponentRange(d *apd.Decimal) bool {
	if d.IsZero() {
		return d.Exponent <= numberMaxExponent && d.Exponent >= numberMinExponent-numberPrecision
	}
	adj := int64(d.Exponent) + d.NumDigits() - 1
	return adj <= numberMaxExponent && adj >= numberMinExponent
}

// newNumber wraps d, dropping the sign of zero so that -0 never shows.
func newNumber(d *apd.Decimal) Number {
	if d.IsZero() && d.Negative {
		d.Negative = false
	}
	return Number{d: d}
}

var zeroDecimal apd.Decimal

func (n Number) dec() *apd.Decimal {
	if n.d == nil {
		return &zeroDecimal
	}
	return n.d
}

// Kind returns KindNumber.
func (Number) Kind() Kind { return KindNumber }

func (Number) isValue() {}

// String returns the number as Java's BigDecimal.toString writes it: plain
// notation ("12.50") unless the exponent is large ("1E+40") or the number is
// very small ("1E-7").
func (n Number) String() string { return n.dec().String() }

// Cmp compares n and o and returns -1, 0 or +1. Numbers compare by value:
// 1.0 equals 1.
func (n Number) Cmp(o Number) int { return n.dec().Cmp(o.dec()) }

// Sign returns -1, 0 or +1.
func (n Number) Sign() int { return n.dec().Sign() }

// IsInteger reports whether n has no fractional part.
func (n Number) IsInteger() bool {
	_, ok := n.integerDigits()
	return ok
}

// Int64 returns n as an int64 when n is whole and fits.
func (n Number) Int64() (int64, bool) {
	digits, ok := n.integerDigits()
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return i, true
}

// Float64 returns the float64 nearest to n (±Inf beyond float64's range).
func (n Number) Float64() float64 {
	f, err := strconv.ParseFloat(n.dec().String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.NaN()
	}
	return f
}

// integerDigits returns n's value as plain integer text ("-120") when n is
// whole. It works on the coefficient's text rather than dividing by ten, so it
// stays linear in the number of digits.
func (n Number) integerDigits() (string, bool) {
	d := n.dec()
	if d.IsZero() {
		return "0", true
	}
	digits := d.Coeff.String()
	sign := ""
	if d.Negative {
		sign = "-"
	}
	if d.Exponent >= 0 {
		return sign + digits + strings.Repeat("0", int(d.Exponent)), true
	}
	frac := int(-d.Exponent)
	if frac >= len(digits) {
		return "", false // non-zero digits lie right of the point
	}
	if strings.Trim(digits[len(digits)-frac:], "0") != "" {
		return "", false
	}
	return sign + digits[:len(digits)-frac], true
}

// appendJSON writes n the way Zeebe stores a FEEL number: a whole number as a
// JSON integer with all its digits, any other number as its nearest float64.
// A fraction too large for a float64 keeps its exact decimal text.
func (n Number) appendJSON(b []byte) []byte {
	if digits, ok := n.integerDigits(); ok {
		return append(b, digits...)
	}
	f := n.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, n.dec().Text('f')...)
	}
	return appendJSONFloat(b, f)
}

// appendJSONFloat writes f in the shortest form that reads back as f. Only
// magnitudes below 1e-6 use exponent notation. Large ones are written out in
// full ("1e34" would read back as a whole number and be written differently
// the next time, while the full digits are stable).
func appendJSONFloat(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0')
	}
	format := byte('f')
	if math.Abs(f) < 1e-6 {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Shorten e-07 to e-7.
		if n := len(b); n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// Arithmetic. Each operation returns ok=false when FEEL defines the result
// as null: division by zero, overflow, or an undefined result.

func (n Number) add(o Number) (Number, bool) {
	return decimalOp(decimalContext.Add, n, o)
}

func (n Number) sub(o Number) (Number, bool) {
	return decimalOp(decimalContext.Sub, n, o)
}

func (n Number) mul(o Number) (Number, bool) {
	return decimalOp(decimalContext.Mul, n, o)
}

// quo divides like Java's BigDecimal.divide with DECIMAL128: the quotient is
// rounded to 34 digits, then trailing zeros are dropped while the exponent
// stays at or below the ideal one (the dividend's minus the divisor's), so
// 6 / 3 is 2 and 1.00 / 4 is 0.25, not 2.000... and 0.2500....
func (n Number) quo(o Number) (Number, bool) {
	if o.Sign() == 0 {
		return Number{}, false
	}
	r, ok := decimalOp(decimalContext.Quo, n, o)
	if !ok {
		return Number{}, false
	}
	stripZeros(r.d, n.dec().Exponent-o.dec().Exponent)
	return r, true
}

var bigTen = apd.NewBigInt(10)

// stripZeros removes trailing zeros from d's coefficient while its exponent
// is below ideal. d holds at most numberPrecision digits.
func stripZeros(d *apd.Decimal, ideal int32) {
	if d.IsZero() {
		if ideal > d.Exponent {
			d.Exponent = min(ideal, numberMaxExponent)
		}
		return
	}
	var q, r apd.BigInt
	for d.Exponent < ideal {
		q.QuoRem(&d.Coeff, bigTen, &r)
		if r.Sign() != 0 {
			return
		}
		d.Coeff.Set(&q)
		d.Exponent++
	}
}

func (n Number) neg() Number {
	r := new(apd.Decimal)
	r.Neg(n.dec())
	return newNumber(r)
}

// maxIntegerPower bounds whole exponents, as Java's BigDecimal.pow does.
const maxIntegerPower = 999999999

// pow raises n to o. A whole exponent is computed exactly and rounded to 34
// digits; any other exponent goes through float64, as feel-scala does, so
// 2 ** 0.5 is 1.4142135623730951.
func (n Number) pow(o Number) (Number, bool) {
	if e, ok := o.Int64(); ok {
		if e > maxIntegerPower || e < -maxIntegerPower {
			return Number{}, false
		}
		if e == 0 {
			return IntNumber(1), true // also 0 ** 0, as in Java
		}
		// Round the base first: the working precision grows with the
		// base's digits, and an exact input may have very many.
		base := new(apd.Decimal)
		if _, err := decimalContext.Round(base, n.dec()); err != nil {
			return Number{}, false
		}
		if e < 0 {
			// As Java does: the positive power, then its reciprocal.
			p, ok := decimalOp(decimalContext.Pow, Number{d: base}, IntNumber(-e))
			if !ok {
				return Number{}, false
			}
			return IntNumber(1).quo(p)
		}
		return decimalOp(decimalContext.Pow, Number{d: base}, IntNumber(e))
	}
	f := math.Pow(n.Float64(), o.Float64())
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return Number{}, false
	}
	r, err := ParseNumber(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil {
		return Number{}, false
	}
	return r, true
}

func decimalOp(op func(d, x, y *apd.Decimal) (apd.Condition, error), x, y Number) (Number, bool) {
	r := new(apd.Decimal)
	if _, err := op(r, x.dec(), y.dec()); err != nil || r.Form != apd.Finite {
		return Number{}, false
	}
	return newNumber(r), true
}
