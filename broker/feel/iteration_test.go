package feel

import (
	"errors"
	"strings"
	"testing"
)

func TestForSomeEvery(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`for i in [1, 2, 3] return i * 2`, `[2,4,6]`},
		{`for i in items return i + x`, `[6,7,8,9]`},
		{`for i in empty return i`, `[]`},
		{`for i in 1..3 return i`, `[1,2,3]`},
		{`for i in 3..1 return i`, `[3,2,1]`},
		{`for i in -1..1 return i`, `[-1,0,1]`},
		{`for i in 2..2 return i`, `[2]`},
		{`for i in 1..x return i`, `[1,2,3,4,5]`},
		{`for i in [1, 2], j in [10, 20] return i + j`, `[11,21,12,22]`},
		{`for i in 1..2, j in i..2 return [i, j]`, `[[1,1],[1,2],[2,2]]`},
		{`for line in order.lines return line.sku`, `["a","b"]`},
		{`for i in [1, null] return i`, `[1,null]`},
		{`for i in 1..4 return if i = 1 then 1 else i * partial[-1]`, `[1,2,6,24]`},
		{`for i in [1] return for j in [i, i] return j`, `[[1,1]]`},
		{`for item in items return item`, `[1,2,3,4]`},
		{"for `a b` in [1] return `a b`", `[1]`},
		// Not a list or not a range of whole numbers: null.
		{`for i in 5 return i`, `null`},
		{`for i in n return i`, `null`},
		{`for i in 1..2.5 return i`, `null`},
		{`for i in "a".."b" return i`, `null`},
		{`for i in [1], j in null return i`, `null`},
		{`count(for i in 1..1000 return i)`, `1000`},

		{`some i in [1, 2, 3] satisfies i > 2`, `true`},
		{`some i in [1, 2, 3] satisfies i > 3`, `false`},
		{`some i in [] satisfies i > 3`, `false`},
		{`some i in [null, 5] satisfies i > 3`, `true`},
		{`some i in [null, 1] satisfies i > 3`, `null`},
		{`some i in 1..5, j in 1..5 satisfies i * j = 12`, `true`},
		{`some line in order.lines satisfies line.qty > 4`, `true`},
		{`some i in 5 satisfies true`, `null`},
		{`every i in [1, 2, 3] satisfies i > 0`, `true`},
		{`every i in [1, 2, 3] satisfies i > 1`, `false`},
		{`every i in [] satisfies false`, `true`},
		{`every i in [null, 0] satisfies i > 0`, `false`},
		{`every i in [null, 1] satisfies i > 0`, `null`},
		{`every i in 1..3 satisfies i < 4`, `true`},
		{`every i in null satisfies true`, `null`},
		// Keywords stay usable as names where they are not followed by "x in".
		{`{for: 1, some: 2, every: 3}.some`, `2`},
	})
}

func TestIterationLimitAndShortCircuit(t *testing.T) {
	expr := mustCompile(t, `for a in 1..100000, b in 1..100000 return 0`)
	_, err := expr.Evaluate(nil)
	var ee *EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Message, "takes more than") {
		t.Fatalf("err = %v, want the iteration limit", err)
	}
	// some stops at the first true condition, so the assert is never reached.
	if got := evalJSON(t, `some i in [1, 2] satisfies if i = 1 then true else assert(i, false)`, nil); got != `true` {
		t.Errorf("got %s", got)
	}
	if got := evalJSON(t, `every i in [1, 2] satisfies if i = 1 then false else assert(i, false)`, nil); got != `false` {
		t.Errorf("got %s", got)
	}
	// The limit counts per evaluation, not per expression.
	expr = mustCompile(t, `count(for i in 1..3000000 return i)`)
	if testing.Short() {
		return
	}
	for range 2 {
		if _, err := expr.Evaluate(nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestQuadraticWorkIsBounded(t *testing.T) {
	_, err := mustCompile(t, `count(for i in 1..100000 return reverse(partial))`).Evaluate(nil)
	var ee *EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Message, "takes more than") {
		t.Fatalf("err = %v, want the step limit", err)
	}
}
