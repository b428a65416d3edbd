package engine

import (
	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// throwEvent runs an intermediate throw or end event that throws an error or an
// escalation, or jumps through a link.
func (p *processing) throwEvent(el element) {
	switch {
	case el.model.Error != nil:
		p.lifecycle(el, piActivated)
		code := el.model.Error.Code
		if p.throwErrorFrom(el.key, code, p.localVariablesJSON(el.key)) {
			return // the catching element terminates this one
		}
		p.elementIncident(el, "UNHANDLED_ERROR_EVENT",
			"Expected to throw an error event with the code '"+code+"', but it was not caught. No error events are available in the scope.")
	case el.model.Escalation != nil:
		p.lifecycle(el, piActivated)
		if p.throwEscalation(el) {
			return // an interrupting catch terminates this one
		}
		p.completeElement(el)
	case el.model.LinkTarget != nil:
		p.lifecycle(el, piActivated)
		p.lifecycle(el, piCompleting)
		p.lifecycle(el, piCompleted)
		// The token jumps to the catch link event: it is on its way in the scope.
		key := p.tx.NextKey()
		scope := el.value.GetFlowScopeKey()
		v := el.value
		p.event(key, "TRIGGERED", &recordpb.ProcessEventRecord{
			ScopeKey: el.key, TargetElementId: el.model.LinkTarget.ID, Variables: []byte("{}"),
			ProcessDefinitionKey: v.GetProcessDefinitionKey(), ProcessInstanceKey: v.GetProcessInstanceKey(),
			TenantId: tenantOf(v.GetTenantId()), FlowScopeKey: scope,
		})
		p.command(key, piActivateElement, valueFor(el.value, el.model.LinkTarget, scope))
	default:
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	}
}

// localVariablesJSON returns a scope's own variables as a JSON object.
func (p *processing) localVariablesJSON(scopeKey int64) []byte {
	return encodeObject(p.localVariables(scopeKey))
}

// throwEscalation looks for what catches an escalation thrown by el, outwards as for
// errors: an escalation event sub-process of a scope, a boundary event of an enclosing
// activity. It reports whether an interrupting catch was triggered (el is then
// terminated with its scope); a non-interrupting catch or none lets el go on.
func (p *processing) throwEscalation(el element) bool {
	code := el.model.Escalation.Code
	vars := p.localVariablesJSON(el.key)
	for key := el.key; key > 0; {
		ei := p.tx.ElementInstance(key)
		if ei == nil {
			return false
		}
		cur, ok := p.resolve(ei.GetKey(), ei.GetValue())
		if !ok {
			return false
		}
		if key != el.key && !cur.isProcess() && !cur.isInner() && ei.GetState() == piActivated {
			if b := catchEscalation(cur.model.Boundaries, code); b != nil {
				p.triggerBoundary(cur, b, vars)
				return b.Interrupting
			}
		}
		scopeKey := ei.GetValue().GetFlowScopeKey()
		if scopeKey <= 0 {
			if parent := ei.GetValue().GetParentElementInstanceKey(); cur.isProcess() && parent > 0 {
				key = parent
				continue
			}
			return false
		}
		if se := p.tx.ElementInstance(scopeKey); se != nil && se.GetState() == piActivated && !se.GetInterrupted() {
			if scope, ok := p.resolve(scopeKey, se.GetValue()); ok {
				var starts []*bpmn.Element
				for _, esp := range eventSubProcesses(scope) {
					if esp.Start != nil {
						starts = append(starts, esp.Start)
					}
				}
				if s := catchEscalation(starts, code); s != nil {
					p.triggerEventSubProcess(scope, s, vars)
					return s.Interrupting
				}
			}
		}
		key = scopeKey
	}
	return false
}

// catchEscalation picks, among catch events, the one for an escalation code: the same
// code first, else one that catches all.
func catchEscalation(events []*bpmn.Element, code string) *bpmn.Element {
	var all *bpmn.Element
	for _, e := range events {
		if e.Escalation == nil {
			continue
		}
		if !e.Escalation.CatchAll && e.Escalation.Code == code {
			return e
		}
		if e.Escalation.CatchAll && all == nil {
			all = e
		}
	}
	return all
}
