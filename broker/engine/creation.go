package engine

import (
	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// createInstance processes PROCESS_INSTANCE_CREATION CREATE: it finds the process
// definition, sets the instance's variables and activates the process.
func (p *processing) createInstance() {
	c := p.cmd.GetProcessInstanceCreation()
	var st *statepb.Process
	switch {
	case c.GetProcessDefinitionKey() > 0:
		st = p.tx.Process(c.GetProcessDefinitionKey())
		if st == nil || st.GetDeleted() {
			p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to find process definition with key '%d', but none found", c.GetProcessDefinitionKey())
			return
		}
	case c.GetBpmnProcessId() == "":
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected either a bpmnProcessId or a processDefinitionKey, but none given")
		return
	case c.GetVersion() < 0:
		st = p.tx.LatestProcess(c.GetBpmnProcessId())
		if st == nil {
			p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to find process definition with process ID '%s', but none found", c.GetBpmnProcessId())
			return
		}
	default:
		st = p.tx.ProcessByVersion(c.GetBpmnProcessId(), c.GetVersion())
		if st == nil {
			p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to find process definition with process ID '%s' and version '%d', but none found", c.GetBpmnProcessId(), c.GetVersion())
			return
		}
	}
	entries, err := parseObject(c.GetVariables())
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to set variables from document, but the document is invalid: %s", err)
		return
	}
	pr := st.GetRecord()
	model := p.model(pr.GetProcessDefinitionKey())
	if model == nil {
		p.reject(recordpb.RejectionType_PROCESSING_ERROR, "Expected to create an instance of process definition '%d', but its model could not be loaded", pr.GetProcessDefinitionKey())
		return
	}
	var startWith []string
	for _, in := range c.GetStartInstructions() {
		target := model.Element(in.GetElementId())
		if target == nil {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to create instance of process with start instructions but no element found with id '%s'.", in.GetElementId())
			return
		}
		if msg := unactivatable(target); msg != "" {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to create instance of process with start instructions but the element with id '%s' cannot be activated %s.", target.ID, msg)
			return
		}
		startWith = append(startWith, target.ID)
	}
	if model.NoneStart == nil && len(startWith) == 0 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to create instance of process with none start event, but there is no such event")
		return
	}

	key := p.tx.NextKey()
	value := &recordpb.ProcessInstanceRecord{
		BpmnProcessId: pr.GetBpmnProcessId(), Version: pr.GetVersion(), ProcessDefinitionKey: pr.GetProcessDefinitionKey(),
		ProcessInstanceKey: key, ElementId: pr.GetBpmnProcessId(), FlowScopeKey: -1,
		BpmnElementType: string(bpmn.ElementProcess), BpmnEventType: "UNSPECIFIED",
		ParentProcessInstanceKey: -1, ParentElementInstanceKey: -1, TenantId: tenantOf(pr.GetTenantId()),
	}
	p.mergeLocal(key, value, entries)
	if len(startWith) > 0 {
		if p.startWith == nil {
			p.startWith = map[int64][]string{}
		}
		p.startWith[key] = startWith
	}
	p.command(key, piActivateElement, value)
	if c.GetAwaitResult() {
		p.tx.PutAwait(key, &statepb.AwaitResult{RequestId: p.requestID, FetchVariables: c.GetFetchVariables()})
	}
	ev := p.event(key, "CREATED", &recordpb.ProcessInstanceCreationRecord{
		BpmnProcessId: pr.GetBpmnProcessId(), Version: pr.GetVersion(), ProcessDefinitionKey: pr.GetProcessDefinitionKey(),
		ProcessInstanceKey: key, Variables: c.GetVariables(), FetchVariables: c.GetFetchVariables(),
		TenantId: tenantOf(pr.GetTenantId()), AwaitResult: c.GetAwaitResult(),
	})
	if !c.GetAwaitResult() {
		p.respond(ev)
	}
}
