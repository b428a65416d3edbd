package feel

import (
	"errors"
	"fmt"
	"strings"
)

// Function is a FEEL function value, defined in an expression:
// "function(a, b) a + b". It can be called only within the evaluation that
// made it; JSON has no functions, so ToJSON writes null. A built-in's bare
// name is not a function value (it reads a variable of that name, as in
// feel-scala), so "is defined(count)" keeps asking about a variable.
type Function struct {
	params []string
	// types are the parameters' declared types (nil when untyped); under
	// DMN an argument that does not conform makes the call null.
	types   []*feelType
	body    node
	closure *scope
	// builtin names the built-in function this value stands for (under
	// DMN a built-in's bare name is a function value: sort(l, max)).
	builtin string
	// home is the evaluation that made the function (see scope.home).
	home *evaluator
	// native, when set, is the Go code of a function from NewFunction.
	native func(args []Value) (Value, error)
}

// NewFunction returns a function value whose body is Go code, for callers
// that hand FEEL functions of their own through ValueVariables (the DMN
// engine's business knowledge models). FEEL calls fn with one argument per
// parameter, in order (named arguments are put in place; a missing one is
// null); a call with another number of positional arguments than
// parameters, or a name that is not a parameter, is null without calling
// fn, as for functions defined in FEEL. fn runs on the
// evaluating goroutine; an error it returns fails the evaluation as an
// *EvalError that wraps it.
func NewFunction(params []string, fn func(args []Value) (Value, error)) *Function {
	return &Function{params: append([]string(nil), params...), native: fn}
}

// Kind returns KindFunction.
func (*Function) Kind() Kind { return KindFunction }

// String renders the function's signature: "function(a, b)".
func (f *Function) String() string {
	if f.builtin != "" {
		return "function " + f.builtin
	}
	return "function(" + strings.Join(f.params, ", ") + ")"
}

func (*Function) isValue() {}

// callBuiltinValue is callBuiltin, set at start-up: the built-in tables
// refer to functions that call function values, which may be built-ins.
var callBuiltinValue func(ev *evaluator, name string, args []Value, names []string) (Value, error)

func init() { callBuiltinValue = callBuiltin }

// maxCallDepth bounds nested calls of user functions, so that runaway
// recursion fails the evaluation instead of exhausting the stack.
const maxCallDepth = 200

// call invokes f with positional arguments, or named ones when names is
// set. A user function called with the wrong number of arguments, or with
// a name it does not have, is null, as in feel-scala.
func (f *Function) call(ev *evaluator, args []Value, names []string) (Value, error) {
	if f.builtin != "" {
		if err := ev.step(1); err != nil {
			return nil, err
		}
		ev.calls++
		defer func() { ev.calls-- }()
		if ev.calls > maxCallDepth {
			return nil, &EvalError{Source: ev.src, Message: fmt.Sprintf("function calls nest more than %d deep", maxCallDepth)}
		}
		return callBuiltinValue(ev, f.builtin, args, names)
	}
	if f.native != nil {
		return f.callNative(ev, args, names)
	}
	bound := &Context{}
	switch {
	case names != nil:
		for _, p := range f.params {
			bound.put(p, Null{})
		}
		for i, name := range names {
			if _, ok := bound.Get(name); !ok {
				return Null{}, nil
			}
			bound.put(name, args[i])
		}
	case len(args) != len(f.params):
		return Null{}, nil
	default:
		for i, p := range f.params {
			bound.put(p, args[i])
		}
	}
	if ev.dmn() && !f.conforms(bound) {
		return Null{}, nil
	}
	if err := ev.step(1); err != nil {
		return nil, err
	}
	ev.calls++
	defer func() { ev.calls-- }()
	if ev.calls > maxCallDepth {
		return nil, &EvalError{Source: ev.src, Message: fmt.Sprintf("function calls nest more than %d deep", maxCallDepth)}
	}
	return f.body.eval(ev, &scope{parent: f.closure, names: bound, home: f.home})
}

