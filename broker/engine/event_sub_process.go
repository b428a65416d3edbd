package engine

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// An event sub-process waits, while its scope (the process or a sub-process) is active,
// for the event of its start event: timer, message and signal waits are owned by the
// scope's instance, errors are looked for when thrown. Triggered, an interrupting one
// terminates the scope's other children and runs once they are gone (the scope then
// completes with it); a non-interrupting one runs next to them.

// eventSubProcesses returns the event sub-processes directly inside a scope.
func eventSubProcesses(scope element) []*bpmn.Element {
	if scope.isProcess() {
		return scope.proc.EventSubProcesses
	}
	if scope.isBody() {
		return nil
	}
	return scope.model.EventSubProcesses
}

// openEventSubProcesses opens the waits of a scope's event sub-processes. Every
// expression is evaluated first; a failing one raises an incident on the scope and
// returns false.
func (p *processing) openEventSubProcesses(scope element) bool {
	var starts []*bpmn.Element
	for _, esp := range eventSubProcesses(scope) {
		if esp.Start != nil {
			starts = append(starts, esp.Start) // error and escalation starts wait for nothing
		}
	}
	if len(starts) == 0 {
		return true
	}
	return p.openWaits(scope, starts, func(s *bpmn.Element) string {
		return fmt.Sprintf("event sub-process '%s'", s.Parent.ID)
	})
}

// eventSubProcessStart returns the start event with the id if it starts an event
// sub-process directly inside the scope, else nil.
func eventSubProcessStart(scope element, id string) *bpmn.Element {
	for _, esp := range eventSubProcesses(scope) {
		if esp.Start != nil && esp.Start.ID == id {
			return esp.Start
		}
	}
	return nil
}

// triggerEventSubProcess triggers the event sub-process of start event s in scope, with
// variables (a JSON object). It reports false when the scope no longer lets an event
// sub-process trigger (an interrupting one already did).
func (p *processing) triggerEventSubProcess(scope element, s *bpmn.Element, variables []byte) bool {
	ei := p.tx.ElementInstance(scope.key)
	if ei == nil || ei.GetState() != piActivated || ei.GetInterrupted() {
		return false
	}
	if len(variables) == 0 {
		variables = []byte("{}")
	}
	key := p.tx.NextKey()
	v := scope.value
	trigger := &recordpb.ProcessEventRecord{
		ScopeKey: scope.key, TargetElementId: s.ID, Variables: variables,
		ProcessDefinitionKey: v.GetProcessDefinitionKey(), ProcessInstanceKey: v.GetProcessInstanceKey(),
		TenantId: tenantOf(v.GetTenantId()), FlowScopeKey: scope.key,
	}
	p.event(key, "TRIGGERING", trigger)
	if !s.Interrupting {
		p.activateTriggered(key, trigger, scope.value, s.Parent)
		return true
	}
	p.closeEventSubProcessWaits(scope)
	children := p.tx.Children(scope.key)
	if len(children) == 0 {
		p.activateTriggered(key, trigger, scope.value, s.Parent)
		return true
	}
	for _, c := range children {
		if child := p.tx.ElementInstance(c); child != nil && child.GetState() != piTerminating {
			p.command(c, piTerminateElement, proto.Clone(child.GetValue()).(*recordpb.ProcessInstanceRecord))
		}
	}
	return true
}

// closeEventSubProcessWaits closes the waits of a scope's event sub-processes (not
// those of its own boundary events), once an interrupting one triggered.
func (p *processing) closeEventSubProcessWaits(scope element) {
	isStart := func(id string) bool { return eventSubProcessStart(scope, id) != nil }
	for _, k := range p.tx.TimersOf(scope.key) {
		if t := p.tx.Timer(k); t != nil && isStart(t.GetTargetElementId()) {
			p.event(k, "CANCELED", t)
		}
	}
	for _, s := range p.tx.ProcessMessageSubscriptions(scope.key) {
		if isStart(s.GetRecord().GetElementId()) && (s.GetState() == "CREATING" || s.GetState() == "CREATED") {
			p.event(s.GetKey(), "DELETING", proto.Clone(s.GetRecord()).(*recordpb.ProcessMessageSubscriptionRecord))
			p.out.Distribute = true
		}
	}
	for _, sub := range p.tx.SignalSubscriptionsOf(scope.key) {
		if isStart(sub.GetCatchEventId()) {
			p.event(scope.key, "DELETED", proto.Clone(sub).(*recordpb.SignalSubscriptionRecord))
		}
	}
}

// activateEventSubProcess runs an event sub-process's element: the trigger's variables
// go to its start event, which starts it.
func (p *processing) activateEventSubProcess(el element) {
	var vars []byte
	if t := p.tx.EventTrigger(el.key); t != nil {
		vars = t.GetVariables()
	}
	p.lifecycle(el, piActivated)
	start := p.tx.NextKey()
	if len(vars) > 2 {
		if p.startVars == nil {
			p.startVars = map[int64][]byte{}
		}
		p.startVars[start] = vars
	}
	p.command(start, piActivateElement, valueFor(el.value, el.model.Start, el.key))
}

// takeStartVariables gives a start event the variables of the event that started its
// scope: local with output mappings, else propagated.
func (p *processing) takeStartVariables(el element) {
	vars, ok := p.startVars[el.key]
	if !ok {
		return
	}
	delete(p.startVars, el.key)
	entries, err := parseObject(vars)
	if err != nil || len(entries) == 0 {
		return
	}
	if len(el.model.Outputs) > 0 {
		p.mergeLocal(el.key, el.value, entries)
	} else {
		p.mergePropagate(el.key, el.value, entries)
	}
}

// catchErrorInEventSubProcesses finds the error start event of an event sub-process of
// scope that catches code: one with the same code, else one that catches every error.
func catchErrorInEventSubProcesses(scope element, code string) *bpmn.Element {
	var all *bpmn.Element
	for _, esp := range eventSubProcesses(scope) {
		s := esp.Start
		if s == nil || s.Error == nil {
			continue
		}
		if !s.Error.CatchAll && s.Error.Code == code {
			return s
		}
		if s.Error.CatchAll && all == nil {
			all = s
		}
	}
	return all
}
