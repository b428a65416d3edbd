package raftnet

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/partition/raftstore"
)

// testFSM records the commands applied to it. A command is an 8-byte id (and any
// padding); applying an id twice is harmless, so a command whose outcome is unknown
// (leadership lost after proposing) can be proposed again. digest folds the sequence of
// applied ids, so equal digests mean the same entries in the same order.
type testFSM struct {
	mu      sync.Mutex
	applied uint64
	digest  uint64
	ids     map[uint64]struct{}
}

func newTestFSM() *testFSM { return &testFSM{ids: map[uint64]struct{}{}} }

func (f *testFSM) Apply(l *raft.Log) any {
	if len(l.Data) < 8 {
		return fmt.Errorf("short command: %d bytes", len(l.Data))
	}
	id := binary.BigEndian.Uint64(l.Data)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied++
	f.digest = (f.digest ^ id) * 1099511628211
	f.ids[id] = struct{}{}
	return nil
}

func (f *testFSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := binary.BigEndian.AppendUint64(nil, f.applied)
	b = binary.BigEndian.AppendUint64(b, f.digest)
	for _, id := range slices.Sorted(maps.Keys(f.ids)) {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	return fsmSnapshot(b), nil
}

func (f *testFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	if len(b) < 16 || len(b)%8 != 0 {
		return fmt.Errorf("bad snapshot: %d bytes", len(b))
	}
	ids := map[uint64]struct{}{}
	for i := 16; i < len(b); i += 8 {
		ids[binary.BigEndian.Uint64(b[i:])] = struct{}{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied, f.digest, f.ids = binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:]), ids
	return nil
}

func (f *testFSM) summary() (applied, digest uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied, f.digest
}

func (f *testFSM) has(id uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.ids[id]
	return ok
}

func (f *testFSM) hasAll(ids []uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if _, ok := f.ids[id]; !ok {
			return false
		}
	}
	return true
}

type fsmSnapshot []byte

func (s fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (fsmSnapshot) Release() {}

func command(id uint64, size int) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, max(size, 8)), id)[:max(size, 8)]
}

func idRange(from, to uint64) []uint64 {
	ids := make([]uint64, 0, to-from+1)
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

// raftConfig holds the timings that work on loopback, under the race detector too.
func raftConfig(id raft.ServerID) *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = id
	c.HeartbeatTimeout = 200 * time.Millisecond
	c.ElectionTimeout = 200 * time.Millisecond
	c.LeaderLeaseTimeout = 100 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	c.BatchApplyCh = true
	c.Logger = hclog.NewNullLogger()
	return c
}

// testNode is one broker: a mux and a replica of each group. Its stores survive
// stop/start: Pebble in dir, or in-memory stores kept in mem.
type testNode struct {
	tb   testing.TB
	id   raft.ServerID
	addr string // the mux address, kept across restarts
	dir  string // "" for in-memory stores

	mux      *Mux
	db       *pebble.DB
	replicas map[uint32]*replica
	mem      map[uint32]*memStores
}

type replica struct {
	raft  *raft.Raft
	fsm   *testFSM
	store *raftstore.Store // nil with in-memory stores
}

type memStores struct {
	logs  *raft.InmemStore
	snaps *raft.InmemSnapshotStore
}

type testCluster struct {
	tb     testing.TB
	nodes  []*testNode
	groups []uint32
}

// startCluster starts n brokers, each with a replica of every group, and bootstraps each
// group with the n servers. With onDisk the Raft logs are raftstore on Pebble.
func startCluster(tb testing.TB, n int, groups []uint32, onDisk bool) *testCluster {
	tb.Helper()
	c := &testCluster{tb: tb, groups: groups}
	var conf raft.Configuration
	for i := range n {
		nd := &testNode{tb: tb, id: raft.ServerID(fmt.Sprintf("node-%d", i)), mem: map[uint32]*memStores{}}
		if onDisk {
			nd.dir = tb.TempDir()
		}
		m, err := Listen("127.0.0.1:0", Options{Logger: testLogger(tb).With("node", nd.id)})
		require.NoError(tb, err)
		nd.mux, nd.addr = m, m.Addr().String()
		conf.Servers = append(conf.Servers, raft.Server{ID: nd.id, Address: raft.ServerAddress(nd.addr)})
		c.nodes = append(c.nodes, nd)
	}
	tb.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.stop()
		}
	})
	for _, nd := range c.nodes {
		nd.start(groups, &conf)
	}
	return c
}

