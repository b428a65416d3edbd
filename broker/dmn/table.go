package dmn

import (
	"fmt"
	"sort"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

func (b *builder) decisionTable(n *node) *DecisionTable {
	typeRef := strings.TrimSpace(n.Get("typeRef"))
	t := &DecisionTable{
		ID:          n.Get("id"),
		TypeRef:     typeRef,
		HitPolicy:   HitPolicy(strings.ToUpper(strings.TrimSpace(n.Get("hitPolicy")))),
		Aggregation: Aggregation(strings.ToUpper(strings.TrimSpace(n.Get("aggregation")))),
		typ:         b.resolveType(typeRef),
	}
	if t.HitPolicy == "" {
		t.HitPolicy = HitUnique
	}
	switch t.HitPolicy {
	case HitUnique, HitFirst, HitPriority, HitAny, HitCollect, HitRuleOrder, HitOutputOrder:
	default:
		b.problem(label(n), "%s: unknown hit policy '%s'", b.owner, t.HitPolicy)
	}
	switch t.Aggregation {
	case AggregationNone:
	case AggregationSum, AggregationMin, AggregationMax, AggregationCount:
		if t.HitPolicy != HitCollect {
			b.problem(label(n), "%s: aggregation %s needs hit policy COLLECT, not %s", b.owner, t.Aggregation, t.HitPolicy)
		}
	default:
		b.problem(label(n), "%s: unknown aggregation '%s'", b.owner, t.Aggregation)
	}
	for _, c := range n.All("input") {
		in := &TableInput{ID: c.Get("id"), Label: c.Get("label")}
		if ie := c.Child("inputExpression"); ie != nil {
			in.Expression = ie.TextOf("text")
			in.TypeRef = typeRefOf(ie)
			in.typ = b.resolveType(in.TypeRef)
		}
		if strings.TrimSpace(in.Expression) == "" {
			b.problem(label(c), "%s: decision table input has no input expression", b.owner)
		}
		in.expr = b.compile(label(c), in.Expression)
		if iv := c.Child("inputValues"); iv != nil {
			in.InputValues = strings.TrimSpace(iv.TextOf("text"))
			if in.InputValues != "" {
				in.values = b.compileTests(label(c), in.InputValues)
			}
		}
		t.Inputs = append(t.Inputs, in)
	}
	for _, c := range n.All("output") {
		out := &TableOutput{ID: c.Get("id"), Name: c.Get("name"), Label: c.Get("label"), TypeRef: strings.TrimSpace(c.Get("typeRef"))}
		out.typ = b.resolveType(out.TypeRef)
		if ov := c.Child("outputValues"); ov != nil {
			out.OutputValues = strings.TrimSpace(ov.TextOf("text"))
			if out.OutputValues != "" {
				out.values = b.compileTests(label(c), out.OutputValues)
				out.priorities = b.priorities(label(c), out.OutputValues)
			}
		}
		if d := c.Child("defaultOutputEntry"); d != nil {
			out.Default = d.TextOf("text")
			out.deflt = b.compile(label(c), out.Default)
		}
		t.Outputs = append(t.Outputs, out)
	}
	if len(t.Outputs) == 0 {
		b.problem(label(n), "%s: decision table has no output", b.owner)
	}
	if len(t.Outputs) > 1 {
		for _, out := range t.Outputs {
			if out.Name == "" {
				b.problem(label(n), "%s: an output of a decision table with several outputs has no name", b.owner)
			}
		}
		if t.Aggregation != AggregationNone {
			b.problem(label(n), "%s: aggregation %s needs a single output", b.owner, t.Aggregation)
		}
	}
	for _, c := range n.All("rule") {
		r := &Rule{ID: c.Get("id")}
		for _, e := range c.All("inputEntry") {
			text := e.TextOf("text")
			r.InputEntries = append(r.InputEntries, text)
			r.tests = append(r.tests, b.compileTests(label(e), text))
		}
		for _, e := range c.All("outputEntry") {
			text := e.TextOf("text")
			r.OutputEntries = append(r.OutputEntries, text)
			r.outputs = append(r.outputs, b.compile(label(e), text))
		}
		if len(r.InputEntries) != len(t.Inputs) {
			b.problem(label(c), "%s: rule has %d input entries for %d inputs", b.owner, len(r.InputEntries), len(t.Inputs))
		}
		if len(r.OutputEntries) != len(t.Outputs) {
			b.problem(label(c), "%s: rule has %d output entries for %d outputs", b.owner, len(r.OutputEntries), len(t.Outputs))
		}
		t.Rules = append(t.Rules, r)
	}
	return t
}

// priorities evaluates an outputValues list ("high", "medium", "low") to the
// values in priority order.
func (b *builder) priorities(id, src string) []feel.Value {
	e, err := feel.DMN.Compile("[" + b.names.quote(src) + "]")
	if err != nil {
		return nil
	}
	v, err := e.Evaluate(nil)
	if err != nil {
		return nil
	}
	list, _ := v.(feel.List)
	return list
}

// tableTrace receives the evaluated inputs and matched rules of the
// decision table that is a decision's logic.
type tableTrace struct {
	inputs []EvaluatedInput
	rules  []MatchedRule
}

func (t *DecisionTable) eval(ev *evaluation, sc *scope) (feel.Value, error) {
	return t.run(ev, sc, nil)
}

type hit struct {
	rule    int
	outputs []feel.Value
}

func (t *DecisionTable) run(ev *evaluation, sc *scope, trace *tableTrace) (feel.Value, error) {
	inputs := make([]feel.Value, len(t.Inputs))
	for i, in := range t.Inputs {
		if in.expr == nil {
			return nil, fmt.Errorf("input expression '%s' did not compile", strings.TrimSpace(in.Expression))
		}
		vars, err := ev.vars(sc)
		if err != nil {
			return nil, err
		}
		v, err := in.expr.Evaluate(vars)
		if err != nil {
			return nil, fmt.Errorf("input '%s': %w", inputLabel(in), err)
		}
		// Input values are compiled (a model with bad ones is rejected) but
		// not enforced, as in Zeebe: a value outside them matches no rule
		// that tests for them, rather than failing the decision.
		v = ev.conform(v, in.typ)
		inputs[i] = v
		if trace != nil {
			trace.inputs = append(trace.inputs, EvaluatedInput{ID: in.ID, Name: in.Label, Value: v})
		}
	}
	var hits []hit
	for ri, r := range t.Rules {
		matched := true
		for i, test := range r.tests {
			if i >= len(inputs) {
				break
			}
			if test == nil {
				return nil, fmt.Errorf("rule '%s': input entry '%s' did not compile", r.ID, strings.TrimSpace(r.InputEntries[i]))
			}
			vars, err := ev.vars(sc)
			if err != nil {
				return nil, err
			}
			ok, err := test.Test(inputs[i], vars)
			if err != nil {
				return nil, fmt.Errorf("rule '%s': %w", r.ID, err)
			}
			if !feel.IsTrue(ok) {
				matched = false
				break
			}
		}
		if !matched {
			continue
		}
		h := hit{rule: ri, outputs: make([]feel.Value, len(t.Outputs))}
		for j, out := range t.Outputs {
			if j >= len(r.outputs) || r.outputs[j] == nil {
				return nil, fmt.Errorf("rule '%s': output entry did not compile", r.ID)
			}
			vars, err := ev.vars(sc)
			if err != nil {
				return nil, err
			}
			v, err := r.outputs[j].Evaluate(vars)
			if err != nil {
				return nil, fmt.Errorf("rule '%s': %w", r.ID, err)
			}
			h.outputs[j] = ev.conform(v, out.typ)
		}
		hits = append(hits, h)
		if t.HitPolicy == HitFirst {
			break
		}
	}
	hits, err := t.selectHits(hits)
	if err != nil {
		return nil, err
	}
	if trace != nil {
		for _, h := range hits {
			m := MatchedRule{ID: t.Rules[h.rule].ID, Index: h.rule + 1}
			for j, out := range t.Outputs {
				m.Outputs = append(m.Outputs, EvaluatedOutput{ID: out.ID, Name: outputName(out), Value: h.outputs[j]})
			}
			trace.rules = append(trace.rules, m)
		}
	}
	v, err := t.result(ev, sc, hits)
	if err != nil {
		return nil, err
	}
	return ev.conform(v, t.typ), nil
}

func inputLabel(in *TableInput) string {
	if in.Label != "" {
		return in.Label
	}
	return strings.TrimSpace(in.Expression)
}

// outputName is the name Zeebe reports for an output: its name, else its
// label, else "".
func outputName(out *TableOutput) string {
	if out.Name != "" {
		return out.Name
	}
	return out.Label
}

// selectHits applies the hit policy's checks and ordering to the matches.
func (t *DecisionTable) selectHits(hits []hit) ([]hit, error) {
	switch t.HitPolicy {
	case HitUnique:
		if len(hits) > 1 {
			return nil, fmt.Errorf("hit policy UNIQUE: %d rules match (%s), at most one may", len(hits), t.ruleIDs(hits))
		}
	case HitAny:
		for _, h := range hits[min(1, len(hits)):] {
			for j := range h.outputs {
				if !valuesEqual(h.outputs[j], hits[0].outputs[j]) {
					return nil, fmt.Errorf("hit policy ANY: the matching rules (%s) have different outputs", t.ruleIDs(hits))
				}
			}
		}
		if len(hits) > 1 {
			hits = hits[:1]
		}
	case HitPriority:
		if len(hits) > 1 {
			sorted := t.byPriority(hits)
			hits = sorted[:1]
		}
	case HitOutputOrder:
		hits = t.byPriority(hits)
	}
	return hits, nil
}

func (t *DecisionTable) ruleIDs(hits []hit) string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = "'" + t.Rules[h.rule].ID + "'"
	}
	return strings.Join(ids, ", ")
}

