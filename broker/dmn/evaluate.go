package dmn

import (
	"errors"
	"fmt"
	"time"

	"github.com/weftlabs/weft/broker/feel"
)

// maxCallDepth bounds nested function calls (a business knowledge model
// that invokes itself), so a recursive model fails instead of exhausting
// the stack.
const maxCallDepth = 256

// Result is the outcome of evaluating a decision, shaped like Zeebe's
// EvaluateDecision response.
type Result struct {
	DecisionID   string
	DecisionName string
	// Output is the value of the decision asked for; OutputJSON is its JSON.
	Output     feel.Value
	OutputJSON string
	// Evaluated lists every decision evaluated, the requirements before the
	// decisions that need them and the decision asked for last.
	Evaluated []EvaluatedDecision
	// FailedDecisionID names the decision whose evaluation failed, when
	// Evaluate returns an error.
	FailedDecisionID string
}

// EvaluatedDecision is one decision evaluated on the way to a result.
type EvaluatedDecision struct {
	DecisionID   string
	DecisionName string
	// DecisionType is the type of its logic: "DECISION_TABLE",
	// "LITERAL_EXPRESSION", "CONTEXT", "INVOCATION", "RELATION", "LIST"...
	DecisionType string
	Output       feel.Value
	OutputJSON   string
	// Inputs and MatchedRules are set for decision tables.
	Inputs       []EvaluatedInput
	MatchedRules []MatchedRule
}

// EvaluatedInput is a decision table input's value.
type EvaluatedInput struct {
	ID    string
	Name  string
	Value feel.Value
}

// MatchedRule is a rule of a decision table that made its result. Index
// counts rules from 1, in table order.
type MatchedRule struct {
	ID      string
	Index   int
	Outputs []EvaluatedOutput
}

// EvaluatedOutput is one output entry of a matched rule.
type EvaluatedOutput struct {
	ID    string
	Name  string
	Value feel.Value
}

// Evaluate evaluates the decision with the given id and every decision it
// requires, against vars (the input data and any other names, by name, as
// JSON; vars may be nil). Variables that also implement feel.Clock or
// feel.RandomSource (see feel.WithClock) fix now(), today(), random number()
// and uuid(): a replicated engine passes the record's timestamp. On failure it returns an *EvalError naming the
// decision that failed, together with a Result holding the decisions
// evaluated before it. Evaluate is safe to call from many goroutines.
func (d *Definitions) Evaluate(decisionID string, vars feel.Variables) (*Result, error) {
	dec, ok := d.decisionsByID[decisionID]
	if !ok {
		return nil, fmt.Errorf("%w: '%s'", ErrNoSuchDecision, decisionID)
	}
	return d.evaluate(dec, &scope{ext: vars}, vars)
}

// EvaluateValues is Evaluate with the inputs given as FEEL values by name.
func (d *Definitions) EvaluateValues(decisionID string, inputs map[string]feel.Value) (*Result, error) {
	dec, ok := d.decisionsByID[decisionID]
	if !ok {
		return nil, fmt.Errorf("%w: '%s'", ErrNoSuchDecision, decisionID)
	}
	return d.evaluate(dec, &scope{names: inputs}, nil)
}

func (d *Definitions) evaluate(dec *Decision, root *scope, env feel.Variables) (result *Result, err error) {
	ev := &evaluation{defs: d, root: root, values: map[*Decision]feel.Value{}, trace: true}
	ev.environment(env)
	result = &Result{DecisionID: dec.ID, DecisionName: dec.Name}
	defer func() {
		if r := recover(); r != nil {
			err = &EvalError{DecisionID: dec.ID, DecisionName: dec.Name, Message: fmt.Sprintf("internal error: %v", r)}
			result.FailedDecisionID = dec.ID
		}
	}()
	v, err := ev.decision(dec)
	result.Evaluated = ev.evaluated
	if err != nil {
		var ee *EvalError
		if errors.As(err, &ee) {
			result.FailedDecisionID = ee.DecisionID
		}
		return result, err
	}
	result.Output = v
	result.OutputJSON = jsonOf(v)
	return result, nil
}

func jsonOf(v feel.Value) string {
	raw, err := feel.ToJSON(v)
	if err != nil {
		return "null"
	}
	return string(raw)
}

