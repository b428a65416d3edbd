package feel

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzFEEL checks that compiling and evaluating any text never panics, that
// failures are the documented error types, and that evaluation is
// deterministic.
func FuzzFEEL(f *testing.F) {
	for _, seed := range []string{
		`1 + 2 * 3`, `0.1 + 0.2`, `x > 3 and y < 2 or not(z)`, `if a then b else c`,
		`order.lines[qty > 1].sku`, `items[-1]`, `{a: 1, b: a + 1}`, `[1, "a", null, true]`,
		`x between 1 and 10`, `x in (1, < 3, [4, 5])`, `"esc\"aped\u00e9\U01F600\n"`,
		`string(number("1,000.5", ",", "."))`, `is defined(a.b)`, "`a b` + 1",
		`2 ** -3 / 0`, `-(-x) ** 0.5`, `// c` + "\n" + `/* d */ 1`, `[1..2]`, `f(a: 1, b c: 2)`,
		`99999999999999999999999999999999999999 * 99999999999999999999999999999`,
		`10 ** 6144 * 10`, `1 / 3 * 3 = 1`, `"a" < "b" = true`, `{} = {}`,
		`for i in 1..3, j in a.b return i + j`, `some i in items satisfies i > x`,
		`every l in order.lines satisfies l.qty > 0`, `for i in 1..4 return sum(partial)`,
		`distinct values(union(items, [1, 1.0], flatten([[a.b]])))`, `sublist(items, -2, 1)`,
		`string join(split(substring("a,b,c", 2), ","), "-")`, `replace("abc", "(b)", "[$1]")`,
		`matches(upper case("ab"), "^A", "i")`, `decimal(1 / 3, 2) + floor(-1.5) + modulo(-12, 5)`,
		`round half up(2.5, 0) + sqrt(2) + log(3) + exp(1)`, `context put(a, ["b", "c"], 1)`,
		`get value(context merge([a, {e: 1}]), "e")`, `get or else(assert(x, x > 0), 0)`,
		`median(min(items), max(items), mean(items))`, `index of(insert before(items, 1, 3), 3)`,
		`@"2019-03-31T02:30:00@Europe/Paris" + @"P1M" - @"PT25H"`, `date(2020, 2, 29) - @"P1Y"`,
		`string(time(10, 30, 15.5, duration("-PT5H")))`, `@"P1Y11M" * -2.5 / @"P2M"`,
		`week of year(today()) + day of year(now()) + last day of month(@"2020-02-01")`,
		`{f: function(a, b) a * b, g: function(n) if n > 0 then g(n - 1) + f(n, 2) else 0, r: g(x)}.r`,
		`sort(items, function(a, b) a > b)[1] instance of number`, `(function(x) function(y) x + y)(1)(2)`,
		`x instance of list<context<a: number>> or x instance of function<Any> -> Null`,
		`overlaps before([1..x], (2..9]) and includes([@"P1D"..@"P3D"], @"PT30H") and after(5, 2)`,
		`x in [1..10], ]1..x[, (a.b[1]..5)`, `[1..5].start included`, `@"10:00:00@UTC".time offset`,
		`(< 10) = (null..x]`, `true[1] = {a b: 1.5e3}[item = 1]`, `range("[1..3]")`, `list replace(x, sort, 1)`,
		`matches("a b", "[a-z-[b]] \p{IsBasicLatin}", "x")`, `for d in @"2020-01-01"..date(a.e) return d - @"2019-12-31T24:00:00Z"`,
	} {
		f.Add(seed)
	}
	vars := MapVariables{
		"x":     []byte(`5`),
		"y":     []byte(`0.5`),
		"z":     []byte(`true`),
		"a":     []byte(`{"b": [1, 2, {"c": "d"}], "e": null}`),
		"order": []byte(`{"lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}`),
		"items": []byte(`[1, 2, 3]`),
		"bad":   []byte(`{`),
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range []Dialect{Zeebe, DMN} {
			fuzzExpression(t, d, src, vars)
		}
	})
}

// fuzzExpression compiles and evaluates src in one dialect.
func fuzzExpression(t *testing.T, d Dialect, src string, vars Variables) {
	expr, err := d.Compile(src)
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Compile error %T %v", err, err)
		}
		if se.Offset < 0 || se.Offset > len(src) || se.Line < 1 || se.Column < 1 {
			t.Fatalf("bad position in %v", se)
		}
		return
	}
	v1, err1 := expr.Evaluate(vars)
	v2, err2 := expr.Evaluate(vars)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("errors differ: %v / %v", err1, err2)
	}
	if err1 != nil {
		var ee *EvalError
		if !errors.As(err1, &ee) {
			t.Fatalf("Evaluate error %T %v", err1, err1)
		}
		return
	}
	j1, _ := ToJSON(v1)
	j2, _ := ToJSON(v2)
	if !bytes.Equal(j1, j2) {
		t.Fatalf("not deterministic: %s / %s", j1, j2)
	}
	// What ToJSON writes is JSON that reads back to the same bytes.
	back, err := FromJSON(j1)
	if err != nil {
		t.Fatalf("ToJSON wrote unreadable %s: %v", j1, err)
	}
	if j3, _ := ToJSON(back); !bytes.Equal(j1, j3) {
		t.Fatalf("JSON round trip: %s / %s", j1, j3)
	}
	_ = v1.String()
}

// FuzzUnaryTests checks that compiling and applying unary tests never
// panics and fails only with the documented error types.
func FuzzUnaryTests(f *testing.F) {
	for _, seed := range []string{
		`-`, ``, `< 5`, `[1..10], > 100`, `not(1, 2)`, `"a", "b"`, `? > x`, `count(?) > 1`,
		`]1..x[`, `null`, `not(< 0), = 3, != 4`, `[@"2019-01-01"..@"2019-12-31"]`, `not(x) = true`,
		`(< 10), x > 3`, `(null..5]`,
	} {
		f.Add(seed)
	}
	vars := MapVariables{"x": []byte(`5`)}
	inputs := []Value{Null{}, IntNumber(5), String("a"), List{IntNumber(1)}, Bool(true)}
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range []Dialect{Zeebe, DMN} {
			fuzzUnaryTests(t, d, src, vars, inputs)
		}
	})
}

// fuzzUnaryTests compiles and applies src in one dialect.
func fuzzUnaryTests(t *testing.T, d Dialect, src string, vars Variables, inputs []Value) {
	u, err := d.CompileUnaryTests(src)
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("CompileUnaryTests error %T %v", err, err)
		}
		return
	}
	for _, in := range inputs {
		v, err := u.Test(in, vars)
		if err != nil {
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Test error %T %v", err, err)
			}
			continue
		}
		switch v.(type) {
		case Bool, Null:
		default:
			t.Fatalf("Test(%v) = %v, want a boolean or null", in, v)
		}
	}
}
