package engine

import (
	"fmt"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/feel"
)

// activateExclusiveGateway takes the first outgoing flow whose condition is true, or
// the default flow; with neither, or a condition that is not boolean, it raises an
// incident and stays activating until the incident is resolved.
func (p *processing) activateExclusiveGateway(el element) {
	chosen, ok := p.chooseFlows(el, false)
	if !ok {
		return
	}
	p.passGateway(el, chosen)
}

// chooseFlows picks the flows a branching gateway takes: the one flow without a
// condition, or those whose condition holds (the first only, unless all), or else the
// default flow. A failing condition, or no flow at all, raises an incident and returns
// false.
func (p *processing) chooseFlows(el element, all bool) ([]*bpmn.SequenceFlow, bool) {
	out := el.model.Outgoing
	if len(out) == 0 {
		return nil, true
	}
	if len(out) == 1 && out[0].Condition == nil {
		return out, true
	}
	var chosen []*bpmn.SequenceFlow
	vars := scopeVariables{p: p, scope: el.key}
	for _, f := range out {
		if f == el.model.Default || f.Condition == nil {
			continue
		}
		ok, err := evalCondition(*f.Condition, vars)
		if err != nil {
			p.elementIncident(el, "CONDITION_ERROR", err.Error())
			return nil, false
		}
		if ok {
			chosen = append(chosen, f)
			if !all {
				break
			}
		}
	}
	if len(chosen) == 0 && el.model.Default != nil {
		chosen = []*bpmn.SequenceFlow{el.model.Default}
	}
	if len(chosen) == 0 {
		p.elementIncident(el, "CONDITION_ERROR", fmt.Sprintf("Expected at least one condition to evaluate to true, or to have a default flow, but none of the outgoing flows of gateway '%s' matched", el.model.ID))
		return nil, false
	}
	return chosen, true
}

// passGateway activates, completes and leaves a gateway by the chosen flows.
func (p *processing) passGateway(el element, chosen []*bpmn.SequenceFlow) {
	p.lifecycle(el, piActivated)
	p.lifecycle(el, piCompleting)
	if !p.applyOutputs(el) {
		return
	}
	p.lifecycle(el, piCompleted)
	p.leave(el, chosen)
}

// evalCondition evaluates a sequence flow condition, which must give a boolean.
func evalCondition(f feel.Field, vars feel.Variables) (bool, error) {
	v, err := f.Evaluate(vars)
	if err != nil {
		return false, fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		return false, fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("expected result of the expression '%s' to be 'BOOLEAN', but was '%s'", trimEq(f.Raw), raw)
}

func trimEq(s string) string {
	if len(s) > 0 && s[0] == '=' {
		return s[1:]
	}
	return s
}
