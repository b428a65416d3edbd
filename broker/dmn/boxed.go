package dmn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// expressionTags are the elements that hold a value expression.
var expressionTags = map[string]bool{
	"literalExpression": true, "decisionTable": true, "context": true,
	"invocation": true, "relation": true, "list": true,
	"functionDefinition": true, "conditional": true, "filter": true,
	"for": true, "some": true, "every": true,
}

// expressionIn builds the first value expression among n's children, or nil
// when there is none.
func (b *builder) expressionIn(n *node) Expression {
	for _, c := range n.Children {
		if expressionTags[c.Name.Local] {
			return b.expression(c)
		}
	}
	return nil
}

// expression builds one value expression element.
func (b *builder) expression(n *node) Expression {
	typeRef := strings.TrimSpace(n.Get("typeRef"))
	switch n.Name.Local {
	case "literalExpression":
		text := n.TextOf("text")
		if lang := n.Get("expressionLanguage"); lang != "" && !isFEEL(lang) {
			b.problem(label(n), "%s: expression language '%s' is not supported, only FEEL", b.owner, lang)
		}
		l := &LiteralExpression{ID: n.Get("id"), TypeRef: typeRef, Text: text,
			expr: b.compile(label(n), text), typ: b.resolveType(typeRef)}
		l.compileErr = b.lastErr
		return l
	case "decisionTable":
		return b.decisionTable(n)
	case "context":
		c := &BoxedContext{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef)}
		for _, e := range n.All("contextEntry") {
			entry := ContextEntry{}
			if v := e.Child("variable"); v != nil {
				entry.Name = v.Get("name")
				entry.TypeRef = typeRefOf(v)
				entry.typ = b.resolveType(entry.TypeRef)
			}
			entry.Value = b.expressionIn(e)
			c.Entries = append(c.Entries, entry)
		}
		return c
	case "invocation":
		inv := &Invocation{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef)}
		if callee := b.expressionIn(n); callee != nil {
			if lit, ok := callee.(*LiteralExpression); ok {
				inv.Function = strings.TrimSpace(lit.Text)
			} else {
				b.problem(label(n), "%s: an invocation must name its function with a literal expression", b.owner)
			}
		}
		for _, bind := range n.All("binding") {
			p := bind.Child("parameter")
			if p == nil {
				b.problem(label(n), "%s: a binding has no parameter", b.owner)
				continue
			}
			inv.Bindings = append(inv.Bindings, Binding{Parameter: p.Get("name"), Value: b.expressionIn(bind)})
		}
		inv.feelCall = compileValueCall(inv.Bindings)
		return inv
	case "relation":
		r := &Relation{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef)}
		for _, col := range n.All("column") {
			r.Columns = append(r.Columns, col.Get("name"))
			r.types = append(r.types, b.resolveType(typeRefOf(col)))
		}
		for _, row := range n.All("row") {
			var cells []Expression
			for _, c := range row.Children {
				if expressionTags[c.Name.Local] {
					cells = append(cells, b.expression(c))
				}
			}
			if len(cells) != len(r.Columns) {
				b.problem(label(row), "%s: relation row has %d cells for %d columns", b.owner, len(cells), len(r.Columns))
			}
			r.Rows = append(r.Rows, cells)
		}
		return r
	case "list":
		l := &BoxedList{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef)}
		for _, c := range n.Children {
			if expressionTags[c.Name.Local] {
				l.Items = append(l.Items, b.expression(c))
			}
		}
		return l
	case "functionDefinition":
		f := b.functionDefinition(n)
		f.value = b.functionValue(n)
		return f
	case "conditional":
		c := &Conditional{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef)}
		c.If = b.part(n, "if")
		c.Then = b.part(n, "then")
		c.Else = b.part(n, "else")
		return c
	case "filter":
		return &Filter{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef),
			In: b.part(n, "in"), Match: b.part(n, "match")}
	case "for", "some", "every":
		it := &Iterator{ID: n.Get("id"), TypeRef: typeRef, typ: b.resolveType(typeRef),
			Kind: n.Name.Local, Variable: n.Get("iteratorVariable"), In: b.part(n, "in")}
		if n.Name.Local == "for" {
			it.Body = b.part(n, "return")
		} else {
			it.Body = b.part(n, "satisfies")
		}
		return it
	}
	b.problem(label(n), "%s: unsupported expression '%s'", b.owner, n.Name.Local)
	return nil
}

// part builds the expression inside the child element local (the if, then,
// in, return... of the DMN 1.5 boxed expressions).
func (b *builder) part(n *node, local string) Expression {
	c := n.Child(local)
	if c == nil {
		b.problem(label(n), "%s: %s has no %s", b.owner, n.Name.Local, local)
		return nil
	}
	e := b.expressionIn(c)
	if e == nil {
		b.problem(label(n), "%s: the %s of %s has no expression", b.owner, local, n.Name.Local)
	}
	return e
}

