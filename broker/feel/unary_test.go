package feel

import (
	"errors"
	"testing"
)

func TestUnaryTests(t *testing.T) {
	vars := MapVariables{"x": []byte(`5`), "limits": []byte(`{"low": 1, "high": 10}`), "flag": []byte(`false`)}
	for _, tc := range []struct {
		tests string
		input string // JSON
		want  string // JSON of the result
	}{
		{`-`, `1`, `true`},
		{`-`, `null`, `true`},
		{``, `"a"`, `true`},
		{`  `, `"a"`, `true`},
		{`5`, `5`, `true`},
		{`5`, `5.0`, `true`},
		{`5`, `6`, `false`},
		{`5`, `"5"`, `false`},
		{`"gold"`, `"gold"`, `true`},
		{`"gold", "silver"`, `"silver"`, `true`},
		{`"gold", "silver"`, `"bronze"`, `false`},
		{`< 5`, `4`, `true`},
		{`< 5`, `5`, `false`},
		{`<= 5`, `5`, `true`},
		{`> 5`, `5`, `false`},
		{`>= 5`, `5`, `true`},
		{`>= x`, `5`, `true`},
		{`> x + 1`, `6`, `false`},
		{`< 5`, `"a"`, `null`},
		{`< 5`, `null`, `null`},
		{`< "b"`, `"a"`, `true`},
		{`[1..10]`, `1`, `true`},
		{`[1..10]`, `10`, `true`},
		{`[1..10]`, `10.5`, `false`},
		{`(1..10)`, `1`, `false`},
		{`(1..10)`, `2`, `true`},
		{`]1..10[`, `10`, `false`},
		{`]1..10[`, `9.99`, `true`},
		{`[1..10[`, `10`, `false`},
		{`]1..10]`, `10`, `true`},
		{`(1..10]`, `10`, `true`},
		{`[limits.low..limits.high]`, `10`, `true`},
		{`[1..10]`, `"a"`, `null`},
		{`["a".."m"]`, `"k"`, `true`},
		{`[1..10], > 100`, `200`, `true`},
		{`[1..10], > 100`, `50`, `false`},
		{`< 0, "x"`, `"x"`, `true`},
		{`< 0, 5`, `"x"`, `null`},
		{`not(5)`, `5`, `false`},
		{`not(5)`, `6`, `true`},
		{`not(1, 2, 3)`, `2`, `false`},
		{`not(1, 2, 3)`, `4`, `true`},
		{`not(< 5)`, `3`, `false`},
		{`not([1..3])`, `4`, `true`},
		{`not("a")`, `null`, `true`},
		{`not(< 5)`, `"a"`, `null`},
		{`null`, `null`, `true`},
		{`null`, `0`, `false`},
		{`not(null)`, `0`, `true`},
		{`true`, `true`, `true`},
		{`true`, `false`, `false`},
		{`false`, `false`, `true`},
		{`false`, `true`, `false`},
		{`flag`, `false`, `true`},
		{`? > 5`, `6`, `true`},
		{`? > 5`, `5`, `false`},
		{`? > 5`, `"a"`, `false`},
		{`count(?) > 1`, `[1, 2]`, `true`},
		{`count(?) > 1`, `[1]`, `false`},
		{`list contains(?, "b")`, `["a", "b"]`, `true`},
		{`? = x`, `5`, `true`},
		{`starts with(?, "ab")`, `"abc"`, `true`},
		{`[1, 2, 3]`, `2`, `true`},
		{`[1, 2, 3]`, `4`, `false`},
		{`[1, 2]`, `[1, 2]`, `true`},
		{`{a: 1}`, `{"a": 1}`, `true`},
		{`not(x) = true`, `1`, `false`},
		{`not(false)`, `false`, `false`},
		{`not(false)`, `true`, `true`},
	} {
		t.Run(tc.tests+" / "+tc.input, func(t *testing.T) {
			u, err := CompileUnaryTests(tc.tests)
			if err != nil {
				t.Fatalf("CompileUnaryTests(%q): %v", tc.tests, err)
			}
			if u.Source() != tc.tests {
				t.Errorf("Source() = %q", u.Source())
			}
			input, err := FromJSON([]byte(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.Test(input, vars)
			if err != nil {
				t.Fatalf("Test: %v", err)
			}
			if j, _ := ToJSON(got); string(j) != tc.want {
				t.Errorf("%s with input %s = %s, want %s", tc.tests, tc.input, j, tc.want)
			}
		})
	}
}

func TestUnaryTestsNilInputAndVars(t *testing.T) {
	u, err := CompileUnaryTests(`null, > 3`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := u.Test(nil, nil); err != nil || got != Bool(true) {
		t.Errorf("Test(nil, nil) = %v, %v", got, err)
	}
	if got, err := u.Test(IntNumber(4), nil); err != nil || got != Bool(true) {
		t.Errorf("Test(4, nil) = %v, %v", got, err)
	}
}

func TestUnaryTestsSyntaxErrors(t *testing.T) {
	for _, src := range []string{`< `, `1,`, `,1`, `[1..`, `not(1`, `- 1 -`, `1 2`, `not(1) 2`} {
		t.Run(src, func(t *testing.T) {
			_, err := CompileUnaryTests(src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("CompileUnaryTests(%q) = %v, want a *SyntaxError", src, err)
			}
		})
	}
}

func TestUnaryTestsEvalError(t *testing.T) {
	u, err := CompileUnaryTests(`> bad`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Test(IntNumber(1), MapVariables{"bad": []byte(`{`)})
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("Test = %v, want a *EvalError", err)
	}
}

func TestRanges(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`5 in [1..10]`, `true`},
		{`5 in (5..10]`, `false`},
		{`10 in (5..10)`, `false`},
		{`10 in ]5..10]`, `true`},
		{`x in [y..x]`, `true`},
		{`x in ([1..2], [4..6])`, `true`},
		{`x in (1..5)`, `false`},
		{`"b" in ["a".."c"]`, `true`},
		{`"b" in [1..3]`, `null`},
		{`[1..2] = [1..2]`, `true`},
		{`[1..2] = [1..2)`, `false`},
		{`[1..2] = (1..2]`, `false`},
		{`[1..2] = [1..3]`, `false`},
		{`string([1..2])`, `"[1..2]"`},
		{`string((1..2))`, `"(1..2)"`},
		{`string(]1..2[)`, `"(1..2)"`},
		{`[1.."a"]`, `null`},
		{`[1..null]`, `null`},
		{`[1..5]`, `null`}, // a range has no JSON form
		{`[items[1]..items[-1]]`, `null`},
		{`3 in [items[1]..items[-1]]`, `true`},
		{`[1, 2][1]`, `1`},
	})
}
