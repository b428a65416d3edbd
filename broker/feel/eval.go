package feel

import "fmt"

// evaluator holds the state of one Evaluate call: the variables and the
// values already read from them. It is not shared between goroutines.
type evaluator struct {
	src   string
	vars  Variables
	cache map[string]Value
}

// scope is a chain of names bound inside the expression: entries of an
// enclosing context literal, a filter's item, a unary test's '?'. Names not
// bound here are variables.
type scope struct {
	parent *scope
	names  *Context
}

func (ev *evaluator) lookup(sc *scope, name string) (Value, error) {
	for s := sc; s != nil; s = s.parent {
		if v, ok := s.names.Get(name); ok {
			return v, nil
		}
	}
	return ev.variable(name)
}

// variable reads a top-level variable once per evaluation. An unknown
// variable is null.
func (ev *evaluator) variable(name string) (Value, error) {
	if v, ok := ev.cache[name]; ok {
		return v, nil
	}
	var v Value = Null{}
	if ev.vars != nil {
		raw, ok := ev.vars.Variable(name)
		if ok {
			var err error
			if v, err = FromJSON(raw); err != nil {
				return nil, &EvalError{Source: ev.src, Message: fmt.Sprintf("variable '%s' is not valid JSON", name), Err: err}
			}
		}
	}
	if ev.cache == nil {
		ev.cache = make(map[string]Value)
	}
	ev.cache[name] = v
	return v, nil
}

func (n *literalNode) eval(*evaluator, *scope) (Value, error) { return n.value, nil }

func (n *nameNode) eval(ev *evaluator, sc *scope) (Value, error) {
	return ev.lookup(sc, n.name)
}

func (n *pathNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := n.target.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return pathOf(v, n.key), nil
}

// pathOf reads key from a context; on a list it reads key from every item.
// Anything else has no entries: null.
func pathOf(v Value, key string) Value {
	switch t := v.(type) {
	case *Context:
		if e, ok := t.Get(key); ok {
			return e
		}
	case List:
		out := make(List, len(t))
		for i, item := range t {
			out[i] = pathOf(item, key)
		}
		return out
	}
	return Null{}
}

func (n *filterNode) eval(ev *evaluator, sc *scope) (Value, error) {
	target, err := n.target.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	list, ok := target.(List)
	if !ok {
		return Null{}, nil
	}
	// A comparison is always a condition on the items. Otherwise the
	// filter is evaluated once outside the items: a number selects by
	// index, anything else is a condition.
	if _, isCompare := n.index.(*compareNode); !isCompare {
		idx, err := n.index.eval(ev, sc)
		if err != nil {
			return nil, err
		}
		if num, ok := idx.(Number); ok {
			return listIndex(list, num), nil
		}
	}
	out := List{}
	for _, item := range list {
		keep, err := n.index.eval(ev, itemScope(sc, item))
		if err != nil {
			return nil, err
		}
		if IsTrue(keep) {
			out = append(out, item)
		}
	}
	return out, nil
}

// itemScope binds 'item' and, for a context item, its entries.
func itemScope(sc *scope, item Value) *scope {
	if c, ok := item.(*Context); ok {
		sc = &scope{parent: sc, names: c}
	}
	return &scope{parent: sc, names: NewContext(Entry{Key: "item", Value: item})}
}

// listIndex selects the i-th item, counting from 1, or from the end when i
// is negative. Index 0, an index out of range or not whole is null.
func listIndex(list List, num Number) Value {
	i, ok := num.Int64()
	if !ok {
		return Null{}
	}
	n := int64(len(list))
	switch {
	case i > 0 && i <= n:
		return list[i-1]
	case i < 0 && -i <= n:
		return list[n+i]
	}
	return Null{}
}

