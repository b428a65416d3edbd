package feel

import (
	"math"
	"testing"
)

func TestNumberArithmeticAndDisplay(t *testing.T) {
	// The display form is what string() returns; it follows Java's
	// BigDecimal.toString, including its scale.
	for _, tc := range []struct{ src, want string }{
		{`0.1 + 0.2`, `0.3`},
		{`0.1 * 3`, `0.3`},
		{`1.10 + 1`, `2.10`},
		{`1.0 + 1`, `2.0`},
		{`1.5 * 2`, `3.0`},
		{`3 - 0.5`, `2.5`},
		{`6 / 3`, `2`},
		{`1.00 / 4`, `0.25`},
		{`7 / 2`, `3.5`},
		{`1 / 3`, `0.3333333333333333333333333333333333`},
		{`2 / 3`, `0.6666666666666666666666666666666667`},
		{`1 / 3 * 3`, `0.9999999999999999999999999999999999`},
		{`10 / 4`, `2.5`},
		{`0 / 5`, `0`},
		{`2 ** 3`, `8`},
		{`1.5 ** 2`, `2.25`},
		{`2 ** -1`, `0.5`},
		{`10 ** 40`, `1.000000000000000000000000000000000E+40`},
		{`2 ** 0.5`, `1.4142135623730951`},
		{`99999999999999999999999999999999999 + 1`, `1.000000000000000000000000000000000E+35`},
		{`12345678901234567890123456789012345678 * 1`, `1.234567890123456789012345678901235E+37`},
		{`0.0000001`, `1E-7`},
		{`-0.5`, `-0.5`},
		{`-0`, `0`},
	} {
		t.Run(tc.src, func(t *testing.T) {
			v, err := mustCompile(t, tc.src).Evaluate(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	for _, s := range []string{"0", "-1", "+1", "1.", ".5", "1.5e3", "1E-3", "2251799813685249"} {
		if _, err := ParseNumber(s); err != nil {
			t.Errorf("ParseNumber(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", " ", "-", ".", "e3", "1e", "1e+", "1 ", "0x10", "1_000", "Inf", "NaN", "--1", "1e9999999999", "1e99999"} {
		if n, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", s, n)
		}
	}
}

func TestNumberAccessors(t *testing.T) {
	n := mustNumber(t, "2251799813685249")
	if i, ok := n.Int64(); !ok || i != 2251799813685249 {
		t.Errorf("Int64 = %d, %v", i, ok)
	}
	if !mustNumber(t, "3.000").IsInteger() {
		t.Error("3.000 is an integer")
	}
	if mustNumber(t, "3.5").IsInteger() {
		t.Error("3.5 is not an integer")
	}
	if _, ok := mustNumber(t, "3.5").Int64(); ok {
		t.Error("Int64 of 3.5 succeeded")
	}
	if _, ok := mustNumber(t, "9223372036854775808").Int64(); ok {
		t.Error("Int64 beyond int64 succeeded")
	}
	if i, ok := mustNumber(t, "1.2E+3").Int64(); !ok || i != 1200 {
		t.Errorf("Int64(1.2E+3) = %d, %v", i, ok)
	}
	if f := mustNumber(t, "0.1").Float64(); f != 0.1 {
		t.Errorf("Float64 = %v", f)
	}
	if f := mustNumber(t, "1e400").Float64(); !math.IsInf(f, 1) {
		t.Errorf("Float64(1e400) = %v", f)
	}
	if c := mustNumber(t, "1.0").Cmp(IntNumber(1)); c != 0 {
		t.Errorf("1.0 vs 1: %d", c)
	}
	var zero Number
	if zero.String() != "0" || zero.Sign() != 0 {
		t.Errorf("zero Number = %s", zero)
	}
	if IntNumber(-7).String() != "-7" {
		t.Errorf("IntNumber(-7) = %s", IntNumber(-7))
	}
}

func TestNumberJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"3", "3"},
		{"3.0", "3"},
		{"-3.50", "-3.5"},
		{"1.2E+3", "1200"},
		{"0.1", "0.1"},
		{"0.000001", "0.000001"},
		{"0.0000001", "1e-7"},
		{"123456789012345678901.5", "123456789012345680000"},
		{"1234567890123456789012.5", "1234567890123456800000"},
		{"10000000000000000000000001000000000.1", "10000000000000000000000000000000000"},
		{"1e400", "1" + zeros(400)},
	} {
		n := mustNumber(t, tc.in)
		if got := string(n.appendJSON(nil)); got != tc.want {
			t.Errorf("JSON of %s = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}
