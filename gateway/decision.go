package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// EvaluateDecision evaluates a deployed decision, named by key (on the key's partition)
// or by id (its latest version, on any partition: every partition has every
// deployment), and answers with every decision the evaluation went through.
func (s *Server) EvaluateDecision(ctx context.Context, req *gatewaypb.EvaluateDecisionRequest) (*gatewaypb.EvaluateDecisionResponse, error) {
	const action = "evaluate decision"
	key, id := req.GetDecisionKey(), req.GetDecisionId()
	switch {
	case key == 0 && id == "":
		return nil, invalidArgument("Expected either a decision id or a valid decision key, but none provided")
	case key != 0 && id != "":
		return nil, invalidArgument("Expected either a decision id or a decision key, but both were provided (id '%s', key %d)", quoted(id), key)
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	var partition int32
	if key != 0 {
		partition, err = s.partitionOfKey(action, "decisionKey", "decision", key)
	} else {
		partition, err = s.nextPartition(&s.nextCreate)
	}
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_DECISION_EVALUATION, "EVALUATE", noKey)
	cmd.Value = &recordpb.Record_DecisionEvaluation{DecisionEvaluation: &recordpb.DecisionEvaluationRecord{
		DecisionKey: key, DecisionId: id, Variables: variables,
	}}
	resp, err := s.execute(ctx, partition, cmd, recordpb.ValueType_DECISION_EVALUATION)
	if err != nil {
		return nil, err
	}
	e := resp.GetDecisionEvaluation()
	out := &gatewaypb.EvaluateDecisionResponse{
		DecisionKey: e.GetDecisionKey(), DecisionId: e.GetDecisionId(), DecisionName: e.GetDecisionName(),
		DecisionVersion: e.GetDecisionVersion(), DecisionRequirementsId: e.GetDecisionRequirementsId(),
		DecisionRequirementsKey: e.GetDecisionRequirementsKey(), DecisionOutput: e.GetDecisionOutput(),
		FailedDecisionId: e.GetFailedDecisionId(), FailureMessage: e.GetEvaluationFailureMessage(),
	}
	for _, d := range e.GetEvaluatedDecisions() {
		ed := &gatewaypb.EvaluatedDecision{
			DecisionKey: d.GetDecisionKey(), DecisionId: d.GetDecisionId(), DecisionName: d.GetDecisionName(),
			DecisionVersion: d.GetDecisionVersion(), DecisionType: d.GetDecisionType(), DecisionOutput: d.GetDecisionOutput(),
		}
		for _, in := range d.GetEvaluatedInputs() {
			ed.EvaluatedInputs = append(ed.EvaluatedInputs, &gatewaypb.EvaluatedDecisionInput{
				InputId: in.GetInputId(), InputName: in.GetInputName(), InputValue: in.GetInputValue()})
		}
		for _, r := range d.GetMatchedRules() {
			mr := &gatewaypb.MatchedDecisionRule{RuleId: r.GetRuleId(), RuleIndex: r.GetRuleIndex()}
			for _, o := range r.GetEvaluatedOutputs() {
				mr.EvaluatedOutputs = append(mr.EvaluatedOutputs, &gatewaypb.EvaluatedDecisionOutput{
					OutputId: o.GetOutputId(), OutputName: o.GetOutputName(), OutputValue: o.GetOutputValue()})
			}
			ed.MatchedRules = append(ed.MatchedRules, mr)
		}
		out.EvaluatedDecisions = append(out.EvaluatedDecisions, ed)
	}
	return out, nil
}
