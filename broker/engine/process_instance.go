package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// PROCESS_INSTANCE intents, as Zeebe names them.
const (
	piActivateElement  = "ACTIVATE_ELEMENT"
	piCompleteElement  = "COMPLETE_ELEMENT"
	piTerminateElement = "TERMINATE_ELEMENT"
	piActivating       = "ELEMENT_ACTIVATING"
	piActivated        = "ELEMENT_ACTIVATED"
	piCompleting       = "ELEMENT_COMPLETING"
	piCompleted        = "ELEMENT_COMPLETED"
	piTerminating      = "ELEMENT_TERMINATING"
	piTerminated       = "ELEMENT_TERMINATED"
	piFlowTaken        = "SEQUENCE_FLOW_TAKEN"
)

// element is an element instance being processed with its model.
type element struct {
	key   int64
	value *recordpb.ProcessInstanceRecord
	model *bpmn.Element // nil for the process itself
	proc  *bpmn.Process
}

func (el element) isProcess() bool { return el.model == nil }

// valueFor builds the PROCESS_INSTANCE value of an element of the same instance.
func valueFor(pi *recordpb.ProcessInstanceRecord, m *bpmn.Element, flowScope int64) *recordpb.ProcessInstanceRecord {
	v := proto.Clone(pi).(*recordpb.ProcessInstanceRecord)
	v.ElementId = m.ID
	v.BpmnElementType = string(m.Type)
	if m.Loop != nil {
		v.BpmnElementType = miBody
	}
	v.BpmnEventType = eventType(m)
	v.FlowScopeKey = flowScope
	return v
}

func eventType(m *bpmn.Element) string {
	if m.EventType == "" {
		return "UNSPECIFIED"
	}
	return string(m.EventType)
}

// lifecycle writes a lifecycle event of an element with a fresh copy of its value.
func (p *processing) lifecycle(el element, intent string) *recordpb.Record {
	return p.event(el.key, intent, proto.Clone(el.value).(*recordpb.ProcessInstanceRecord))
}

// resolve finds the model of an element instance's value.
func (p *processing) resolve(key int64, v *recordpb.ProcessInstanceRecord) (element, bool) {
	proc := p.model(v.GetProcessDefinitionKey())
	if proc == nil {
		return element{}, false
	}
	el := element{key: key, value: v, proc: proc}
	if v.GetBpmnElementType() == string(bpmn.ElementProcess) {
		return el, true
	}
	el.model = proc.Element(v.GetElementId())
	return el, el.model != nil
}

// activateElementCommand processes ACTIVATE_ELEMENT: a new element instance starts,
// or one whose activation stopped at an incident continues.
func (p *processing) activateElementCommand() {
	el, ok := p.resolve(p.cmd.GetKey(), p.cmd.GetProcessInstance())
	if !ok {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to activate element '%s', but its process definition was not found", p.cmd.GetProcessInstance().GetElementId())
		return
	}
	if ei := p.tx.ElementInstance(el.key); ei != nil {
		if ei.GetState() != piActivating {
			return // already past activation: a stale command
		}
	} else {
		if scope := el.value.GetFlowScopeKey(); scope > 0 {
			s := p.tx.ElementInstance(scope)
			if s == nil || s.GetState() != piActivated {
				return // the scope ended meanwhile
			}
			if len(el.model.Incoming) > 0 && s.GetActiveFlows() == 0 && s.GetValue().GetBpmnElementType() != miBody {
				return // a token that a terminate end event ended on its way
			}
			if isInclusiveJoin(el.model) && !p.inclusiveReady(scope, el.model, el.proc) {
				return // another activation took the tokens first
			}
		}
		p.lifecycle(el, piActivating)
	}
	p.onActivate(el)
}