// start opens the node's stores and mux (on its old address) and starts its replicas;
// conf bootstraps groups that have no state yet.
func (nd *testNode) start(groups []uint32, conf *raft.Configuration) {
	tb := nd.tb
	tb.Helper()
	if nd.mux == nil {
		m, err := Listen(nd.addr, Options{Logger: testLogger(tb).With("node", nd.id)})
		require.NoError(tb, err)
		nd.mux = m
	}
	if nd.dir != "" {
		db, err := raftstore.OpenDB(filepath.Join(nd.dir, "raft"), raftstore.WithLogger(pebbleLogger{tb}))
		require.NoError(tb, err)
		nd.db = db
	}
	nd.replicas = map[uint32]*replica{}
	for _, g := range groups {
		rep := &replica{fsm: newTestFSM()}
		var logs raft.LogStore
		var stable raft.StableStore
		var snaps raft.SnapshotStore
		if nd.dir != "" {
			s, err := raftstore.New(nd.db, binary.BigEndian.AppendUint32(nil, g), raftstore.Options{NoSync: true})
			require.NoError(tb, err)
			rep.store, logs, stable = s, s, s
			fs, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(nd.dir, fmt.Sprintf("snapshots-%d", g)), 1, hclog.NewNullLogger())
			require.NoError(tb, err)
			snaps = fs
		} else {
			ms := nd.mem[g]
			if ms == nil {
				ms = &memStores{logs: raft.NewInmemStore(), snaps: raft.NewInmemSnapshotStore()}
				nd.mem[g] = ms
			}
			logs, stable, snaps = ms.logs, ms.logs, ms.snaps
		}
		trans, err := nd.mux.Transport(g, TransportOptions{Timeout: 2 * time.Second})
		require.NoError(tb, err)
		cfg := raftConfig(nd.id)
		if conf != nil {
			has, err := raft.HasExistingState(logs, stable, snaps)
			require.NoError(tb, err)
			if !has {
				require.NoError(tb, raft.BootstrapCluster(cfg, logs, stable, snaps, trans, *conf))
			}
		}
		r, err := raft.NewRaft(cfg, rep.fsm, logs, stable, snaps, trans)
		require.NoError(tb, err)
		rep.raft = r
		nd.replicas[g] = rep
	}
}

// stop shuts the node down: its rafts (which close their transports), stores and mux.
func (nd *testNode) stop() {
	if nd.mux == nil {
		return
	}
	for _, rep := range nd.replicas {
		require.NoError(nd.tb, rep.raft.Shutdown().Error())
		if rep.store != nil {
			require.NoError(nd.tb, rep.store.Close())
		}
	}
	if nd.db != nil {
		require.NoError(nd.tb, nd.db.Close())
		nd.db = nil
	}
	require.NoError(nd.tb, nd.mux.Close())
	nd.mux = nil
}

func (c *testCluster) others(nd *testNode) []*testNode {
	var out []*testNode
	for _, o := range c.nodes {
		if o != nd {
			out = append(out, o)
		}
	}
	return out
}

// leader waits until exactly one of nodes leads group and returns it.
func (c *testCluster) leader(group uint32, nodes []*testNode) *testNode {
	c.tb.Helper()
	var found *testNode
	waitFor(c.tb, 10*time.Second, fmt.Sprintf("a leader of group %d", group), func() bool {
		found = nil
		for _, nd := range nodes {
			if nd.replicas[group].raft.State() == raft.Leader {
				if found != nil {
					return false
				}
				found = nd
			}
		}
		return found != nil
	})
	return found
}

// apply gets every id committed in group through whichever of nodes leads it,
// re-proposing after a change of leader.
func (c *testCluster) apply(group uint32, nodes []*testNode, ids []uint64) {
	c.tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(ids) > 0 {
		if time.Now().After(deadline) {
			c.tb.Fatalf("group %d: %d commands not committed", group, len(ids))
		}
		r := c.leader(group, nodes).replicas[group].raft
		futures := make([]raft.ApplyFuture, len(ids))
		for i, id := range ids {
			futures[i] = r.Apply(command(id, 8), time.Second)
		}
		var failed []uint64
		for i, f := range futures {
			if err := f.Error(); err != nil {
				failed = append(failed, ids[i])
			}
		}
		ids = failed
	}
}

// converged waits until every node's replica of group holds ids and all of them have
// applied the same entries in the same order, up to the same Raft index.
func (c *testCluster) converged(group uint32, nodes []*testNode, ids []uint64) {
	c.tb.Helper()
	waitFor(c.tb, 20*time.Second, fmt.Sprintf("group %d to converge", group), func() bool {
		first := nodes[0].replicas[group]
		applied, digest := first.fsm.summary()
		for _, nd := range nodes {
			rep := nd.replicas[group]
			a, d := rep.fsm.summary()
			if a != applied || d != digest || !rep.fsm.hasAll(ids) ||
				rep.raft.LastIndex() != first.raft.LastIndex() ||
				rep.raft.AppliedIndex() != first.raft.AppliedIndex() {
				return false
			}
		}
		return true
	})
}

