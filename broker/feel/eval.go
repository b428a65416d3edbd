package feel

import "fmt"

// evaluator holds the state of one Evaluate call: the variables and the
// values already read from them. It is not shared between goroutines.
type evaluator struct {
	src   string
	vars  Variables
	cache map[string]Value
	// steps counts the work done so far against maxSteps: one per item that
	// for, some and every visit, one per item of every list a built-in
	// function returns, and one per call of a user function.
	steps int
	// calls is the depth of nested user function calls.
	calls int
	// dialect selects DMN's semantics where they differ from feel-scala's.
	dialect Dialect
}

// maxSteps bounds the work of one evaluation, so that a hostile expression
// such as "for a in 1..100000, b in 1..100000 return 0" (nested iterations
// multiply) or "for i in 1..100000 return reverse(partial)" (quadratic)
// fails with an EvalError instead of running for hours or exhausting memory.
const maxSteps = 5000000

// step charges n steps.
func (ev *evaluator) step(n int) error {
	ev.steps += n
	if ev.steps > maxSteps {
		return &EvalError{Source: ev.src, Message: fmt.Sprintf("the expression takes more than %d steps", maxSteps)}
	}
	return nil
}

// scope is a chain of names bound inside the expression: entries of an
// enclosing context literal, a filter's item, a unary test's '?'. Names not
// bound here are variables.
type scope struct {
	parent *scope
	names  *Context
	// name and value bind one name when names is nil (an iteration's
	// variable), which spares a Context per item.
	name  string
	value Value
	// home, set on a function call's scope, is the evaluation that
	// defined the function: its free names resolve in that evaluation's
	// variables, not the caller's (a function may come from another
	// evaluation through ValueVariables).
	home *evaluator
}

// homeOf returns the evaluation whose variables names outside sc resolve
// in: that of the innermost function whose body sc is in, else ev.
func (ev *evaluator) homeOf(sc *scope) *evaluator {
	for s := sc; s != nil; s = s.parent {
		if s.home != nil {
			return s.home
		}
	}
	return ev
}

func (ev *evaluator) lookup(sc *scope, name string) (Value, error) {
	for s := sc; s != nil; s = s.parent {
		if s.names == nil {
			if s.value != nil && s.name == name {
				return s.value, nil
			}
			continue
		}
		if v, ok := s.names.Get(name); ok {
			return v, nil
		}
	}
	return ev.variableIn(ev.homeOf(sc), name)
}

// variableIn reads a variable of the evaluation home: ev's own (cached),
// or another's, read afresh so that its cache is never shared.
func (ev *evaluator) variableIn(home *evaluator, name string) (Value, error) {
	if home == ev {
		return ev.variable(name)
	}
	other := &evaluator{src: home.src, vars: home.vars, dialect: home.dialect}
	return other.variable(name)
}

// variable reads a top-level variable once per evaluation. An unknown
// variable is null.
func (ev *evaluator) variable(name string) (Value, error) {
	if v, ok := ev.cache[name]; ok {
		return v, nil
	}
	var v Value = Null{}
	if vv, isValues := ev.vars.(ValueVariables); isValues {
		if val, ok := vv.VariableValue(name); ok {
			return ev.remember(name, val), nil
		}
	}
	if ev.vars != nil {
		raw, ok := ev.vars.Variable(name)
		if ok {
			var err error
			if v, err = FromJSON(raw); err != nil {
				return nil, &EvalError{Source: ev.src, Message: fmt.Sprintf("variable '%s' is not valid JSON", name), Err: err}
			}
		}
	}
	return ev.remember(name, v), nil
}

// remember caches a variable's value for the rest of the evaluation.
func (ev *evaluator) remember(name string, v Value) Value {
	if v == nil {
		v = Null{}
	}
	if ev.cache == nil {
		ev.cache = make(map[string]Value)
	}
	ev.cache[name] = v
	return v
}

func (n *literalNode) eval(*evaluator, *scope) (Value, error) { return n.value, nil }

func (n *nameNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := ev.lookup(sc, n.name)
	if err != nil || !ev.dmn() || !isNull(v) {
		return v, err
	}
	// Under DMN the bare name of a built-in, when nothing else has the
	// name, is that function as a value.
	if _, ok := dmnBuiltins[n.name]; ok || builtins[n.name] != nil {
		if !scopeHas(sc, n.name) && !ev.homeOf(sc).hasVariable(n.name) {
			return &Function{builtin: n.name}, nil
		}
	}
	return v, nil
}

// scopeHas reports whether the expression binds name.
func scopeHas(sc *scope, name string) bool {
	for s := sc; s != nil; s = s.parent {
		if s.names == nil {
			if s.value != nil && s.name == name {
				return true
			}
			continue
		}
		if _, ok := s.names.Get(name); ok {
			return true
		}
	}
	return false
}

