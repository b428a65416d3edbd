package main

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// topologyLeaders returns the number of partitions the gateway's topology shows a leader
// for, or -1 if the topology request failed.
func topologyLeaders(t *testing.T, client zbc.Client) int {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	topo, err := client.NewTopologyCommand().Send(ctx)
	if err != nil {
		return -1
	}
	led := map[int32]bool{}
	for _, b := range topo.GetBrokers() {
		for _, p := range b.GetPartitions() {
			if p.GetRole() == 0 /* LEADER */ {
				led[p.GetPartitionId()] = true
			}
		}
	}
	return len(led)
}

// TestClusterAnswersRightAfterStart: a fresh cluster of three `weft broker` processes and
// a standalone `weft gateway` takes a deployment, and then an instance on every partition,
// the moment its topology shows a leader of every partition, each request sent once with
// the official client. Brokers start with leaders that are not always their partitions'
// primaries, so leadership also moves right after the start while the requests run;
// they must wait for the new leader, not fail. Repeated on fresh clusters.
func TestClusterAnswersRightAfterStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes per round; skipped with -short")
	}
	const rounds = 3
	for round := 1; round <= rounds; round++ {
		c := startTestCluster(t)
		client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.gwAddr, UsePlaintextConnection: true})
		require.NoError(t, err)
		eventually(t, 60*time.Second, func() bool { return topologyLeaders(t, client) == 3 },
			"round %d: the topology never showed a leader of every partition", round)

		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		_, err = client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
		require.NoError(t, err, "round %d: deploy as soon as the topology showed leaders", round)
		// The gateway spreads creations over the partitions in turn.
		for i := range 3 {
			r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
			require.NoError(t, err, "round %d: creation %d", round, i)
			require.Positive(t, r.GetProcessInstanceKey())
		}
		cancel()
		client.Close()
		c.gateway.stop(syscall.SIGKILL)
		for _, b := range c.brokers {
			b.stop(syscall.SIGKILL)
		}
	}
}
