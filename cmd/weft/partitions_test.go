package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// With three partitions, a deployment is distributed to all of them before it returns:
// instances created right after it, round-robin over the partitions, all run, each on
// its own partition, and complete.
func TestDevWithThreePartitions(t *testing.T) {
	client := startDevEnvWith(t, devConfig{dataDir: t.TempDir(), partitions: 3}).client
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	topo, err := client.NewTopologyCommand().Send(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, topo.GetPartitionsCount())
	require.Len(t, topo.GetBrokers()[0].GetPartitions(), 3)

	dep, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	definition := dep.GetDeployments()[0].GetProcess().GetProcessDefinitionKey()

	onPartition := map[int32]int{}
	for range 9 {
		r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
		require.NoError(t, err, "creating right after the deployment returned")
		require.Equal(t, definition, r.GetProcessDefinitionKey(), "every partition knows the definition by the same key")
		onPartition[state.PartitionOfKey(r.GetProcessInstanceKey())]++
	}
	require.Equal(t, map[int32]int{1: 3, 2: 3, 3: 3}, onPartition)

	done := 0
	for done < 9 {
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(9).Timeout(time.Minute).Send(ctx)
		require.NoError(t, err)
		for _, j := range jobs {
			_, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx)
			require.NoError(t, err)
			done++
		}
	}

	// The same resource again is a duplicate everywhere.
	dep, err = client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	require.Equal(t, definition, dep.GetDeployments()[0].GetProcess().GetProcessDefinitionKey())
}