// hasVariable reports whether the variables define name.
func (ev *evaluator) hasVariable(name string) bool {
	if ev.vars == nil {
		return false
	}
	if vv, ok := ev.vars.(ValueVariables); ok {
		if _, ok := vv.VariableValue(name); ok {
			return true
		}
	}
	_, ok := ev.vars.Variable(name)
	return ok
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
	if p, ok := temporalProperty(v, key); ok {
		return p
	}
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
		// DMN filters any other value as a list of one item.
		if !ev.dmn() || isNull(target) {
			return Null{}, nil
		}
		list = List{target}
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
		keep, err := n.index.eval(ev, ev.itemScope(sc, item))
		if err != nil {
			return nil, err
		}
		if IsTrue(keep) {
			out = append(out, item)
		}
	}
	return out, nil
}

// itemScope binds 'item' and, for a context item, its entries. Under DMN
// an entry named item hides the item itself.
func (ev *evaluator) itemScope(sc *scope, item Value) *scope {
	if ev.dmn() {
		sc = &scope{parent: sc, name: "item", value: item}
		if c, ok := item.(*Context); ok {
			sc = &scope{parent: sc, names: c}
		}
		return sc
	}
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
		if _, dup := c.Get(key); dup && ev.dmn() {
			return Null{}, nil // DMN: a key may appear once
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
	if ev.dmn() && n.op == tokMinus {
		a, b = dmnDateOperands(a, b)
	}
	return arithmetic(n.op, a, b), nil
}

func (n *negateNode) eval(ev *evaluator, sc *scope) (Value, error) {
	v, err := n.x.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case Number:
		return x.neg(), nil
	case DaysTimeDuration, YearsMonthsDuration:
		if n, ok := negateDuration(x); ok {
			return n, nil
		}
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
	return compareIn(n.op, a, b, ev.dmn()), nil
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
		return equalValueIn(input, v, ev.dmn()), nil
	case tokNe:
		return compareIn(tokNe, input, v, ev.dmn()), nil
	}
	// An expression test holds when it is true, equals the input, is a list
	// that holds the input or a range that contains it.
	if r, ok := v.(Range); ok {
		return r.Contains(input), nil
	}
	// Under DMN an expression that does not use '?' is a value: a boolean
	// compares with the input like any other value.
	if IsTrue(v) && (!ev.dmn() || t.usesInput) {
		return Bool(true), nil
	}
	if eq, ok := equalIn(input, v, ev.dmn()); ok && eq {
		return Bool(true), nil
	}
	if list, ok := v.(List); ok {
		for _, item := range list {
			if r, ok := item.(Range); ok {
				if IsTrue(r.Contains(input)) {
					return Bool(true), nil
				}
				continue
			}
			if eq, ok := equalIn(input, item, ev.dmn()); ok && eq {
				return Bool(true), nil
			}
		}
	}
	return Bool(false), nil
}

func (n *callNode) eval(ev *evaluator, sc *scope) (Value, error) {
	values, err := evalArgs(ev, sc, n.args)
	if err != nil {
		return nil, err
	}
	// A function bound in the expression (a context entry, a parameter)
	// hides a built-in of the same name.
	if f := lookupFunction(sc, n.name); f != nil {
		return f.call(ev, values, n.argNames)
	}
	// Under DMN a variable may hold a function: another decision's result,
	// a business knowledge model. JSON variables never do.
	if ev.dmn() && !scopeHas(sc, n.name) {
		home := ev.homeOf(sc)
		if _, isValues := home.vars.(ValueVariables); isValues {
			v, err := ev.variableIn(home, n.name)
			if err != nil {
				return nil, err
			}
			if f, ok := v.(*Function); ok {
				return f.call(ev, values, n.argNames)
			}
		}
	}
	return callBuiltin(ev, n.name, values, n.argNames)
}

