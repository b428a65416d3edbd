package feel

import (
	"errors"
	"strings"
	"testing"
)

func TestFunctionDefinitions(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`(function(a, b) a + b)(1, 2)`, `3`},
		{`{f: function(x) x * 2, r: f(3)}.r`, `6`},
		{`{f: function(x) x * 2, r: f(x: 4)}.r`, `8`},
		{`{f: function(a, b) a - b, r: f(b: 1, a: 5)}.r`, `4`},
		{`{f: function(a, b) b, r: f(a: 1)}.r`, `null`},
		{`{f: function(a) a, r: f(z: 1)}.r`, `null`},
		{`{f: function(a, b) a, r: f(1)}.r`, `null`},
		{`{f: function(a) a, r: f(1, 2)}.r`, `null`},
		{`{f: function() 42, r: f()}.r`, `42`},
		{`{f: function(a: number, b: string) b + string(a), r: f(1, "x")}.r`, `"x1"`},
		{`{fac: function(n) if n <= 1 then 1 else n * fac(n - 1), r: fac(10)}.r`, `3628800`},
		{`{add: function(a) function(b) a + b, r: add(10)(5)}.r`, `15`},
		{`{k: 3, f: function(x) x * k, r: for i in [1, 2] return f(i)}.r`, `[3,6]`},
		{`{lib: {double: function(x) x * 2}, r: lib.double(21)}.r`, `42`},
		{`{lib: {double: 1}, r: lib.double(21)}.r`, `null`},
		{`{count: function(l) 99, r: count([1])}.r`, `99`},
		{`{f: 1, r: f(1)}.r`, `null`},
		{`{r: x(1)}.r`, `null`},
		{`function(a) a`, `null`},
		{`string(function(a, b) a)`, `"function(a, b)"`},
		{`(function(x) x * x)(x)`, `25`},
		{`1(2)`, `null`},
		{`sort([3, 1, 2], function(a, b) a < b)`, `[1,2,3]`},
		{`sort([3, 1, 2], function(a, b) a > b)`, `[3,2,1]`},
		{`sort(["b", "a", "c"], function(x, y) x < y)`, `["a","b","c"]`},
		{`sort(list: [{n: 2}, {n: 1}], precedes: function(a, b) a.n < b.n).n`, `[1,2]`},
		{`sort([{k: 1, v: "a"}, {k: 0, v: "b"}, {k: 1, v: "c"}], function(a, b) a.k < b.k).v`, `["b","a","c"]`},
		{`sort([], function(a, b) a < b)`, `[]`},
		{`sort([1, "a"], function(a, b) a < b)`, `null`},
		{`sort([1, 2], 1)`, `null`},
		{`sort("a", function(a, b) a < b)`, `null`},
	})
}

func TestFunctionLimits(t *testing.T) {
	expr := mustCompile(t, `{f: function(n) f(n + 1), r: f(0)}.r`)
	_, err := expr.Evaluate(nil)
	var ee *EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Message, "nest more than") {
		t.Fatalf("runaway recursion: %v", err)
	}
	// Each call is a step: 2,600,000 items and as many calls pass the limit
	// of 5,000,000 that the items alone stay under.
	expr = mustCompile(t, `{f: function(n) n, r: count(for i in 1..2600000 return f(i))}.r`)
	_, err = expr.Evaluate(nil)
	if !errors.As(err, &ee) || !strings.Contains(ee.Message, "steps") {
		t.Fatalf("calls are not counted as steps: %v", err)
	}
}

