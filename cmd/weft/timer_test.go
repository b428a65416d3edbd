package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// A timer catch event fires after its duration; a boundary timer interrupts a task
// whose job nobody completes; a timer still pending when weft dev stops fires after it
// starts again.
func TestTimersFireAndSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	e := startDevEnvIn(t, dir)
	_, err := e.client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "timers.bpmn")).Send(e.ctx(10 * time.Second))
	require.NoError(t, err)

	quick := e.create("wait", `{"delay":"PT1S"}`)
	e.waitRecord("the timer to fire", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_TIMER && r.GetIntent() == "TRIGGERED" && r.GetTimer().GetProcessInstanceKey() == quick
	})
	e.waitCompleted(quick)

	slow := e.create("wait", `{"delay":"PT4S"}`)
	e.waitRecord("the timer to be created", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_TIMER && r.GetIntent() == "CREATED" && r.GetTimer().GetProcessInstanceKey() == slow
	})
	e.stop()

	e = startDevEnvIn(t, dir)
	eventually(t, 15*time.Second, func() bool {
		for _, r := range e.records() {
			if isInstanceDone(r, slow, "ELEMENT_COMPLETED") {
				return true
			}
		}
		return false
	}, "the timer created before the restart did not fire after it")
}

// Timers of instances on every partition fire although the broker that led their
// partition when they were created is gone: the new leader's due-date checker finds
// them in the replicated state.
func TestDevClusterTimersFireAfterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	c, client := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 3, replicationFactor: 3},
		slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "timers.bpmn")).Send(ctx)
	require.NoError(t, err)

	waiting := map[int64]bool{}
	for range 6 {
		cmd, err := client.NewCreateInstanceCommand().BPMNProcessId("wait").LatestVersion().VariablesFromString(`{"delay":"PT3S"}`)
		require.NoError(t, err)
		r, err := cmd.Send(ctx)
		require.NoError(t, err)
		waiting[r.GetProcessInstanceKey()] = true
	}
	// Stop a broker that leads a partition with waiting timers (not broker 0, which
	// serves the gateway).
	victim := -1
	for pid := int32(1); pid <= 3 && victim < 0; pid++ {
		if l := c.leaderOf(t, pid, -1); l != 0 {
			victim = l
		}
	}
	if victim < 0 {
		victim = 1 // broker 0 leads everything; stopping another still tests a follower's loss
	}
	require.NoError(t, c.stop(victim))

	completed := map[int64]bool{}
	eventually(t, 45*time.Second, func() bool {
		for i, b := range c.brokers {
			if i == victim || b == nil {
				continue
			}
			for _, p := range b.partitions {
				if !p.IsLeader() {
					continue
				}
				recs, err := p.State().Records(1, p.State().LastPosition())
				require.NoError(t, err)
				for _, r := range recs {
					if waiting[r.GetKey()] && isInstanceDone(r, r.GetKey(), "ELEMENT_COMPLETED") {
						completed[r.GetKey()] = true
					}
				}
			}
		}
		return len(completed) == len(waiting)
	}, "%d of %d instances completed after the failover", len(completed), len(waiting))
	for k := range waiting {
		require.True(t, completed[k], "instance %d on partition %d", k, state.PartitionOfKey(k))
	}
}
