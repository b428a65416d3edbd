package partition_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// replicaSet is one partition replicated three times in this process, over raft's
// in-memory transports.
type replicaSet struct {
	t        *testing.T
	base     string
	cfg      partition.Config
	servers  []raft.Server
	trans    []*raft.InmemTransport
	replicas []*partition.Partition
}

func newReplicaSet(t *testing.T, cfg partition.Config) *replicaSet {
	rs := &replicaSet{t: t, base: t.TempDir(), cfg: cfg}
	for i := range 3 {
		id := raft.ServerID(fmt.Sprintf("node-%d", i))
		rs.servers = append(rs.servers, raft.Server{ID: id, Address: raft.ServerAddress(id)})
	}
	rs.replicas = make([]*partition.Partition, 3)
	rs.trans = make([]*raft.InmemTransport, 3)
	for i := range 3 {
		rs.start(i)
	}
	t.Cleanup(func() {
		for i := range rs.replicas {
			rs.stop(i)
		}
	})
	return rs
}

// start opens replica i with a fresh transport connected to the others'.
func (rs *replicaSet) start(i int) {
	_, tr := raft.NewInmemTransport(rs.servers[i].Address)
	rs.trans[i] = tr
	for j, other := range rs.trans {
		if j != i && other != nil {
			tr.Connect(rs.servers[j].Address, other)
			other.Connect(rs.servers[i].Address, tr)
		}
	}
	cfg := rs.cfg
	cfg.ID = 1
	cfg.Dir = filepath.Join(rs.base, fmt.Sprintf("node-%d", i))
	cfg.LocalID = string(rs.servers[i].ID)
	cfg.Transport = tr
	cfg.Servers = rs.servers
	cfg.HeartbeatTimeout = 200 * time.Millisecond
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	p, err := partition.Open(cfg)
	require.NoError(rs.t, err)
	rs.replicas[i] = p
}

func (rs *replicaSet) stop(i int) {
	if rs.replicas[i] == nil {
		return
	}
	for j, other := range rs.trans {
		if j != i && other != nil {
			other.Disconnect(rs.servers[i].Address)
		}
	}
	require.NoError(rs.t, rs.replicas[i].Close())
	rs.replicas[i], rs.trans[i] = nil, nil
}

// leader waits for a leading replica and returns its index.
func (rs *replicaSet) leader() int {
	rs.t.Helper()
	var found int
	require.Eventually(rs.t, func() bool {
		for i, p := range rs.replicas {
			if p != nil && p.IsLeader() {
				found = i
				return true
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond, "no replica became leader")
	return found
}

// converged waits until every running replica has applied the same entries and holds
// byte-identical state.
func (rs *replicaSet) converged() {
	rs.t.Helper()
	require.Eventually(rs.t, func() bool {
		var sums []uint64
		var applied []uint64
		for _, p := range rs.replicas {
			if p == nil {
				continue
			}
			sum, err := p.State().Checksum()
			require.NoError(rs.t, err)
			sums = append(sums, sum)
			applied = append(applied, p.State().LastApplied())
		}
		for i := range sums {
			if sums[i] != sums[0] || applied[i] != applied[0] {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond, "replicas did not converge")
}

// Every replica processes the same committed commands and ends with byte-identical
// state and records; a follower refuses commands; a new leader continues after the old
// one stops, with the jobs and keys it left.
func TestReplicasConvergeAndFailOver(t *testing.T) {
	rs := newReplicaSet(t, partition.Config{DueDateInterval: 20 * time.Millisecond})
	l := rs.leader()
	p := rs.replicas[l]
	event(t, p, deployCmd())
	var instances []int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				k := instanceKey(t, event(t, p, createCmd()))
				mu.Lock()
				instances = append(instances, k)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rs.converged()

	follower := (l + 1) % 3
	_, err := rs.replicas[follower].Execute(t.Context(), createCmd())
	require.ErrorIs(t, err, partition.ErrNotLeader)

	// An activated job with a short timeout: the new leader's due-date checker must time
	// it out after the failover.
	r := event(t, p, activateCmd(1, 300*time.Millisecond))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 1)
	timedOutJob := r.GetJobBatch().GetJobKeys()[0]
	rs.converged()

	rs.stop(l)
	l2 := rs.leader()
	require.NotEqual(t, l, l2)
	p2 := rs.replicas[l2]
	require.Eventually(t, func() bool {
		return len(findRecords(t, p2, recordpb.ValueType_JOB, "TIMED_OUT", timedOutJob)) == 1
	}, 20*time.Second, 20*time.Millisecond, "the new leader did not time the job out")
	r = event(t, p2, activateCmd(100, time.Minute))
	require.Len(t, r.GetJobBatch().GetJobKeys(), len(instances), "every instance's job is on the new leader")
	k := instanceKey(t, event(t, p2, createCmd()))
	for _, old := range instances {
		require.Greater(t, k, old)
	}

	// The old leader comes back as a follower and catches up.
	rs.start(l)
	rs.converged()
}

// A follower that lost its disk, behind a leader whose log was truncated by snapshots,
// gets the state by snapshot install and ends equal to the others.
func TestWipedFollowerRejoinsBySnapshot(t *testing.T) {
	rs := newReplicaSet(t, partition.Config{SnapshotThreshold: 8, TrailingLogs: 2, MaxCommandsPerEntry: 1})
	l := rs.leader()
	p := rs.replicas[l]
	event(t, p, deployCmd())
	for range 40 {
		event(t, p, createCmd())
	}
	rs.converged()
	require.Eventually(t, func() bool {
		first, _, err := p.RaftLogBounds()
		require.NoError(t, err)
		return first > 2
	}, 20*time.Second, 20*time.Millisecond, "the leader's log was never truncated")

	victim := (l + 1) % 3
	rs.stop(victim)
	require.NoError(t, os.RemoveAll(filepath.Join(rs.base, fmt.Sprintf("node-%d", victim))))
	for range 10 {
		event(t, p, createCmd())
	}
	rs.start(victim)
	rs.converged()
	require.Equal(t, p.State().LastPosition(), rs.replicas[victim].State().LastPosition())
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := rs.replicas[victim].Execute(ctx, createCmd())
	require.ErrorIs(t, err, partition.ErrNotLeader)
}