// callNative calls a function from NewFunction.
func (f *Function) callNative(ev *evaluator, args []Value, names []string) (Value, error) {
	ordered := make([]Value, len(f.params))
	for i := range ordered {
		ordered[i] = Null{}
	}
	switch {
	case names != nil:
		for i, name := range names {
			pos := -1
			for j, p := range f.params {
				if p == name {
					pos = j
				}
			}
			if pos < 0 {
				return Null{}, nil
			}
			ordered[pos] = args[i]
		}
	case len(args) != len(f.params):
		return Null{}, nil
	default:
		copy(ordered, args)
	}
	if err := ev.step(1); err != nil {
		return nil, err
	}
	v, err := f.native(ordered)
	if err != nil {
		var ee *EvalError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, &EvalError{Source: ev.src, Message: err.Error(), Err: err}
	}
	if v == nil {
		v = Null{}
	}
	return v, nil
}

// conforms checks the bound arguments against the declared parameter
// types, coercing a one-item list to its item where the type is not a list.
func (f *Function) conforms(bound *Context) bool {
	for i, t := range f.types {
		if t == nil || i >= len(f.params) {
			continue
		}
		v, _ := bound.Get(f.params[i])
		if isNull(v) || t.holds(v, true) {
			continue
		}
		if l, ok := v.(List); ok && len(l) == 1 && t.holds(l[0], true) {
			bound.put(f.params[i], l[0])
			continue
		}
		return false
	}
	return true
}

// callFunction invokes a function value with positional arguments.
func (ev *evaluator) callFunction(f *Function, args ...Value) (Value, error) {
	return f.call(ev, args, nil)
}

// lookupFunction finds a function value bound to name inside the
// expression. Variables never hold functions (JSON has none).
func lookupFunction(sc *scope, name string) *Function {
	for s := sc; s != nil; s = s.parent {
		var v Value
		var ok bool
		if s.names == nil {
			v, ok = s.value, s.value != nil && s.name == name
		} else {
			v, ok = s.names.Get(name)
		}
		if ok {
			if f, isFn := v.(*Function); isFn {
				return f
			}
			return nil
		}
	}
	return nil
}

// functionNode is function(a, b) body: it makes a Function that closes over
// the scope where it is evaluated.
type functionNode struct {
	params []string
	types  []*feelType
	body   node
	d      int
}

func (n *functionNode) depth() int { return n.d }

func (n *functionNode) eval(ev *evaluator, sc *scope) (Value, error) {
	return &Function{params: n.params, types: n.types, body: n.body, closure: sc, home: ev.homeOf(sc)}, nil
}

// valueCallNode calls the value of an expression: f(1)(2), (function(x) x)(1).
type valueCallNode struct {
	target node
	args   []node
	names  []string
	d      int
}

func (n *valueCallNode) depth() int { return n.d }

func (n *valueCallNode) eval(ev *evaluator, sc *scope) (Value, error) {
	target, err := n.target.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	values, err := evalArgs(ev, sc, n.args)
	if err != nil {
		return nil, err
	}
	if f, ok := target.(*Function); ok {
		return f.call(ev, values, n.names)
	}
	return Null{}, nil
}

// feelType is a type of 'instance of': a name, possibly with parameters
// (list<number>, context<a: number>, function<number> -> string, range<date>).
type feelType struct {
	name   string     // "number", "list", "context", "function", "range", "Any", "Null", ...
	elem   *feelType  // list<T>, range<T>, function's result
	keys   []string   // context<k: T>
	fields []feelType // context entry types, or function parameter types
	params bool       // written with <...>
}

// instanceOfNode is x instance of type.
type instanceOfNode struct {
	x   node
	typ feelType
	d   int
}

func (n *instanceOfNode) depth() int { return n.d }

func (n *instanceOfNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return Bool(n.typ.holds(v, ev.dmn())), nil
}

// holds reports whether v is of the type. Null is only of type Null; Any
// holds any other value, as feel-scala 1.17 has it. An unknown type name
// holds nothing. Under DMN a context entry that is null conforms to its
// type.
func (t feelType) holds(v Value, dmn bool) bool {
	switch t.name {
	case "Any":
		return !isNull(v)
	case "Null":
		return isNull(v)
	}
	if isNull(v) {
		return false
	}
	switch t.name {
	case "list":
		l, ok := v.(List)
		if !ok {
			return false
		}
		if t.elem != nil {
			for _, item := range l {
				if !t.elem.holds(item, dmn) {
					return false
				}
			}
		}
		return true
	case "context":
		c, ok := v.(*Context)
		if !ok {
			return false
		}
		for i, k := range t.keys {
			e, ok := c.Get(k)
			// DMN: null conforms to every type of an entry.
			if !ok || (!t.fields[i].holds(e, dmn) && !(dmn && isNull(e))) {
				return false
			}
		}
		return true
	case "range":
		r, ok := v.(Range)
		if !ok {
			return false
		}
		if t.elem != nil {
			for _, b := range []Value{r.Start, r.End} {
				if b != nil && !t.elem.holds(b, dmn) {
					return false
				}
			}
		}
		return true
	case "function":
		f, ok := v.(*Function)
		if !ok {
			return false
		}
		return !t.params || len(f.params) == len(t.fields)
	}
	return v.Kind().String() == t.name
}

