package dmn

import (
	"fmt"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// FEEL calls of business knowledge models.
//
// A FEEL expression calls a BKM by name: PMT(amount, rate, term). broker/feel
// cannot look up a function outside the expression (its variables are JSON),
// so the model gives FEEL the BKM as FEEL source instead: an expression that
// names a BKM in scope is compiled inside a context that defines it,
//
//	{PMT: function(p, r, n) (p*r/12)/(1-(1+r/12)**-n), `?dmn value`: PMT(...)}.`?dmn value`
//
// which FEEL evaluates with its own function definitions. This works for
// BKMs whose logic has a FEEL form (literal expressions, contexts, lists,
// relations, invocations, function definitions); a BKM whose logic is a
// decision table is reached only through a boxed invocation. Parameter
// types are not checked on this path, and the BKM body sees the caller's
// names behind its parameters. When FEEL cannot compile the wrapped form
// (no function definitions yet), the expression is compiled as written.

// valueKey is the context entry that carries the wrapped expression's value.
const valueKey = "`?dmn value`"

// maxFunctionSource bounds the FEEL source of one BKM or decision service:
// each includes the source of what it requires, so a model whose BKMs each
// require the two before would otherwise grow its sources exponentially.
// A function beyond the bound has no FEEL form.
const maxFunctionSource = 32 << 10

// feelFunction is a BKM's name with its FEEL source.
type feelFunction struct {
	name string
	src  string
}

// bkmSources computes the FEEL source of every BKM that has one.
func (b *builder) bkmSources(nodes map[*BusinessKnowledgeModel]*node) {
	b.fnSrc = map[*BusinessKnowledgeModel]string{}
	b.fnNodes = nodes
	for _, k := range b.defs.BusinessKnowledgeModels {
		b.bkmSource(k, map[*BusinessKnowledgeModel]bool{})
	}
}

// bkmSource returns k's source as a FEEL function definition, or "" when
// its logic has no FEEL form.
func (b *builder) bkmSource(k *BusinessKnowledgeModel, active map[*BusinessKnowledgeModel]bool) string {
	if src, ok := b.fnSrc[k]; ok {
		return src
	}
	if active[k] {
		return "" // a BKM requiring itself, directly or not: boxed invocation only
	}
	active[k] = true
	defer delete(active, k)
	n := b.fnNodes[k]
	logic := n.child("encapsulatedLogic")
	src := ""
	if logic != nil {
		fns := b.knowledgeSources(k.RequiredKnowledge, active)
		saved := b.names
		b.names = b.scopedNames(n, invocableNames(k.RequiredKnowledge)...)
		src, _ = b.functionSource(logic, fns)
		b.names = saved
	}
	if len(src) > maxFunctionSource {
		src = ""
	}
	b.fnSrc[k] = src
	return src
}

// knowledgeSources lists the BKMs and decision services of knowledge that
// have a FEEL form.
func (b *builder) knowledgeSources(knowledge []Invocable, active map[*BusinessKnowledgeModel]bool) []feelFunction {
	var out []feelFunction
	for _, inv := range knowledge {
		src := ""
		switch k := inv.(type) {
		case *BusinessKnowledgeModel:
			src = b.bkmSource(k, active)
		case *DecisionService:
			src = b.serviceSource(k, active)
		}
		if src != "" {
			out = append(out, feelFunction{name: inv.InvocableName(), src: src})
		}
	}
	return out
}

// serviceSource returns a decision service as a FEEL function definition:
// its parameters bound, the decisions it evaluates as context entries in
// dependency order, its output decision (or a context of them) the value.
// It is "" when a decision it evaluates has no FEEL form.
func (b *builder) serviceSource(s *DecisionService, active map[*BusinessKnowledgeModel]bool) string {
	if src, ok := b.svcSrc[s]; ok {
		return src
	}
	b.svcSrc[s] = "" // a service reached again while it is built has no form
	if len(s.OutputDecisions) == 0 {
		return ""
	}
	inputs := map[*Decision]bool{}
	var params []string
	var types []*typeInfo
	for _, in := range s.InputData {
		params = append(params, feelName(in.Name))
		types = append(types, in.typ)
	}
	for _, d := range s.InputDecisions {
		inputs[d] = true
		params = append(params, feelName(d.Name))
		types = append(types, d.typ)
	}
	var order []*Decision
	seen := map[*Decision]bool{}
	var visit func(d *Decision)
	visit = func(d *Decision) {
		if seen[d] || inputs[d] {
			return
		}
		seen[d] = true
		for _, dep := range d.RequiredDecisions {
			visit(dep)
		}
		order = append(order, d)
	}
	for _, d := range s.OutputDecisions {
		visit(d)
	}
	var entries []string
	for _, d := range order {
		src := "null"
		if n := b.decisionNodes[d]; n != nil {
			saved := b.names
			b.names = b.scopedNames(n, requirementNames(d)...)
			for _, c := range n.children {
				if expressionTags[c.name.Local] {
					var ok bool
					if src, ok = b.exprSource(c); !ok {
						b.names = saved
						return ""
					}
					break
				}
			}
			b.names = saved
		}
		src = coerceSource(wrapSource(src, b.knowledgeSources(d.RequiredKnowledge, active)), d.typ)
		entries = append(entries, feelName(d.Name)+": "+src)
	}
	result := feelName(s.OutputDecisions[0].Name)
	if len(s.OutputDecisions) > 1 {
		var outs []string
		for _, d := range s.OutputDecisions {
			outs = append(outs, feelName(d.Name)+": "+feelName(d.Name))
		}
		result = "{" + strings.Join(outs, ", ") + "}"
	}
	body := "{" + strings.Join(append(entries, valueKey+": "+result), ", ") + "}." + valueKey
	src := "function(" + strings.Join(params, ", ") + ") " + coerceSource(typedParams(params, types, body), resultType(s.typ))
	if len(src) > maxFunctionSource {
		src = ""
	}
	b.svcSrc[s] = src
	return src
}

// functionSource renders a functionDefinition (or encapsulatedLogic)
// element as "function(a, b) body", with fns defined around the body.
func (b *builder) functionSource(n *node, fns []feelFunction) (string, bool) {
	if kind := n.get("kind"); kind != "" && kind != "FEEL" {
		return "", false
	}
	var params []string
	var types []*typeInfo
	for _, p := range n.all("formalParameter") {
		params = append(params, feelName(p.get("name")))
		types = append(types, b.resolveType(typeRefOf(p)))
	}
	body := "null"
	for _, c := range n.children {
		if expressionTags[c.name.Local] {
			src, ok := b.exprSource(c)
			if !ok {
				return "", false
			}
			body = src
			break
		}
	}
	return "function(" + strings.Join(params, ", ") + ") " + typedParams(params, types, wrapSource(body, fns)), true
}

// typedParams makes body see each typed parameter coerced to its type, and
// the call null when an argument does not conform, as a boxed invocation
// has it.
func typedParams(params []string, types []*typeInfo, body string) string {
	var entries, checks, rebinds []string
	for i, p := range params {
		if coerceSource(p, types[i]) == p {
			continue
		}
		arg := fmt.Sprintf("`?dmn arg %d`", i)
		entries = append(entries, arg+": "+coerceSource(p, types[i]))
		checks = append(checks, "("+p+" = null or "+arg+" != null)")
		rebinds = append(rebinds, p+": "+arg)
	}
	if len(entries) == 0 {
		return body
	}
	inner := "{" + strings.Join(rebinds, ", ") + ", " + valueKey + ": " + body + "}." + valueKey
	entries = append(entries, valueKey+": if "+strings.Join(checks, " and ")+" then "+inner+" else null")
	return "{" + strings.Join(entries, ", ") + "}." + valueKey
}

// coerceSource wraps src so that its value is coerced to t as DMN coerces
// (see conform): a conforming value stays, a singleton list where an item
// is expected becomes its item, an item where a list is expected becomes a
// singleton list, anything else null. Allowed values are not checked.
func coerceSource(src string, t *typeInfo) string {
	typ := feelTypeOf(t, 0)
	if typ == "Any" {
		return src
	}
	v := "`?dmn coerced`"
	var test string
	if t.collection {
		test = "if " + v + " = null then null else if " + v + " instance of " + typ + " then " + v +
			" else if " + v + " instance of " + feelTypeOf(t.elem, 0) + " then [" + v + "] else null"
	} else {
		test = "if " + v + " = null then null else if " + v + " instance of " + typ + " then " + v +
			" else if " + v + " instance of list<Any> and count(" + v + ") = 1 and " + v + "[1] instance of " + typ +
			" then " + v + "[1] else null"
	}
	return "{" + v + ": " + src + ", " + valueKey + ": " + test + "}." + valueKey
}

// exprSource renders a value expression element as FEEL, when it has a
// FEEL form.
func (b *builder) exprSource(n *node) (string, bool) {
	switch n.name.Local {
	case "literalExpression":
		text := strings.TrimSpace(n.textOf("text"))
		if text == "" {
			return "null", true
		}
		src := "(" + b.resolveInstanceOf(b.names.quote(text)) + ")"
		return coerceSource(src, b.resolveType(n.get("typeRef"))), true
	case "context":
		var entries []string
		result := ""
		for _, e := range n.all("contextEntry") {
			var value *node
			for _, c := range e.children {
				if expressionTags[c.name.Local] {
					value = c
					break
				}
			}
			src := "null"
			if value != nil {
				var ok bool
				if src, ok = b.exprSource(value); !ok {
					return "", false
				}
			}
			v := e.child("variable")
			if v == nil || v.get("name") == "" {
				result = src
				break
			}
			entries = append(entries, feelName(v.get("name"))+": "+src)
		}
		if result != "" {
			entries = append(entries, valueKey+": "+result)
			return "{" + strings.Join(entries, ", ") + "}." + valueKey, true
		}
		return "{" + strings.Join(entries, ", ") + "}", true
	case "list":
		var items []string
		for _, c := range n.children {
			if expressionTags[c.name.Local] {
				src, ok := b.exprSource(c)
				if !ok {
					return "", false
				}
				items = append(items, src)
			}
		}
		return "[" + strings.Join(items, ", ") + "]", true
	case "relation":
		var cols []string
		for _, c := range n.all("column") {
			cols = append(cols, feelName(c.get("name")))
		}
		var rows []string
		for _, row := range n.all("row") {
			var cells []string
			i := 0
			for _, c := range row.children {
				if !expressionTags[c.name.Local] {
					continue
				}
				if i >= len(cols) {
					return "", false
				}
				src, ok := b.exprSource(c)
				if !ok {
					return "", false
				}
				cells = append(cells, cols[i]+": "+src)
				i++
			}
			rows = append(rows, "{"+strings.Join(cells, ", ")+"}")
		}
		return "[" + strings.Join(rows, ", ") + "]", true
	case "invocation":
		name := ""
		for _, c := range n.children {
			if c.name.Local == "literalExpression" {
				name = strings.TrimSpace(c.textOf("text"))
				break
			}
		}
		if name == "" {
			return "", false
		}
		var args []string
		for _, bind := range n.all("binding") {
			p := bind.child("parameter")
			if p == nil {
				return "", false
			}
			src := "null"
			for _, c := range bind.children {
				if expressionTags[c.name.Local] {
					var ok bool
					if src, ok = b.exprSource(c); !ok {
						return "", false
					}
					break
				}
			}
			args = append(args, feelName(p.get("name"))+": "+src)
		}
		return feelName(strings.Trim(name, "`")) + "(" + strings.Join(args, ", ") + ")", true
	case "functionDefinition":
		src, ok := b.functionSource(n, nil)
		if !ok {
			return "", false
		}
		return "(" + src + ")", true
	case "decisionTable":
		return b.tableSource(n)
	}
	return "", false
}

// tableSource renders a decision table as FEEL: its inputs, the outputs of
// the rules whose tests hold, and the hit policy applied to them. A UNIQUE
// or ANY table whose rules conflict is null here rather than an error, and
// PRIORITY and OUTPUT ORDER tables have no FEEL form.
func (b *builder) tableSource(n *node) (string, bool) {
	policy := HitPolicy(strings.ToUpper(strings.TrimSpace(n.get("hitPolicy"))))
	if policy == "" {
		policy = HitUnique
	}
	if policy == HitPriority || policy == HitOutputOrder {
		return "", false
	}
	var entries []string
	inputs := n.all("input")
	for i, in := range inputs {
		ie := in.child("inputExpression")
		if ie == nil {
			return "", false
		}
		text := strings.TrimSpace(ie.textOf("text"))
		if text == "" {
			return "", false
		}
		src := coerceSource("("+b.resolveInstanceOf(b.names.quote(text))+")", b.resolveType(typeRefOf(ie)))
		entries = append(entries, fmt.Sprintf("`?dmn in %d`: %s", i, src))
	}
	outputs := n.all("output")
	if len(outputs) == 0 {
		return "", false
	}
	row := func(texts []string) string {
		if len(outputs) == 1 {
			return coerceSource(texts[0], b.resolveType(outputs[0].get("typeRef")))
		}
		parts := make([]string, len(outputs))
		for j, out := range outputs {
			parts[j] = feelName(out.get("name")) + ": " + coerceSource(texts[j], b.resolveType(out.get("typeRef")))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	var hits []string
	for _, r := range n.all("rule") {
		tests := r.all("inputEntry")
		outs := r.all("outputEntry")
		if len(tests) != len(inputs) || len(outs) != len(outputs) {
			return "", false
		}
		conds := []string{"true"}
		for i, t := range tests {
			if c := b.testSource(fmt.Sprintf("`?dmn in %d`", i), t.textOf("text")); c != "" {
				conds = append(conds, c)
			}
		}
		texts := make([]string, len(outs))
		for j, o := range outs {
			texts[j] = "(" + b.resolveInstanceOf(b.names.quote(orNull(o.textOf("text")))) + ")"
		}
		hits = append(hits, "if "+strings.Join(conds, " and ")+" then ["+row(texts)+"] else []")
	}
	h := "`?dmn hits`"
	entries = append(entries, h+": concatenate([], "+strings.Join(hits, ", ")+")")
	deflt := "null"
	hasDefault := false
	defaults := make([]string, len(outputs))
	for j, out := range outputs {
		defaults[j] = "null"
		if d := out.child("defaultOutputEntry"); d != nil {
			defaults[j] = "(" + b.names.quote(orNull(d.textOf("text"))) + ")"
			hasDefault = true
		}
	}
	if hasDefault {
		deflt = row(defaults)
	}
	var value string
	switch policy {
	case HitUnique, HitAny:
		value = "if count(" + h + ") = 1 then " + h + "[1] else if count(" + h + ") = 0 then " + deflt + " else null"
		if policy == HitAny {
			value = "if count(" + h + ") = 0 then " + deflt + " else if count(distinct values(" + h + ")) = 1 then " + h + "[1] else null"
		}
	case HitFirst:
		value = "if count(" + h + ") = 0 then " + deflt + " else " + h + "[1]"
	case HitRuleOrder, HitCollect:
		empty := "[]"
		if hasDefault {
			empty = "[" + deflt + "]"
		}
		switch Aggregation(strings.ToUpper(strings.TrimSpace(n.get("aggregation")))) {
		case AggregationNone:
			value = "if count(" + h + ") = 0 then " + empty + " else " + h
		case AggregationSum:
			value = "if count(" + h + ") = 0 then " + deflt + " else sum(" + h + ")"
		case AggregationMin:
			value = "if count(" + h + ") = 0 then " + deflt + " else min(" + h + ")"
		case AggregationMax:
			value = "if count(" + h + ") = 0 then " + deflt + " else max(" + h + ")"
		case AggregationCount:
			if !hasDefault {
				deflt = "0"
			}
			value = "if count(" + h + ") = 0 then " + deflt + " else count(" + h + ")"
		default:
			return "", false
		}
	default:
		return "", false
	}
	entries = append(entries, valueKey+": "+value)
	src := "{" + strings.Join(entries, ", ") + "}." + valueKey
	return coerceSource(src, b.resolveType(n.get("typeRef"))), true
}

// testSource renders the unary tests of an input entry as a FEEL condition
// on input, or "" for a test that always holds.
func (b *builder) testSource(input, text string) string {
	text = strings.TrimSpace(text)
	if text == "" || text == "-" {
		return ""
	}
	text = b.names.quote(text)
	if strings.HasPrefix(text, "not(") && strings.HasSuffix(text, ")") && balanced(text[4:len(text)-1]) {
		return "not(" + input + " in (" + text[4:len(text)-1] + "))"
	}
	return "(" + input + " in (" + text + "))"
}

// balanced reports whether the parentheses of s pair up, so that
// "not(a), not(b)" is not read as the negation of "a), not(b".
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

func orNull(text string) string {
	if strings.TrimSpace(text) == "" {
		return "null"
	}
	return text
}

// feelName writes a name so that FEEL reads it as one name.
func feelName(name string) string {
	name = strings.TrimSpace(name)
	if needsQuoting(name) {
		return "`" + name + "`"
	}
	return name
}

// wrapSource defines fns around src. Only the functions src names are
// defined (each function's own source already defines what it needs).
func wrapSource(src string, fns []feelFunction) string {
	var entries []string
	for _, f := range fns {
		if strings.Contains(src, f.name) {
			entries = append(entries, feelName(f.name)+": "+f.src)
		}
	}
	if len(entries) == 0 {
		return src
	}
	entries = append(entries, valueKey+": "+src)
	return "{" + strings.Join(entries, ", ") + "}." + valueKey
}

// functionValue compiles a boxed function definition as a FEEL function
// expression, or returns nil when it has no FEEL form.
func (b *builder) functionValue(n *node) *feel.Expression {
	src, ok := b.functionSource(n, nil)
	if !ok {
		return nil
	}
	src = "(" + src + ")"
	if e, ok := b.compileWithFunctions(src); ok {
		return e
	}
	e, err := feel.DMN.Compile(src)
	if err != nil {
		return nil
	}
	return e
}

// compileWithFunctions compiles src with the BKMs in scope defined around
// it, or reports false when there are none to define or FEEL cannot
// compile the result.
func (b *builder) compileWithFunctions(src string) (*feel.Expression, bool) {
	if len(b.fns) == 0 {
		return nil, false
	}
	wrapped := wrapSource(src, b.fns)
	if wrapped == src {
		return nil, false
	}
	e, err := feel.DMN.Compile(wrapped)
	if err != nil {
		return nil, false
	}
	return e, true
}