func isFEEL(lang string) bool {
	l := strings.ToLower(lang)
	return strings.Contains(l, "feel")
}

func (b *builder) functionDefinition(n *node) *FunctionDefinition {
	f := &FunctionDefinition{ID: n.Get("id"), Kind: n.Get("kind")}
	if f.Kind == "" {
		f.Kind = "FEEL"
	}
	for _, p := range n.All("formalParameter") {
		f.Parameters = append(f.Parameters, Parameter{Name: p.Get("name"), TypeRef: typeRefOf(p), typ: b.resolveType(typeRefOf(p))})
	}
	if f.Kind != "FEEL" {
		f.unsupported = fmt.Sprintf("function kind '%s' is not supported", f.Kind)
		return f
	}
	f.Body = b.expressionIn(n)
	return f
}

// BoxedContext is a boxed context: entries evaluated in order, each seeing
// the earlier ones. An entry without a name is the final result; without
// one the result is the context of all entries.
type BoxedContext struct {
	ID      string
	TypeRef string
	Entries []ContextEntry
	typ     *typeInfo
}

// ContextEntry is one entry of a boxed context.
type ContextEntry struct {
	Name    string
	TypeRef string
	Value   Expression
	typ     *typeInfo
}

// ExpressionType returns "CONTEXT".
func (*BoxedContext) ExpressionType() string { return "CONTEXT" }

func (c *BoxedContext) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	inner := newScope(sc)
	var entries []feel.Entry
	for _, e := range c.Entries {
		if fd, ok := e.Value.(*FunctionDefinition); ok && e.Name != "" {
			v, err := fd.eval(ev, inner)
			if err != nil {
				return nil, err
			}
			inner.bindFunc(e.Name, &closure{def: fd, sc: inner})
			inner.bind(e.Name, v)
			entries = append(entries, feel.Entry{Key: e.Name, Value: v})
			continue
		}
		v, err := evalExpr(ev, e.Value, inner)
		if err != nil {
			return nil, err
		}
		v = ev.conform(v, e.typ)
		if e.Name == "" {
			return ev.conform(v, c.typ), nil
		}
		inner.bind(e.Name, v)
		entries = append(entries, feel.Entry{Key: e.Name, Value: v})
	}
	return ev.conform(feel.NewContext(entries...), c.typ), nil
}

// Invocation calls a business knowledge model, decision service or
// function by name, binding its parameters by name.
type Invocation struct {
	ID       string
	TypeRef  string
	Function string
	Bindings []Binding
	typ      *typeInfo
	// feelCall calls a FEEL function value held under Function's name (a
	// function a FEEL expression defined) with the bindings as named
	// arguments.
	feelCall *feel.Expression
}

// Names through which an invocation hands FEEL the function value and the
// arguments; the backticks make them names no model can write unquoted.
const (
	calleeName = "?dmn callee"
	argPrefix  = "?dmn arg "
)

func compileValueCall(bindings []Binding) *feel.Expression {
	args := make([]string, len(bindings))
	for i, bnd := range bindings {
		args[i] = feelName(bnd.Parameter) + ": `" + argPrefix + strconv.Itoa(i) + "`"
	}
	e, err := feel.DMN.Compile("(`" + calleeName + "`)(" + strings.Join(args, ", ") + ")")
	if err != nil {
		return nil
	}
	return e
}

// callValue invokes a FEEL function value with the bindings.
func (inv *Invocation) callValue(ev *evaluation, sc *scope, fn feel.Value) (feel.Value, error) {
	if inv.feelCall == nil {
		return feel.Null{}, nil
	}
	call := &scope{parent: sc, names: map[string]feel.Value{calleeName: fn}}
	for i, bnd := range inv.Bindings {
		v, err := evalExpr(ev, bnd.Value, sc)
		if err != nil {
			return nil, err
		}
		call.names[argPrefix+strconv.Itoa(i)] = v
	}
	vars, err := ev.vars(call)
	if err != nil {
		return nil, err
	}
	v, err := inv.feelCall.Evaluate(vars)
	if err != nil {
		return nil, err
	}
	return ev.conform(v, inv.typ), nil
}

// Binding is one parameter of an invocation.
type Binding struct {
	Parameter string
	Value     Expression
}

// ExpressionType returns "INVOCATION".
func (*Invocation) ExpressionType() string { return "INVOCATION" }

