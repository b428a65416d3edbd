package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// apply folds an event into state. Appliers are the only code that changes state
// (besides the request metadata of CreateProcessInstanceWithResult), and they read
// nothing but the event and state, so replaying the events rebuilds the state.
func (p *processing) apply(r *recordpb.Record) {
	tx := p.tx
	switch v := r.GetValue().(type) {
	case *recordpb.Record_Process:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutProcess(&statepb.Process{Record: v.Process})
		case "DELETING":
			tx.MarkProcessDeleted(r.GetKey())
		case "DELETED":
			tx.DeleteProcess(r.GetKey())
			delete(p.e.processes, r.GetKey())
		}
	case *recordpb.Record_ProcessInstance:
		p.applyProcessInstance(r.GetKey(), r.GetIntent(), v.ProcessInstance)
	case *recordpb.Record_Job:
		p.applyJob(r.GetKey(), r.GetIntent(), v.Job)
	case *recordpb.Record_JobBatch:
		for i, key := range v.JobBatch.GetJobKeys() {
			prev := tx.Job(key)
			if prev == nil {
				continue
			}
			next := proto.Clone(prev).(*statepb.Job)
			next.State = state.JobActivated
			j := v.JobBatch.GetJobs()[i]
			next.Record.Worker = j.GetWorker()
			next.Record.Deadline = j.GetDeadline()
			next.Record.Timeout = j.GetTimeout()
			tx.PutJob(key, prev, next)
		}
	case *recordpb.Record_Incident:
		p.applyIncident(r.GetKey(), r.GetIntent(), v.Incident)
	case *recordpb.Record_CommandDistribution:
		switch r.GetIntent() {
		case "DISTRIBUTING":
			tx.PutPendingDistribution(r.GetKey(), v.CommandDistribution.GetPartitionId(), v.CommandDistribution)
		case "ACKNOWLEDGED":
			tx.DeletePendingDistribution(r.GetKey(), v.CommandDistribution.GetPartitionId())
		}
	case *recordpb.Record_Message:
		switch r.GetIntent() {
		case "PUBLISHED":
			tx.PutMessage(r.GetKey(), v.Message)
		case "EXPIRED":
			if m := tx.Message(r.GetKey()); m != nil {
				tx.DeleteMessage(r.GetKey(), m)
			}
		}
	case *recordpb.Record_ProcessMessageSubscription:
		p.applyProcessMessageSubscription(r.GetKey(), r.GetIntent(), v.ProcessMessageSubscription)
	case *recordpb.Record_MessageSubscription:
		p.applyMessageSubscription(r.GetKey(), r.GetIntent(), v.MessageSubscription)
	case *recordpb.Record_DecisionRequirements:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutDecisionRequirements(v.DecisionRequirements)
		case "DELETED":
			tx.DeleteDecisionRequirements(v.DecisionRequirements)
			delete(p.e.decisions, r.GetKey())
		}
	case *recordpb.Record_Decision:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutDecision(v.Decision)
		case "DELETED":
			tx.DeleteDecision(v.Decision)
		}
	case *recordpb.Record_MessageStartEventSubscription:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutMessageStartSubscription(v.MessageStartEventSubscription)
		case "DELETED":
			tx.DeleteMessageStartSubscription(v.MessageStartEventSubscription)
		case "CORRELATED":
			tx.PutMessageStartedInstance(v.MessageStartEventSubscription)
			tx.PutMessageCorrelation(v.MessageStartEventSubscription.GetMessageKey(), v.MessageStartEventSubscription.GetBpmnProcessId())
		}
	case *recordpb.Record_CompensationSubscription:
		c := v.CompensationSubscription
		switch r.GetIntent() {
		case "CREATED", "TRIGGERED":
			tx.PutCompensation(r.GetKey(), c)
		case "COMPLETED", "DELETED":
			tx.DeleteCompensation(c.GetProcessInstanceKey(), r.GetKey())
		}
	case *recordpb.Record_Timer:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutTimer(r.GetKey(), v.Timer)
		case "TRIGGERED", "CANCELED":
			tx.DeleteTimer(r.GetKey())
		}
	case *recordpb.Record_ProcessEvent:
		p.applyProcessEvent(r.GetKey(), r.GetIntent(), v.ProcessEvent)
	case *recordpb.Record_SignalSubscription:
		switch r.GetIntent() {
		case "CREATED":
			tx.PutSignalSubscription(v.SignalSubscription)
		case "DELETED":
			tx.DeleteSignalSubscription(v.SignalSubscription)
		}
	case *recordpb.Record_Variable:
		tx.PutVariable(v.Variable.GetScopeKey(), v.Variable.GetName(), &statepb.Variable{Key: r.GetKey(), Value: v.Variable.GetValue()})
	}
}