// onActivate runs an element's activation behaviour after ELEMENT_ACTIVATING.
func (p *processing) onActivate(el element) {
	if el.isProcess() {
		if !p.openEventSubProcesses(el) {
			return
		}
		p.lifecycle(el, piActivated)
		if ids, ok := p.startWith[el.key]; ok {
			delete(p.startWith, el.key)
			for _, id := range ids {
				p.activateAt(el, el.proc.Element(id))
			}
			return
		}
		start := el.proc.NoneStart
		if id, ok := p.startAt[el.key]; ok {
			start = el.proc.Element(id)
			delete(p.startAt, el.key)
		}
		if start == nil {
			return // nothing starts it: creation refuses such a process
		}
		p.command(p.tx.NextKey(), piActivateElement, valueFor(el.value, start, el.key))
		return
	}
	if el.isBody() {
		p.activateBody(el)
		return
	}
	if !p.applyInputs(el) {
		return
	}
	switch el.model.Type {
	case bpmn.ElementBusinessRuleTask:
		if el.model.Decision != nil {
			p.runDecision(el)
			return
		}
		p.activateServiceTask(el)
	case bpmn.ElementServiceTask, bpmn.ElementSendTask:
		p.activateServiceTask(el)
	case bpmn.ElementScriptTask:
		if el.model.Script != nil {
			p.runScript(el)
			return
		}
		p.activateServiceTask(el)
	case bpmn.ElementUserTask:
		p.activateUserTask(el)
	case bpmn.ElementCallActivity:
		p.activateCallActivity(el)
	case bpmn.ElementSubProcess:
		if !p.openBoundaryEvents(el) || !p.openEventSubProcesses(el) {
			return
		}
		p.lifecycle(el, piActivated)
		p.command(p.tx.NextKey(), piActivateElement, valueFor(el.value, el.model.Start, el.key))
	case bpmn.ElementTask, bpmn.ElementManualTask:
		if !p.openBoundaryEvents(el) {
			return
		}
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	case bpmn.ElementExclusiveGateway:
		p.activateExclusiveGateway(el)
	case bpmn.ElementInclusiveGateway:
		p.activateInclusiveGateway(el)
	case bpmn.ElementEventBasedGateway:
		p.activateEventGateway(el)
	case bpmn.ElementIntermediateCatchEvent, bpmn.ElementReceiveTask:
		if p.tx.EventTrigger(el.key) != nil {
			p.activateBoundaryEvent(el) // it won at an event-based gateway: it has its event
			return
		}
		if el.model.Message != nil {
			p.activateMessageCatch(el)
			return
		}
		if el.model.Signal != nil {
			p.activateSignalCatch(el)
			return
		}
		if el.model.Timer != nil {
			p.activateTimerCatch(el)
			return
		}
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	case bpmn.ElementParallelGateway:
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	case bpmn.ElementBoundaryEvent:
		p.activateBoundaryEvent(el)
	case bpmn.ElementEventSubProcess:
		p.activateEventSubProcess(el)
	case bpmn.ElementIntermediateThrowEvent, bpmn.ElementEndEvent:
		if el.model.Signal != nil {
			p.throwSignal(el)
			return
		}
		if el.model.EventType == bpmn.EventMessage {
			p.activateServiceTask(el) // a message throw event is a job, as in Zeebe
			return
		}
		if isCompensationThrow(el.model) {
			p.throwCompensation(el)
			return
		}
		if el.model.Error != nil || el.model.Escalation != nil || el.model.LinkTarget != nil {
			p.throwEvent(el)
			return
		}
		if el.model.EventType == bpmn.EventTerminate {
			p.lifecycle(el, piActivated)
			p.terminateSiblings(el)
			p.completeElement(el)
			return
		}
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	default: // start and end events, and every element that only passes the token on
		if el.model.Type == bpmn.ElementStartEvent {
			p.takeStartVariables(el)
		}
		p.lifecycle(el, piActivated)
		p.completeElement(el)
	}
}

