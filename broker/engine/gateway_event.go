package engine

import (
	"fmt"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// An event-based gateway waits for the events that follow it (message, timer, signal
// catch events), owning their waits. The first to come wins: the others are closed, the
// gateway completes, and only the winner's element runs, with the event's variables.

// activateEventGateway opens the waits of the events that follow the gateway.
func (p *processing) activateEventGateway(el element) {
	vars := scopeVariables{p: p, scope: el.key}
	type wait struct {
		event                *bpmn.Element
		due                  int64
		repetitions          int32
		name, correlationKey string
	}
	var waits []wait
	for _, f := range el.model.Outgoing {
		ev := f.Target
		w := wait{event: ev}
		var err error
		switch {
		case ev.Timer != nil:
			w.due, w.repetitions, err = p.timerDue(ev.Timer, vars, p.now)
		case ev.Message != nil:
			w.name, w.correlationKey, err = evalMessage(ev.Message, vars)
		case ev.Signal != nil:
			w.name, err = evalString(ev.Signal.Name, vars)
		default:
			continue
		}
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to open the event '%s' of the gateway: %s", ev.ID, err))
			return
		}
		waits = append(waits, w)
	}
	for _, w := range waits {
		switch {
		case w.event.Timer != nil:
			p.createTimer(el.value, el.key, w.event.ID, w.due, w.repetitions)
		case w.event.Message != nil:
			p.openMessageSubscription(el, w.event, w.name, w.correlationKey)
		case w.event.Signal != nil:
			p.openSignalSubscription(el, w.event.ID, w.name)
		}
	}
	p.lifecycle(el, piActivated)
}

// eventGatewayTarget returns the event with the id if it follows the event-based gateway
// instance, else nil.
func eventGatewayTarget(el element, id string) *bpmn.Element {
	if el.isProcess() || el.model.Type != bpmn.ElementEventBasedGateway {
		return nil
	}
	for _, f := range el.model.Outgoing {
		if f.Target != nil && f.Target.ID == id {
			return f.Target
		}
	}
	return nil
}

// triggerEventGateway lets event ev win at the gateway: the other waits close, the
// gateway completes, and a token goes to ev, whose element runs with the variables.
func (p *processing) triggerEventGateway(gw element, ev *bpmn.Element, variables []byte) {
	if len(variables) == 0 {
		variables = []byte("{}")
	}
	key := p.tx.NextKey()
	v := gw.value
	p.event(key, "TRIGGERING", &recordpb.ProcessEventRecord{
		ScopeKey: gw.key, TargetElementId: ev.ID, Variables: variables,
		ProcessDefinitionKey: v.GetProcessDefinitionKey(), ProcessInstanceKey: v.GetProcessInstanceKey(),
		TenantId: tenantOf(v.GetTenantId()), FlowScopeKey: v.GetFlowScopeKey(),
	})
	p.closeEventSubscriptions(gw.key)
	p.lifecycle(gw, piCompleting)
	p.lifecycle(gw, piCompleted)
	for _, f := range gw.model.Outgoing {
		if f.Target == ev {
			p.takeFlowAs(gw, f, key)
			return
		}
	}
}
