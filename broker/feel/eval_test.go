package feel

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// testVars are the variables every evaluation test sees.
var testVars = MapVariables{
	"x":       []byte(`5`),
	"y":       []byte(`2.5`),
	"s":       []byte(`"hello"`),
	"t":       []byte(`true`),
	"f":       []byte(`false`),
	"n":       []byte(`null`),
	"key":     []byte(`2251799813685249`),
	"items":   []byte(`[1, 2, 3, 4]`),
	"empty":   []byte(`[]`),
	"order":   []byte(`{"id": "o-1", "total": 99.5, "customer": {"name": "Ada", "vip": true}, "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 5}]}`),
	"date":    []byte(`"2017-03-10"`),
	"item":    []byte(`100`),
	"nested":  []byte(`{"a": {"b": {"c": [10, 20, 30]}}}`),
	"strings": []byte(`["b", "a", "c"]`),
}

type evalCase struct {
	src  string
	want string // the result as JSON
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			if got := evalJSON(t, tc.src, testVars); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
			}
		})
	}
}

func TestLiterals(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`1`, `1`},
		{`-1`, `-1`},
		{`1.5`, `1.5`},
		{`.5`, `0.5`},
		{`007`, `7`},
		{`1.000`, `1`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`"abc"`, `"abc"`},
		{`""`, `""`},
		{`"say \"hi\""`, `"say \"hi\""`},
		{`"a\nb\tc\rd"`, `"a\nb\tc\rd"`},
		{`"back\\slash"`, `"back\\slash"`},
		{`"it\'s"`, `"it's"`},
		{`"\u00e9\u269D"`, `"é⚝"`},
		{`"\uD83D\uDE00"`, `"😀"`},
		{`"\U01F600"`, `"😀"`},
		{`"\d+"`, `"\\d+"`},
		{`"<&>"`, `"<&>"`},
		{`"日本"`, `"日本"`},
		{`true`, `true`},
		{`false`, `false`},
		{`null`, `null`},
		{`[]`, `[]`},
		{`[1, "a", true, null, [2]]`, `[1,"a",true,null,[2]]`},
		{`{}`, `{}`},
		{`{a: 1, "b c": 2, z: {y: [1]}}`, `{"a":1,"b c":2,"z":{"y":[1]}}`},
		{`{z: 1, a: 2, m: 3}`, `{"z":1,"a":2,"m":3}`},
		{`{a: 1, b: a + 1, c: b * 10}`, `{"a":1,"b":2,"c":20}`},
		{`{a: 1, a: 2}`, `{"a":2}`},
		{`{x: x + 1}`, `{"x":6}`},
		{`// comment
		  1 + /* inline */ 2`, `3`},
	})
}

func TestNamesAndPaths(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`x`, `5`},
		{`s`, `"hello"`},
		{`unknown`, `null`},
		{`unknown.a.b`, `null`},
		{`order.id`, `"o-1"`},
		{`order.customer.name`, `"Ada"`},
		{`order.customer.missing`, `null`},
		{`order.lines.sku`, `["a","b"]`},
		{`order.lines[2].qty`, `5`},
		{`nested.a.b.c[1]`, `10`},
		{`x.a`, `null`},
		{`date.year`, `null`},
		{`{a: {b: 7}}.a.b`, `7`},
		{"`x`", `5`},
		{"{`a-b`: 1}.`a-b`", `1`},
		{`(order).id`, `"o-1"`},
		{`order.lines[item.qty > 3].sku`, `["b"]`},
	})
}

func TestFiltersAndIndexes(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`items[1]`, `1`},
		{`items[4]`, `4`},
		{`items[5]`, `null`},
		{`items[0]`, `null`},
		{`items[-1]`, `4`},
		{`items[-4]`, `1`},
		{`items[-5]`, `null`},
		{`items[1.5]`, `null`},
		{`items[x - 3]`, `2`},
		{`[10, 20, 30][2]`, `20`},
		{`items[item > 2]`, `[3,4]`},
		{`items[item > 10]`, `[]`},
		{`items[item = 2 or item = 4]`, `[2,4]`},
		{`order.lines[qty > 3]`, `[{"sku":"b","qty":5}]`},
		{`order.lines[item.sku = "a"].qty`, `[2]`},
		{`empty[1]`, `null`},
		{`x[1]`, `null`},
		{`n[1]`, `null`},
		{`[[1, 2], [3, 4]][2][1]`, `3`},
	})
}