// completeElementCommand processes COMPLETE_ELEMENT.
func (p *processing) completeElementCommand() {
	ei := p.tx.ElementInstance(p.cmd.GetKey())
	if ei == nil || (ei.GetState() != piActivated && ei.GetState() != piCompleting) {
		return
	}
	el, ok := p.resolve(ei.GetKey(), ei.GetValue())
	if !ok {
		return
	}
	p.completeElement(el)
}

// completeElement completes an activated element (or continues one whose completion
// stopped at an incident) and takes its outgoing flows.
func (p *processing) completeElement(el element) {
	ei := p.tx.ElementInstance(el.key)
	if ei.GetState() != piCompleting {
		p.lifecycle(el, piCompleting)
	}
	if !el.isProcess() && !el.isBody() && !p.applyOutputs(el) {
		return
	}
	var counter int
	var done bool
	if el.isInner() {
		var ok bool
		if counter, done, ok = p.innerCompleting(el); !ok {
			return
		}
	}
	if el.isBody() {
		p.bodyCompleting(el)
	}
	if !el.isProcess() {
		p.compensable(el)
	} else {
		p.forgetCompensations(el.key)
	}
	if mayWait(el.model) || (el.isProcess() && len(el.proc.EventSubProcesses) > 0) {
		p.closeEventSubscriptions(el.key)
	}
	var started *recordpb.MessageStartEventSubscriptionRecord
	if el.isProcess() {
		p.respondResult(el)
		if el.value.GetParentElementInstanceKey() > 0 {
			p.childCompleted(el)
		}
		started = p.tx.StartingMessage(el.key)
	}
	p.lifecycle(el, piCompleted)
	if el.isProcess() {
		p.messageStartedInstanceEnded(started)
		p.maybeRemoveProcess(el.value.GetProcessDefinitionKey())
		return
	}
	if el.isInner() {
		p.innerCompleted(el, counter, done)
		return
	}
	if el.model.ForCompensation {
		p.compensationHandlerDone(el)
	}
	p.leave(el, el.model.Outgoing)
}

// leave takes the given flows out of a completed element; with none, the token ends
// and the flow scope may complete.
func (p *processing) leave(el element, flows []*bpmn.SequenceFlow) {
	if len(flows) == 0 {
		p.recheckInclusiveJoins(el.value.GetFlowScopeKey(), el)
		p.maybeCompleteScope(el.value.GetFlowScopeKey())
		return
	}
	for _, f := range flows {
		p.takeFlow(el, f)
	}
	p.recheckInclusiveJoins(el.value.GetFlowScopeKey(), el)
}

// takeFlow writes SEQUENCE_FLOW_TAKEN and the activation of its target; a parallel
// gateway that joins is activated once every incoming flow has a token.
func (p *processing) takeFlow(el element, f *bpmn.SequenceFlow) {
	p.takeFlowAs(el, f, 0)
}

// takeFlowAs is takeFlow with the key the target's element instance gets (0 for a new
// one): an event that won at an event-based gateway takes its trigger's key.
func (p *processing) takeFlowAs(el element, f *bpmn.SequenceFlow, key int64) {
	scope := el.value.GetFlowScopeKey()
	v := proto.Clone(el.value).(*recordpb.ProcessInstanceRecord)
	v.ElementId = f.ID
	v.BpmnElementType = string(bpmn.ElementSequenceFlow)
	v.BpmnEventType = "UNSPECIFIED"
	p.event(p.tx.NextKey(), piFlowTaken, v)

	target := f.Target
	if isInclusiveJoin(target) {
		if !p.inclusiveReady(scope, target, el.proc) {
			return // wait for the tokens that can still come
		}
	} else if isJoin(target) {
		for _, in := range target.Incoming {
			if p.tx.JoinCount(scope, in.ID) == 0 {
				return // wait for the other tokens
			}
		}
	}
	if key == 0 {
		key = p.tx.NextKey()
	}
	p.command(key, piActivateElement, valueFor(el.value, target, scope))
}

// isJoin reports whether tokens arriving at an element must wait for each other.
func isJoin(m *bpmn.Element) bool {
	return (m.Type == bpmn.ElementParallelGateway || m.Type == bpmn.ElementInclusiveGateway) && len(m.Incoming) > 1
}

