package partition

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/brokerpb"
)

// fsm is the partition's Raft state machine. Raft calls ApplyBatch on one goroutine
// with committed entries in order; it processes every command of every entry with the
// engine, in one Pebble transaction, and hands the responses to the partition.
//
// The state lives in Pebble, not memory: the last applied Raft index is written in the
// same transaction as the state it produced, and entries at or below it are skipped, so
// a restart that replays the Raft log from the start changes nothing twice.
type fsm struct {
	p   *Partition
	db  *state.DB
	eng *engine.Engine
}

var _ raft.BatchingFSM = (*fsm)(nil)

// Apply applies one entry.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies committed entries in one state transaction. It must be
// deterministic: the entry's timestamp is the only clock.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	results := make([]any, len(logs))
	last := f.db.LastApplied()
	tx := f.db.Begin()
	var out engine.Output
	applied := false
	for _, l := range logs {
		if l.Index <= last {
			continue
		}
		applied = true
		tx.SetLastApplied(l.Index)
		if l.Type != raft.LogCommand {
			continue
		}
		var entry brokerpb.Entry
		if err := proto.Unmarshal(l.Data, &entry); err != nil {
			// Every replica sees the same bytes and skips the same entry.
			f.p.log.Error("skipping undecodable raft entry", "index", l.Index, "err", err)
			continue
		}
		tx.SetBrokerVersion(entry.GetBrokerVersion())
		for _, c := range entry.GetCommands() {
			if c.GetRecord() == nil {
				continue
			}
			f.eng.Process(tx, entry.GetTimestamp(), engine.Command{RequestID: c.GetRequestId(), Record: c.GetRecord()}, &out)
		}
		if u := entry.GetExporters(); u != nil {
			applyExporterUpdate(tx, u)
		}
	}
	if !applied {
		tx.Discard()
		return results
	}
	if err := tx.Commit(false); err != nil {
		// The state can no longer follow the log; continuing would diverge from the
		// other replicas. Stop the process loudly rather than answer wrongly.
		panic(fmt.Sprintf("partition %d: commit state: %v", f.db.PartitionID(), err))
	}
	f.p.delivered(&out)
	return results
}

// applyExporterUpdate stores the exporter positions the leader replicated and deletes
// the records every exporter has acknowledged.
func applyExporterUpdate(tx *state.Txn, u *brokerpb.ExporterUpdate) {
	for _, p := range u.GetPositions() {
		tx.SetExporterPosition(p.GetExporterId(), p.GetPosition(), p.GetMetadata())
	}
	for _, id := range u.GetRemoved() {
		tx.DeleteExporterPosition(id)
	}
	if c := u.GetCompactTo(); c > 0 {
		tx.CompactRecords(c)
	}
}

// Snapshot captures the state as of the last applied entry: a Pebble checkpoint, taken
// here on the FSM goroutine so that it matches the snapshot's Raft index exactly. Persist
// streams it later, on another goroutine, while processing goes on.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	dir := filepath.Join(f.p.cfg.Dir, "checkpoints", fmt.Sprintf("%020d-%d", f.db.LastApplied(), time.Now().UnixNano()))
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	if err := f.db.Checkpoint(dir); err != nil {
		return nil, err
	}
	return &snapshot{db: f.db, dir: dir}, nil
}

// Restore replaces the state with a snapshot a leader sent (a follower that fell behind
// the leader's log, or lost its disk). The snapshot is verified before anything is
// replaced; a corrupt one is refused, and Raft asks the leader again.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.db.ReplaceWith(rc); err != nil {
		f.p.log.Error("refused a partition snapshot", "err", err)
		return err
	}
	f.eng = engine.NewPartitioned(f.db.PartitionID(), max(f.p.cfg.PartitionCount, 1))
	f.p.log.Info("installed a partition snapshot", "applied", f.db.LastApplied(), "position", f.db.LastPosition())
	return nil
}

type snapshot struct {
	db  *state.DB
	dir string
}

// Persist syncs the live state (the log is truncated behind the snapshot, and a restart
// replays the log over the live state) and streams the checkpoint to the sink.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.db.Sync(); err != nil {
		sink.Cancel()
		return fmt.Errorf("sync state for snapshot: %w", err)
	}
	if err := state.WriteSnapshot(s.dir, sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("write snapshot: %w", err)
	}
	return sink.Close()
}

// Release removes the checkpoint.
func (s *snapshot) Release() { os.RemoveAll(s.dir) }