func TestComparisons(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`1 = 1`, `true`},
		{`1 = 1.0`, `true`},
		{`1 = 2`, `false`},
		{`1 != 2`, `true`},
		{`x > 3`, `true`},
		{`x >= 5`, `true`},
		{`x < 5`, `false`},
		{`x <= 4.999`, `false`},
		{`"a" < "b"`, `true`},
		{`"b" <= "a"`, `false`},
		{`"abc" = "abc"`, `true`},
		{`"é" > "z"`, `true`},
		{`"\uFFFD" > "😀"`, `true`}, // UTF-16 order, as Java compares strings
		{`true = true`, `true`},
		{`true != false`, `true`},
		{`true < false`, `null`},
		{`[1, 2] = [1, 2]`, `true`},
		{`[1, 2] = [1, 2, 3]`, `false`},
		{`[1, "a"] = [1, 2]`, `false`},
		{`{a: 1, b: 2} = {b: 2, a: 1}`, `true`},
		{`{a: 1} = {a: 2}`, `false`},
		{`{a: 1} = {b: 1}`, `false`},
		{`[1] < [2]`, `null`},
		// different kinds: null
		{`1 = true`, `null`},
		{`1 = "1"`, `null`},
		{`1 != "1"`, `null`},
		{`"a" < 1`, `null`},
		{`[1] = 1`, `null`},
		// null with non-null: ordering is null, equality is boolean
		{`x = null`, `false`},
		{`x != null`, `true`},
		{`null = null`, `true`},
		{`null != null`, `false`},
		{`n = null`, `true`},
		{`unknown = null`, `true`},
		{`unknown != null`, `false`},
		{`null = x`, `false`},
		{`null < 1`, `null`},
		{`unknown > 3`, `null`},
		{`null <= null`, `null`},
	})
}

func TestArithmetic(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`1 + 2`, `3`},
		{`0.1 + 0.2`, `0.3`},
		{`0.1 + 0.2 = 0.3`, `true`},
		{`x + y`, `7.5`},
		{`5 - 7`, `-2`},
		{`2 * 3.5`, `7`},
		{`7 / 2`, `3.5`},
		{`6 / 3`, `2`},
		{`1 / 3`, `0.3333333333333333`},
		{`2 ** 10`, `1024`},
		{`2 ** -2`, `0.25`},
		{`2 ** 0.5`, `1.4142135623730951`},
		{`(-8) ** (1/3)`, `null`},
		{`-2 ** 2`, `4`},
		{`2 + 3 * 4`, `14`},
		{`(2 + 3) * 4`, `20`},
		{`2 * 3 ** 2`, `18`},
		{`10 - 4 - 3`, `3`},
		{`100 / 10 / 5`, `2`},
		{`-x`, `-5`},
		{`- -x`, `5`},
		{`-(1 - 1)`, `0`},
		{`0 * -1`, `0`},
		{`key + 1`, `2251799813685250`},
		{`key * 2`, `4503599627370498`},
		{`99999999999999999999 + 1`, `100000000000000000000`},
		{`order.total * 2`, `199`},
		{`"foo" + "bar"`, `"foobar"`},
		{`s + " " + order.customer.name`, `"hello Ada"`},
		// null and type mismatches
		{`1 / 0`, `null`},
		{`0 / 0`, `null`},
		{`0 ** -1`, `null`},
		{`10 ** 100000`, `null`},
		{`1 + null`, `null`},
		{`null * 2`, `null`},
		{`unknown + 1`, `null`},
		{`-null`, `null`},
		{`-"a"`, `null`},
		{`"a" + 1`, `null`},
		{`1 + "a"`, `null`},
		{`"a" - "b"`, `null`},
		{`true + 1`, `null`},
		{`[1] + [2]`, `null`},
	})
}

