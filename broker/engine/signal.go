package engine

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// broadcastSignal processes SIGNAL BROADCAST: every signal catch event waiting for the
// name completes and every signal start event of a latest process version starts an
// instance, on this partition and, through a command distribution, on every other. The
// request is answered once this partition broadcast it; the other partitions receive it
// until they acknowledged, even across leader changes.
//
// A broadcast that another partition distributed carries the origin's key; it is
// processed once per key, so a repeated delivery triggers nothing twice.
func (p *processing) broadcastSignal() {
	s := p.cmd.GetSignal()
	distributed := p.cmd.GetKey() > 0
	if s.GetSignalName() == "" {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to broadcast a signal with a name, but the name is empty")
		return
	}
	entries, err := parseObject(s.GetVariables())
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected signal variables to be a JSON object, but they are invalid: %s", err)
		return
	}
	rec := &recordpb.SignalRecord{SignalName: s.GetSignalName(), Variables: encodeObject(entries), TenantId: tenantOf(s.GetTenantId())}
	if distributed {
		key := p.cmd.GetKey()
		if p.tx.Received(key) {
			p.respond(p.event(key, "BROADCASTED", rec)) // answered again, triggers nothing
			return
		}
		p.tx.PutReceived(key)
		ev := p.event(key, "BROADCASTED", rec)
		p.triggerSignal(rec, entries)
		p.respond(ev)
		return
	}
	key := p.tx.NextKey()
	ev := p.event(key, "BROADCASTED", rec)
	p.triggerSignal(rec, entries)
	if p.e.partitionCount > 1 {
		p.distributeCommand(key, &recordpb.CommandDistributionRecord{
			PartitionId: p.e.partitionID, ValueType: recordpb.ValueType_SIGNAL, Intent: "BROADCAST",
			Signal: proto.Clone(rec).(*recordpb.SignalRecord),
		}, nil)
	}
	p.respond(ev)
}

