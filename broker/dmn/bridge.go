package dmn

import (
	"fmt"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// FEEL forms of boxed function definitions.
//
// A FEEL expression calls a BKM or decision service by name, PMT(amount,
// rate, term), natively: the evaluation hands FEEL each invocable in scope
// as a feel.NewFunction (see evalScope), so hit policies, types and errors
// are those of a boxed invocation. A boxed function definition becomes a
// FEEL function value instead, "function(a, b) body", with its body
// (literal expressions, contexts, lists, relations, invocations, decision
// tables) rendered as FEEL text here; names the body does not bind, BKMs
// included, resolve in the evaluation that made the function, as FEEL
// closures do.

// valueKey is the context entry that carries a rendered expression's value.
const valueKey = "`?dmn value`"

// functionSource renders a functionDefinition (or encapsulatedLogic)
// element as "function(a, b) body".
func (b *builder) functionSource(n *node) (string, bool) {
	if kind := n.Get("kind"); kind != "" && kind != "FEEL" {
		return "", false
	}
	var params []string
	var types []*typeInfo
	for _, p := range n.All("formalParameter") {
		params = append(params, feelName(p.Get("name")))
		types = append(types, b.resolveType(typeRefOf(p)))
	}
	body := "null"
	for _, c := range n.Children {
		if expressionTags[c.Name.Local] {
			src, ok := b.exprSource(c)
			if !ok {
				return "", false
			}
			body = src
			break
		}
	}
	return "function(" + strings.Join(params, ", ") + ") " + typedParams(params, types, body), true
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
	switch n.Name.Local {
	case "literalExpression":
		text := strings.TrimSpace(n.TextOf("text"))
		if text == "" {
			return "null", true
		}
		src := "(" + b.resolveInstanceOf(b.names.quote(text)) + ")"
		return coerceSource(src, b.resolveType(n.Get("typeRef"))), true
	case "context":
		var entries []string
		result := ""
		for _, e := range n.All("contextEntry") {
			var value *node
			for _, c := range e.Children {
				if expressionTags[c.Name.Local] {
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
			v := e.Child("variable")
			if v == nil || v.Get("name") == "" {
				result = src
				break
			}
			entries = append(entries, feelName(v.Get("name"))+": "+src)
		}
		if result != "" {
			entries = append(entries, valueKey+": "+result)
			return "{" + strings.Join(entries, ", ") + "}." + valueKey, true
		}
		return "{" + strings.Join(entries, ", ") + "}", true
	case "list":
		var items []string
		for _, c := range n.Children {
			if expressionTags[c.Name.Local] {
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
		for _, c := range n.All("column") {
			cols = append(cols, feelName(c.Get("name")))
		}
		var rows []string
		for _, row := range n.All("row") {
			var cells []string
			i := 0
			for _, c := range row.Children {
				if !expressionTags[c.Name.Local] {
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
		for _, c := range n.Children {
			if c.Name.Local == "literalExpression" {
				name = strings.TrimSpace(c.TextOf("text"))
				break
			}
		}
		if name == "" {
			return "", false
		}
		var args []string
		for _, bind := range n.All("binding") {
			p := bind.Child("parameter")
			if p == nil {
				return "", false
			}
			src := "null"
			for _, c := range bind.Children {
				if expressionTags[c.Name.Local] {
					var ok bool
					if src, ok = b.exprSource(c); !ok {
						return "", false
					}
					break
				}
			}
			args = append(args, feelName(p.Get("name"))+": "+src)
		}
		return feelName(strings.Trim(name, "`")) + "(" + strings.Join(args, ", ") + ")", true
	case "functionDefinition":
		src, ok := b.functionSource(n)
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
	policy := HitPolicy(strings.ToUpper(strings.TrimSpace(n.Get("hitPolicy"))))
	if policy == "" {
		policy = HitUnique
	}
	if policy == HitPriority || policy == HitOutputOrder {
		return "", false
	}
	var entries []string
	inputs := n.All("input")
	for i, in := range inputs {
		ie := in.Child("inputExpression")
		if ie == nil {
			return "", false
		}
		text := strings.TrimSpace(ie.TextOf("text"))
		if text == "" {
			return "", false
		}
		src := coerceSource("("+b.resolveInstanceOf(b.names.quote(text))+")", b.resolveType(typeRefOf(ie)))
		entries = append(entries, fmt.Sprintf("`?dmn in %d`: %s", i, src))
	}
	outputs := n.All("output")
	if len(outputs) == 0 {
		return "", false
	}
	row := func(texts []string) string {
		if len(outputs) == 1 {
			return coerceSource(texts[0], b.resolveType(outputs[0].Get("typeRef")))
		}
		parts := make([]string, len(outputs))
		for j, out := range outputs {
			parts[j] = feelName(out.Get("name")) + ": " + coerceSource(texts[j], b.resolveType(out.Get("typeRef")))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	var hits []string
	for _, r := range n.All("rule") {
		tests := r.All("inputEntry")
		outs := r.All("outputEntry")
		if len(tests) != len(inputs) || len(outs) != len(outputs) {
			return "", false
		}
		conds := []string{"true"}
		for i, t := range tests {
			if c := b.testSource(fmt.Sprintf("`?dmn in %d`", i), t.TextOf("text")); c != "" {
				conds = append(conds, c)
			}
		}
		texts := make([]string, len(outs))
		for j, o := range outs {
			texts[j] = "(" + b.resolveInstanceOf(b.names.quote(orNull(o.TextOf("text")))) + ")"
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
		if d := out.Child("defaultOutputEntry"); d != nil {
			defaults[j] = "(" + b.names.quote(orNull(d.TextOf("text"))) + ")"
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
		switch Aggregation(strings.ToUpper(strings.TrimSpace(n.Get("aggregation")))) {
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
	return coerceSource(src, b.resolveType(n.Get("typeRef"))), true
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

// functionValue compiles a boxed function definition as a FEEL function
// expression, or returns nil when it has no FEEL form.
func (b *builder) functionValue(n *node) *feel.Expression {
	src, ok := b.functionSource(n)
	if !ok {
		return nil
	}
	src = "(" + src + ")"
	e, err := feel.DMN.Compile(src)
	if err != nil {
		return nil
	}
	return e
}
