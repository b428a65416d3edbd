package feel

import "fmt"

// UnaryTests is a compiled list of unary tests, the input entry of a DMN
// decision table cell: "-", "< 10", "[1..5]", "\"gold\", \"silver\"",
// "not(< 0)", "? > x", "count(?) > 1". It is immutable: one UnaryTests may be
// tested by many goroutines at once.
type UnaryTests struct {
	src     string
	dialect Dialect
	any     bool // "-" or nothing: every input matches
	negate  bool // not(tests)
	tests   []unaryTest
}

// CompileUnaryTests parses unary tests as DMN 1.4 and feel-scala 1.17 read
// them: "-" (any input), or a comma-separated list of tests, optionally
// wrapped in not(...). Each test is a comparison with the input ("< e",
// "<= e", "> e", ">= e"), an interval ("[1..10]", "(1..10)", "]1..10["), or
// an expression, in which '?' names the input. An empty source matches any
// input, as an empty decision table cell does. A syntax error returns a
// *SyntaxError.
func CompileUnaryTests(src string) (*UnaryTests, error) {
	return compileUnaryTests(src, Zeebe)
}

func compileUnaryTests(src string, d Dialect) (*UnaryTests, error) {
	toks, serr := lex(src, d)
	if serr != nil {
		return nil, serr
	}
	u := &UnaryTests{src: src, dialect: d}
	p := &parser{src: src, toks: toks, dialect: d}
	switch {
	case p.peek().kind == tokEOF:
		u.any = true
		return u, nil
	case p.peek().kind == tokMinus && p.peekAt(1).kind == tokEOF:
		u.any = true
		return u, nil
	}
	if isKeyword(p.peek(), "not") && p.peekAt(1).kind == tokLParen {
		p.pos += 2
		tests, err := p.unaryTestList()
		if err == nil && p.peek().kind == tokRParen && p.peekAt(1).kind == tokEOF {
			u.negate, u.tests = true, tests
			return u, nil
		}
		// Not a negation of the whole: read it as tests that call not().
		p.pos, p.nesting = 0, 0
	}
	tests, err := p.unaryTestList()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorAt(t, "unexpected %s", t.describe())
	}
	u.tests = tests
	return u, nil
}

// unaryTestList reads tests separated by commas.
func (p *parser) unaryTestList() ([]unaryTest, *SyntaxError) {
	var tests []unaryTest
	for {
		test, err := p.unaryTest(true)
		if err != nil {
			return nil, err
		}
		if test.expr.depth() > maxTreeDepth {
			return nil, p.errorAt(p.peek(), "expression is nested too deeply")
		}
		tests = append(tests, test)
		if p.peek().kind != tokComma {
			return tests, nil
		}
		p.advance()
	}
}

// Source returns the tests as they were compiled.
func (u *UnaryTests) Source() string { return u.src }

// Test applies the tests to input, which the tests see as '?', with vars for
// the other names (vars may be nil). The result is Bool(true) when one test
// holds; otherwise Bool(false), or Null when no test holds but one could not
// be decided (an input of another kind than a comparison's bound, say).
// not(...) negates that, keeping Null. An input that is nil is null. Test
// never panics; it returns a *EvalError only as Expression.Evaluate does.
func (u *UnaryTests) Test(input Value, vars Variables) (result Value, err error) {
	if u.any {
		return Bool(true), nil
	}
	defer func() {
		if r := recover(); r != nil {
			result = nil
			err = &EvalError{Source: u.src, Message: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if input == nil {
		input = Null{}
	}
	ev := &evaluator{src: u.src, vars: vars, dialect: u.dialect}
	sc := &scope{name: "?", value: input}
	result = Bool(false)
	for _, test := range u.tests {
		r, err := test.eval(ev, sc, input)
		if err != nil {
			return nil, err
		}
		if IsTrue(r) {
			result = Bool(true)
			break
		}
		result = or3(result, r)
	}
	if u.negate {
		return builtinNot([]Value{result}), nil
	}
	return result, nil
}
