package feel

import (
	"strings"
)

// Limits that keep compiling and evaluating bounded on hostile input: the
// parser's own recursion (every bracket, parenthesis, argument list and unary
// minus passes through expression or unary) and the height of the finished
// tree, which bounds the evaluator's recursion.
const (
	maxNesting   = 200
	maxTreeDepth = 400
)

// parser is a recursive-descent parser over the token list. Precedence, from
// loosest to tightest: if; or; and; comparison, between, in; + -; * /; **;
// unary -; path, filter and call.
type parser struct {
	src     string
	toks    []token
	pos     int
	nesting int
	dialect Dialect
}

func parse(src string, d Dialect) (node, *SyntaxError) {
	toks, err := lex(src, d)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, dialect: d}
	if p.peek().kind == tokEOF {
		return nil, p.errorAt(p.peek(), "expected an expression but found end of expression")
	}
	n, err := p.expression()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorAt(t, "unexpected %s", t.describe())
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

// peekAt looks k tokens ahead; past the end it returns the EOF token.
func (p *parser) peekAt(k int) token {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) advance() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) errorAt(t token, format string, args ...any) *SyntaxError {
	return newSyntaxError(p.src, t.pos, format, args...)
}

func (p *parser) expect(kind tokenKind, context string) (token, *SyntaxError) {
	t := p.peek()
	if t.kind != kind {
		return t, p.errorAt(t, "expected %s %s but found %s", kind, context, t.describe())
	}
	return p.advance(), nil
}

func (p *parser) expectKeyword(word, context string) *SyntaxError {
	t := p.peek()
	if !isKeyword(t, word) {
		return p.errorAt(t, "expected '%s' %s but found %s", word, context, t.describe())
	}
	p.advance()
	return nil
}

// isKeyword reports whether t is the bare word w. Keywords are words the
// grammar reads in place; an escaped `name` is never one.
func isKeyword(t token, w string) bool {
	return t.kind == tokName && !t.escaped && t.text == w
}

// reservedNames cannot name a variable.
var reservedNames = map[string]bool{
	"true": true, "false": true, "null": true, "function": true, "in": true,
}