// maybeCompleteScope completes a flow scope that has no active element and no token
// on its way, or ends the termination of a terminating scope with no children left.
func (p *processing) maybeCompleteScope(scopeKey int64) {
	s := p.tx.ElementInstance(scopeKey)
	if s == nil {
		return
	}
	switch s.GetState() {
	case piActivated:
		if s.GetActiveChildren() == 0 && s.GetActiveFlows() == 0 {
			if t := s.GetEventSubProcessTrigger(); t > 0 {
				// An interrupting event sub-process waited for the other children to end.
				if scope, ok := p.resolve(scopeKey, s.GetValue()); ok {
					if trigger := p.tx.EventTrigger(t); trigger != nil {
						if start := eventSubProcessStart(scope, trigger.GetTargetElementId()); start != nil {
							p.activateTriggered(t, trigger, s.GetValue(), start.Parent)
							return
						}
					}
				}
			}
			p.command(scopeKey, piCompleteElement, proto.Clone(s.GetValue()).(*recordpb.ProcessInstanceRecord))
		}
	case piTerminating:
		if s.GetActiveChildren() == 0 {
			if el, ok := p.resolve(scopeKey, s.GetValue()); ok {
				p.finishTermination(el)
			}
		}
	}
}

// respondResult answers a CreateProcessInstanceWithResult waiting for this instance.
func (p *processing) respondResult(el element) {
	key := el.value.GetProcessInstanceKey()
	a := p.tx.Await(key)
	if a == nil {
		return
	}
	p.tx.DeleteAwait(key)
	r := p.newRecord(recordpb.RecordType_EVENT, key, "COMPLETED")
	setValue(r, &recordpb.ProcessInstanceResultRecord{
		BpmnProcessId: el.value.GetBpmnProcessId(), Version: el.value.GetVersion(),
		ProcessDefinitionKey: el.value.GetProcessDefinitionKey(), ProcessInstanceKey: key,
		Variables: p.collectVariables(key, a.GetFetchVariables()), TenantId: el.value.GetTenantId(),
	})
	r.PartitionId = p.e.partitionID
	p.out.Responses = append(p.out.Responses, Response{RequestID: a.GetRequestId(), Record: r})
}

// cancelInstance processes PROCESS_INSTANCE CANCEL.
func (p *processing) cancelInstance() {
	key := p.cmd.GetKey()
	ei := p.tx.ElementInstance(key)
	if ei == nil || ei.GetValue().GetBpmnElementType() != string(bpmn.ElementProcess) || ei.GetValue().GetFlowScopeKey() > 0 {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to cancel a process instance with key '%d', but no such process was found", key)
		return
	}
	if ei.GetState() == piTerminating {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to cancel a process instance with key '%d', but it is already being terminated", key)
		return
	}
	if parent := ei.GetValue().GetParentProcessInstanceKey(); parent > 0 {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to cancel a process instance with key '%d', but it is created by a parent process instance. Cancel the root process instance '%d' instead.", key, parent)
		return
	}
	el, ok := p.resolve(key, ei.GetValue())
	if !ok {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to cancel a process instance with key '%d', but its process definition was not found", key)
		return
	}
	ev := p.terminate(el)
	p.respond(ev)
}

// terminateElementCommand processes TERMINATE_ELEMENT.
func (p *processing) terminateElementCommand() {
	ei := p.tx.ElementInstance(p.cmd.GetKey())
	if ei == nil || ei.GetState() == piTerminating {
		return
	}
	if el, ok := p.resolve(ei.GetKey(), ei.GetValue()); ok {
		p.terminate(el)
	}
}

