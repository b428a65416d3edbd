package gateway

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// CreateProcessInstance starts an instance of a process given by its definition key, or by
// BPMN id and version (-1 for the latest). Creations by BPMN id go to the partitions in
// turn; a creation by definition key goes to the key's partition.
func (s *Server) CreateProcessInstance(ctx context.Context, req *gatewaypb.CreateProcessInstanceRequest) (*gatewaypb.CreateProcessInstanceResponse, error) {
	partition, value, err := s.creation(req)
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_PROCESS_INSTANCE_CREATION, intentCreate, noKey)
	cmd.Value = &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: value}
	var resp *recordpb.Record
	if value.GetProcessDefinitionKey() == 0 {
		// Any partition can create an instance of a process id.
		resp, err = s.executeAnywhere(ctx, partition, cmd, recordpb.ValueType_PROCESS_INSTANCE_CREATION)
	} else {
		resp, err = s.execute(ctx, partition, cmd, recordpb.ValueType_PROCESS_INSTANCE_CREATION)
	}
	if err != nil {
		return nil, err
	}
	created := resp.GetProcessInstanceCreation()
	return &gatewaypb.CreateProcessInstanceResponse{
		ProcessDefinitionKey: created.GetProcessDefinitionKey(),
		BpmnProcessId:        created.GetBpmnProcessId(),
		Version:              created.GetVersion(),
		ProcessInstanceKey:   created.GetProcessInstanceKey(),
	}, nil
}

// CreateProcessInstanceWithResult starts an instance like CreateProcessInstance and
// answers once it has completed, with its variables (narrowed by fetchVariables). It waits
// at most requestTimeout milliseconds when that is positive, else the gateway's
// DefaultRequestTimeout (and never past the call's own deadline); when the wait runs out
// the instance keeps running.
func (s *Server) CreateProcessInstanceWithResult(ctx context.Context, req *gatewaypb.CreateProcessInstanceWithResultRequest) (*gatewaypb.CreateProcessInstanceWithResultResponse, error) {
	if req.GetRequest() == nil {
		return nil, invalidArgument("Expected to create process instance with result with request set, but it was missing")
	}
	partition, value, err := s.creation(req.GetRequest())
	if err != nil {
		return nil, err
	}
	value.AwaitResult = true
	value.FetchVariables = req.GetFetchVariables()
	cmd := newCommand(partition, recordpb.ValueType_PROCESS_INSTANCE_CREATION, intentCreate, noKey)
	cmd.Value = &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: value}

	wait := s.opts.DefaultRequestTimeout
	limit := "within the gateway's default request timeout " + wait.String()
	if ms := req.GetRequestTimeout(); ms > 0 {
		wait = millis(ms)
		limit = "within requestTimeout " + wait.String()
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	resp, err := s.execute(ctx, partition, cmd, recordpb.ValueType_PROCESS_INSTANCE_RESULT)
	if status.Code(err) == codes.DeadlineExceeded {
		return nil, status.Errorf(codes.DeadlineExceeded,
			"Expected the process instance of %s to complete %s, but it did not; the instance keeps running",
			processDescription(value), limit)
	}
	if err != nil {
		return nil, err
	}
	result := resp.GetProcessInstanceResult()
	return &gatewaypb.CreateProcessInstanceWithResultResponse{
		ProcessDefinitionKey: result.GetProcessDefinitionKey(),
		BpmnProcessId:        result.GetBpmnProcessId(),
		Version:              result.GetVersion(),
		ProcessInstanceKey:   result.GetProcessInstanceKey(),
		Variables:            variablesJSON(result.GetVariables()),
	}, nil
}

// CancelProcessInstance cancels a running process instance on its partition.
func (s *Server) CancelProcessInstance(ctx context.Context, req *gatewaypb.CancelProcessInstanceRequest) (*gatewaypb.CancelProcessInstanceResponse, error) {
	key := req.GetProcessInstanceKey()
	partition, err := s.partitionOfKey("cancel process instance", "processInstanceKey", "process instance", key)
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_PROCESS_INSTANCE, intentCancel, key)
	cmd.Value = &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{ProcessInstanceKey: key}}
	if _, err := s.execute(ctx, partition, cmd, recordpb.ValueType_PROCESS_INSTANCE); err != nil {
		return nil, err
	}
	return &gatewaypb.CancelProcessInstanceResponse{}, nil
}