func TestLogic(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`true and true`, `true`},
		{`true and false`, `false`},
		{`false and true`, `false`},
		{`true and null`, `null`},
		{`null and true`, `null`},
		{`false and null`, `false`},
		{`null and false`, `false`},
		{`null and null`, `null`},
		{`true and 1`, `null`},
		{`"a" and false`, `false`},
		{`true or false`, `true`},
		{`false or false`, `false`},
		{`false or true`, `true`},
		{`true or null`, `true`},
		{`null or true`, `true`},
		{`false or null`, `null`},
		{`null or false`, `null`},
		{`null or null`, `null`},
		{`1 or false`, `null`},
		{`x > 1 and x < 10`, `true`},
		{`x > 1 and unknown`, `null`},
		{`x < 1 or x > 4 and s = "hello"`, `true`},
		{`false and true or true`, `true`},
		{`not(true)`, `false`},
		{`not(false)`, `true`},
		{`not(null)`, `null`},
		{`not(1)`, `null`},
		{`not(x > 3)`, `false`},
		{`t and not(f)`, `true`},
		{`not(negand: f)`, `true`},
		{`not()`, `null`},
		{`not(true, false)`, `null`},
	})
}

func TestIfBetweenIn(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`if x > 3 then "big" else "small"`, `"big"`},
		{`if x > 9 then "big" else "small"`, `"small"`},
		{`if null then 1 else 2`, `2`},
		{`if unknown then 1 else 2`, `2`},
		{`if 1 then 1 else 2`, `2`},
		{`if "true" then 1 else 2`, `2`},
		{`if t then if f then 1 else 2 else 3`, `2`},
		{`if x > 3 then x * 2 else x + 1`, `10`},
		{`1 + (if t then 1 else 0)`, `2`},
		{`1 + if t then 1 else 0`, `2`},
		{`if t then 1 else 0 + 5`, `1`},
		{`x between 1 and 10`, `true`},
		{`x between 5 and 5`, `true`},
		{`x between 6 and 10`, `false`},
		{`"b" between "a" and "c"`, `true`},
		{`x between 1 and null`, `null`},
		{`x between 6 and null`, `false`},
		{`null between 1 and 2`, `null`},
		{`x between 1 and 10 and t`, `true`},
		{`x between 1 + 1 and x * 2`, `true`},
		{`x in (1, 5, 9)`, `true`},
		{`x in (1, 2)`, `false`},
		{`x in 5`, `true`},
		{`x in [4, 5, 6]`, `true`},
		{`x in [1, 2]`, `false`},
		{`x in < 10`, `true`},
		{`x in (< 3, > 4)`, `true`},
		{`x in (<= 3, >= 6)`, `false`},
		{`x in (> 1, unknown)`, `true`},
		{`null in (1, 2)`, `false`},
		{`null in (null)`, `true`},
		{`unknown in < 3`, `null`},
		{`t in true`, `true`},
		{`f in (true)`, `false`},
		{`x in (? > 3)`, `true`},
		{`x in [1, 2] or x in [5]`, `true`},
		{`x in [5] and f`, `false`},
		{`x in (5, 6) and t`, `true`},
		{`s in ("hello", "world")`, `true`},
	})
}

