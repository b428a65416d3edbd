package engine

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A boundary event is triggered on the activity it is attached to:
//
//	PROCESS_EVENT TRIGGERING   the trigger is kept, with its variables, under the key the
//	                           event's element instance will have
//	interrupting:              the activity terminates; once it is terminated,
//	PROCESS_EVENT TRIGGERED    the event's element is activated in the activity's scope
//	non-interrupting:          the activity goes on, and at once
//	PROCESS_EVENT TRIGGERED    the event's element is activated next to it
//
// The event's element takes the trigger's variables (local with output mappings, else
// propagated) and completes at once.

// openBoundaryEvents opens the waits of the boundary events attached to an activity
// being activated: timers, messages and signals (error boundary events wait for
// nothing). Every expression is evaluated before anything is written; a failing one
// raises an incident on the activity and returns false.
func (p *processing) openBoundaryEvents(el element) bool {
	if len(el.model.Boundaries) == 0 || el.isInner() {
		return true // an inner instance's boundary events belong to its body
	}
	return p.openWaits(el, el.model.Boundaries, func(b *bpmn.Element) string {
		return fmt.Sprintf("boundary event '%s'", b.ID)
	})
}

// openWaits opens, for the element instance owner, the waits of events: a timer, a
// message subscription or a signal subscription each (other events wait for nothing).
// Every timer, message name, correlation key and signal name is evaluated in the
// owner's scope before anything is written; a failing one raises an incident on the
// owner, naming the event with what, and returns false.
func (p *processing) openWaits(owner element, events []*bpmn.Element, what func(*bpmn.Element) string) bool {
	vars := scopeVariables{p: p, scope: owner.key}
	type wait struct {
		event                *bpmn.Element
		due                  int64
		repetitions          int32
		name, correlationKey string
	}
	var waits []wait
	for _, ev := range events {
		var err error
		w := wait{event: ev}
		switch {
		case ev.Timer != nil:
			w.due, w.repetitions, err = p.timerDue(ev.Timer, vars, p.now)
		case ev.Message != nil:
			w.name, w.correlationKey, err = evalMessage(ev.Message, vars)
		case ev.Signal != nil:
			w.name, err = evalString(ev.Signal.Name, vars)
			if err == nil && w.name == "" {
				err = fmt.Errorf("expected the name of signal '%s' to be a non-empty string, but it was empty", ev.Signal.ID)
			}
		default:
			continue
		}
		if err != nil {
			p.elementIncident(owner, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to open %s: %s", what(ev), err))
			return false
		}
		waits = append(waits, w)
	}
	for _, w := range waits {
		switch {
		case w.event.Timer != nil:
			p.createTimer(owner.value, owner.key, w.event.ID, w.due, w.repetitions)
		case w.event.Message != nil:
			p.openMessageSubscription(owner, w.event, w.name, w.correlationKey)
		case w.event.Signal != nil:
			p.openSignalSubscription(owner, w.event.ID, w.name)
		}
	}
	return true
}

// closeEventSubscriptions closes every wait of an element instance that is left:
// timers, message and signal subscriptions, its own and its boundary events'.
func (p *processing) closeEventSubscriptions(elementInstanceKey int64) {
	for _, k := range p.tx.TimersOf(elementInstanceKey) {
		if t := p.tx.Timer(k); t != nil {
			p.event(k, "CANCELED", t)
		}
	}
	p.closeMessageSubscriptions(elementInstanceKey)
	p.closeSignalSubscriptions(elementInstanceKey)
}

// triggerBoundary triggers boundary event b of the active activity act, with variables
// (a JSON object).
func (p *processing) triggerBoundary(act element, b *bpmn.Element, variables []byte) {
	if len(variables) == 0 {
		variables = []byte("{}")
	}
	key := p.tx.NextKey()
	v := act.value
	trigger := &recordpb.ProcessEventRecord{
		ScopeKey: act.key, TargetElementId: b.ID, Variables: variables,
		ProcessDefinitionKey: v.GetProcessDefinitionKey(), ProcessInstanceKey: v.GetProcessInstanceKey(),
		TenantId: tenantOf(v.GetTenantId()), FlowScopeKey: v.GetFlowScopeKey(),
	}
	p.event(key, "TRIGGERING", trigger)
	if b.Interrupting {
		p.terminate(act)
		return
	}
	p.activateTriggered(key, trigger, act.value, b)
}

// activateTriggered activates the element of a triggered event under the trigger's key.
func (p *processing) activateTriggered(key int64, trigger *recordpb.ProcessEventRecord, from *recordpb.ProcessInstanceRecord, b *bpmn.Element) {
	p.event(key, "TRIGGERED", proto.Clone(trigger).(*recordpb.ProcessEventRecord))
	p.command(key, piActivateElement, valueFor(from, b, trigger.GetFlowScopeKey()))
}

// activateBoundaryEvent runs a boundary event's element: it takes its trigger's
// variables and passes on.
func (p *processing) activateBoundaryEvent(el element) {
	if t := p.tx.EventTrigger(el.key); t != nil {
		entries, err := parseObject(t.GetVariables())
		if err == nil && len(entries) > 0 {
			if len(el.model.Outputs) > 0 {
				p.mergeLocal(el.key, el.value, entries)
			} else {
				p.mergePropagate(el.key, el.value, entries)
			}
		}
	}
	p.lifecycle(el, piActivated)
	p.completeElement(el)
}

// catchError finds the boundary event of an element instance that catches an error
// code: one with the same code, else one that catches every error; nil if none.
func catchError(m *bpmn.Element, code string) *bpmn.Element {
	var all *bpmn.Element
	for _, b := range m.Boundaries {
		if b.Error == nil {
			continue
		}
		if !b.Error.CatchAll && b.Error.Code == code {
			return b
		}
		if b.Error.CatchAll && all == nil {
			all = b
		}
	}
	return all
}

// mayWait reports whether an element instance can hold waits (timers, subscriptions)
// that must be closed when it completes: an event that waits, or an activity with
// boundary events.
func mayWait(m *bpmn.Element) bool {
	return m != nil && (len(m.Boundaries) > 0 || len(m.EventSubProcesses) > 0 || m.Timer != nil || m.Message != nil || m.Signal != nil)
}

// throwErrorFrom looks for what catches an error thrown in an element instance: a
// boundary event of the element, then an error event sub-process of its scope, then a
// boundary event of that scope, and so on outwards, from a called process on to its
// call activity. The first found is triggered and true is returned.
func (p *processing) throwErrorFrom(elementInstanceKey int64, code string, variables []byte) bool {
	for key := elementInstanceKey; key > 0; {
		ei := p.tx.ElementInstance(key)
		if ei == nil {
			return false
		}
		el, ok := p.resolve(ei.GetKey(), ei.GetValue())
		if !ok {
			return false
		}
		if !el.isProcess() && !el.isInner() && ei.GetState() == piActivated {
			if b := catchError(el.model, code); b != nil {
				p.triggerBoundary(el, b, variables)
				return true
			}
		}
		scopeKey := ei.GetValue().GetFlowScopeKey()
		if scopeKey <= 0 {
			// Uncaught in a called process: on to the call activity that called it.
			if parent := ei.GetValue().GetParentElementInstanceKey(); el.isProcess() && parent > 0 {
				key = parent
				continue
			}
			return false
		}
		if se := p.tx.ElementInstance(scopeKey); se != nil && se.GetState() == piActivated && !se.GetInterrupted() {
			if scope, ok := p.resolve(scopeKey, se.GetValue()); ok {
				if s := catchErrorInEventSubProcesses(scope, code); s != nil {
					return p.triggerEventSubProcess(scope, s, variables)
				}
			}
		}
		key = scopeKey
	}
	return false
}

// boundaryOf returns the boundary event with the id if it is attached to the element,
// else nil.
func boundaryOf(el element, id string) *bpmn.Element {
	if el.isProcess() || el.isInner() {
		return nil
	}
	b := el.proc.Element(id)
	if b == nil || b.Type != bpmn.ElementBoundaryEvent || b.AttachedTo != el.model {
		return nil
	}
	return b
}
