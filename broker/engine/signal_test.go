package engine_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A signal broadcast on partition 1 is answered at once and distributed to partition 2,
// where it completes the waiting catch event and starts the signal start event's
// process; a repeated delivery triggers nothing twice.
func TestSignalBroadcastReachesEveryPartition(t *testing.T) {
	p1, p2 := newPartitionHarness(t, 1, 2), newPartitionHarness(t, 2, 2)
	model, err := os.ReadFile("testdata/models/signals.bpmn")
	require.NoError(t, err)
	require.Nil(t, p1.exec(deployCmd("s.bpmn", string(model))))
	pending, err := p1.db.PendingDistributions(10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	r := p2.exec(engine.DistributedCommand(pending[0].Key, pending[0].Record))
	require.Equal(t, "CREATED", r.GetIntent())
	require.Contains(t, summary(p2.records()), "E SIGNAL_SUBSCRIPTION CREATED kickoff listener/onDone", "partition 2 opens the start event's subscription too")

	waiting := p2.exec(createCmd("waiter", `{"team":"red","speed":1}`)).GetProcessInstanceCreation().GetProcessInstanceKey()
	require.NotZero(t, waiting)

	resp := p1.exec(&recordpb.Record{ValueType: recordpb.ValueType_SIGNAL, Intent: "BROADCAST",
		Value: &recordpb.Record_Signal{Signal: &recordpb.SignalRecord{SignalName: "go", Variables: []byte(`{"x":1}`)}}})
	require.Equal(t, "BROADCASTED", resp.GetIntent(), "answered once the first partition broadcast it")
	require.Equal(t, "C SIGNAL BROADCAST go {\"x\":1}\nE SIGNAL BROADCASTED go {\"x\":1}\nE COMMAND_DISTRIBUTION STARTED\nE COMMAND_DISTRIBUTION DISTRIBUTING\n", summary(p1.records()))

	pending = signalsPending(t, p1)
	require.Len(t, pending, 1)
	deliver := engine.DistributedCommand(pending[0].Key, pending[0].Record)
	require.Equal(t, resp.GetKey(), deliver.GetKey(), "the other partitions broadcast it under the same key")
	r = p2.exec(deliver)
	require.Equal(t, "BROADCASTED", r.GetIntent())
	require.Contains(t, summary(p2.records()), "E PROCESS_INSTANCE ELEMENT_COMPLETED waitGo")
	require.Contains(t, summary(p2.records()), "E VARIABLE CREATED x=1")

	r = p2.exec(engine.DistributedCommand(pending[0].Key, pending[0].Record))
	require.Equal(t, "BROADCASTED", r.GetIntent(), "a repeated delivery is answered the same")
	require.Equal(t, "C SIGNAL BROADCAST go {\"x\":1}\nE SIGNAL BROADCASTED go {\"x\":1}\n", summary(p2.records()), "and triggers nothing")
	require.Equal(t, 1, count(p2.all(), recordpb.ValueType_PROCESS_INSTANCE, "ELEMENT_COMPLETED", "waitGo"))

	p1.exec(&recordpb.Record{ValueType: recordpb.ValueType_COMMAND_DISTRIBUTION, Intent: "ACKNOWLEDGE", Key: pending[0].Key,
		Value: &recordpb.Record_CommandDistribution{CommandDistribution: &recordpb.CommandDistributionRecord{PartitionId: 2}}})
	require.Contains(t, summary(p1.records()), "E COMMAND_DISTRIBUTION FINISHED")

	// The start event: one instance per partition, each of the latest version.
	p1.exec(&recordpb.Record{ValueType: recordpb.ValueType_SIGNAL, Intent: "BROADCAST",
		Value: &recordpb.Record_Signal{Signal: &recordpb.SignalRecord{SignalName: "kickoff"}}})
	pending = signalsPending(t, p1)
	require.Len(t, pending, 2, "kickoff, and the 'go' that the started instance's end event threw")
	require.Equal(t, "kickoff", pending[0].Record.GetSignal().GetSignalName())
	p2.exec(engine.DistributedCommand(pending[0].Key, pending[0].Record))
	for _, h := range []*harness{p1, p2} {
		started := 0
		for _, rec := range h.all() {
			if rec.GetIntent() == "ELEMENT_ACTIVATED" && rec.GetProcessInstance().GetElementId() == "onDone" {
				started++
			}
		}
		require.Equal(t, 1, started, "partition %d", h.eng.PartitionID())
	}
}

func signalsPending(t *testing.T, h *harness) []state.PendingDistribution {
	t.Helper()
	all, err := h.db.PendingDistributions(100)
	require.NoError(t, err)
	var out []state.PendingDistribution
	for _, d := range all {
		if d.Record.GetValueType() == recordpb.ValueType_SIGNAL {
			out = append(out, d)
		}
	}
	return out
}
