package engine

import (
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Compensation, as Zeebe 8.5 runs it: an activity with a compensation boundary event
// leaves a COMPENSATION_SUBSCRIPTION when it completes. A compensation throw event (an
// intermediate throw or end event) triggers the subscriptions of its scope, those of
// activities completed in embedded sub-processes of its scope included (or only those
// of the activity it names): each handler runs, the most recently completed activity's
// first, and the throw event completes once every handler it started has completed.
// The subscriptions of an instance are deleted when it ends.

// compensable records a completing activity that has a compensation handler.
func (p *processing) compensable(el element) {
	b := el.model.CompensationBoundary
	if b == nil || b.CompensationHandler == nil || el.isBody() {
		return
	}
	var ancestors []int64
	for k := el.value.GetFlowScopeKey(); k > 0; {
		ancestors = append(ancestors, k)
		s := p.tx.ElementInstance(k)
		if s == nil {
			break
		}
		k = s.GetValue().GetFlowScopeKey()
	}
	v := el.value
	p.event(p.tx.NextKey(), "CREATED", &recordpb.CompensationSubscriptionRecord{
		ProcessInstanceKey: v.GetProcessInstanceKey(), ProcessDefinitionKey: v.GetProcessDefinitionKey(),
		CompensableActivityId: el.model.ID, CompensableActivityInstanceKey: el.key,
		CompensableActivityScopeKey: v.GetFlowScopeKey(), AncestorScopeKeys: ancestors,
		CompensationHandlerId: b.CompensationHandler.ID, CompensationHandlerInstanceKey: -1,
		ThrowEventInstanceKey: -1, TenantId: tenantOf(v.GetTenantId()),
	})
}

// throwCompensation runs a compensation throw event: the handlers of the completed
// activities it compensates start, and the event waits for them (it passes on at once
// when there is nothing to compensate).
func (p *processing) throwCompensation(el element) {
	p.lifecycle(el, piActivated)
	scope := el.value.GetFlowScopeKey()
	var subs []state.CompensationSub
	for _, s := range p.tx.Compensations(el.value.GetProcessInstanceKey()) {
		r := s.Record
		if r.GetThrowEventInstanceKey() > 0 || !slices.Contains(r.GetAncestorScopeKeys(), scope) {
			continue
		}
		if ref := el.model.CompensateActivity; ref != nil && r.GetCompensableActivityId() != ref.ID {
			continue
		}
		subs = append(subs, s)
	}
	if len(subs) == 0 {
		p.completeElement(el)
		return
	}
	slices.Reverse(subs) // the last completed is compensated first
	for _, s := range subs {
		handler := el.proc.Element(s.Record.GetCompensationHandlerId())
		if handler == nil {
			continue
		}
		// The handler runs in its activity's scope while that is active, else in the
		// throw event's.
		in := scope
		if s.Record.GetCompensableActivityScopeKey() != scope {
			if si := p.tx.ElementInstance(s.Record.GetCompensableActivityScopeKey()); si != nil && si.GetState() == piActivated {
				in = s.Record.GetCompensableActivityScopeKey()
			}
		}
		hk := p.tx.NextKey()
		rec := proto.Clone(s.Record).(*recordpb.CompensationSubscriptionRecord)
		rec.ThrowEventId, rec.ThrowEventInstanceKey, rec.CompensationHandlerInstanceKey = el.model.ID, el.key, hk
		p.event(s.Key, "TRIGGERED", rec)
		scopeEi := p.tx.ElementInstance(in)
		p.command(hk, piActivateElement, valueFor(scopeEi.GetValue(), handler, in))
	}
}

// compensationHandlerDone notes that a compensation handler completed; the throw event
// that started it completes after its last handler.
func (p *processing) compensationHandlerDone(handler element) {
	pik := handler.value.GetProcessInstanceKey()
	var throwKey int64
	pending := 0
	for _, s := range p.tx.Compensations(pik) {
		r := s.Record
		if r.GetCompensationHandlerInstanceKey() == handler.key {
			throwKey = r.GetThrowEventInstanceKey()
			p.event(s.Key, "COMPLETED", proto.Clone(r).(*recordpb.CompensationSubscriptionRecord))
		}
	}
	if throwKey <= 0 {
		return
	}
	for _, s := range p.tx.Compensations(pik) {
		if s.Record.GetThrowEventInstanceKey() == throwKey {
			pending++
		}
	}
	if pending > 0 {
		return
	}
	if ei := p.tx.ElementInstance(throwKey); ei != nil && ei.GetState() == piActivated {
		p.command(throwKey, piCompleteElement, proto.Clone(ei.GetValue()).(*recordpb.ProcessInstanceRecord))
	}
}

// forgetCompensations deletes the compensation subscriptions of an ending instance.
func (p *processing) forgetCompensations(processInstanceKey int64) {
	for _, s := range p.tx.Compensations(processInstanceKey) {
		p.event(s.Key, "DELETED", proto.Clone(s.Record).(*recordpb.CompensationSubscriptionRecord))
	}
}

// isCompensationThrow reports whether an element throws a compensation event.
func isCompensationThrow(m *bpmn.Element) bool {
	return m.EventType == bpmn.EventCompensation &&
		(m.Type == bpmn.ElementIntermediateThrowEvent || m.Type == bpmn.ElementEndEvent)
}
