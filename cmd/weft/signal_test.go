package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// A signal broadcast with the official client reaches every partition: the catch
// events waiting on all three complete, and the signal start event starts one instance
// on each partition.
func TestBroadcastSignalReachesEveryPartition(t *testing.T) {
	e := startDevEnvWith(t, devConfig{dataDir: t.TempDir(), partitions: 3})
	d, client := e.dev, e.client
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "signals.bpmn")).Send(ctx)
	require.NoError(t, err)
	waiting := map[int64]bool{}
	for i := range 6 {
		cmd, err := client.NewCreateInstanceCommand().BPMNProcessId("waiter").LatestVersion().
			VariablesFromString(fmt.Sprintf(`{"team":"t%d","speed":%d}`, i, i))
		require.NoError(t, err)
		r, err := cmd.Send(ctx)
		require.NoError(t, err)
		waiting[r.GetProcessInstanceKey()] = true
	}
	parts := d.parts
	records := func() []*recordpb.Record {
		var all []*recordpb.Record
		for _, p := range parts {
			rs, err := p.State().Records(1, p.State().LastPosition())
			require.NoError(t, err)
			all = append(all, rs...)
		}
		return all
	}
	// Every instance waits before the signal is broadcast.
	eventually(t, 10*time.Second, func() bool {
		n := 0
		for _, r := range records() {
			if r.GetValueType() == recordpb.ValueType_SIGNAL_SUBSCRIPTION && r.GetIntent() == "CREATED" && r.GetSignalSubscription().GetCatchEventId() == "waitGo" {
				n++
			}
		}
		return n == len(waiting)
	}, "the catch events did not all wait")

	sig, err := client.NewBroadcastSignalCommand().SignalName("go").VariablesFromString(`{"at":"noon"}`)
	require.NoError(t, err)
	resp, err := sig.Send(ctx)
	require.NoError(t, err)
	require.Positive(t, resp.GetKey())
	kick, err := client.NewBroadcastSignalCommand().SignalName("kickoff").Send(ctx)
	require.NoError(t, err)
	require.Positive(t, kick.GetKey())

	completed := map[int64]bool{}
	started := map[int32]int{}
	eventually(t, 20*time.Second, func() bool {
		clear(completed)
		clear(started)
		for _, r := range records() {
			pi := r.GetProcessInstance()
			if r.GetIntent() == "ELEMENT_COMPLETED" && pi.GetBpmnElementType() == "PROCESS" && waiting[r.GetKey()] {
				completed[r.GetKey()] = true
			}
			if r.GetIntent() == "ELEMENT_ACTIVATED" && pi.GetElementId() == "onDone" {
				started[state.PartitionOfKey(pi.GetProcessInstanceKey())]++
			}
		}
		return len(completed) == len(waiting) && len(started) == 3
	}, "%d of %d waiting instances completed; signal starts per partition: %v", len(completed), len(waiting), started)
	require.Equal(t, map[int32]int{1: 1, 2: 1, 3: 1}, started, "one instance per partition")

	_, err = client.NewBroadcastSignalCommand().SignalName("").Send(ctx)
	requireStatus(t, err, codes.InvalidArgument)
}