func evalArgs(ev *evaluator, sc *scope, args []node) ([]Value, error) {
	values := make([]Value, len(args))
	for i, arg := range args {
		v, err := arg.eval(ev, sc)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return values, nil
}

// callBuiltin invokes the built-in overload that fits the arguments; none
// fitting is null.
func callBuiltin(ev *evaluator, name string, values []Value, argNames []string) (Value, error) {
	fn, slots, ok := findBuiltin(ev.overloads(name), argNames, len(values))
	if !ok {
		return Null{}, nil
	}
	args := make([]Value, len(fn.params))
	for i := range args {
		args[i] = Null{}
	}
	switch {
	case slots != nil:
		for i, v := range values {
			args[slots[i]] = v
		}
	case fn.variadic:
		last := len(fn.params) - 1
		copy(args, values[:last])
		rest := values[last:]
		if l, ok := rest[0].(List); ok && last == 0 && len(rest) == 1 {
			args[last] = l
		} else {
			args[last] = append(List{}, rest...)
		}
	default:
		copy(args, values)
	}
	var v Value
	switch {
	case fn.withEval != nil:
		var err error
		if v, err = fn.withEval(ev, args); err != nil {
			return nil, err
		}
	case fn.fail != nil:
		var msg string
		if v, msg = fn.fail(args); msg != "" {
			return nil, &EvalError{Source: ev.src, Message: msg}
		}
	default:
		v = fn.invoke(args)
		// DMN passes the item of a one-item list where a function expects
		// a single value: upper case(["a"]).
		if ev.dmn() && isNull(v) {
			if unwrapped, ok := unwrapSingletons(args); ok {
				v = fn.invoke(unwrapped)
			}
		}
	}
	if l, ok := v.(List); ok {
		if err := ev.step(len(l)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// qualifiedCallNode invokes a function held in a context entry: a.f(x).
func (n *qualifiedCallNode) eval(ev *evaluator, sc *scope) (Value, error) {
	target, err := n.target.eval(ev, sc)
	if err != nil {
		return nil, err
	}
	values, err := evalArgs(ev, sc, n.args)
	if err != nil {
		return nil, err
	}
	if f, ok := pathOf(target, n.name).(*Function); ok {
		return f.call(ev, values, nil)
	}
	return Null{}, nil
}

func (n *forNode) eval(ev *evaluator, sc *scope) (Value, error) {
	out := List{}
	ok, _, err := ev.walk(sc, n.iters, func(inner *scope) (bool, error) {
		// 'partial' holds the results so far (a feel-scala extension). The
		// capacity limit keeps later appends from sharing its array.
		partial := &scope{parent: inner, name: "partial", value: out[:len(out):len(out)]}
		v, err := n.body.eval(ev, partial)
		if err != nil {
			return false, err
		}
		out = append(out, v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return Null{}, nil
	}
	return out, nil
}

// some is true when one condition is true (it stops there), false when all
// are false, and null when none is true but one is not a boolean; every is
// the mirror image, as feel-scala 1.17 evaluates them.
func (n *quantifiedNode) eval(ev *evaluator, sc *scope) (Value, error) {
	stopAt := Bool(!n.every)
	unknown := false
	ok, stopped, err := ev.walk(sc, n.iters, func(inner *scope) (bool, error) {
		v, err := n.cond.eval(ev, inner)
		if err != nil {
			return false, err
		}
		b, isBool := v.(Bool)
		if !isBool {
			unknown = true
			return false, nil
		}
		return b == stopAt, nil
	})
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return Null{}, nil
	case stopped:
		return stopAt, nil
	case unknown:
		return Null{}, nil
	}
	return !stopAt, nil
}

// walk calls f with a scope for every combination of the iterations' items,
// the first iteration outermost, until f asks to stop. ok is false when an
// iteration is neither over a list nor over a range of whole numbers.
func (ev *evaluator) walk(sc *scope, iters []iteration, f func(*scope) (bool, error)) (ok, stopped bool, err error) {
	if len(iters) == 0 {
		stopped, err = f(sc)
		return true, stopped, err
	}
	it := iters[0]
	in, err := it.in.eval(ev, sc)
	if err != nil {
		return false, false, err
	}
	visit := func(item Value) (bool, bool, error) {
		if err := ev.step(1); err != nil {
			return false, false, err
		}
		inner := &scope{parent: sc, name: it.name, value: item}
		return ev.walk(inner, iters[1:], f)
	}
	if it.end == nil {
		list, isList := in.(List)
		if !isList {
			return false, false, nil
		}
		for _, item := range list {
			if ok, stopped, err := visit(item); err != nil || !ok || stopped {
				return ok, stopped, err
			}
		}
		return true, false, nil
	}
	end, err := it.end.eval(ev, sc)
	if err != nil {
		return false, false, err
	}
	if ev.dmn() {
		// DMN 1.4 iterates over a range of dates day by day.
		if from, ok := in.(Date); ok {
			if to, ok := end.(Date); ok {
				return ev.walkDates(from, to, visit)
			}
		}
	}
	from, ok1 := wholeInt(in)
	to, ok2 := wholeInt(end)
	if !ok1 || !ok2 {
		return false, false, nil
	}
	step := int64(1)
	if to < from {
		step = -1
	}
	for i := from; ; i += step {
		if ok, stopped, err := visit(IntNumber(i)); err != nil || !ok || stopped {
			return ok, stopped, err
		}
		if i == to {
			return true, false, nil
		}
	}
}

// wholeInt reads a whole number that fits in an int64.
func wholeInt(v Value) (int64, bool) {
	n, ok := v.(Number)
	if !ok {
		return 0, false
	}
	return n.Int64()
}

// walkDates visits the dates from one to another, a day at a time, in
// either direction.
func (ev *evaluator) walkDates(from, to Date, visit func(Value) (bool, bool, error)) (ok, stopped bool, err error) {
	step := 1
	if to.t.Before(from.t) {
		step = -1
	}
	for d := from.t; ; d = d.AddDate(0, 0, step) {
		if ok, stopped, err := visit(dateOf(d)); err != nil || !ok || stopped {
			return ok, stopped, err
		}
		if d.Equal(to.t) {
			return true, false, nil
		}
	}
}

// unwrapSingletons replaces every one-item list among args by its item; ok
// is false when there is none.
func unwrapSingletons(args []Value) ([]Value, bool) {
	var out []Value
	for i, a := range args {
		if l, isList := a.(List); isList && len(l) == 1 {
			if out == nil {
				out = append([]Value(nil), args...)
			}
			out[i] = l[0]
		}
	}
	return out, out != nil
}