// terminate starts the termination of an element instance: its job is canceled, its
// incidents resolved, its children terminated; it is terminated when none is left.
func (p *processing) terminate(el element) *recordpb.Record {
	ev := p.lifecycle(el, piTerminating)
	ei := p.tx.ElementInstance(el.key)
	p.resolveIncidentsOf(ei)
	p.closeEventSubscriptions(el.key)
	if jk := ei.GetJobKey(); jk > 0 {
		if job := p.tx.Job(jk); job != nil {
			p.event(jk, "CANCELED", proto.Clone(job.GetRecord()).(*recordpb.JobRecord))
		}
	}
	children := p.tx.Children(el.key)
	childInstance := !el.isProcess() && el.model.Type == bpmn.ElementCallActivity && p.terminateChild(el.key)
	if len(children) == 0 && !childInstance {
		p.finishTermination(el)
		return ev
	}
	for _, c := range children {
		if child := p.tx.ElementInstance(c); child != nil && child.GetState() != piTerminating {
			p.command(c, piTerminateElement, proto.Clone(child.GetValue()).(*recordpb.ProcessInstanceRecord))
		}
	}
	return ev
}

// finishTermination writes ELEMENT_TERMINATED and lets a terminating scope finish, or,
// for an activity that an interrupting boundary event terminated, activates the event.
func (p *processing) finishTermination(el element) {
	if el.isProcess() {
		p.tx.DeleteAwait(el.value.GetProcessInstanceKey())
	}
	interruptedBy := p.tx.ElementInstance(el.key).GetInterruptedBy()
	if el.isProcess() {
		p.forgetCompensations(el.key)
	}
	var started *recordpb.MessageStartEventSubscriptionRecord
	if el.isProcess() {
		started = p.tx.StartingMessage(el.key)
	}
	scope := el.value.GetFlowScopeKey()
	var trigger *recordpb.ProcessEventRecord
	if interruptedBy > 0 {
		if s := p.tx.ElementInstance(scope); s != nil && s.GetState() == piActivated {
			trigger = p.tx.EventTrigger(interruptedBy)
		}
	}
	p.lifecycle(el, piTerminated)
	if started != nil {
		p.messageStartedInstanceEnded(started)
	}
	if el.isProcess() {
		p.maybeRemoveProcess(el.value.GetProcessDefinitionKey())
	}
	if el.isProcess() && el.value.GetParentElementInstanceKey() > 0 {
		p.childTerminated(el)
		return
	}
	if trigger != nil {
		if b := el.proc.Element(trigger.GetTargetElementId()); b != nil {
			p.activateTriggered(interruptedBy, trigger, el.value, b)
			return
		}
	}
	if scope > 0 {
		p.recheckInclusiveJoins(scope, el)
		p.maybeCompleteScope(scope)
	}
}

// resolveIncidentsOf resolves the open incident of an element instance, if any.
func (p *processing) resolveIncidentsOf(ei *statepb.ElementInstance) {
	if ik := ei.GetIncidentKey(); ik > 0 {
		if inc := p.tx.Incident(ik); inc != nil {
			p.event(ik, "RESOLVED", proto.Clone(inc.GetRecord()).(*recordpb.IncidentRecord))
		}
	}
	if jk := ei.GetJobKey(); jk > 0 {
		if job := p.tx.Job(jk); job != nil && job.GetIncidentKey() > 0 {
			if inc := p.tx.Incident(job.GetIncidentKey()); inc != nil {
				p.event(job.GetIncidentKey(), "RESOLVED", proto.Clone(inc.GetRecord()).(*recordpb.IncidentRecord))
			}
		}
	}
}

// terminateSiblings runs a terminate end event: every other element instance of its
// flow scope is terminated, and the tokens on their way in it end; the scope completes
// once the terminated ones are gone.
func (p *processing) terminateSiblings(el element) {
	for _, c := range p.tx.Children(el.value.GetFlowScopeKey()) {
		if c == el.key {
			continue
		}
		if child := p.tx.ElementInstance(c); child != nil && child.GetState() != piTerminating {
			p.command(c, piTerminateElement, proto.Clone(child.GetValue()).(*recordpb.ProcessInstanceRecord))
		}
	}
}
