package engine

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// newRecord builds a record that follows from the command being processed.
func (p *processing) newRecord(rt recordpb.RecordType, key int64, intent string) *recordpb.Record {
	src := int64(-1)
	if p.cmd != nil {
		src = p.cmd.GetPosition()
	}
	return &recordpb.Record{
		SourceRecordPosition: src,
		Key:                  key,
		Timestamp:            p.now,
		RecordType:           rt,
		Intent:               intent,
	}
}

// event appends an event and applies it to state. The value is owned by the record
// from then on.
func (p *processing) event(key int64, intent string, value any) *recordpb.Record {
	r := p.newRecord(recordpb.RecordType_EVENT, key, intent)
	setValue(r, value)
	p.tx.AppendRecord(r)
	p.apply(r)
	return r
}

// command appends a follow-up command; it is processed after the current one.
func (p *processing) command(key int64, intent string, value any) {
	r := p.newRecord(recordpb.RecordType_COMMAND, key, intent)
	setValue(r, value)
	p.tx.AppendRecord(r)
	p.queue = append(p.queue, queued{rec: r})
}

// reject appends a rejection of the command being processed and answers its request.
func (p *processing) reject(t recordpb.RejectionType, format string, args ...any) {
	r := proto.Clone(p.cmd).(*recordpb.Record)
	r.Position = 0
	r.RecordType = recordpb.RecordType_COMMAND_REJECTION
	r.SourceRecordPosition = p.cmd.GetPosition()
	r.Timestamp = p.now
	r.RejectionType = t
	r.RejectionReason = fmt.Sprintf(format, args...)
	p.tx.AppendRecord(r)
	p.respond(r)
}

// respond answers the request of the command being processed, if any.
func (p *processing) respond(r *recordpb.Record) {
	if p.requestID != 0 {
		p.out.Responses = append(p.out.Responses, Response{RequestID: p.requestID, Record: r})
	}
}

func setValue(r *recordpb.Record, value any) {
	switch v := value.(type) {
	case *recordpb.DeploymentRecord:
		r.ValueType, r.Value = recordpb.ValueType_DEPLOYMENT, &recordpb.Record_Deployment{Deployment: v}
	case *recordpb.ProcessRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS, &recordpb.Record_Process{Process: v}
	case *recordpb.ProcessInstanceRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_INSTANCE, &recordpb.Record_ProcessInstance{ProcessInstance: v}
	case *recordpb.ProcessInstanceCreationRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_INSTANCE_CREATION, &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: v}
	case *recordpb.ProcessInstanceResultRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_INSTANCE_RESULT, &recordpb.Record_ProcessInstanceResult{ProcessInstanceResult: v}
	case *recordpb.JobRecord:
		r.ValueType, r.Value = recordpb.ValueType_JOB, &recordpb.Record_Job{Job: v}
	case *recordpb.JobBatchRecord:
		r.ValueType, r.Value = recordpb.ValueType_JOB_BATCH, &recordpb.Record_JobBatch{JobBatch: v}
	case *recordpb.IncidentRecord:
		r.ValueType, r.Value = recordpb.ValueType_INCIDENT, &recordpb.Record_Incident{Incident: v}
	case *recordpb.VariableRecord:
		r.ValueType, r.Value = recordpb.ValueType_VARIABLE, &recordpb.Record_Variable{Variable: v}
	case *recordpb.VariableDocumentRecord:
		r.ValueType, r.Value = recordpb.ValueType_VARIABLE_DOCUMENT, &recordpb.Record_VariableDocument{VariableDocument: v}
	case *recordpb.CommandDistributionRecord:
		r.ValueType, r.Value = recordpb.ValueType_COMMAND_DISTRIBUTION, &recordpb.Record_CommandDistribution{CommandDistribution: v}
	case *recordpb.MessageRecord:
		r.ValueType, r.Value = recordpb.ValueType_MESSAGE, &recordpb.Record_Message{Message: v}
	case *recordpb.MessageSubscriptionRecord:
		r.ValueType, r.Value = recordpb.ValueType_MESSAGE_SUBSCRIPTION, &recordpb.Record_MessageSubscription{MessageSubscription: v}
	case *recordpb.DecisionRequirementsRecord:
		r.ValueType, r.Value = recordpb.ValueType_DECISION_REQUIREMENTS, &recordpb.Record_DecisionRequirements{DecisionRequirements: v}
	case *recordpb.DecisionRecord:
		r.ValueType, r.Value = recordpb.ValueType_DECISION, &recordpb.Record_Decision{Decision: v}
	case *recordpb.DecisionEvaluationRecord:
		r.ValueType, r.Value = recordpb.ValueType_DECISION_EVALUATION, &recordpb.Record_DecisionEvaluation{DecisionEvaluation: v}
	case *recordpb.MessageStartEventSubscriptionRecord:
		r.ValueType, r.Value = recordpb.ValueType_MESSAGE_START_EVENT_SUBSCRIPTION, &recordpb.Record_MessageStartEventSubscription{MessageStartEventSubscription: v}
	case *recordpb.ProcessInstanceModificationRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION, &recordpb.Record_ProcessInstanceModification{ProcessInstanceModification: v}
	case *recordpb.ResourceDeletionRecord:
		r.ValueType, r.Value = recordpb.ValueType_RESOURCE_DELETION, &recordpb.Record_ResourceDeletion{ResourceDeletion: v}
	case *recordpb.CompensationSubscriptionRecord:
		r.ValueType, r.Value = recordpb.ValueType_COMPENSATION_SUBSCRIPTION, &recordpb.Record_CompensationSubscription{CompensationSubscription: v}
	case *recordpb.TimerRecord:
		r.ValueType, r.Value = recordpb.ValueType_TIMER, &recordpb.Record_Timer{Timer: v}
	case *recordpb.ProcessEventRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_EVENT, &recordpb.Record_ProcessEvent{ProcessEvent: v}
	case *recordpb.SignalRecord:
		r.ValueType, r.Value = recordpb.ValueType_SIGNAL, &recordpb.Record_Signal{Signal: v}
	case *recordpb.SignalSubscriptionRecord:
		r.ValueType, r.Value = recordpb.ValueType_SIGNAL_SUBSCRIPTION, &recordpb.Record_SignalSubscription{SignalSubscription: v}
	case *recordpb.ProcessMessageSubscriptionRecord:
		r.ValueType, r.Value = recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION, &recordpb.Record_ProcessMessageSubscription{ProcessMessageSubscription: v}
	default:
		panic(fmt.Sprintf("engine: record value of unknown type %T", value))
	}
}