func (inv *Invocation) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	name := strings.Trim(inv.Function, "`")
	fn, ok := sc.function(name)
	if !ok {
		if v, found, err := sc.lookup(name); err == nil && found && v.Kind() == feel.KindFunction {
			return inv.callValue(ev, sc, v)
		}
		return nil, fmt.Errorf("invocation of '%s': no such function in scope", inv.Function)
	}
	params := fn.params()
	args := make([]feel.Value, len(params))
	for i := range args {
		args[i] = feel.Null{}
	}
	for _, bnd := range inv.Bindings {
		i := indexOf(params, bnd.Parameter)
		if i < 0 {
			return nil, fmt.Errorf("invocation of '%s': no parameter '%s'", inv.Function, bnd.Parameter)
		}
		if bnd.Value == nil {
			continue
		}
		v, err := evalExpr(ev, bnd.Value, sc)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	v, err := fn.call(ev, args)
	if err != nil {
		return nil, err
	}
	return ev.conform(v, inv.typ), nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// Relation is a boxed relation: a list of contexts with the same keys.
type Relation struct {
	ID      string
	TypeRef string
	Columns []string
	Rows    [][]Expression
	types   []*typeInfo
	typ     *typeInfo
}

// ExpressionType returns "RELATION".
func (*Relation) ExpressionType() string { return "RELATION" }

func (r *Relation) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	out := make(feel.List, 0, len(r.Rows))
	for _, row := range r.Rows {
		entries := make([]feel.Entry, len(r.Columns))
		for i, col := range r.Columns {
			var v feel.Value = feel.Null{}
			if i < len(row) {
				var err error
				if v, err = evalExpr(ev, row[i], sc); err != nil {
					return nil, err
				}
			}
			entries[i] = feel.Entry{Key: col, Value: ev.conform(v, r.types[i])}
		}
		out = append(out, feel.NewContext(entries...))
	}
	return ev.conform(out, r.typ), nil
}

// BoxedList is a boxed list: one expression per item.
type BoxedList struct {
	ID      string
	TypeRef string
	Items   []Expression
	typ     *typeInfo
}

// ExpressionType returns "LIST".
func (*BoxedList) ExpressionType() string { return "LIST" }

func (l *BoxedList) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	out := make(feel.List, 0, len(l.Items))
	for _, item := range l.Items {
		v, err := evalExpr(ev, item, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return ev.conform(out, l.typ), nil
}

// FunctionDefinition is a boxed function: parameters and a body. It is the
// encapsulated logic of a business knowledge model, or a context entry's
// value that later entries invoke.
type FunctionDefinition struct {
	ID         string
	Kind       string
	Parameters []Parameter
	Body       Expression
	// unsupported is set for kinds other than FEEL (Java, PMML).
	unsupported string
	// value, when the definition has a FEEL form, makes the function as a
	// FEEL value, which FEEL expressions can call (see bridge.go).
	value *feel.Expression
}

// Parameter is a function's formal parameter.
type Parameter struct {
	Name    string
	TypeRef string
	typ     *typeInfo
}

// ExpressionType returns "FUNCTION_DEFINITION".
func (*FunctionDefinition) ExpressionType() string { return "FUNCTION_DEFINITION" }

// eval makes the function as a FEEL value, or null when it has no FEEL
// form (a body that is a decision table).
func (f *FunctionDefinition) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	if f.value == nil {
		return feel.Null{}, nil
	}
	vars, err := ev.vars(sc)
	if err != nil {
		return nil, err
	}
	return f.value.Evaluate(vars)
}

func (f *FunctionDefinition) paramNames() []string {
	names := make([]string, len(f.Parameters))
	for i, p := range f.Parameters {
		names[i] = p.Name
	}
	return names
}

// apply runs the function body with args bound in a scope below sc.
func (f *FunctionDefinition) apply(ev *evaluation, sc *scope, args []feel.Value) (feel.Value, error) {
	if f.unsupported != "" {
		return nil, fmt.Errorf("%s", f.unsupported)
	}
	if err := ev.enter(); err != nil {
		return nil, err
	}
	defer ev.leave()
	inner := newScope(sc)
	for i, p := range f.Parameters {
		var v feel.Value = feel.Null{}
		if i < len(args) {
			v = args[i]
		}
		c := ev.conform(v, p.typ)
		if c.Kind() == feel.KindNull && v.Kind() != feel.KindNull {
			// An argument of the wrong type: the function is not invoked.
			return feel.Null{}, nil
		}
		inner.bind(p.Name, c)
	}
	return evalExpr(ev, f.Body, inner)
}

// closure is a boxed function definition with the scope it was defined in.
type closure struct {
	def *FunctionDefinition
	sc  *scope
}