// evaluation is the state of one Evaluate call. It is not shared between
// goroutines; the model it reads is immutable.
type evaluation struct {
	defs *Definitions
	root *scope
	// values memoises decisions already evaluated (or supplied, for a
	// decision service's input decisions).
	values    map[*Decision]feel.Value
	trace     bool
	evaluated []EvaluatedDecision
	depth     int
	// now and random, when the caller's variables supply them, fix FEEL's
	// now(), today(), random number() and uuid() for the whole evaluation.
	now    *time.Time
	random feel.RandomSource
	// work counts FEEL evaluations; a decision service called from the
	// evaluation shares the count.
	work *int
}

// maxFEELEvaluations bounds the FEEL evaluations of one Evaluate call
// (each bounded by FEEL itself): a model that iterates boxed loops over
// huge lists fails with an error instead of running for hours.
// It is a variable only so that a test can lower it.
var maxFEELEvaluations = 1_000_000

// vars is what a FEEL evaluation sees of sc, with the caller's clock and
// randomness. Each call counts against maxFEELEvaluations.
func (ev *evaluation) vars(sc *scope) (feel.Variables, error) {
	if ev.work == nil {
		ev.work = new(int)
	}
	*ev.work++
	if *ev.work > maxFEELEvaluations {
		return nil, fmt.Errorf("the evaluation takes more than %d FEEL evaluations", maxFEELEvaluations)
	}
	var v feel.Variables = &evalScope{scope: sc, ev: ev}
	if ev.now != nil {
		v = feel.WithClock(v, *ev.now)
	}
	if ev.random != nil {
		v = feel.WithRandom(v, ev.random)
	}
	return v, nil
}

// environment takes the clock and randomness of the caller's variables.
func (ev *evaluation) environment(vars feel.Variables) {
	if c, ok := vars.(feel.Clock); ok {
		now := c.Now()
		ev.now = &now
	}
	if r, ok := vars.(feel.RandomSource); ok {
		ev.random = r
	}
}

func (ev *evaluation) enter() error {
	ev.depth++
	if ev.depth > maxCallDepth {
		return fmt.Errorf("function calls nest deeper than %d levels", maxCallDepth)
	}
	return nil
}

func (ev *evaluation) leave() { ev.depth-- }

// decision evaluates d after its required decisions.
func (ev *evaluation) decision(d *Decision) (feel.Value, error) {
	if v, ok := ev.values[d]; ok {
		return v, nil
	}
	sc := newScope(ev.root)
	for _, dep := range d.RequiredDecisions {
		v, err := ev.decision(dep)
		if err != nil {
			return nil, err
		}
		if dep.VariableName != "" {
			sc.bind(dep.VariableName, v)
			continue
		}
		sc.bind(dep.ID, v)
		if dep.Name != "" {
			sc.bind(dep.Name, v)
		}
	}
	for _, in := range d.RequiredInputs {
		v, _, err := ev.root.lookup(in.Name)
		if err != nil {
			return nil, &EvalError{DecisionID: d.ID, DecisionName: d.Name, Message: fmt.Sprintf("input '%s' is unreadable", in.Name), Err: err}
		}
		sc.bind(in.Name, ev.conform(v, in.typ))
	}
	ev.bindKnowledge(sc, d.RequiredKnowledge)
	rec := EvaluatedDecision{DecisionID: d.ID, DecisionName: d.Name}
	var (
		v   feel.Value
		err error
	)
	switch logic := d.Logic.(type) {
	case nil:
		v = feel.Null{}
	case *DecisionTable:
		rec.DecisionType = logic.ExpressionType()
		trace := &tableTrace{}
		v, err = logic.run(ev, sc, trace)
		rec.Inputs, rec.MatchedRules = trace.inputs, trace.rules
	default:
		rec.DecisionType = logic.ExpressionType()
		v, err = logic.eval(ev, sc)
	}
	if err != nil {
		var ee *EvalError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, &EvalError{DecisionID: d.ID, DecisionName: d.Name, Message: err.Error()}
	}
	v = ev.conform(v, d.typ)
	ev.values[d] = v
	if ev.trace {
		rec.Output = v
		rec.OutputJSON = jsonOf(v)
		ev.evaluated = append(ev.evaluated, rec)
	}
	return v, nil
}

// bindKnowledge binds the invocables a decision or BKM requires.
func (ev *evaluation) bindKnowledge(sc *scope, knowledge []Invocable) {
	for _, k := range knowledge {
		switch k := k.(type) {
		case *BusinessKnowledgeModel:
			sc.bindFunc(k.Name, &bkmFunc{bkm: k})
		case *DecisionService:
			sc.bindFunc(k.Name, &serviceFunc{svc: k})
		}
	}
}