func (c *testCluster) describe(group uint32) string {
	var b strings.Builder
	for _, nd := range c.nodes {
		rep := nd.replicas[group]
		a, _ := rep.fsm.summary()
		fmt.Fprintf(&b, "%s: %s term=%d last=%d applied=%d fsm=%d; ", nd.id, rep.raft.State(),
			rep.raft.CurrentTerm(), rep.raft.LastIndex(), rep.raft.AppliedIndex(), a)
	}
	return b.String()
}

func TestTwoGroupsReplicate(t *testing.T) {
	c := startCluster(t, 3, []uint32{1, 2}, true)
	ids := idRange(1, 200)
	for _, g := range c.groups {
		c.leader(g, c.nodes)
		c.apply(g, c.nodes, ids)
	}
	for _, g := range c.groups {
		c.converged(g, c.nodes, ids)
		t.Logf("group %d: %s", g, c.describe(g))
	}
}

func TestLeaderNodeRestarts(t *testing.T) {
	c := startCluster(t, 3, []uint32{1, 2}, true)
	for _, g := range c.groups {
		c.apply(g, c.nodes, idRange(1, 100))
	}

	old := c.leader(1, c.nodes)
	rest := c.others(old)
	old.stop()

	// The other two elect a leader and go on.
	c.leader(1, rest)
	for _, g := range c.groups {
		c.apply(g, rest, idRange(101, 200))
		c.converged(g, rest, idRange(1, 200))
	}

	old.start(c.groups, nil)
	require.Equal(t, old.addr, old.mux.Addr().String())
	for _, g := range c.groups {
		c.converged(g, c.nodes, idRange(1, 200))
	}
	// And it takes part again.
	for _, g := range c.groups {
		c.apply(g, c.nodes, idRange(201, 220))
		c.converged(g, c.nodes, idRange(1, 220))
	}
}

func TestIsolatedLeaderLosesLeadership(t *testing.T) {
	c := startCluster(t, 3, []uint32{1, 2}, false)
	for _, g := range c.groups {
		c.apply(g, c.nodes, idRange(1, 50))
		c.converged(g, c.nodes, idRange(1, 50))
	}
	old := c.leader(1, c.nodes)
	majority := c.others(old)
	oldRaft := old.replicas[1].raft

	old.mux.SetBlocked(majority[0].addr, majority[1].addr)

	// The old leader cannot commit: its Apply fails once it notices it lost its quorum.
	const lost = 999_999
	errc := make(chan error, 1)
	f := oldRaft.Apply(command(lost, 8), 50*time.Millisecond)
	go func() { errc <- f.Error() }()
	select {
	case err := <-errc:
		require.Error(t, err)
		t.Logf("apply on the isolated leader: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatalf("apply on the isolated leader did not fail: %s", c.describe(1))
	}
	waitFor(t, 5*time.Second, "the isolated leader to step down", func() bool { return oldRaft.State() != raft.Leader })

	// The majority elects a new leader and commits.
	require.NotSame(t, old, c.leader(1, majority))
	c.apply(1, majority, idRange(51, 100))
	c.converged(1, majority, idRange(1, 100))
	require.Error(t, oldRaft.Apply(command(lost, 8), 50*time.Millisecond).Error(), "still cannot commit")
	require.False(t, old.replicas[1].fsm.has(51), "the isolated node saw nothing new")

	old.mux.SetBlocked()
	for _, g := range c.groups {
		c.converged(g, c.nodes, idRange(1, 50))
	}
	c.converged(1, c.nodes, idRange(1, 100))
	c.apply(1, c.nodes, idRange(101, 120))
	c.converged(1, c.nodes, idRange(1, 120))
	for _, nd := range c.nodes {
		require.False(t, nd.replicas[1].fsm.has(lost), "%s applied the entry the isolated leader could not commit", nd.id)
	}
	t.Logf("group 1 after healing: %s", c.describe(1))
}

// pebbleLogger sends Pebble's logs to the test's output.
type pebbleLogger struct{ tb testing.TB }

func (l pebbleLogger) Infof(format string, args ...any) {
	fmt.Fprintf(l.tb.Output(), "pebble: "+format+"\n", args...)
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(l.tb.Output(), "pebble: "+format+"\n", args...)
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}
