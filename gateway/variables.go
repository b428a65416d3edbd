package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Update semantics of a VARIABLE_DOCUMENT UPDATE command.
const (
	updateLocal     = "LOCAL"
	updatePropagate = "PROPAGATE"
)

// SetVariables sets variables in the scope of an element instance, on its partition:
// all in that scope when local, else each in the nearest scope that has it.
func (s *Server) SetVariables(ctx context.Context, req *gatewaypb.SetVariablesRequest) (*gatewaypb.SetVariablesResponse, error) {
	const action = "set variables"
	scopeKey := req.GetElementInstanceKey()
	partition, err := s.partitionOfKey(action, "elementInstanceKey", "element instance", scopeKey)
	if err != nil {
		return nil, err
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	semantics := updatePropagate
	if req.GetLocal() {
		semantics = updateLocal
	}
	cmd := newCommand(partition, recordpb.ValueType_VARIABLE_DOCUMENT, intentUpdate, noKey)
	cmd.Value = &recordpb.Record_VariableDocument{VariableDocument: &recordpb.VariableDocumentRecord{
		ScopeKey:        scopeKey,
		UpdateSemantics: semantics,
		Variables:       variables,
	}}
	resp, err := s.execute(ctx, partition, cmd, recordpb.ValueType_VARIABLE_DOCUMENT)
	if err != nil {
		return nil, err
	}
	return &gatewaypb.SetVariablesResponse{Key: resp.GetKey()}, nil
}