func (p *parser) enter() *SyntaxError {
	p.nesting++
	if p.nesting > maxNesting {
		return p.errorAt(p.peek(), "expression is nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.nesting-- }

// checked rejects trees too high to evaluate safely.
func (p *parser) checked(n node, at token) (node, *SyntaxError) {
	if n.depth() > maxTreeDepth {
		return nil, p.errorAt(at, "expression is nested too deeply")
	}
	return n, nil
}

func (p *parser) expression() (node, *SyntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if t := p.peek(); isKeyword(t, "for") || isKeyword(t, "some") || isKeyword(t, "every") {
		if p.peekAt(1).kind == tokName && isKeyword(p.peekAt(2), "in") {
			return p.iterationExpression()
		}
	}
	return p.disjunction()
}

func (p *parser) disjunction() (node, *SyntaxError) {
	left, err := p.conjunction()
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "or") {
		at := p.advance()
		right, err := p.conjunction()
		if err != nil {
			return nil, err
		}
		if left, err = p.checked(&orNode{left: left, right: right, d: maxDepth(left, right)}, at); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) conjunction() (node, *SyntaxError) {
	left, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "and") {
		at := p.advance()
		right, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if left, err = p.checked(&andNode{left: left, right: right, d: maxDepth(left, right)}, at); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) comparison() (node, *SyntaxError) {
	left, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind == tokEq || t.kind == tokNe || t.kind == tokLt || t.kind == tokLe || t.kind == tokGt || t.kind == tokGe:
		p.advance()
		right, err := p.additive()
		if err != nil {
			return nil, err
		}
		return p.checked(&compareNode{op: t.kind, left: left, right: right, d: maxDepth(left, right)}, t)
	case isKeyword(t, "between"):
		p.advance()
		low, err := p.additive()
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("and", "in 'between'"); err != nil {
			return nil, err
		}
		high, err := p.additive()
		if err != nil {
			return nil, err
		}
		return p.checked(&betweenNode{x: left, low: low, high: high, d: maxDepth(left, low, high)}, t)
	case isKeyword(t, "in"):
		p.advance()
		tests, err := p.inTests()
		if err != nil {
			return nil, err
		}
		nodes := []node{left}
		for _, test := range tests {
			nodes = append(nodes, test.expr)
		}
		return p.checked(&inNode{x: left, tests: tests, d: maxDepth(nodes...)}, t)
	case isKeyword(t, "instance") && isKeyword(p.peekAt(1), "of"):
		p.pos += 2
		typ, err := p.feelType()
		if err != nil {
			return nil, err
		}
		return p.checked(&instanceOfNode{x: left, typ: typ, d: maxDepth(left)}, t)
	}
	return left, nil
}

// inTests reads the tests after 'in': one test, or a parenthesised list of
// tests separated by commas.
func (p *parser) inTests() ([]unaryTest, *SyntaxError) {
	if p.peek().kind != tokLParen || p.rangeAhead() {
		test, err := p.unaryTest(false)
		if err != nil {
			return nil, err
		}
		return []unaryTest{test}, nil
	}
	p.advance()
	var tests []unaryTest
	for {
		test, err := p.unaryTest(true)
		if err != nil {
			return nil, err
		}
		tests = append(tests, test)
		if p.peek().kind != tokComma {
			break
		}
		p.advance()
	}
	if _, err := p.expect(tokRParen, "after the tests of 'in'"); err != nil {
		return nil, err
	}
	return tests, nil
}

// unaryTest reads "< e", "<= e", "> e", ">= e" or an expression. Inside
// parentheses the expression may be a whole expression; a bare test after
// 'in' stops before 'and' and 'or', so "x in [1, 2] and y" reads as
// "(x in [1, 2]) and y".
func (p *parser) unaryTest(full bool) (unaryTest, *SyntaxError) {
	t := p.peek()
	switch t.kind {
	case tokLt, tokLe, tokGt, tokGe, tokEq, tokNe:
		p.advance()
		e, err := p.additive()
		if err != nil {
			return unaryTest{}, err
		}
		return unaryTest{op: t.kind, expr: e}, nil
	}
	var e node
	var err *SyntaxError
	from := p.pos
	if full {
		e, err = p.expression()
	} else {
		e, err = p.additive()
	}
	if err != nil {
		return unaryTest{}, err
	}
	// A boolean literal compares with the input; any other boolean result
	// means "the test holds".
	if lit, ok := e.(*literalNode); ok && lit.value.Kind() == KindBoolean {
		return unaryTest{op: tokEq, expr: e}, nil
	}
	uses := false
	for _, tok := range p.toks[from:p.pos] {
		if tok.kind == tokName && tok.text == "?" {
			uses = true
		}
	}
	return unaryTest{op: tokEOF, expr: e, usesInput: uses}, nil
}

func (p *parser) additive() (node, *SyntaxError) {
	left, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokPlus || p.peek().kind == tokMinus {
		at := p.advance()
		right, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		if left, err = p.checked(&arithNode{op: at.kind, left: left, right: right, d: maxDepth(left, right)}, at); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) multiplicative() (node, *SyntaxError) {
	left, err := p.power()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokStar || p.peek().kind == tokSlash {
		at := p.advance()
		right, err := p.power()
		if err != nil {
			return nil, err
		}
		if left, err = p.checked(&arithNode{op: at.kind, left: left, right: right, d: maxDepth(left, right)}, at); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) power() (node, *SyntaxError) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokStarStar {
		at := p.advance()
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		if left, err = p.checked(&arithNode{op: at.kind, left: left, right: right, d: maxDepth(left, right)}, at); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// unary reads a minus sign. It binds tighter than **, so -2 ** 2 is 4. A
// minus before a number literal folds into the literal, which lets a filter
// see list[-1] as an index.
func (p *parser) unary() (node, *SyntaxError) {
	t := p.peek()
	if t.kind != tokMinus {
		return p.postfix()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.advance()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	if lit, ok := x.(*literalNode); ok {
		if n, ok := lit.value.(Number); ok {
			return &literalNode{value: n.neg()}, nil
		}
	}
	return p.checked(&negateNode{x: x, d: maxDepth(x)}, t)
}

func (p *parser) postfix() (node, *SyntaxError) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch t.kind {
		case tokDot:
			p.advance()
			key := p.peek()
			if key.kind != tokName || key.text == "?" {
				return nil, p.errorAt(key, "expected a name after '.' but found %s", key.describe())
			}
			p.advance()
			name := key.text
			// Properties whose names have two words.
			if next := p.peek(); next.kind == tokName && !next.escaped && !key.escaped &&
				((name == "time" && next.text == "offset") || ((name == "start" || name == "end") && next.text == "included")) {
				p.advance()
				name += " " + next.text
			}
			if p.peek().kind == tokLParen {
				args, _, err := p.arguments()
				if err != nil {
					return nil, err
				}
				nodes := append([]node{n}, args...)
				n, err = p.checked(&qualifiedCallNode{target: n, name: key.text, args: args, d: maxDepth(nodes...)}, t)
				if err != nil {
					return nil, err
				}
				continue
			}
			if n, err = p.checked(&pathNode{target: n, key: name, d: maxDepth(n)}, t); err != nil {
				return nil, err
			}
		case tokLBracket:
			if !startsOperand(p.peekAt(1)) {
				// "]1..x[": the bracket closes an open range.
				return n, nil
			}
			p.advance()
			index, err := p.expression()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tokRBracket, "after the filter"); err != nil {
				return nil, err
			}
			if n, err = p.checked(&filterNode{target: n, index: index, d: maxDepth(n, index)}, t); err != nil {
				return nil, err
			}
		case tokLParen:
			// Calling what an expression returns: f(1)(2).
			args, names, err := p.arguments()
			if err != nil {
				return nil, err
			}
			nodes := append([]node{n}, args...)
			if n, err = p.checked(&valueCallNode{target: n, args: args, names: names, d: maxDepth(nodes...)}, t); err != nil {
				return nil, err
			}
		default:
			return n, nil
		}
	}
}

func (p *parser) primary() (node, *SyntaxError) {
	t := p.peek()
	switch t.kind {
	case tokNumber:
		p.advance()
		n, err := ParseNumber(t.text)
		if err != nil {
			return nil, p.errorAt(t, "number %s is out of range", t.text)
		}
		return &literalNode{value: n}, nil
	case tokString:
		p.advance()
		return &literalNode{value: String(t.text)}, nil
	case tokTemporal:
		p.advance()
		// A literal that is no valid date, time or duration (@"2024-06-31")
		// is null, as in feel-scala.
		if v, ok := parseTemporal(t.text); ok {
			return &literalNode{value: v}, nil
		}
		if p.dialect == DMN {
			if v, ok := parseEndOfDay(t.text); ok {
				return &literalNode{value: v}, nil
			}
		}
		return &literalNode{value: Null{}}, nil
	case tokLParen:
		if p.dialect == DMN {
			switch p.peekAt(1).kind {
			case tokLt, tokLe, tokGt, tokGe, tokEq, tokNe:
				return p.comparisonRange()
			}
		}
		p.advance()
		n, err := p.expression()
		if err != nil {
			return nil, err
		}
		if p.peek().kind == tokDotDot {
			return p.rangeEnd(t, n, false)
		}
		if _, err := p.expect(tokRParen, "to close '('"); err != nil {
			return nil, err
		}
		return n, nil
	case tokLBracket:
		return p.list()
	case tokLBrace:
		return p.context()
	case tokRBracket:
		// ]a..b] and ]a..b[: a range whose start is excluded.
		p.advance()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		start, err := p.expression()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tokDotDot {
			return nil, p.errorAt(p.peek(), "expected '..' in the range but found %s", p.peek().describe())
		}
		return p.rangeEnd(t, start, false)
	case tokName:
		return p.name()
	case tokEOF:
		return nil, p.errorAt(t, "expected an operand but found end of expression")
	}
	return nil, p.errorAt(t, "expected an operand but found %s", t.describe())
}

func (p *parser) list() (node, *SyntaxError) {
	open := p.advance()
	var items []node
	if p.peek().kind != tokRBracket {
		for {
			item, err := p.expression()
			if err != nil {
				return nil, err
			}
			if p.peek().kind == tokDotDot && len(items) == 0 {
				return p.rangeEnd(open, item, true)
			}
			items = append(items, item)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	}
	if _, err := p.expect(tokRBracket, "to close the list"); err != nil {
		return nil, err
	}
	return p.checked(&listNode{items: items, d: maxDepth(items...)}, open)
}

func (p *parser) context() (node, *SyntaxError) {
	open := p.advance()
	c := &contextNode{}
	if p.peek().kind != tokRBrace {
		for {
			key := p.peek()
			if (key.kind != tokName || key.text == "?") && key.kind != tokString {
				return nil, p.errorAt(key, "expected a context key but found %s", key.describe())
			}
			p.advance()
			if p.dialect == DMN && key.kind == tokName && !key.escaped {
				key.text = p.contextKeyName(key)
			}
			if _, err := p.expect(tokColon, "after the context key"); err != nil {
				return nil, err
			}
			value, err := p.expression()
			if err != nil {
				return nil, err
			}
			c.keys = append(c.keys, key.text)
			c.values = append(c.values, value)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	}
	if _, err := p.expect(tokRBrace, "to close the context"); err != nil {
		return nil, err
	}
	c.d = maxDepth(c.values...)
	return p.checked(c, open)
}

// name reads a literal keyword, an if-expression, a function call or a
// variable reference.
func (p *parser) name() (node, *SyntaxError) {
	t := p.peek()
	if !t.escaped {
		switch t.text {
		case "true", "false":
			p.advance()
			return &literalNode{value: Bool(t.text == "true")}, nil
		case "null":
			p.advance()
			return &literalNode{value: Null{}}, nil
		case "if":
			return p.ifExpression()
		case "function":
			if p.peekAt(1).kind == tokLParen {
				return p.functionDefinition()
			}
		}
		if reservedNames[t.text] {
			return nil, p.errorAt(t, "expected an operand but found %s", t.describe())
		}
		if name, words := p.multiWordCall(); words > 0 {
			p.pos += words
			return p.call(t, name)
		}
	}
	p.advance()
	if p.peek().kind == tokLParen && t.text != "?" {
		return p.call(t, t.text)
	}
	return &nameNode{name: t.text}, nil
}

// grammarWords never take part in a function name made of several words, so
// "a and not(b)" stays a conjunction. Built-in names that contain one of them
// ("date and time", "get or else") are matched from knownFunctions instead.
var grammarWords = map[string]bool{
	"and": true, "or": true, "if": true, "then": true, "else": true,
	"for": true, "in": true, "return": true, "some": true, "every": true,
	"satisfies": true, "between": true, "instance": true, "of": true,
	"function": true, "true": true, "false": true, "null": true,
}

// multiWordCall matches a call of a function whose name has spaces ("is
// defined(x)", "string length(s)"): a known built-in name, or any run of
// plain words before '('. It returns the name and how many tokens it spans,
// or 0 when the words are not followed by '('.
func (p *parser) multiWordCall() (string, int) {
	if name, words := p.knownMultiWordFunction(); words > 0 {
		return name, words
	}
	k := 0
	var words []string
	for t := p.peekAt(k); t.kind == tokName && !t.escaped && t.text != "?" && !grammarWords[t.text]; t = p.peekAt(k) {
		words = append(words, t.text)
		k++
	}
	if k >= 2 && p.peekAt(k).kind == tokLParen {
		return strings.Join(words, " "), k
	}
	return "", 0
}

// knownMultiWordFunction matches a known built-in name with spaces followed
// by '(', preferring the longest.
func (p *parser) knownMultiWordFunction() (string, int) {
	best, bestWords := "", 0
	for _, name := range multiWordFunctionNames {
		words := strings.Split(name, " ")
		if len(words) <= bestWords {
			continue
		}
		ok := true
		for i, w := range words {
			if !isKeyword(p.peekAt(i), w) {
				ok = false
				break
			}
		}
		if ok && p.peekAt(len(words)).kind == tokLParen {
			best, bestWords = name, len(words)
		}
	}
	return best, bestWords
}

// call reads the arguments of a call to name, whose first token is at.
func (p *parser) call(at token, name string) (node, *SyntaxError) {
	if !isImplemented(name) && isKnownFunction(name) {
		return nil, p.errorAt(at, "function '%s' is not supported yet", name)
	}
	args, names, err := p.arguments()
	if err != nil {
		return nil, err
	}
	return p.checked(&callNode{name: name, args: args, argNames: names, d: maxDepth(args...)}, at)
}

// arguments reads "(a, b)" or "(name: a, other name: b)". Parameter names of
// built-in functions may contain spaces.
func (p *parser) arguments() ([]node, []string, *SyntaxError) {
	p.advance() // '('
	var args []node
	var names []string
	if p.peek().kind == tokRParen {
		p.advance()
		return args, names, nil
	}
	named := p.namedArgumentAhead()
	for {
		if named {
			name, err := p.parameterName()
			if err != nil {
				return nil, nil, err
			}
			names = append(names, name)
		}
		arg, err := p.expression()
		if err != nil {
			return nil, nil, err
		}
		args = append(args, arg)
		if p.peek().kind != tokComma {
			break
		}
		p.advance()
	}
	if _, err := p.expect(tokRParen, "to close the arguments"); err != nil {
		return nil, nil, err
	}
	return args, names, nil
}

// namedArgumentAhead reports whether the next tokens are words followed by ':'.
func (p *parser) namedArgumentAhead() bool {
	k := 0
	for p.peekAt(k).kind == tokName {
		k++
	}
	return k > 0 && p.peekAt(k).kind == tokColon
}

func (p *parser) parameterName() (string, *SyntaxError) {
	var words []string
	for p.peek().kind == tokName {
		words = append(words, p.advance().text)
	}
	if len(words) == 0 {
		t := p.peek()
		return "", p.errorAt(t, "expected a parameter name but found %s", t.describe())
	}
	if _, err := p.expect(tokColon, "after the parameter name"); err != nil {
		return "", err
	}
	return strings.Join(words, " "), nil
}

func (p *parser) ifExpression() (node, *SyntaxError) {
	at := p.advance()
	cond, err := p.expression()
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("then", "after the condition of 'if'"); err != nil {
		return nil, err
	}
	then, err := p.expression()
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("else", "in 'if'"); err != nil {
		return nil, err
	}
	els, err := p.expression()
	if err != nil {
		return nil, err
	}
	return p.checked(&ifNode{cond: cond, then: then, els: els, d: maxDepth(cond, then, els)}, at)
}

// iterationExpression reads "for i in a, j in b return e", "some i in a
// satisfies c" or "every i in a satisfies c". An iteration may walk a range
// of whole numbers: "for i in 1..n return ...".
func (p *parser) iterationExpression() (node, *SyntaxError) {
	at := p.advance()
	keyword := "satisfies"
	if at.text == "for" {
		keyword = "return"
	}
	var iters []iteration
	for {
		name := p.peek()
		if name.kind != tokName || name.text == "?" || (!name.escaped && reservedNames[name.text]) {
			return nil, p.errorAt(name, "expected a name after '%s' but found %s", at.text, name.describe())
		}
		p.advance()
		if err := p.expectKeyword("in", "after the name of '"+at.text+"'"); err != nil {
			return nil, err
		}
		in, err := p.disjunction()
		if err != nil {
			return nil, err
		}
		it := iteration{name: name.text, in: in}
		if p.peek().kind == tokDotDot {
			p.advance()
			if it.end, err = p.disjunction(); err != nil {
				return nil, err
			}
		}
		iters = append(iters, it)
		if p.peek().kind != tokComma {
			break
		}
		p.advance()
	}
	if err := p.expectKeyword(keyword, "in '"+at.text+"'"); err != nil {
		return nil, err
	}
	body, err := p.expression()
	if err != nil {
		return nil, err
	}
	d := maxDepth(iterationNodes(iters, body)...)
	if at.text == "for" {
		return p.checked(&forNode{iters: iters, body: body, d: d}, at)
	}
	return p.checked(&quantifiedNode{every: at.text == "every", iters: iters, cond: body, d: d}, at)
}

// rangeEnd reads "..end" and the closing bracket of a range whose start has
// been read: ']' includes the end, ')' and '[' exclude it.
func (p *parser) rangeEnd(open token, start node, startIncluded bool) (node, *SyntaxError) {
	p.advance() // '..'
	end, err := p.expression()
	if err != nil {
		return nil, err
	}
	closing := p.peek()
	var endIncluded bool
	switch closing.kind {
	case tokRBracket:
		endIncluded = true
	case tokRParen, tokLBracket:
	default:
		return nil, p.errorAt(closing, "expected ']', ')' or '[' to close the range but found %s", closing.describe())
	}
	p.advance()
	return p.checked(&rangeNode{start: start, end: end, startIncluded: startIncluded, endIncluded: endIncluded, d: maxDepth(start, end)}, open)
}

// startsOperand reports whether t may begin an expression. A '[' followed by
// anything else cannot open a filter, so it closes a range instead.
func startsOperand(t token) bool {
	switch t.kind {
	case tokEOF, tokComma, tokRParen, tokRBracket, tokRBrace, tokColon, tokDotDot, tokDot:
		return false
	case tokName:
		if t.escaped {
			return true
		}
		switch t.text {
		case "and", "or", "then", "else", "return", "satisfies", "in", "between":
			return false
		}
	}
	return true
}

// rangeAhead reports whether the '(' at the current position opens a range:
// a '..' before its matching ')' outside any inner brackets.
func (p *parser) rangeAhead() bool {
	depth := 0
	for k := 0; ; k++ {
		t := p.peekAt(k)
		switch t.kind {
		case tokEOF:
			return false
		case tokLParen, tokLBrace:
			depth++
		case tokRParen, tokRBrace:
			depth--
			if depth == 0 {
				return false
			}
		case tokLBracket, tokRBracket:
			// Brackets inside may open or close ranges; a '..' at depth 1
			// is only possible before the first of them.
			if depth == 1 {
				return false
			}
		case tokDotDot:
			if depth == 1 {
				return true
			}
		}
	}
}

// contextKeyName reads the rest of a context key under DMN, whose names may
// hold spaces and the characters + - * / . ("foo bar", "foo+bar"): the
// source from the key's first token to the ':', with runs of white space
// made one space.
func (p *parser) contextKeyName(first token) string {
	end := p.pos
	for ; end < len(p.toks); end++ {
		t := p.toks[end]
		if t.kind == tokColon {
			break
		}
		switch t.kind {
		case tokName, tokNumber, tokPlus, tokMinus, tokStar, tokSlash, tokDot:
			if t.kind == tokName && t.escaped {
				return first.text
			}
			continue
		}
		return first.text
	}
	if end == p.pos || end >= len(p.toks) {
		return first.text
	}
	text := strings.Join(strings.Fields(p.src[first.pos:p.toks[end].pos]), " ")
	p.pos = end
	return text
}

// comparisonRange reads "(< e)", "(<= e)", "(> e)", "(>= e)", "(= e)" or
// "(!= e)": under DMN a unary comparison in parentheses is a range value.
func (p *parser) comparisonRange() (node, *SyntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	open := p.advance() // '('
	op := p.advance()
	e, err := p.additive()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, "to close the comparison"); err != nil {
		return nil, err
	}
	return p.checked(&comparisonRangeNode{op: op.kind, x: e, d: maxDepth(e)}, open)
}
