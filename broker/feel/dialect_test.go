package feel

import (
	"errors"
	"testing"
	"time"
)

// dialectCase is an expression with its result, as String renders it, in
// each dialect ("error" when it does not compile).
type dialectCase struct {
	src       string
	zeebe     string
	dmn       string
	variables Values
}

func evalIn(t *testing.T, d Dialect, src string, vars Variables) string {
	t.Helper()
	e, err := d.Compile(src)
	if err != nil {
		return "error"
	}
	v, err := e.Evaluate(vars)
	if err != nil {
		t.Fatalf("%s: Evaluate(%q): %v", d, src, err)
	}
	return v.String()
}

func TestDialects(t *testing.T) {
	inc := mustCompileIn(t, DMN, `function(a: number) a + 1`)
	fn, err := inc.Evaluate(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []dialectCase{
		// strings count code points under DMN, UTF-16 units under Zeebe
		{src: `string length("🐎😀")`, zeebe: `4`, dmn: `2`},
		{src: `string length(substring("🐎foo", 2))`, zeebe: `4`, dmn: `3`},
		// literals and names
		{src: `1.23e4 = 12300`, zeebe: `error`, dmn: `true`},
		{src: `0.000123 = 1.23e-4`, zeebe: `error`, dmn: `true`},
		{src: `{🐎: 1}`, zeebe: `error`, dmn: `{🐎:1}`},
		{src: `{foo bar: 1, a+b: 2}`, zeebe: `error`, dmn: `{foo bar:1, a+b:2}`},
		{src: `{a: 1, a: 2}`, zeebe: `{a:2}`, dmn: `null`},
		// filters and ranges
		{src: `true[1]`, zeebe: `null`, dmn: `true`},
		{src: `"foo"[item = "foo"]`, zeebe: `null`, dmn: `["foo"]`},
		{src: `[{item: 1}, {item: 2}][item >= 2]`, zeebe: `[]`, dmn: `[{item:2}]`},
		{src: `(< 10) = (< 10)`, zeebe: `error`, dmn: `true`},
		{src: `(< 10) = (null..10)`, zeebe: `error`, dmn: `false`},
		{src: `(=10) = [10..10]`, zeebe: `error`, dmn: `false`},
		{src: `(>= 10).start included`, zeebe: `error`, dmn: `true`},
		{src: `9 in (< 10)`, zeebe: `true`, dmn: `true`},
		{src: `5 in (null..10]`, zeebe: `false`, dmn: `null`},
		{src: `[1..10[.end included`, zeebe: `false`, dmn: `false`},
		{src: `for d in @"2020-01-02"..@"2020-01-01" return d`, zeebe: `null`, dmn: `[2020-01-02, 2020-01-01]`},
		// equality and arithmetic of dates and times
		{src: `@"2002-04-02T12:00:00-01:00" = @"2002-04-02T17:00:00+04:00"`, zeebe: `false`, dmn: `true`},
		{src: `@"2018-10-08T00:00:00+02:00" = @"2018-10-08T00:00:00@Europe/Paris"`, zeebe: `false`, dmn: `true`},
		{src: `time("10:30:00.0001") = time("10:30:00.0002")`, zeebe: `false`, dmn: `true`},
		{src: `@"2021-01-01T24:00:00" + @"PT1S"`, zeebe: `null`, dmn: `2021-01-02T00:00:01`},
		{src: `@"2021-01-02T10:10:10+01:00" - @"2021-01-01"`, zeebe: `null`, dmn: `P1DT9H10M10S`},
		{src: `@"2021-01-02T10:10:10" - @"2021-01-01"`, zeebe: `null`, dmn: `null`},
		// types and functions
		{src: `{a: null} instance of context<a: string>`, zeebe: `false`, dmn: `true`},
		{src: `(function(a: number) a)("x")`, zeebe: `"x"`, dmn: `null`},
		{src: `(function(a: number) a)([3])`, zeebe: `[3]`, dmn: `3`},
		{src: `inc(2)`, zeebe: `null`, dmn: `3`, variables: Values{"inc": fn}},
		{src: `(function(f) f(-2))(abs)`, zeebe: `null`, dmn: `2`},
		{src: `(function(f) f(-2))(abs)`, zeebe: `null`, dmn: `null`, variables: Values{"abs": IntNumber(1)}},
		// built-ins
		{src: `upper case(["bob"])`, zeebe: `null`, dmn: `"BOB"`},
		{src: `string join("a", "X")`, zeebe: `null`, dmn: `"a"`},
		{src: `abs(number: -1)`, zeebe: `1`, dmn: `null`},
		{src: `get value(m: {a: 1}, key: "a")`, zeebe: `null`, dmn: `1`},
		{src: `context({key: "a", value: 1})`, zeebe: `null`, dmn: `{a:1}`},
		{src: `context([{key: "a", value: 1}, {key: "a", value: 2}])`, zeebe: `{a:2}`, dmn: `null`},
		{src: `context put(context: {y: {a: 0}}, keys: ["y", "a"], value: 2)`, zeebe: `null`, dmn: `{y:{a:2}}`},
		{src: `context put(context: {y: {a: 0}}, key: ["y", "a"], value: 2)`, zeebe: `{y:{a:2}}`, dmn: `null`},
		{src: `context put({y: {a: 0}}, ["y", "a"], 2)`, zeebe: `{y:{a:2}}`, dmn: `{y:{a:2}}`},
		{src: `round up(5.5, 6177)`, zeebe: `5.5` + zeros(6176), dmn: `null`},
		{src: `range("[1..3]") = [1..3]`, zeebe: `false`, dmn: `true`},
		{src: `range("[@\"P1D\"..@\"P2D\"]")`, zeebe: `null`, dmn: `[P1D..P2D]`},
		{src: `range("[3..1]")`, zeebe: `null`, dmn: `null`},
		{src: `range("[x..3]")`, zeebe: `null`, dmn: `null`},
		{src: `list replace([1, 2, 3], -1, 4)`, zeebe: `null`, dmn: `[1, 2, 4]`},
		{src: `list replace([2, 4, 7], function(item, newItem) item < newItem, 5)`, zeebe: `null`, dmn: `[5, 5, 7]`},
		// regular expressions: RE2 under Zeebe, XML Schema under DMN
		{src: `matches("Mary\u000DJones", "Mary.Jones")`, zeebe: `true`, dmn: `false`},
		{src: `matches("x", "[A-Z-[OI]]", "i")`, zeebe: `false`, dmn: `true`},
		{src: `matches("o", "[A-Z-[OI]]", "i")`, zeebe: `false`, dmn: `false`},
		{src: `matches("hello world", "hello\ sworld", "x")`, zeebe: `null`, dmn: `true`},
		{src: `matches("hello world", "\p{IsBasicLatin}+")`, zeebe: `null`, dmn: `true`},
		{src: `matches("abc", "b", "p")`, zeebe: `true`, dmn: `null`},
		{src: `matches("abcd", "1[asd\0]")`, zeebe: `false`, dmn: `null`},
		{src: `replace("darted", "^(.*?)d(.*)$", "$1c$2")`, zeebe: `"arted"`, dmn: `"carted"`},
		{src: `replace("abc", "b", "\$")`, zeebe: `"a\\$c"`, dmn: `"a$c"`},
		{src: `replace("abc", "b", "$")`, zeebe: `"a$c"`, dmn: `null`},
	} {
		t.Run(tc.src, func(t *testing.T) {
			var vars Variables
			if tc.variables != nil {
				vars = tc.variables
			}
			if got := evalIn(t, Zeebe, tc.src, vars); got != tc.zeebe {
				t.Errorf("Zeebe: %s = %s, want %s", tc.src, got, tc.zeebe)
			}
			if got := evalIn(t, DMN, tc.src, vars); got != tc.dmn {
				t.Errorf("DMN: %s = %s, want %s", tc.src, got, tc.dmn)
			}
		})
	}
}

func mustCompileIn(t testing.TB, d Dialect, src string) *Expression {
	t.Helper()
	e, err := d.Compile(src)
	if err != nil {
		t.Fatalf("%s.Compile(%q): %v", d, src, err)
	}
	return e
}

func TestDMNUnaryTestsCompareBooleans(t *testing.T) {
	vars := Values{"flag": Bool(true), "x": IntNumber(5)}
	for _, tc := range []struct {
		src        string
		input      Value
		zeebe, dmn Value
	}{
		{`flag`, Bool(false), Bool(true), Bool(false)},
		{`not(flag)`, Bool(false), Bool(false), Bool(true)},
		{`? > 3`, IntNumber(4), Bool(true), Bool(true)},
		{`x > 3`, IntNumber(4), Bool(true), Bool(false)},
		{`(< 10)`, IntNumber(4), nil, Bool(true)},
	} {
		for _, d := range []Dialect{Zeebe, DMN} {
			want := tc.zeebe
			if d == DMN {
				want = tc.dmn
			}
			u, err := d.CompileUnaryTests(tc.src)
			if want == nil {
				if err == nil {
					t.Errorf("%s: %q compiled", d, tc.src)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %q: %v", d, tc.src, err)
			}
			got, err := u.Test(tc.input, vars)
			if err != nil || got != want {
				t.Errorf("%s: %q with %v = %v, %v; want %v", d, tc.src, tc.input, got, err, want)
			}
		}
	}
}

func TestDMNDateIterationIsBounded(t *testing.T) {
	e := mustCompileIn(t, DMN, `count(for d in @"-999999999-01-01"..@"999999999-12-31" return 1)`)
	start := time.Now()
	if _, err := e.Evaluate(nil); err == nil {
		t.Fatal("iterating over two billion years of days did not hit the step limit")
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("the step limit took too long")
	}
}

func TestNewFunctionAndClosuresAcrossEvaluations(t *testing.T) {
	calls := 0
	double := NewFunction([]string{"x"}, func(args []Value) (Value, error) {
		calls++
		n, ok := args[0].(Number)
		if !ok {
			return Null{}, nil
		}
		r, _ := n.mul(IntNumber(2))
		return r, nil
	})
	// A function made in one evaluation keeps that evaluation's variables.
	maker := mustCompileIn(t, DMN, `function(b) a * b`)
	scaled, err := maker.Evaluate(Values{"a": IntNumber(10)})
	if err != nil {
		t.Fatal(err)
	}
	vars := Values{"double": double, "scaled": scaled, "a": IntNumber(1)}
	for src, want := range map[string]string{
		`double(21)`:   `42`,
		`double(x: 4)`: `8`,
		`double(1, 2)`: `null`,
		`double(y: 1)`: `null`,
		`scaled(3)`:    `30`,
		`sort([3, 1], function(p, q) double(p) < double(q))`: `[1, 3]`,
	} {
		if got := evalIn(t, DMN, src, vars); got != want {
			t.Errorf("%s = %s, want %s", src, got, want)
		}
	}
	if calls == 0 {
		t.Error("the Go function was never called")
	}
	failing := NewFunction(nil, func([]Value) (Value, error) { return nil, errors.New("no") })
	_, err = mustCompileIn(t, DMN, `f()`).Evaluate(Values{"f": failing})
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v, want an *EvalError", err)
	}
}