// byPriority orders hits by their outputs' positions in the outputs'
// outputValues lists, the first output first; ties keep rule order.
func (t *DecisionTable) byPriority(hits []hit) []hit {
	rank := func(h hit) []int {
		r := make([]int, len(t.Outputs))
		for j, out := range t.Outputs {
			r[j] = len(out.priorities)
			for k, p := range out.priorities {
				if valuesEqual(h.outputs[j], p) {
					r[j] = k
					break
				}
			}
		}
		return r
	}
	out := append([]hit(nil), hits...)
	ranks := make(map[int][]int, len(out))
	for _, h := range out {
		ranks[h.rule] = rank(h)
	}
	sort.SliceStable(out, func(a, b int) bool {
		ra, rb := ranks[out[a].rule], ranks[out[b].rule]
		for j := range ra {
			if ra[j] != rb[j] {
				return ra[j] < rb[j]
			}
		}
		return false
	})
	return out
}

// result builds the table's value from the selected hits.
func (t *DecisionTable) result(ev *evaluation, sc *scope, hits []hit) (feel.Value, error) {
	single := t.HitPolicy == HitUnique || t.HitPolicy == HitAny || t.HitPolicy == HitFirst || t.HitPolicy == HitPriority
	if len(hits) == 0 {
		// No rule matched: the default output entries, if any. An
		// aggregation's default is its value, a list's default its item.
		if d, ok, err := t.defaults(ev, sc); err != nil || ok {
			if ok && !single && t.Aggregation == AggregationNone {
				return feel.List{d}, err
			}
			return d, err
		}
		switch {
		case single:
			return feel.Null{}, nil
		case t.Aggregation == AggregationNone:
			return feel.List{}, nil
		}
	}
	row := func(h hit) feel.Value {
		if len(t.Outputs) == 1 {
			return h.outputs[0]
		}
		entries := make([]feel.Entry, len(t.Outputs))
		for j, out := range t.Outputs {
			entries[j] = feel.Entry{Key: out.Name, Value: h.outputs[j]}
		}
		return feel.NewContext(entries...)
	}
	if single {
		return row(hits[0]), nil
	}
	values := make(feel.List, len(hits))
	for i, h := range hits {
		values[i] = row(h)
	}
	switch t.Aggregation {
	case AggregationCount:
		return feel.IntNumber(int64(len(values))), nil
	case AggregationSum, AggregationMin, AggregationMax:
		return aggregate(t.Aggregation, values), nil
	}
	return values, nil
}

