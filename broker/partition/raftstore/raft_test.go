package raftstore

import (
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// countingFSM counts the commands applied to it; its snapshot is the count.
type countingFSM struct {
	applied atomic.Uint64
}

func (f *countingFSM) Apply(*raft.Log) any { return f.applied.Add(1) }

func (f *countingFSM) Snapshot() (raft.FSMSnapshot, error) {
	return countSnapshot(f.applied.Load()), nil
}

func (f *countingFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var b [8]byte
	if _, err := io.ReadFull(rc, b[:]); err != nil {
		return err
	}
	f.applied.Store(binary.BigEndian.Uint64(b[:]))
	return nil
}

type countSnapshot uint64

func (s countSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(binary.BigEndian.AppendUint64(nil, uint64(s))); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (countSnapshot) Release() {}

// raftNode is a single-voter raft group on a Store, with its snapshots in a
// directory beside the DB.
type raftNode struct {
	t     *testing.T
	db    *pebble.DB
	store *Store
	fsm   *countingFSM
	trans *raft.InmemTransport
	raft  *raft.Raft
}

const (
	nodeID   = raft.ServerID("node-1")
	nodeAddr = raft.ServerAddress("node-1")
)

// startNode opens the DB in dir and starts raft on it, bootstrapping the
// group if the stores hold no state yet.
func startNode(t *testing.T, dir string) *raftNode {
	t.Helper()
	logger := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: t.Output(), Level: hclog.Warn})
	conf := raft.DefaultConfig()
	conf.LocalID = nodeID
	conf.Logger = logger
	conf.HeartbeatTimeout = 50 * time.Millisecond
	conf.ElectionTimeout = 50 * time.Millisecond
	conf.LeaderLeaseTimeout = 50 * time.Millisecond
	conf.CommitTimeout = 5 * time.Millisecond
	conf.TrailingLogs = 100
	// With applyCh buffered, commands proposed back to back from one
	// goroutine reach the leader loop together and are appended with one
	// StoreLogs call: one fsync for up to MaxAppendEntries entries.
	conf.BatchApplyCh = true
	// Snapshots are taken by the test only.
	conf.SnapshotThreshold = 1 << 40
	conf.SnapshotInterval = time.Hour

	db, err := OpenDB(filepath.Join(dir, "raft"), WithLogger(pebbleTestLogger{t}))
	must(t, err)
	store, err := New(db, []byte("partition-1/"), Options{})
	must(t, err)
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(dir, "snapshots"), 2, logger)
	must(t, err)
	_, trans := raft.NewInmemTransport(nodeAddr)

	existing, err := raft.HasExistingState(store, store, snaps)
	must(t, err)
	if !existing {
		must(t, raft.BootstrapCluster(conf, store, store, snaps, trans, raft.Configuration{
			Servers: []raft.Server{{Suffrage: raft.Voter, ID: nodeID, Address: nodeAddr}},
		}))
	}
	n := &raftNode{t: t, db: db, store: store, fsm: &countingFSM{}, trans: trans}
	n.raft, err = raft.NewRaft(conf, n.fsm, store, store, snaps, trans)
	must(t, err)
	eventually(t, 10*time.Second, "leadership", func() bool { return n.raft.State() == raft.Leader })
	return n
}

// stop shuts raft down, then the store, then the DB: the order in which
// nothing is left calling into a closed DB.
func (n *raftNode) stop() {
	n.t.Helper()
	must(n.t, n.raft.Shutdown().Error())
	must(n.t, n.trans.Close())
	must(n.t, n.store.Close())
	must(n.t, n.db.Close())
}

// apply proposes count commands, all in flight at once so that raft
// batches them into StoreLogs calls, and waits for them to be applied.
func (n *raftNode) apply(from, count int) {
	n.t.Helper()
	futures := make([]raft.ApplyFuture, 0, count)
	for i := from; i < from+count; i++ {
		futures = append(futures, n.raft.Apply(fmt.Appendf(nil, "cmd-%d", i), 10*time.Second))
	}
	for _, f := range futures {
		must(n.t, f.Error())
	}
}

func TestRaftRestartOnStore(t *testing.T) {
	dir := t.TempDir()
	const total = 1000

	n := startNode(t, dir)
	n.apply(0, 600)
	// A snapshot compacts the head of the log through DeleteRange.
	must(t, n.raft.Snapshot().Error())
	n.apply(600, total-600)
	if got := n.fsm.applied.Load(); got != total {
		t.Fatalf("applied %d commands, want %d", got, total)
	}
	first, err := n.store.FirstIndex()
	must(t, err)
	last, err := n.store.LastIndex()
	must(t, err)
	if last != n.raft.LastIndex() {
		t.Fatalf("store last index %d, raft last index %d", last, n.raft.LastIndex())
	}
	if first <= 1 || first > last-400 {
		t.Fatalf("first index %d after compaction (last %d): head not compacted", first, last)
	}
	var lastCmd raft.Log
	must(t, n.store.GetLog(last, &lastCmd))
	if lastCmd.Type != raft.LogCommand || string(lastCmd.Data) != fmt.Sprint("cmd-", total-1) {
		t.Fatalf("last entry is %v %q, want the last command", lastCmd.Type, lastCmd.Data)
	}
	term, err := n.store.GetUint64([]byte("CurrentTerm"))
	must(t, err)
	if term == 0 {
		t.Fatal("raft's current term is not in the stable store")
	}
	n.stop()

	// Same directory, new DB handle, new store, new raft.
	n = startNode(t, dir)
	defer n.stop()
	gotFirst, err := n.store.FirstIndex()
	must(t, err)
	if gotFirst != first {
		t.Fatalf("first index after restart %d, want %d", gotFirst, first)
	}
	var l raft.Log
	must(t, n.store.GetLog(last, &l))
	requireLogEqual(t, &lastCmd, &l)
	newTerm, err := n.store.GetUint64([]byte("CurrentTerm"))
	must(t, err)
	if newTerm <= term {
		t.Fatalf("term after re-election %d, want above %d", newTerm, term)
	}
	// The FSM is rebuilt from the snapshot plus the log after it.
	must(t, n.raft.Barrier(10*time.Second).Error())
	if got, _ := n.store.LastIndex(); got <= last {
		t.Fatalf("last index %d after restart and a barrier, want beyond %d", got, last)
	}
	if got := n.fsm.applied.Load(); got != total {
		t.Fatalf("after restart the FSM counts %d commands, want %d", got, total)
	}
	n.apply(total, 10)
	if got := n.fsm.applied.Load(); got != total+10 {
		t.Fatalf("FSM counts %d commands, want %d", got, total+10)
	}
}