// triggerSignal completes the catch events and starts the processes that wait for a
// signal, in the order of their subscriptions.
func (p *processing) triggerSignal(rec *recordpb.SignalRecord, entries []jsonEntry) {
	for _, sub := range p.tx.SignalSubscriptionsFor(rec.GetTenantId(), rec.GetSignalName()) {
		if sub.GetCatchEventInstanceKey() <= 0 {
			p.startBySignal(sub, entries)
			continue
		}
		ei := p.tx.ElementInstance(sub.GetCatchEventInstanceKey())
		if ei == nil || ei.GetState() != piActivated {
			continue
		}
		el, ok := p.resolve(ei.GetKey(), ei.GetValue())
		if !ok {
			continue
		}
		if b := boundaryOf(el, sub.GetCatchEventId()); b != nil {
			if b.Interrupting {
				p.event(sub.GetCatchEventInstanceKey(), "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
			}
			p.triggerBoundary(el, b, encodeObject(entries))
			continue
		}
		if s := eventSubProcessStart(el, sub.GetCatchEventId()); s != nil {
			if s.Interrupting {
				p.event(sub.GetCatchEventInstanceKey(), "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
			}
			p.triggerEventSubProcess(el, s, encodeObject(entries))
			continue
		}
		if el.isProcess() {
			continue
		}
		if ev := eventGatewayTarget(el, sub.GetCatchEventId()); ev != nil {
			p.event(sub.GetCatchEventInstanceKey(), "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
			p.triggerEventGateway(el, ev, encodeObject(entries))
			continue
		}
		p.event(sub.GetCatchEventInstanceKey(), "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
		if len(el.model.Outputs) > 0 {
			p.mergeLocal(el.key, el.value, entries)
		} else {
			p.mergePropagate(el.key, el.value, entries)
		}
		p.command(el.key, piCompleteElement, proto.Clone(el.value).(*recordpb.ProcessInstanceRecord))
	}
}

// startBySignal starts an instance of a process at a signal start event.
func (p *processing) startBySignal(sub *recordpb.SignalSubscriptionRecord, entries []jsonEntry) {
	st := p.tx.Process(sub.GetProcessDefinitionKey())
	model := p.model(sub.GetProcessDefinitionKey())
	if st == nil || model == nil || model.Element(sub.GetCatchEventId()) == nil {
		return
	}
	p.startInstanceAt(st.GetRecord(), entries, sub.GetCatchEventId())
}

// startInstanceAt starts an instance of a process at one of its start events, with
// variables.
func (p *processing) startInstanceAt(pr *recordpb.ProcessRecord, entries []jsonEntry, startID string) int64 {
	key := p.tx.NextKey()
	value := &recordpb.ProcessInstanceRecord{
		BpmnProcessId: pr.GetBpmnProcessId(), Version: pr.GetVersion(), ProcessDefinitionKey: pr.GetProcessDefinitionKey(),
		ProcessInstanceKey: key, ElementId: pr.GetBpmnProcessId(), FlowScopeKey: -1,
		BpmnElementType: string(bpmn.ElementProcess), BpmnEventType: "UNSPECIFIED",
		ParentProcessInstanceKey: -1, ParentElementInstanceKey: -1, TenantId: tenantOf(pr.GetTenantId()),
	}
	p.mergeLocal(key, value, entries)
	if p.startAt == nil {
		p.startAt = map[int64]string{}
	}
	p.startAt[key] = startID
	p.command(key, piActivateElement, value)
	return key
}

// activateSignalCatch starts an intermediate signal catch event: it waits for its
// signal's name, evaluated now.
func (p *processing) activateSignalCatch(el element) {
	name, err := evalString(el.model.Signal.Name, scopeVariables{p: p, scope: el.key})
	if err == nil && name == "" {
		err = fmt.Errorf("expected the name of signal '%s' to be a non-empty string, but it was empty", el.model.Signal.ID)
	}
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.openSignalSubscription(el, el.model.ID, name)
	p.lifecycle(el, piActivated)
}

// openSignalSubscription writes SIGNAL_SUBSCRIPTION CREATED for an element instance
// that waits for a signal: the element itself or a boundary event attached to it.
func (p *processing) openSignalSubscription(el element, catchEventID, name string) {
	v := el.value
	p.event(el.key, "CREATED", &recordpb.SignalSubscriptionRecord{
		ProcessDefinitionKey: v.GetProcessDefinitionKey(), BpmnProcessId: v.GetBpmnProcessId(), CatchEventId: catchEventID,
		CatchEventInstanceKey: el.key, SignalName: name, TenantId: tenantOf(v.GetTenantId()),
	})
}

// throwSignal runs a signal intermediate throw or end event: it broadcasts its signal
// with the element's local variables (its input mappings) and passes on.
func (p *processing) throwSignal(el element) {
	name, err := evalString(el.model.Signal.Name, scopeVariables{p: p, scope: el.key})
	if err == nil && name == "" {
		err = fmt.Errorf("expected the name of signal '%s' to be a non-empty string, but it was empty", el.model.Signal.ID)
	}
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	p.lifecycle(el, piActivated)
	p.command(-1, "BROADCAST", &recordpb.SignalRecord{
		SignalName: name, Variables: encodeObject(p.localVariables(el.key)), TenantId: tenantOf(el.value.GetTenantId()),
	})
	p.completeElement(el)
}

// closeSignalSubscriptions removes the signal waits of an element instance that is left.
func (p *processing) closeSignalSubscriptions(elementInstanceKey int64) {
	for _, sub := range p.tx.SignalSubscriptionsOf(elementInstanceKey) {
		p.event(elementInstanceKey, "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
	}
}

// processDeployed moves the start events' waits (signal, message, timer) to a process
// version that is now the latest, from the version it replaces. A version that arrives
// after a newer one (distributions may cross) opens nothing.
func (p *processing) processDeployed(pr *recordpb.ProcessRecord) {
	latest := p.tx.LatestProcess(pr.GetBpmnProcessId())
	if latest == nil || latest.GetRecord().GetProcessDefinitionKey() != pr.GetProcessDefinitionKey() {
		return
	}
	id := pr.GetBpmnProcessId()
	for v := pr.GetVersion() - 1; v >= 1; v-- {
		if prev := p.tx.ProcessByVersion(id, v); prev != nil {
			p.closeStartEvents(prev.GetRecord().GetProcessDefinitionKey())
			break
		}
	}
	p.openStartEvents(pr)
}

// openStartEvents opens the waits of a process version's timer, message and signal start
// events.
func (p *processing) openStartEvents(pr *recordpb.ProcessRecord) {
	model := p.model(pr.GetProcessDefinitionKey())
	if model == nil {
		return
	}
	p.openStartTimers(pr, model)
	p.openMessageStarts(pr)
	for _, el := range model.SignalStarts {
		p.event(pr.GetProcessDefinitionKey(), "CREATED", &recordpb.SignalSubscriptionRecord{
			ProcessDefinitionKey: pr.GetProcessDefinitionKey(), BpmnProcessId: pr.GetBpmnProcessId(), CatchEventId: el.ID,
			CatchEventInstanceKey: -1, SignalName: el.Signal.Name.Static, TenantId: tenantOf(pr.GetTenantId()),
		})
	}
}

// closeStartEvents closes the waits of a process version's start events.
func (p *processing) closeStartEvents(processDefinitionKey int64) {
	p.cancelStartTimers(processDefinitionKey)
	p.closeMessageStarts(processDefinitionKey)
	for _, sub := range p.tx.SignalSubscriptionsOf(processDefinitionKey) {
		if sub.GetCatchEventInstanceKey() <= 0 {
			p.event(processDefinitionKey, "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
		}
	}
}

// localVariables returns the variables of one scope as entries, by name.
func (p *processing) localVariables(scopeKey int64) []jsonEntry {
	var out []jsonEntry
	p.tx.LocalVariables(scopeKey, func(name string, v *statepb.Variable) {
		out = append(out, jsonEntry{name: name, value: v.GetValue()})
	})
	return out
}