func (c *closure) params() []string { return c.def.paramNames() }
func (c *closure) call(ev *evaluation, args []feel.Value) (feel.Value, error) {
	return c.def.apply(ev, c.sc, args)
}

// Conditional is DMN 1.5's boxed if-then-else.
type Conditional struct {
	ID             string
	TypeRef        string
	If, Then, Else Expression
	typ            *typeInfo
}

// ExpressionType returns "CONDITIONAL".
func (*Conditional) ExpressionType() string { return "CONDITIONAL" }

func (c *Conditional) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	cond, err := evalExpr(ev, c.If, sc)
	if err != nil {
		return nil, err
	}
	b, ok := cond.(feel.Bool)
	if !ok && cond.Kind() != feel.KindNull {
		return feel.Null{}, nil // the condition must be a boolean
	}
	branch := c.Else
	if ok && bool(b) {
		branch = c.Then
	}
	v, err := evalExpr(ev, branch, sc)
	if err != nil {
		return nil, err
	}
	return ev.conform(v, c.typ), nil
}

// Filter is DMN 1.5's boxed filter: the items of a list for which the match
// expression is true, with the item bound to "item" (and, for context
// items, its entries).
type Filter struct {
	ID        string
	TypeRef   string
	In, Match Expression
	typ       *typeInfo
}

// ExpressionType returns "FILTER".
func (*Filter) ExpressionType() string { return "FILTER" }

func (f *Filter) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	in, err := evalExpr(ev, f.In, sc)
	if err != nil {
		return nil, err
	}
	list, ok := in.(feel.List)
	if !ok {
		if in.Kind() == feel.KindNull {
			return feel.Null{}, nil
		}
		list = feel.List{in}
	}
	out := feel.List{}
	for _, item := range list {
		inner := newScope(sc)
		if ctx, ok := item.(*feel.Context); ok {
			for _, e := range ctx.Entries() {
				inner.bind(e.Key, e.Value)
			}
		}
		inner.bind("item", item)
		m, err := evalExpr(ev, f.Match, inner)
		if err != nil {
			return nil, err
		}
		b, ok := m.(feel.Bool)
		if !ok && m.Kind() != feel.KindNull {
			return feel.Null{}, nil // the match must be a boolean
		}
		if ok && bool(b) {
			out = append(out, item)
		}
	}
	return ev.conform(out, f.typ), nil
}

// Iterator is DMN 1.5's boxed for, some and every.
type Iterator struct {
	ID       string
	TypeRef  string
	Kind     string // "for", "some" or "every"
	Variable string
	In, Body Expression
	typ      *typeInfo
}

// ExpressionType returns "FOR", "SOME" or "EVERY".
func (it *Iterator) ExpressionType() string { return strings.ToUpper(it.Kind) }

func (it *Iterator) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	in, err := evalExpr(ev, it.In, sc)
	if err != nil {
		return nil, err
	}
	list, ok := in.(feel.List)
	if !ok {
		if in.Kind() == feel.KindNull {
			return feel.Null{}, nil
		}
		list = feel.List{in}
	}
	out := feel.List{}
	var result feel.Value = feel.Bool(it.Kind == "every")
	nonBoolean := false
	for _, item := range list {
		inner := newScope(sc)
		inner.bind(it.Variable, item)
		if it.Kind == "for" {
			inner.bind("partial", out)
		}
		v, err := evalExpr(ev, it.Body, inner)
		if err != nil {
			return nil, err
		}
		switch it.Kind {
		case "for":
			out = append(out, v)
		default:
			// Every item is tested: one result that is not a boolean makes
			// the whole expression null, even after a deciding one.
			b, ok := v.(feel.Bool)
			switch {
			case !ok:
				nonBoolean = true
			case it.Kind == "some" && bool(b):
				result = feel.Bool(true)
			case it.Kind == "every" && !bool(b):
				result = feel.Bool(false)
			}
		}
	}
	if it.Kind == "for" {
		return ev.conform(out, it.typ), nil
	}
	if nonBoolean {
		return feel.Null{}, nil
	}
	return ev.conform(result, it.typ), nil
}

// evalExpr evaluates a possibly missing expression: none is null.
func evalExpr(ev *evaluation, e Expression, sc *scope) (feel.Value, error) {
	if e == nil {
		return feel.Null{}, nil
	}
	return e.eval(ev, sc)
}

func (l *LiteralExpression) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	if l.expr == nil {
		return nil, fmt.Errorf("expression '%s' did not compile: %w", strings.TrimSpace(l.Text), l.compileErr)
	}
	vars, err := ev.vars(sc)
	if err != nil {
		return nil, err
	}
	v, err := l.expr.Evaluate(vars)
	if err != nil {
		return nil, err
	}
	return ev.conform(v, l.typ), nil
}
