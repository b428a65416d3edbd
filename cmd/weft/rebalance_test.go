package main

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/cluster/placement"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// topologyLeaderMap returns each partition's leader as the gateway's topology shows it.
func topologyLeaderMap(t *testing.T, client zbc.Client) map[int32]int {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	topo, err := client.NewTopologyCommand().Send(ctx)
	if err != nil {
		return nil
	}
	leaders := map[int32]int{}
	for _, b := range topo.GetBrokers() {
		for _, p := range b.GetPartitions() {
			if p.GetRole() == 0 /* LEADER */ {
				leaders[p.GetPartitionId()] = int(b.GetNodeId())
			}
		}
	}
	return leaders
}

// TestClusterLeadersReturnToPrimaries: three `weft broker` processes with automatic
// rebalancing (the default) spread the leaders over their partitions' primaries; after
// a broker that leads is killed with SIGKILL and restarted, leadership returns to the
// primaries without an operator, and every instance whose creation was acknowledged,
// before, during and after, still has its job.
func TestClusterLeadersReturnToPrimaries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes; skipped with -short")
	}
	place, err := placement.Distribute(3, 3, 3)
	require.NoError(t, err)
	primaries := map[int32]int{}
	for pid := int32(1); pid <= 3; pid++ {
		primaries[pid] = int(place.Priority(pid))
	}
	c := startTestCluster(t)
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.gwAddr, UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	var last map[int32]int
	atPrimaries := func() bool {
		last = topologyLeaderMap(t, client)
		return maps.Equal(last, primaries)
	}
	eventually(t, 90*time.Second, atPrimaries, "the leaders did not settle on the primaries %v (last seen %v)", primaries, last)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	_, err = client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	acked := map[int64]bool{}
	create := func(n int) {
		for range n {
			r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
			require.NoError(t, err)
			acked[r.GetProcessInstanceKey()] = true
		}
	}
	create(30)

	// Broker 0 is partition 1's primary, and its leader now.
	victim := primaries[1]
	c.brokers[victim].stop(syscall.SIGKILL)
	eventually(t, 60*time.Second, func() bool {
		l := topologyLeaderMap(t, client)
		return len(l) == 3 && l[1] != victim
	}, "partition 1 got no new leader after broker %d was killed", victim)
	create(30)
	c.brokers[victim].start()
	create(30)
	eventually(t, 90*time.Second, atPrimaries, "leadership did not return to the primaries %v after the restart (last seen %v)", primaries, last)
	create(30)

	// Every acknowledged instance has its job.
	found := map[int64]bool{}
	eventually(t, 60*time.Second, func() bool {
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(200).Timeout(time.Minute).Send(ctx)
		if err != nil {
			t.Logf("activate: %v", err)
			return false
		}
		for _, j := range jobs {
			found[j.GetProcessInstanceKey()] = true
		}
		for k := range acked {
			if !found[k] {
				return false
			}
		}
		return true
	}, "%s", fmt.Sprintf("%d acknowledged instances, jobs of fewer found", len(acked)))
	require.Len(t, acked, 120)
}
