package gateway

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A decision named by key goes to the key's partition, one named by id to any; the
// answer carries every evaluated decision; bad input never reaches a partition.
func TestEvaluateDecision(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		resp := eventFor(cmd, "EVALUATED", keyOn(partition, 7))
		e := resp.GetDecisionEvaluation()
		e.DecisionId, e.DecisionOutput, e.DecisionVersion = "dish", `"Steak"`, 2
		e.EvaluatedDecisions = []*recordpb.EvaluatedDecision{{DecisionId: "dish", DecisionType: "DECISION_TABLE", DecisionOutput: `"Steak"`,
			EvaluatedInputs: []*recordpb.EvaluatedInput{{InputId: "in1", InputName: "season", InputValue: `"Winter"`}},
			MatchedRules:    []*recordpb.MatchedRule{{RuleId: "r1", RuleIndex: 1, EvaluatedOutputs: []*recordpb.EvaluatedOutput{{OutputId: "o1", OutputName: "dish", OutputValue: `"Steak"`}}}}}}
		return resp, nil
	})
	client := startGateway(t, b, Options{})

	resp, err := client.EvaluateDecision(t.Context(), &gatewaypb.EvaluateDecisionRequest{DecisionKey: keyOn(2, 3), Variables: `{"season":"Winter"}`})
	noError(t, err)
	equal(t, `"Steak"`, resp.GetDecisionOutput())
	equal(t, int32(2), resp.GetDecisionVersion())
	equal(t, 1, len(resp.GetEvaluatedDecisions()))
	ed := resp.GetEvaluatedDecisions()[0]
	equal(t, "season", ed.GetEvaluatedInputs()[0].GetInputName())
	equal(t, `"Steak"`, ed.GetMatchedRules()[0].GetEvaluatedOutputs()[0].GetOutputValue())
	sent := b.sent()
	equal(t, int32(2), sent[0].partition)
	equal(t, recordpb.ValueType_DECISION_EVALUATION, sent[0].cmd.GetValueType())
	equal(t, "EVALUATE", sent[0].cmd.GetIntent())
	equal(t, `{"season":"Winter"}`, string(sent[0].cmd.GetDecisionEvaluation().GetVariables()))

	_, err = client.EvaluateDecision(t.Context(), &gatewaypb.EvaluateDecisionRequest{DecisionId: "dish"})
	noError(t, err)

	_, err = client.EvaluateDecision(t.Context(), &gatewaypb.EvaluateDecisionRequest{})
	requireStatus(t, err, codes.InvalidArgument, "decision id")
	_, err = client.EvaluateDecision(t.Context(), &gatewaypb.EvaluateDecisionRequest{DecisionId: "d", DecisionKey: keyOn(1, 1)})
	requireStatus(t, err, codes.InvalidArgument, "both")
	_, err = client.EvaluateDecision(t.Context(), &gatewaypb.EvaluateDecisionRequest{DecisionId: "d", Variables: "[]"})
	requireStatus(t, err, codes.InvalidArgument)
	equal(t, 2, len(b.sent()))
}