// bkmFunc calls a business knowledge model. Its body sees its parameters
// and its own knowledge requirements, not the caller's names.
type bkmFunc struct{ bkm *BusinessKnowledgeModel }

func (f *bkmFunc) params() []string {
	if f.bkm.Logic == nil {
		return nil
	}
	return f.bkm.Logic.paramNames()
}

func (f *bkmFunc) call(ev *evaluation, args []feel.Value) (feel.Value, error) {
	if f.bkm.Logic == nil {
		return feel.Null{}, nil
	}
	sc := newScope(nil)
	ev.bindKnowledge(sc, f.bkm.RequiredKnowledge)
	v, err := f.bkm.Logic.apply(ev, sc, args)
	if err != nil {
		return nil, fmt.Errorf("business knowledge model '%s': %w", f.bkm.Name, err)
	}
	return ev.conform(v, resultType(f.bkm.typ)), nil
}

// serviceFunc calls a decision service: its parameters are its input
// data, then its input decisions (the order the DMN TCK uses).
type serviceFunc struct{ svc *DecisionService }

func (f *serviceFunc) params() []string {
	var names []string
	for _, in := range f.svc.InputData {
		names = append(names, in.Name)
	}
	for _, d := range f.svc.InputDecisions {
		names = append(names, d.Name)
	}
	return names
}

func (f *serviceFunc) call(ev *evaluation, args []feel.Value) (feel.Value, error) {
	if err := ev.enter(); err != nil {
		return nil, err
	}
	defer ev.leave()
	named := map[string]feel.Value{}
	for i, name := range f.params() {
		if i < len(args) {
			named[name] = args[i]
		}
	}
	return ev.defs.runService(f.svc, named, ev)
}

// runService evaluates a decision service with its parameters by name: the
// input decisions take the given values instead of being evaluated.
func (d *Definitions) runService(svc *DecisionService, args map[string]feel.Value, caller *evaluation) (feel.Value, error) {
	root := &scope{names: map[string]feel.Value{}}
	sub := &evaluation{defs: d, root: root, values: map[*Decision]feel.Value{}}
	if caller != nil {
		sub.depth, sub.now, sub.random, sub.work = caller.depth, caller.now, caller.random, caller.work
	}
	for _, dec := range svc.InputDecisions {
		v := args[dec.Name]
		if v == nil {
			v = feel.Null{}
		}
		sub.values[dec] = sub.conform(v, dec.typ)
	}
	for _, in := range svc.InputData {
		if v, ok := args[in.Name]; ok {
			root.names[in.Name] = v
		}
	}
	var entries []feel.Entry
	for _, out := range svc.OutputDecisions {
		v, err := sub.decision(out)
		if err != nil {
			return nil, err
		}
		entries = append(entries, feel.Entry{Key: out.Name, Value: v})
	}
	var v feel.Value = feel.NewContext(entries...)
	if len(entries) == 1 {
		v = entries[0].Value
	}
	return sub.conform(v, resultType(svc.typ)), nil
}

// EvaluateService evaluates a decision service by name or id with its
// parameters (input decisions and input data) by name. The value is the
// output decision's, or a context of them when there are several.
func (d *Definitions) EvaluateService(nameOrID string, args map[string]feel.Value) (feel.Value, error) {
	svc, ok := d.DecisionService(nameOrID)
	if !ok {
		return nil, fmt.Errorf("no decision service '%s'", nameOrID)
	}
	return d.runService(svc, args, nil)
}

// valuesEqual compares two FEEL values structurally: numbers by value,
// lists item by item, contexts entry by entry whatever their order.
func valuesEqual(a, b feel.Value) bool {
	if a == nil {
		a = feel.Null{}
	}
	if b == nil {
		b = feel.Null{}
	}
	if a.Kind() != b.Kind() {
		return false
	}
	switch x := a.(type) {
	case feel.Null:
		return true
	case feel.Bool:
		return x == b.(feel.Bool)
	case feel.String:
		return x == b.(feel.String)
	case feel.Number:
		return x.Cmp(b.(feel.Number)) == 0
	case feel.List:
		y := b.(feel.List)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *feel.Context:
		y := b.(*feel.Context)
		if x.Len() != y.Len() {
			return false
		}
		for _, e := range x.Entries() {
			o, ok := y.Get(e.Key)
			if !ok || !valuesEqual(e.Value, o) {
				return false
			}
		}
		return true
	}
	return a.String() == b.String()
}