func (p *processing) applyProcessInstance(key int64, intent string, v *recordpb.ProcessInstanceRecord) {
	tx := p.tx
	scopeKey := v.GetFlowScopeKey()
	switch intent {
	case piActivating:
		tx.PutElementInstance(&statepb.ElementInstance{Key: key, State: intent, Value: v})
		if v.GetBpmnElementType() == string(bpmn.ElementProcess) {
			tx.AddRunningInstances(v.GetProcessDefinitionKey(), 1)
		}
		if parent := v.GetParentElementInstanceKey(); parent > 0 && scopeKey <= 0 {
			if ca := tx.ElementInstance(parent); ca != nil {
				ca.ChildInstanceKey = key
				tx.PutElementInstance(ca)
			}
		}
		scope := tx.ElementInstance(scopeKey)
		if scope == nil {
			return
		}
		scope.ActiveChildren++
		if m := p.modelOf(v); m != nil {
			if isJoin(m) {
				for _, in := range m.Incoming {
					if n := tx.JoinCount(scopeKey, in.ID); n > 0 {
						tx.SetJoinCount(scopeKey, in.ID, n-1)
						scope.ActiveFlows--
					}
				}
			} else if (len(m.Incoming) > 0 || m.Type == bpmn.ElementBoundaryEvent || m.Type == bpmn.ElementEventSubProcess ||
				(m.Type == bpmn.ElementIntermediateCatchEvent && m.EventType == bpmn.EventLink)) && scope.ActiveFlows > 0 {
				scope.ActiveFlows--
			}
			if scope.ActiveFlows < 0 {
				scope.ActiveFlows = 0
			}
		}
		tx.PutElementInstance(scope)
	case piActivated, piCompleting, piTerminating:
		if ei := tx.ElementInstance(key); ei != nil {
			ei.State = intent
			tx.PutElementInstance(ei)
		}
		if intent == piActivated {
			tx.DeleteEventTrigger(key) // a triggered event's element took its variables
		}
	case piCompleted, piTerminated:
		ei := tx.ElementInstance(key)
		if ei == nil {
			return
		}
		if m := p.modelOf(v); intent == piCompleted && m != nil && m.EventType == bpmn.EventTerminate {
			// A terminate end event ends the tokens on their way in its scope.
			if scope := tx.ElementInstance(scopeKey); scope != nil {
				scope.ActiveFlows = 0
				tx.PutElementInstance(scope)
				tx.DeleteJoinCounts(scopeKey)
			}
		}
		tx.DeleteElementInstance(ei)
		if v.GetBpmnElementType() == string(bpmn.ElementProcess) && scopeKey <= 0 {
			tx.DeleteMessageStartedInstance(key)
			tx.AddRunningInstances(v.GetProcessDefinitionKey(), -1)
		}
		scope := tx.ElementInstance(scopeKey)
		if t := ei.GetInterruptedBy(); t > 0 && (scope == nil || scope.GetState() != piActivated) {
			tx.DeleteEventTrigger(t) // the scope ends too: the event's element never runs
		}
		if scope != nil {
			scope.ActiveChildren--
			if scope.GetValue().GetBpmnElementType() == miBody {
				if intent == piCompleted {
					scope.MiCompleted++
				} else {
					scope.MiTerminated++
				}
			}
			tx.PutElementInstance(scope)
		}
	case piFlowTaken:
		scope := tx.ElementInstance(scopeKey)
		if scope == nil {
			return
		}
		scope.ActiveFlows++
		tx.PutElementInstance(scope)
		if f := p.flowOf(v); f != nil && isJoin(f.Target) {
			tx.SetJoinCount(scopeKey, f.ID, tx.JoinCount(scopeKey, f.ID)+1)
		}
	}
}

func (p *processing) modelOf(v *recordpb.ProcessInstanceRecord) *bpmn.Element {
	proc := p.model(v.GetProcessDefinitionKey())
	if proc == nil {
		return nil
	}
	return proc.Element(v.GetElementId())
}

func (p *processing) flowOf(v *recordpb.ProcessInstanceRecord) *bpmn.SequenceFlow {
	proc := p.model(v.GetProcessDefinitionKey())
	if proc == nil {
		return nil
	}
	return proc.Flow(v.GetElementId())
}