func TestInstanceOf(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`1 instance of number`, `true`},
		{`"a" instance of number`, `false`},
		{`"a" instance of string`, `true`},
		{`true instance of boolean`, `true`},
		{`@"2019-01-01" instance of date`, `true`},
		{`@"2019-01-01T10:00:00" instance of date and time`, `true`},
		{`@"2019-01-01T10:00:00" instance of date`, `false`},
		{`@"10:00:00@Europe/Paris" instance of time`, `true`},
		{`@"P1D" instance of days and time duration`, `true`},
		{`@"P1Y" instance of years and months duration`, `true`},
		{`@"P1Y" instance of days and time duration`, `false`},
		{`[1, 2] instance of list`, `true`},
		{`[1, 2] instance of list<number>`, `true`},
		{`[1, "a"] instance of list<number>`, `false`},
		{`[[1], [2]] instance of list<list<number>>`, `true`},
		{`{a: 1} instance of context`, `true`},
		{`{a: 1, b: "x"} instance of context<a: number>`, `true`},
		{`{a: 1} instance of context<a: string>`, `false`},
		{`{a: 1} instance of context<b: number>`, `false`},
		{`(function(a) a) instance of function`, `true`},
		{`(function(a) a) instance of function<number> -> number`, `true`},
		{`(function(a, b) a) instance of function<number> -> number`, `false`},
		{`[1..2] instance of range`, `true`},
		{`[1..2] instance of range<number>`, `true`},
		{`[1..2] instance of range<string>`, `false`},
		{`1 instance of Any`, `true`},
		{`null instance of Any`, `false`},
		{`null instance of Null`, `true`},
		{`null instance of number`, `false`},
		{`1 instance of Null`, `false`},
		{`1 instance of foo`, `false`},
		{`x instance of number and true`, `true`},
		{`@"2019-01-01" instance of date and true`, `true`},
	})
}

func TestRangeFunctions(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`before(1, 10)`, `true`},
		{`before(10, 1)`, `false`},
		{`before(1, [2..5])`, `true`},
		{`before(1, (1..5])`, `true`},
		{`before(1, [1..5])`, `false`},
		{`before([1..5], 10)`, `true`},
		{`before([1..5), 5)`, `true`},
		{`before([1..5], 5)`, `false`},
		{`before([1..5], [6..8])`, `true`},
		{`before([1..5), [5..8])`, `true`},
		{`before([1..5], [5..8])`, `false`},
		{`before(range1: [1..5], range2: [6..8])`, `true`},
		{`before(point: 1, range: [2..5])`, `true`},
		{`after(10, 1)`, `true`},
		{`after([6..8], [1..5])`, `true`},
		{`after(5, [1..5))`, `true`},
		{`after([5..8], 5)`, `false`},
		{`after((5..8], 5)`, `true`},
		{`meets([1..5], [5..8])`, `true`},
		{`meets([1..5), [5..8])`, `false`},
		{`meets([1..3], [4..8])`, `false`},
		{`met by([5..8], [1..5])`, `true`},
		{`overlaps([1..5], [3..8])`, `true`},
		{`overlaps([3..8], [1..5])`, `true`},
		{`overlaps([1..5], [5..8])`, `true`},
		{`overlaps([1..5), [5..8])`, `false`},
		{`overlaps([1..5], [6..8])`, `false`},
		{`overlaps before([1..5], [3..8])`, `true`},
		{`overlaps before([3..8], [1..5])`, `false`},
		{`overlaps after([3..8], [1..5])`, `true`},
		{`finishes(5, [1..5])`, `true`},
		{`finishes(5, [1..5))`, `false`},
		{`finishes([3..5], [1..5])`, `true`},
		{`finishes([1..5], [3..5])`, `false`},
		{`finished by([1..5], 5)`, `true`},
		{`finished by([1..5], [3..5])`, `true`},
		{`includes([1..10], 5)`, `true`},
		{`includes([1..10], 10)`, `true`},
		{`includes([1..10), 10)`, `false`},
		{`includes([1..10], [3..7])`, `true`},
		{`includes([3..7], [1..10])`, `false`},
		{`during(5, [1..10])`, `true`},
		{`during([3..7], [1..10])`, `true`},
		{`starts(1, [1..5])`, `true`},
		{`starts(1, (1..5])`, `false`},
		{`starts([1..3], [1..5])`, `true`},
		{`starts([1..5], [1..3])`, `false`},
		{`started by([1..5], 1)`, `true`},
		{`started by([1..5], [1..3])`, `true`},
		{`coincides(5, 5)`, `true`},
		{`coincides(5, 6)`, `false`},
		{`coincides([1..5], [1..5])`, `true`},
		{`coincides([1..5], (1..5])`, `false`},
		{`coincides([1..5], 5)`, `null`},
		{`before("a", 1)`, `null`},
		{`before(null, 1)`, `null`},
		{`includes([1..10], "a")`, `null`},
		{`meets(1, 2)`, `null`},
		{`before(@"2019-01-01", [@"2019-02-01"..@"2019-03-01"])`, `true`},
		{`includes([@"09:00:00"..@"17:00:00"], @"12:00:00")`, `true`},
	})
}