func (n *listNode) eval(ev *evaluator, sc *scope) (Value, error) {
	out := make(List, len(n.items))
	for i, item := range n.items {
		v, err := item.eval(ev, sc)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (n *contextNode) eval(ev *evaluator, sc *scope) (Value, error) {
	c := &Context{}
	inner := &scope{parent: sc, names: c}
	for i, key := range n.keys {
		v, err := n.values[i].eval(ev, inner)
		if err != nil {
			return nil, err
		}
		c.put(key, v)
	}
	return c, nil
}

func (n *arithNode) eval(ev *evaluator, sc *scope) (Value, error) {
	a, err := n.left.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	b, err := n.right.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return arithmetic(n.op, a, b), nil
}

func (n *negateNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if num, ok := v.(Number); ok {
		return num.neg(), nil
	}
	return Null{}, nil
}

func (n *compareNode) eval(ev *evaluator, sc *scope) (Value, error) {
	a, err := n.left.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	b, err := n.right.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return compare(n.op, a, b), nil
}

// and: false wins without evaluating the right side.
func (n *andNode) eval(ev *evaluator, sc *scope) (Value, error) {
	a, err := n.left.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if b, ok := a.(Bool); ok && !bool(b) {
		return Bool(false), nil
	}
	b, err := n.right.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return and3(a, b), nil
}

// or: true wins without evaluating the right side.
func (n *orNode) eval(ev *evaluator, sc *scope) (Value, error) {
	a, err := n.left.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if IsTrue(a) {
		return Bool(true), nil
	}
	b, err := n.right.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return or3(a, b), nil
}

// if: anything but true takes the else branch.
func (n *ifNode) eval(ev *evaluator, sc *scope) (Value, error) {
	c, err := n.cond.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	if IsTrue(c) {
		return n.then.eval(ev, sc)
	}
	return n.els.eval(ev, sc)
}

// between is low <= x and x <= high.
func (n *betweenNode) eval(ev *evaluator, sc *scope) (Value, error) {
	x, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	low, err := n.low.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	high, err := n.high.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	return and3(compareValues(tokGe, x, low), compareValues(tokLe, x, high)), nil
}

// in holds when one test holds; it is null when none holds but one is null.
func (n *inNode) eval(ev *evaluator, sc *scope) (Value, error) {
	x, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	inner := &scope{parent: sc, names: NewContext(Entry{Key: "?", Value: x})}
	var result Value = Bool(false)
	for _, test := range n.tests {
		r, err := test.eval(ev, inner, x)
		if err != nil {
			return nil, err
		}
		if IsTrue(r) {
			return Bool(true), nil
		}
		result = or3(result, r)
	}
	return result, nil
}

func (t unaryTest) eval(ev *evaluator, sc *scope, input Value) (Value, error) {
	v, err := t.expr.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	switch t.op {
	case tokLt, tokLe, tokGt, tokGe:
		return compareValues(t.op, input, v), nil
	case tokEq:
		return equalValue(input, v), nil
	}
	// An expression test holds when it is true, equals the input, or is a
	// list that holds the input.
	if IsTrue(v) {
		return Bool(true), nil
	}
	if eq, ok := valuesEqual(input, v); ok && eq {
		return Bool(true), nil
	}
	if list, ok := v.(List); ok {
		for _, item := range list {
			if eq, ok := valuesEqual(input, item); ok && eq {
				return Bool(true), nil
			}
		}
	}
	return Bool(false), nil
}

func (n *callNode) eval(ev *evaluator, sc *scope) (Value, error) {
	fn, slots, ok := findBuiltin(n.name, n.argNames, len(n.args))
	if !ok {
		return Null{}, nil
	}
	args := make([]Value, len(fn.params))
	for i := range args {
		args[i] = Null{}
	}
	for i, arg := range n.args {
		v, err := arg.eval(ev, sc)
		if err != nil {
			return nil, err
		}
		if slots != nil {
			args[slots[i]] = v
		} else {
			args[i] = v
		}
	}
	return fn.invoke(args), nil
}

func (n *qualifiedCallNode) eval(*evaluator, *scope) (Value, error) {
	return Null{}, nil
}
