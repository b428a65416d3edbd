package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/broker/partition"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

func (c *devCluster) replicas(pid int32) []*partition.Partition {
	var out []*partition.Partition
	for _, b := range c.brokers {
		for _, p := range b.partitions {
			if p.ID() == pid {
				out = append(out, p)
			}
		}
	}
	return out
}

// leaderOf waits for a leader of the partition and returns its broker's index.
func (c *devCluster) leaderOf(t *testing.T, pid int32, not int) int {
	t.Helper()
	l := -1
	require.Eventually(t, func() bool {
		for i, b := range c.brokers {
			if b == nil { // stopped
				continue
			}
			for _, p := range b.partitions {
				if p.ID() == pid && p.IsLeader() && i != not {
					l = i
					return true
				}
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "partition %d has no leader", pid)
	return l
}

// A network partition that isolates a partition's leader from its followers: the
// majority elects a new leader and goes on serving through the gateway; the isolated
// leader steps down and acknowledges nothing; after healing, every replica converges
// on the same state and nothing acknowledged is lost.
func TestDevClusterSurvivesANetworkPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	c, client := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 3, replicationFactor: 3},
		slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
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

	// Isolate partition 1's leader from the other brokers' Raft traffic.
	old := c.leaderOf(t, 1, -1)
	var others []string
	for i, b := range c.brokers {
		if i != old {
			others = append(others, b.mux.Addr().String())
		}
	}
	oldTerm := c.brokers[old].partitionByID(1).Term()
	c.brokers[old].mux.SetBlocked(others...)
	newLeader := c.leaderOf(t, 1, old)
	require.Greater(t, c.brokers[newLeader].partitionByID(1).Term(), oldTerm)
	require.Eventually(t, func() bool { return !c.brokers[old].partitionByID(1).IsLeader() },
		30*time.Second, 20*time.Millisecond, "the isolated leader did not step down")

	// The majority goes on: creations through the gateway succeed on every partition.
	create(30)

	// Heal; every replica of every partition converges.
	c.brokers[old].mux.SetBlocked()
	for pid := int32(1); pid <= 3; pid++ {
		require.Eventually(t, func() bool {
			var sums []partition.Status
			for _, p := range c.replicas(pid) {
				s, err := p.Status(true)
				require.NoError(t, err)
				sums = append(sums, s)
			}
			for _, s := range sums[1:] {
				if s.AppliedIndex != sums[0].AppliedIndex || s.Checksum != sums[0].Checksum {
					return false
				}
			}
			return true
		}, 30*time.Second, 100*time.Millisecond, "partition %d's replicas did not converge after healing", pid)
	}

	// Every acknowledged instance has its job.
	found := map[int64]bool{}
	require.Eventually(t, func() bool {
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(1000).Timeout(time.Minute).Send(ctx)
		if err != nil {
			return false
		}
		for _, j := range jobs {
			found[j.GetProcessInstanceKey()] = true
		}
		return len(found) >= len(acked)
	}, 30*time.Second, 100*time.Millisecond)
	for k := range acked {
		require.True(t, found[k], "acknowledged instance %d lost its job", k)
	}
}

// Rebalancing hands every partition to the broker with priority for it, which spreads
// the leaders evenly (one partition each here).
func TestDevClusterRebalance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	c, err := startDevCluster(t.Context(), devConfig{dataDir: t.TempDir(), gatewayAddr: "127.0.0.1:0", brokers: 3, partitions: 3, replicationFactor: 3},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer c.Close()
	place, err := placement.Distribute(3, 3, 3)
	require.NoError(t, err)
	for pid := int32(1); pid <= 3; pid++ {
		c.leaderOf(t, pid, -1)
	}
	require.Eventually(t, func() bool {
		for _, b := range c.brokers {
			if _, err := b.rebalance(place); err != nil {
				t.Logf("rebalance: %v", err)
			}
		}
		for pid := int32(1); pid <= 3; pid++ {
			if !c.brokers[place.Priority(pid)].partitionByID(pid).IsLeader() {
				return false
			}
		}
		return true
	}, 30*time.Second, 200*time.Millisecond, "the leaders did not move to their priority brokers")
}

// A follower that lost its disk, in a cluster whose logs were truncated behind
// snapshots, rejoins by installing the leader's snapshot and ends with the same state.
func TestDevClusterWipedFollowerRejoinsBySnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	logs := &syncBuffer{}
	c, client := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 1,
		replicationFactor: 3, snapshotThreshold: 16}, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	leader := c.leaderOf(t, 1, -1)
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	create := func(n int) {
		for range n {
			_, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
			require.NoError(t, err)
		}
	}
	create(80)
	require.Eventually(t, func() bool {
		first, _, err := c.brokers[leader].partitionByID(1).RaftLogBounds()
		return err == nil && first > 1
	}, 30*time.Second, 50*time.Millisecond, "the leader's log was never truncated")

	// A follower that does not serve the gateway loses its disk.
	victim := 1
	for victim == leader || victim == 0 {
		victim++
	}
	require.NoError(t, c.restart(t.Context(), victim, true))
	create(20)
	require.Eventually(t, func() bool {
		var sts []partition.Status
		for _, p := range c.replicas(1) {
			s, err := p.Status(true)
			require.NoError(t, err)
			sts = append(sts, s)
		}
		for _, s := range sts[1:] {
			if s.AppliedIndex != sts[0].AppliedIndex || s.Checksum != sts[0].Checksum {
				return false
			}
		}
		return len(sts) == 3
	}, 30*time.Second, 100*time.Millisecond, "the wiped follower did not catch up")
	require.Regexp(t, fmt.Sprintf(`msg="installed a partition snapshot" broker=%d`, victim), logs.tail(1<<30),
		"the wiped follower caught up without installing a snapshot")
}
