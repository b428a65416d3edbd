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
	events := make([]*bpmn.Element, 0, len(el.model.Outgoing))
	for _, f := range el.model.Outgoing {
		events = append(events, f.Target)
	}
	if !p.openWaits(el, events, func(ev *bpmn.Element) string {
		return fmt.Sprintf("the event '%s' of the gateway", ev.ID)
	}) {
		return
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
