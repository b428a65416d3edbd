package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A job too large for any activation fails with a MESSAGE_SIZE_EXCEEDED incident
// instead of being activated and lost at every attempt; after its variables shrink,
// retries and a resolved incident make it activatable again.
func TestJobTooLargeRaisesIncident(t *testing.T) {
	h := newHarness(t)
	model, err := os.ReadFile("testdata/models/one_task.bpmn")
	require.NoError(t, err)
	require.Equal(t, recordpb.RecordType_EVENT, h.exec(deployCmd("one_task.bpmn", string(model))).GetRecordType())

	big := strings.Repeat("x", engine.MaxBatchBytes)
	created := h.exec(createCmd("order", `{"order":{"total":1},"blob":"`+big+`"}`))
	require.Equal(t, recordpb.RecordType_EVENT, created.GetRecordType(), dump(created))
	instance := created.GetProcessInstanceCreation().GetProcessInstanceKey()

	batch := h.exec(activateCmd("payment", 10, 1000))
	require.Empty(t, batch.GetJobBatch().GetJobs())
	lines := strings.Split(summary(h.records()), "\n")
	require.Equal(t, "C JOB_BATCH ACTIVATE", lines[0])
	require.Equal(t, "E JOB FAILED payment", lines[1])
	require.True(t, strings.HasPrefix(lines[2], "E INCIDENT CREATED MESSAGE_SIZE_EXCEEDED: The job with its variables is "), lines[2])
	require.Equal(t, "E JOB_BATCH ACTIVATED", lines[3])
	var incident, job int64
	for _, r := range h.records() {
		if r.GetValueType() == recordpb.ValueType_INCIDENT {
			incident, job = r.GetKey(), r.GetIncident().GetJobKey()
		}
	}
	require.NotZero(t, incident)
	require.Empty(t, h.exec(activateCmd("payment", 10, 1000)).GetJobBatch().GetJobs(), "a failed job is not activatable")

	// Shrink the variable, give the job retries, resolve: the job is delivered.
	shrink := &recordpb.Record{ValueType: recordpb.ValueType_VARIABLE_DOCUMENT, Intent: "UPDATE",
		Value: &recordpb.Record_VariableDocument{VariableDocument: &recordpb.VariableDocumentRecord{
			ScopeKey: instance, UpdateSemantics: "PROPAGATE", Variables: []byte(`{"blob":"small"}`)}}}
	require.Equal(t, recordpb.RecordType_EVENT, h.exec(shrink).GetRecordType())
	require.Equal(t, recordpb.RecordType_EVENT, h.exec(jobCmd("UPDATE_RETRIES", job, &recordpb.JobRecord{Retries: 1})).GetRecordType())
	resolve := &recordpb.Record{ValueType: recordpb.ValueType_INCIDENT, Intent: "RESOLVE", Key: incident,
		Value: &recordpb.Record_Incident{Incident: &recordpb.IncidentRecord{}}}
	require.Equal(t, recordpb.RecordType_EVENT, h.exec(resolve).GetRecordType())
	jobs := h.exec(activateCmd("payment", 10, 1000)).GetJobBatch().GetJobs()
	require.Len(t, jobs, 1)
	require.Contains(t, string(jobs[0].GetVariables()), `"blob":"small"`)
}