func TestBuiltins(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`is defined(x)`, `true`},
		{`is defined(unknown)`, `false`},
		{`is defined(n)`, `false`},
		{`is defined(null)`, `false`},
		{`is defined(order.customer.name)`, `true`},
		{`is defined(order.customer.missing)`, `false`},
		{`is defined(value: x)`, `true`},
		{`string(1)`, `"1"`},
		{`string(1.50)`, `"1.50"`},
		{`string(0.1 + 0.2)`, `"0.3"`},
		{`string(1 / 3)`, `"0.3333333333333333333333333333333333"`},
		{`string(10 ** 40)`, `"1.000000000000000000000000000000000E+40"`},
		{`string(true)`, `"true"`},
		{`string("x")`, `"x"`},
		{`string(null)`, `null`},
		{`string([1, "a"])`, `"[1, \"a\"]"`},
		{`string({a: 1, b: "x"})`, `"{a:1, b:\"x\"}"`},
		{`string(from: x)`, `"5"`},
		{`string(unknown)`, `null`},
		{`number("12.5")`, `12.5`},
		{`number("-1")`, `-1`},
		{`number("1e3")`, `1000`},
		{`number("2251799813685249")`, `2251799813685249`},
		{`number("abc")`, `null`},
		{`number("")`, `null`},
		{`number(" 1")`, `null`},
		{`number("Infinity")`, `null`},
		{`number("NaN")`, `null`},
		{`number(5)`, `null`},
		{`number("1,000", ",")`, `1000`},
		{`number("1 000,5", " ", ",")`, `1000.5`},
		{`number("1.000,5", ".", ",")`, `1000.5`},
		{`number("1,5", null, ",")`, `1.5`},
		{`number("1,000", ",", ",")`, `null`},
		{`number("1_000", "_")`, `null`},
		{`number(from: "7")`, `7`},
		{`number(from: "1,5", decimal separator: ",")`, `1.5`},
		{`number(from: "1.000,5", grouping separator: ".", decimal separator: ",")`, `1000.5`},
		{`number(wrong: "1")`, `null`},
		{`unknown fn(1)`, `null`},
		{`t and not(f)`, `true`},
		{`x > 1 and is defined(x)`, `true`},
		{`foo(1, 2)`, `null`},
		{`order.customer.greet("x")`, `null`},
	})
}

func TestVariableLookupIsCached(t *testing.T) {
	vars := &countingVars{MapVariables: MapVariables{"a": []byte(`{"b": 1, "c": 2}`)}}
	if got := evalJSON(t, `a.b + a.c + a.b`, vars); got != "4" {
		t.Fatalf("got %s", got)
	}
	if vars.calls["a"] != 1 {
		t.Fatalf("variable a read %d times, want once", vars.calls["a"])
	}
}

type countingVars struct {
	MapVariables
	calls map[string]int
}

func (c *countingVars) Variable(name string) ([]byte, bool) {
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[name]++
	return c.MapVariables.Variable(name)
}

func TestEvaluateWithoutVariables(t *testing.T) {
	v, err := mustCompile(t, `x = null and 1 + 1 = 2`).Evaluate(nil)
	if err != nil || !IsTrue(v) {
		t.Fatalf("got %v, %v", v, err)
	}
}

func TestEvalErrorForInvalidVariableJSON(t *testing.T) {
	broken := MapVariables{"a": []byte(`{"broken`)}
	_, err := mustCompile(t, `a + 1`).Evaluate(broken)
	var evalErr *EvalError
	if !errors.As(err, &evalErr) {
		t.Fatalf("got %v, want *EvalError", err)
	}
	for _, want := range []string{"'a + 1'", "variable 'a' is not valid JSON"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}

	// A variable that is not read cannot fail the evaluation.
	if got := evalJSON(t, `if true then 1 else a`, broken); got != "1" {
		t.Fatalf("got %s", got)
	}
}

func TestIsTrue(t *testing.T) {
	if !IsTrue(Bool(true)) {
		t.Error("IsTrue(true) = false")
	}
	for _, v := range []Value{Bool(false), Null{}, String("true"), IntNumber(1), List{Bool(true)}, nil} {
		if IsTrue(v) {
			t.Errorf("IsTrue(%v) = true", v)
		}
	}
}

func TestConcurrentEvaluation(t *testing.T) {
	expr := mustCompile(t, `{total: sum, vip: order.customer.vip, lines: order.lines[qty > 1].sku}`)
	want := `{"total":null,"vip":true,"lines":["a","b"]}`
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				v, err := expr.Evaluate(testVars)
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := ToJSON(v)
				if string(got) != want {
					t.Errorf("got %s", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestExpressionSource(t *testing.T) {
	if got := mustCompile(t, ` x + 1 `).Source(); got != " x + 1 " {
		t.Fatalf("Source() = %q", got)
	}
}
