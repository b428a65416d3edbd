package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A deployment on partition 1 of two is answered only once partition 2 acknowledged it;
// partition 2 then runs the process under the keys and version partition 1 gave it, and
// a repeated delivery or acknowledgement changes nothing.
func TestDeploymentDistribution(t *testing.T) {
	p1, p2 := newPartitionHarness(t, 1, 2), newPartitionHarness(t, 2, 2)

	resp := p1.exec(deployCmd("one.bpmn", oneTask))
	require.Nil(t, resp, "the deployment is answered only after its distribution")
	require.Equal(t, "C DEPLOYMENT CREATE\nE PROCESS CREATED p v1\nE DEPLOYMENT CREATED p:v1\nE COMMAND_DISTRIBUTION STARTED\nE COMMAND_DISTRIBUTION DISTRIBUTING\n", summary(p1.records()))
	require.True(t, p1.out.Distribute)
	deployRequest := p1.nextID

	pending, err := p1.db.PendingDistributions(10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.EqualValues(t, 2, pending[0].Partition)
	deliver := func() *recordpb.Record {
		return &recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE", Key: pending[0].Key,
			Value: &recordpb.Record_Deployment{Deployment: pending[0].Record.GetDeployment()}}
	}
	r := p2.exec(deliver())
	require.Equal(t, "CREATED", r.GetIntent(), dump(r))
	require.Equal(t, "C DEPLOYMENT CREATE p:v1\nE PROCESS CREATED p v1\nE DEPLOYMENT CREATED p:v1\n", summary(p2.records()))
	r = p2.exec(deliver())
	require.Equal(t, "CREATED", r.GetIntent(), "a repeated delivery is answered the same")
	require.Equal(t, "C DEPLOYMENT CREATE p:v1\nE DEPLOYMENT CREATED p:v1\n", summary(p2.records()))

	// Partition 2 runs the process with partition 1's definition key.
	created := p2.exec(createCmd("p", ""))
	require.Equal(t, recordpb.RecordType_EVENT, created.GetRecordType(), dump(created))
	definition := pending[0].Record.GetDeployment().GetProcessesMetadata()[0].GetProcessDefinitionKey()
	require.Equal(t, definition, created.GetProcessInstanceCreation().GetProcessDefinitionKey())
	require.EqualValues(t, 2, created.GetProcessInstanceCreation().GetProcessInstanceKey()>>51, "the instance key is partition 2's")

	ack := &recordpb.Record{ValueType: recordpb.ValueType_COMMAND_DISTRIBUTION, Intent: "ACKNOWLEDGE", Key: pending[0].Key,
		Value: &recordpb.Record_CommandDistribution{CommandDistribution: &recordpb.CommandDistributionRecord{PartitionId: 2}}}
	p1.exec(ack)
	require.Equal(t, "C COMMAND_DISTRIBUTION ACKNOWLEDGE\nE COMMAND_DISTRIBUTION ACKNOWLEDGED\nE COMMAND_DISTRIBUTION FINISHED\n", summary(p1.records()))
	var answered *recordpb.Record
	for _, out := range p1.out.Responses {
		if out.RequestID == deployRequest {
			answered = out.Record
		}
	}
	require.NotNil(t, answered, "the deployment's request was not answered")
	require.Equal(t, "CREATED", answered.GetIntent())
	require.Equal(t, recordpb.ValueType_DEPLOYMENT, answered.GetValueType())
	pending, err = p1.db.PendingDistributions(10)
	require.NoError(t, err)
	require.Empty(t, pending)

	r = p1.exec(ack)
	require.Equal(t, recordpb.RejectionType_NOT_FOUND, r.GetRejectionType(), "a repeated acknowledgement")

	// Redeploying the same resource is a duplicate: nothing to distribute, answered at once.
	r = p1.exec(deployCmd("one.bpmn", oneTask))
	require.NotNil(t, r)
	require.True(t, r.GetDeployment().GetProcessesMetadata()[0].GetIsDuplicate())
}