// defaults returns the default output entries, when the outputs have any.
func (t *DecisionTable) defaults(ev *evaluation, sc *scope) (feel.Value, bool, error) {
	has := false
	outs := make([]feel.Value, len(t.Outputs))
	for j, out := range t.Outputs {
		outs[j] = feel.Null{}
		if out.deflt == nil {
			continue
		}
		has = true
		vars, err := ev.vars(sc)
		if err != nil {
			return nil, false, err
		}
		v, err := out.deflt.Evaluate(vars)
		if err != nil {
			return nil, false, err
		}
		outs[j] = ev.conform(v, out.typ)
	}
	if !has {
		return nil, false, nil
	}
	if len(t.Outputs) == 1 {
		return outs[0], true, nil
	}
	entries := make([]feel.Entry, len(t.Outputs))
	for j, out := range t.Outputs {
		entries[j] = feel.Entry{Key: out.Name, Value: outs[j]}
	}
	return feel.NewContext(entries...), true, nil
}

// aggregators are FEEL's sum, min and max applied to the variable
// `?values`, a name no model can write unquoted.
var aggregators = func() map[Aggregation]*feel.Expression {
	m := map[Aggregation]*feel.Expression{}
	for op, name := range map[Aggregation]string{AggregationSum: "sum", AggregationMin: "min", AggregationMax: "max"} {
		if e, err := feel.DMN.Compile(name + "(`?values`)"); err == nil {
			m[op] = e
		}
	}
	return m
}()

// aggregate sums, or picks the least or greatest of, the values, as FEEL's
// sum, min and max do: null when a value does not fit or there is none.
func aggregate(op Aggregation, values feel.List) feel.Value {
	e := aggregators[op]
	if e == nil {
		return feel.Null{}
	}
	v, err := e.Evaluate(&scope{names: map[string]feel.Value{"?values": values}})
	if err != nil {
		return feel.Null{}
	}
	return v
}
