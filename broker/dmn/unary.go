package dmn

import (
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// unaryTests is a compiled list of unary tests (an input entry, input or
// output values, an item definition's allowed values): Test tells whether
// input passes, true, false or null.
type unaryTests interface {
	Test(input feel.Value, vars feel.Variables) (feel.Value, error)
	Source() string
}

// inputName is the variable that carries the tested value into the FEEL
// expression; the backticks make it a name no model can write unquoted.
const inputName = "?dmn input"

// compileUnaryTests compiles src as unary tests: "-" (anything), a
// comma-separated list of tests, or not(tests).
func compileUnaryTests(src string) (unaryTests, error) {
	trimmed := strings.TrimSpace(src)
	if trimmed == "-" || trimmed == "" {
		return anyTest{src: src}, nil
	}
	negate := false
	if strings.HasPrefix(trimmed, "not(") && strings.HasSuffix(trimmed, ")") && balanced(trimmed[4:len(trimmed)-1]) {
		negate = true
		trimmed = trimmed[4 : len(trimmed)-1]
	}
	expr, err := feel.Compile("`" + inputName + "` in (" + trimmed + ")")
	if err != nil {
		return nil, err
	}
	return &inTests{src: src, expr: expr, negate: negate}, nil
}

// balanced reports whether the parentheses of s pair up, so that
// "not(a), (b)" is not taken for a negation of "a), (b".
func balanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = skipString(s, i) - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

type anyTest struct{ src string }

func (anyTest) Test(feel.Value, feel.Variables) (feel.Value, error) { return feel.Bool(true), nil }
func (t anyTest) Source() string                                    { return t.src }

// inTests evaluates the tests as FEEL's `x in (tests)`.
type inTests struct {
	src    string
	expr   *feel.Expression
	negate bool
}

func (t *inTests) Source() string { return t.src }

func (t *inTests) Test(input feel.Value, vars feel.Variables) (feel.Value, error) {
	raw, err := feel.ToJSON(input)
	if err != nil {
		return nil, err
	}
	v, err := t.expr.Evaluate(&boundVariables{name: inputName, raw: raw, next: vars})
	if err != nil {
		return nil, err
	}
	if t.negate {
		if b, ok := v.(feel.Bool); ok {
			return !b, nil
		}
		return feel.Null{}, nil
	}
	return v, nil
}

// boundVariables adds one variable in front of others.
type boundVariables struct {
	name string
	raw  []byte
	next feel.Variables
}

func (b *boundVariables) Variable(name string) ([]byte, bool) {
	if name == b.name {
		return b.raw, true
	}
	if b.next == nil {
		return nil, false
	}
	return b.next.Variable(name)
}
