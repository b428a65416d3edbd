package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// A DMN resource deploys with its decisions; EvaluateDecision evaluates one by id or by
// key and lists the decisions it went through; a business rule task sets its result
// variable from the decision; a failing evaluation is an incident.
func TestDecisionsWithTheOfficialClient(t *testing.T) {
	e := startDevEnv(t)
	ctx := e.ctx(20 * time.Second)
	dep, err := e.client.NewDeployResourceCommand().
		AddResourceFile(filepath.Join("testdata", "dish.dmn")).
		AddResourceFile(filepath.Join("testdata", "dinner.bpmn")).Send(ctx)
	require.NoError(t, err)
	var dishKey int64
	var drgs int
	for _, d := range dep.GetDeployments() {
		if dec := d.GetDecision(); dec != nil && dec.GetDmnDecisionId() == "dish" {
			dishKey = dec.GetDecisionKey()
			require.EqualValues(t, 1, dec.GetVersion())
			require.Equal(t, "dinner", dec.GetDmnDecisionRequirementsId())
		}
		if d.GetDecisionRequirements() != nil {
			drgs++
			require.Equal(t, "Dinner", d.GetDecisionRequirements().GetDmnDecisionRequirementsName())
		}
	}
	require.NotZero(t, dishKey, "the deployment lists the decision")
	require.Equal(t, 1, drgs)

	cmd, err := e.client.NewEvaluateDecisionCommand().DecisionId("dish").VariablesFromString(`{"month":1,"guests":6}`)
	require.NoError(t, err)
	res, err := cmd.Send(ctx)
	require.NoError(t, err)
	require.Equal(t, `"Stew"`, res.GetDecisionOutput())
	require.Equal(t, dishKey, res.GetDecisionKey())
	require.Len(t, res.GetEvaluatedDecisions(), 2, "the required decision is evaluated first")
	require.Equal(t, "season", res.GetEvaluatedDecisions()[0].GetDecisionId())
	table := res.GetEvaluatedDecisions()[1]
	require.Equal(t, "DECISION_TABLE", table.GetDecisionType())
	require.Len(t, table.GetMatchedRules(), 1)
	require.Equal(t, "winterBig", table.GetMatchedRules()[0].GetRuleId())
	require.Len(t, table.GetEvaluatedInputs(), 2)

	byKey, err := e.client.NewEvaluateDecisionCommand().DecisionKey(dishKey).VariablesFromString(`{"month":7,"guests":2}`)
	require.NoError(t, err)
	res, err = byKey.Send(ctx)
	require.NoError(t, err)
	require.Equal(t, `"Salad"`, res.GetDecisionOutput())

	_, err = e.client.NewEvaluateDecisionCommand().DecisionId("nope").Send(ctx)
	requireStatus(t, err, codes.NotFound, "nope")

	key := e.create("dinner", `{"month":12,"guests":2}`)
	e.waitCompleted(key)
	var meal string
	for _, r := range e.records() {
		if v := r.GetVariable(); v != nil && v.GetProcessInstanceKey() == key && v.GetName() == "meal" {
			meal = string(v.GetValue())
		}
	}
	require.Equal(t, `"Roastbeef"`, meal)

	// Two rules match a winter party of 20, which a UNIQUE table forbids: the decision
	// fails, an incident follows.
	key = e.create("dinner", `{"month":1,"guests":20}`)
	inc := e.incident(key)
	require.Contains(t, []string{"DECISION_EVALUATION_ERROR"}, inc.GetIncident().GetErrorType())
	require.Contains(t, inc.GetIncident().GetErrorMessage(), "dish")
	e.waitRecord("the failed evaluation", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_DECISION_EVALUATION && r.GetIntent() == "FAILED" &&
			r.GetDecisionEvaluation().GetProcessInstanceKey() == key
	})
}
