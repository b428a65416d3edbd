package feel

import (
	"errors"
	"strings"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		src          string
		line, column int
		message      string
	}{
		{``, 1, 1, "expected an expression but found end of expression"},
		{`   `, 1, 4, "expected an expression but found end of expression"},
		{`1 +`, 1, 4, "expected an operand but found end of expression"},
		{`a + * b`, 1, 5, "expected an operand but found '*'"},
		{`1 2`, 1, 3, "unexpected number 2"},
		{`(1 + 2`, 1, 7, "expected ')' to close '(' but found end of expression"},
		{`[1, 2`, 1, 6, "expected ']' to close the list"},
		{`{a 1}`, 1, 4, "expected ':' after the context key but found number 1"},
		{`{1: 2}`, 1, 2, "expected a context key but found number 1"},
		{`"abc`, 1, 1, "unterminated string"},
		{"`abc", 1, 1, "unterminated `name`"},
		{"a\n  + #", 2, 5, "unexpected character '#'"},
		{`x /* open`, 1, 3, "unterminated comment"},
		{`if x then 1`, 1, 12, "expected 'else' in 'if' but found end of expression"},
		{`if x 1 else 2`, 1, 6, "expected 'then' after the condition of 'if' but found number 1"},
		{`x between 1 or 2`, 1, 13, "expected 'and' in 'between' but found 'or'"},
		{`a.`, 1, 3, "expected a name after '.' but found end of expression"},
		{`a.1`, 1, 2, "unexpected number .1"},
		{`1 < 2 < 3`, 1, 7, "unexpected '<'"},
		{`x in`, 1, 5, "expected an operand but found end of expression"},
		{`x in (1, 2`, 1, 11, "expected ')' after the tests of 'in'"},
		{`f(a: 1, 2)`, 1, 9, "expected a parameter name but found number 2"},
		{`null.a + )`, 1, 10, "expected an operand but found ')'"},
		{`in`, 1, 1, "expected an operand but found 'in'"},
		{`a = true false`, 1, 10, "unexpected 'false'"},
		{"\"\xff\"", 1, 2, "invalid UTF-8 in string"},
		{"é + ¤¤ + ·", 1, 10, "unexpected character '·'"},
		// Ranges, iterations, functions and types.
		{`[1..3`, 1, 6, "expected ']', ')' or '[' to close the range"},
		{`]1, 3[`, 1, 3, "expected '..' in the range"},
		{`for i in [1] i`, 1, 14, "expected 'return' in 'for' but found 'i'"},
		{`some i in [1] return i`, 1, 15, "expected 'satisfies' in 'some' but found 'return'"},
		{`every i in [1], 2 in [2] satisfies true`, 1, 17, "expected a name after 'every' but found number 2"},
		{`for i in 1..) return i`, 1, 13, "expected an operand but found ')'"},
		{`function(a) external {}`, 1, 13, "external functions are not supported"},
		{`function(a b) a`, 1, 12, "expected ')' after the parameters"},
		{`x instance of 1`, 1, 15, "expected a type but found number 1"},
		{`x instance of list<number`, 1, 26, "expected '>' to close the type"},
		{`x instance of function<number> number`, 1, 32, "expected '->'"},
		{`@x`, 1, 1, "expected a string after '@'"},
		{`@"2020-01-01`, 1, 2, "unterminated string"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, err := Compile(tc.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v, want a *SyntaxError", tc.src, err)
			}
			if se.Line != tc.line || se.Column != tc.column {
				t.Errorf("position %d:%d, want %d:%d (%v)", se.Line, se.Column, tc.line, tc.column, err)
			}
			if !strings.Contains(se.Message, tc.message) {
				t.Errorf("message %q does not contain %q", se.Message, tc.message)
			}
			msg := err.Error()
			for _, want := range []string{"'" + tc.src + "'", "line", "column"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
		})
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Compile("a +\n  b * )")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	if se.Offset != 10 || se.Line != 2 || se.Column != 7 {
		t.Fatalf("got offset %d at %d:%d", se.Offset, se.Line, se.Column)
	}
	want := "failed to parse FEEL expression 'a +\n  b * )': expected an operand but found ')' at line 2, column 7"
	if err.Error() != want {
		t.Fatalf("got %q", err.Error())
	}
}

func TestNestingLimits(t *testing.T) {
	deep := strings.Repeat("(", maxNesting+1) + "1" + strings.Repeat(")", maxNesting+1)
	if _, err := Compile(deep); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("deep parentheses: %v", err)
	}
	long := "1" + strings.Repeat(" + 1", maxTreeDepth+1)
	if _, err := Compile(long); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("long chain: %v", err)
	}
	minus := strings.Repeat("-", maxNesting+1) + "1"
	if _, err := Compile(minus); err == nil {
		t.Fatal("deep unary minus compiled")
	}
	// Within the limits everything works.
	ok := strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + strings.Repeat(" + 1", 100)
	if got := evalJSON(t, ok, nil); got != "101" {
		t.Fatalf("got %s", got)
	}
}

func TestNamesThatLookLikeKeywords(t *testing.T) {
	vars := MapVariables{
		"some": []byte(`1`), "every": []byte(`2`), "for": []byte(`3`), "order": []byte(`4`),
		"nullable": []byte(`5`), "inside": []byte(`6`), "$x": []byte(`7`), "_y": []byte(`8`),
		"a b": []byte(`9`), "truex": []byte(`10`), "then": []byte(`11`),
	}
	for _, tc := range []struct{ src, want string }{
		{`some + every + for`, `6`},
		{`order`, `4`},
		{`nullable + inside`, `11`},
		{`$x + _y`, `15`},
		{"`a b`", `9`},
		{`truex`, `10`},
		{"`then` + 1", `12`},
		{`{if: 1, then: 2}.then`, `2`},
	} {
		if got := evalJSON(t, tc.src, vars); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
		}
	}
}