// typeNames are the type names made of several words.
var typeNames = []string{"date and time", "days and time duration", "years and months duration"}

// feelType reads a type after 'instance of' or after a parameter's ':'.
func (p *parser) feelType() (feelType, *SyntaxError) {
	if err := p.enter(); err != nil {
		return feelType{}, err
	}
	defer p.leave()
	t := p.peek()
	if t.kind != tokName || t.text == "?" {
		return feelType{}, p.errorAt(t, "expected a type but found %s", t.describe())
	}
	for _, name := range typeNames {
		words := strings.Split(name, " ")
		match := true
		for i, w := range words {
			if !isKeyword(p.peekAt(i), w) {
				match = false
				break
			}
		}
		if match {
			p.pos += len(words)
			return feelType{name: name}, nil
		}
	}
	p.advance()
	typ := feelType{name: t.text}
	if p.peek().kind != tokLt {
		return typ, nil
	}
	switch t.text {
	case "list", "range", "context", "function":
	default:
		return typ, nil
	}
	p.advance()
	typ.params = true
	switch t.text {
	case "list", "range":
		elem, err := p.feelType()
		if err != nil {
			return feelType{}, err
		}
		typ.elem = &elem
	case "context":
		for p.peek().kind != tokGt {
			key := p.peek()
			if key.kind != tokName && key.kind != tokString {
				return feelType{}, p.errorAt(key, "expected a context key but found %s", key.describe())
			}
			p.advance()
			if _, err := p.expect(tokColon, "after the context key"); err != nil {
				return feelType{}, err
			}
			field, err := p.feelType()
			if err != nil {
				return feelType{}, err
			}
			typ.keys = append(typ.keys, key.text)
			typ.fields = append(typ.fields, field)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	case "function":
		for p.peek().kind != tokGt {
			param, err := p.feelType()
			if err != nil {
				return feelType{}, err
			}
			typ.fields = append(typ.fields, param)
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
	}
	if _, err := p.expect(tokGt, "to close the type"); err != nil {
		return feelType{}, err
	}
	if t.text == "function" {
		if p.peek().kind != tokMinus || p.peekAt(1).kind != tokGt {
			return feelType{}, p.errorAt(p.peek(), "expected '->' after the function type's parameters but found %s", p.peek().describe())
		}
		p.pos += 2
		result, err := p.feelType()
		if err != nil {
			return feelType{}, err
		}
		typ.elem = &result
	}
	return typ, nil
}

// functionDefinition reads function(a, b: number) body.
func (p *parser) functionDefinition() (node, *SyntaxError) {
	at := p.advance() // 'function'
	if _, err := p.expect(tokLParen, "after 'function'"); err != nil {
		return nil, err
	}
	var params []string
	var types []*feelType
	for p.peek().kind != tokRParen {
		name := p.peek()
		if name.kind != tokName || name.text == "?" {
			return nil, p.errorAt(name, "expected a parameter name but found %s", name.describe())
		}
		p.advance()
		params = append(params, name.text)
		var typ *feelType
		if p.peek().kind == tokColon {
			p.advance()
			t, err := p.feelType()
			if err != nil {
				return nil, err
			}
			typ = &t
		}
		types = append(types, typ)
		if p.peek().kind != tokComma {
			break
		}
		p.advance()
	}
	if _, err := p.expect(tokRParen, "after the parameters"); err != nil {
		return nil, err
	}
	if isKeyword(p.peek(), "external") {
		return nil, p.errorAt(p.peek(), "external functions are not supported")
	}
	body, err := p.expression()
	if err != nil {
		return nil, err
	}
	return p.checked(&functionNode{params: params, types: types, body: body, d: maxDepth(body)}, at)
}