// creation validates a creation request and returns the partition to create on and the
// command's value.
func (s *Server) creation(req *gatewaypb.CreateProcessInstanceRequest) (int32, *recordpb.ProcessInstanceCreationRecord, error) {
	const action = "create process instance"
	definitionKey := req.GetProcessDefinitionKey()
	if definitionKey == 0 && req.GetBpmnProcessId() == "" {
		return 0, nil, invalidArgument(
			"Expected to %s with a bpmnProcessId or a processDefinitionKey, but got bpmnProcessId '' and processDefinitionKey 0", action)
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return 0, nil, err
	}
	var partition int32
	if definitionKey != 0 {
		partition, err = s.partitionOfKey(action, "processDefinitionKey", "process definition", definitionKey)
	} else {
		partition, err = s.nextPartition(&s.nextCreate)
	}
	if err != nil {
		return 0, nil, err
	}
	value := &recordpb.ProcessInstanceCreationRecord{
		BpmnProcessId:        req.GetBpmnProcessId(),
		Version:              req.GetVersion(),
		ProcessDefinitionKey: definitionKey,
		Variables:            variables,
	}
	for _, in := range req.GetStartInstructions() {
		value.StartInstructions = append(value.StartInstructions, &recordpb.StartInstruction{ElementId: in.GetElementId()})
	}
	return partition, value, nil
}

// processDescription names the process a creation asked for, for messages.
func processDescription(v *recordpb.ProcessInstanceCreationRecord) string {
	switch {
	case v.GetProcessDefinitionKey() > 0:
		return fmt.Sprintf("process definition '%d'", v.GetProcessDefinitionKey())
	case v.GetVersion() < 0:
		return fmt.Sprintf("process '%s' (latest version)", quoted(v.GetBpmnProcessId()))
	default:
		return fmt.Sprintf("process '%s' version %d", quoted(v.GetBpmnProcessId()), v.GetVersion())
	}
}

// variablesJSON renders a record's variables for a response: Zeebe clients expect a JSON
// object, so none is "{}".
func variablesJSON(doc []byte) string {
	if len(doc) == 0 {
		return "{}"
	}
	return string(doc)
}

// ModifyProcessInstance activates elements and terminates element instances of a running
// instance, on the instance's partition. Every instruction is checked before any is
// carried out.
func (s *Server) ModifyProcessInstance(ctx context.Context, req *gatewaypb.ModifyProcessInstanceRequest) (*gatewaypb.ModifyProcessInstanceResponse, error) {
	const action = "modify process instance"
	partition, err := s.partitionOfKey(action, "processInstanceKey", "process instance", req.GetProcessInstanceKey())
	if err != nil {
		return nil, err
	}
	rec := &recordpb.ProcessInstanceModificationRecord{ProcessInstanceKey: req.GetProcessInstanceKey()}
	for i, a := range req.GetActivateInstructions() {
		if a.GetElementId() == "" {
			return nil, invalidArgument("Expected to %s with an element id in activate instruction %d, but it is empty", action, i)
		}
		in := &recordpb.ModificationActivateInstruction{ElementId: a.GetElementId(), AncestorScopeKey: -1}
		if k := a.GetAncestorElementInstanceKey(); k > 0 {
			in.AncestorScopeKey = k
		}
		for _, v := range a.GetVariableInstructions() {
			vars, err := variablesDocument(action, "variables", v.GetVariables())
			if err != nil {
				return nil, err
			}
			in.VariableInstructions = append(in.VariableInstructions, &recordpb.ModificationVariableInstruction{ElementId: v.GetScopeId(), Variables: vars})
		}
		rec.ActivateInstructions = append(rec.ActivateInstructions, in)
	}
	for _, t := range req.GetTerminateInstructions() {
		rec.TerminateInstructions = append(rec.TerminateInstructions, t.GetElementInstanceKey())
	}
	cmd := newCommand(partition, recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION, "MODIFY", req.GetProcessInstanceKey())
	cmd.Value = &recordpb.Record_ProcessInstanceModification{ProcessInstanceModification: rec}
	if _, err := s.execute(ctx, partition, cmd, recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION); err != nil {
		return nil, err
	}
	return &gatewaypb.ModifyProcessInstanceResponse{}, nil
}