func (p *processing) applyJob(key int64, intent string, v *recordpb.JobRecord) {
	tx := p.tx
	prev := tx.Job(key)
	switch intent {
	case "CREATED":
		tx.PutJob(key, nil, &statepb.Job{State: state.JobActivatable, Record: v})
		if ei := tx.ElementInstance(v.GetElementInstanceKey()); ei != nil {
			ei.JobKey = key
			tx.PutElementInstance(ei)
		}
		return
	case "COMPLETED", "CANCELED":
		if prev != nil {
			tx.DeleteJob(key, prev)
		}
		if ei := tx.ElementInstance(v.GetElementInstanceKey()); ei != nil && ei.GetJobKey() == key {
			ei.JobKey = 0
			tx.PutElementInstance(ei)
		}
		return
	}
	if prev == nil {
		return
	}
	next := proto.Clone(prev).(*statepb.Job)
	r := next.Record
	switch intent {
	case "FAILED":
		r.Retries, r.ErrorMessage, r.RetryBackoff, r.RecurringTime = v.GetRetries(), v.GetErrorMessage(), v.GetRetryBackoff(), v.GetRecurringTime()
		r.Deadline, r.Worker = -1, ""
		next.State = state.JobFailed
		if r.Retries > 0 && r.RecurringTime < 0 {
			next.State = state.JobActivatable
		}
	case "TIMED_OUT", "RECURRED_AFTER_BACKOFF", "YIELDED":
		r.Deadline, r.Worker, r.RecurringTime = -1, "", -1
		next.State = state.JobActivatable
	case "RETRIES_UPDATED":
		r.Retries = v.GetRetries()
	case "ERROR_THROWN":
		r.ErrorCode, r.ErrorMessage = v.GetErrorCode(), v.GetErrorMessage()
		r.Deadline, r.Worker = -1, ""
		next.State = state.JobErrorThrown
	default:
		return
	}
	tx.PutJob(key, prev, next)
}

func (p *processing) applyIncident(key int64, intent string, v *recordpb.IncidentRecord) {
	tx := p.tx
	switch intent {
	case "CREATED":
		tx.PutIncident(key, &statepb.Incident{Record: v})
		if jk := v.GetJobKey(); jk > 0 {
			if prev := tx.Job(jk); prev != nil {
				next := proto.Clone(prev).(*statepb.Job)
				next.IncidentKey = key
				tx.PutJob(jk, prev, next)
			}
			return
		}
		if ei := tx.ElementInstance(v.GetElementInstanceKey()); ei != nil {
			ei.IncidentKey = key
			tx.PutElementInstance(ei)
		}
	case "RESOLVED":
		tx.DeleteIncident(key)
		if jk := v.GetJobKey(); jk > 0 {
			if prev := tx.Job(jk); prev != nil {
				next := proto.Clone(prev).(*statepb.Job)
				next.IncidentKey = 0
				if (next.State == state.JobFailed || next.State == state.JobErrorThrown) && next.Record.GetRetries() > 0 {
					next.State = state.JobActivatable
					next.Record.RecurringTime = -1
				}
				tx.PutJob(jk, prev, next)
			}
			return
		}
		if ei := tx.ElementInstance(v.GetElementInstanceKey()); ei != nil && ei.GetIncidentKey() == key {
			ei.IncidentKey = 0
			tx.PutElementInstance(ei)
		}
	}
}

// applyProcessEvent keeps a triggered event until its element runs. An interrupting
// boundary event marks its activity, which activates the event's element once it is
// terminated; the activation counts as a token on its way in the scope.
func (p *processing) applyProcessEvent(key int64, intent string, v *recordpb.ProcessEventRecord) {
	tx := p.tx
	switch intent {
	case "TRIGGERING":
		tx.PutEventTrigger(key, v)
		proc := p.model(v.GetProcessDefinitionKey())
		if proc == nil {
			return
		}
		b := proc.Element(v.GetTargetElementId())
		if b == nil || !b.Interrupting {
			return
		}
		ei := tx.ElementInstance(v.GetScopeKey())
		if ei == nil {
			return
		}
		if b.Type != bpmn.ElementStartEvent && b.Type != bpmn.ElementBoundaryEvent {
			return
		}
		if b.Type == bpmn.ElementStartEvent {
			// An event sub-process's start: the scope's other children end first, and
			// the tokens on their way in it end.
			ei.EventSubProcessTrigger, ei.Interrupted = key, true
			ei.ActiveFlows = 0
			tx.DeleteJoinCounts(ei.GetKey())
		} else {
			ei.InterruptedBy = key
		}
		tx.PutElementInstance(ei)
	case "TRIGGERED":
		if scope := tx.ElementInstance(v.GetFlowScopeKey()); scope != nil {
			scope.ActiveFlows++
			if scope.EventSubProcessTrigger == key {
				scope.EventSubProcessTrigger = 0
			}
			tx.PutElementInstance(scope)
		}
	}
}
