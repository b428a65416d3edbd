package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// elementIncident raises an incident on an element instance whose processing failed;
// the element stays where it stopped until the incident is resolved.
func (p *processing) elementIncident(el element, errorType, message string) {
	v := el.value
	p.event(p.tx.NextKey(), "CREATED", &recordpb.IncidentRecord{
		ErrorType: errorType, ErrorMessage: message, BpmnProcessId: v.GetBpmnProcessId(),
		ProcessDefinitionKey: v.GetProcessDefinitionKey(), ProcessInstanceKey: v.GetProcessInstanceKey(),
		ElementId: v.GetElementId(), ElementInstanceKey: el.key, VariableScopeKey: el.key,
		TenantId: tenantOf(v.GetTenantId()),
	})
}

// jobIncident raises an incident for a job that ran out of retries or threw an error
// that nothing catches.
func (p *processing) jobIncident(jobKey int64, job *recordpb.JobRecord, errorType, message string) {
	p.event(p.tx.NextKey(), "CREATED", &recordpb.IncidentRecord{
		ErrorType: errorType, ErrorMessage: message, BpmnProcessId: job.GetBpmnProcessId(),
		ProcessDefinitionKey: job.GetProcessDefinitionKey(), ProcessInstanceKey: job.GetProcessInstanceKey(),
		ElementId: job.GetElementId(), ElementInstanceKey: job.GetElementInstanceKey(), JobKey: jobKey,
		VariableScopeKey: job.GetElementInstanceKey(), TenantId: tenantOf(job.GetTenantId()),
	})
}

// resolveIncident processes INCIDENT RESOLVE: a job incident makes its job activatable
// again (its retries must have been updated first); an element incident repeats the
// step that failed.
func (p *processing) resolveIncident() {
	key := p.cmd.GetKey()
	inc := p.tx.Incident(key)
	if inc == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to resolve incident with key '%d', but no such incident was found", key)
		return
	}
	r := inc.GetRecord()
	var job *statepb.Job
	if jk := r.GetJobKey(); jk > 0 {
		job = p.tx.Job(jk)
		if job != nil && job.GetRecord().GetRetries() <= 0 {
			p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to resolve incident with key '%d', but job with key '%d' has no retries left; update the job's retries first", key, jk)
			return
		}
	}
	ev := p.event(key, "RESOLVED", proto.Clone(r).(*recordpb.IncidentRecord))
	p.respond(ev)
	if job != nil {
		p.out.jobsAvailable(job.GetRecord().GetType())
		return
	}
	ei := p.tx.ElementInstance(r.GetElementInstanceKey())
	if ei == nil {
		return
	}
	value := proto.Clone(ei.GetValue()).(*recordpb.ProcessInstanceRecord)
	switch ei.GetState() {
	case piActivating:
		p.command(ei.GetKey(), piActivateElement, value)
	case piCompleting:
		p.command(ei.GetKey(), piCompleteElement, value)
	}
}
