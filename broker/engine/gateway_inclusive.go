package engine

import (
	"github.com/weftlabs/weft/broker/bpmn"
)

// activateInclusiveGateway passes an inclusive gateway: every outgoing flow whose
// condition holds is taken (the default flow when none does); none at all is an incident.
// A joining inclusive gateway is activated once the tokens that can still reach it have
// arrived (see inclusiveReady).
func (p *processing) activateInclusiveGateway(el element) {
	chosen, ok := p.chooseFlows(el, true)
	if !ok {
		return
	}
	p.passGateway(el, chosen)
}

// isInclusiveJoin reports whether an element is an inclusive gateway that joins.
func isInclusiveJoin(m *bpmn.Element) bool {
	return m.Type == bpmn.ElementInclusiveGateway && len(m.Incoming) > 1
}

// inclusiveReady reports whether a joining inclusive gateway of a scope can be activated:
// a token waits on at least one incoming flow, and no token in the scope (an active
// element, a token on its way, a token waiting at another join) can still reach an
// incoming flow that has none.
func (p *processing) inclusiveReady(scopeKey int64, g *bpmn.Element, proc *bpmn.Process) bool {
	counts := p.tx.JoinCounts(scopeKey)
	var missing []*bpmn.SequenceFlow
	arrived := false
	for _, in := range g.Incoming {
		if counts[in.ID] > 0 {
			arrived = true
		} else {
			missing = append(missing, in)
		}
	}
	if !arrived {
		return false
	}
	if len(missing) == 0 {
		return true
	}
	alive := p.aliveElements(scopeKey, proc, counts, g)
	for _, in := range missing {
		for _, a := range alive {
			if a == in.Source || proc.CanReach(a, in.Source) {
				return false
			}
		}
	}
	return true
}

// aliveElements lists the elements of a scope that hold a token: its active element
// instances, the targets of activations still queued, and the joins (other than except)
// with tokens waiting.
func (p *processing) aliveElements(scopeKey int64, proc *bpmn.Process, counts map[string]int64, except *bpmn.Element) []*bpmn.Element {
	var alive []*bpmn.Element
	for _, c := range p.tx.Children(scopeKey) {
		if ei := p.tx.ElementInstance(c); ei != nil {
			if m := proc.Element(ei.GetValue().GetElementId()); m != nil {
				alive = append(alive, m)
			}
		}
	}
	for _, q := range p.queue {
		if v := q.rec.GetProcessInstance(); q.rec.GetIntent() == piActivateElement && v.GetFlowScopeKey() == scopeKey {
			if m := proc.Element(v.GetElementId()); m != nil && m != except {
				alive = append(alive, m)
			}
		}
	}
	for flowID, n := range counts {
		if f := proc.Flow(flowID); n > 0 && f != nil && f.Target != except {
			alive = append(alive, f.Target)
		}
	}
	return alive
}

// recheckInclusiveJoins activates the joining inclusive gateways of a scope whose
// missing tokens can no longer come, after a token in the scope ended or moved on.
func (p *processing) recheckInclusiveJoins(scopeKey int64, from element) {
	if !from.proc.HasInclusiveJoin {
		return
	}
	s := p.tx.ElementInstance(scopeKey)
	if s == nil || s.GetState() != piActivated || s.GetActiveFlows() == 0 {
		return // no token waits at a join without being counted as a flow
	}
	counts := p.tx.JoinCounts(scopeKey)
	seen := map[*bpmn.Element]bool{}
	// In the model's order of flows, so that every replica activates the same joins in
	// the same order.
	for _, f := range from.proc.Flows {
		if counts[f.ID] <= 0 || seen[f.Target] || !isInclusiveJoin(f.Target) {
			continue
		}
		seen[f.Target] = true
		if !p.activationQueued(scopeKey, f.Target.ID) && p.inclusiveReady(scopeKey, f.Target, from.proc) {
			p.command(p.tx.NextKey(), piActivateElement, valueFor(s.GetValue(), f.Target, scopeKey))
		}
	}
}

// activationQueued reports whether an activation of the element in the scope waits in
// the queue already.
func (p *processing) activationQueued(scopeKey int64, elementID string) bool {
	for _, q := range p.queue {
		if v := q.rec.GetProcessInstance(); q.rec.GetIntent() == piActivateElement && v.GetFlowScopeKey() == scopeKey && v.GetElementId() == elementID {
			return true
		}
	}
	return false
}
