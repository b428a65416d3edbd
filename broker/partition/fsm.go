package partition

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

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
		for _, c := range entry.GetCommands() {
			if c.GetRecord() == nil {
				continue
			}
			f.eng.Process(tx, entry.GetTimestamp(), engine.Command{RequestID: c.GetRequestId(), Record: c.GetRecord()}, &out)
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

// Snapshot captures the point to which the log may be truncated. The state itself is
// in Pebble; Persist makes it durable before Raft drops the entries that produced it.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &snapshot{db: f.db, index: f.db.LastApplied()}, nil
}

// Restore installs a snapshot sent by a leader. A single-voter partition never
// receives one; clusters (with snapshot transfer of Pebble checkpoints) come later.
func (f *fsm) Restore(rc io.ReadCloser) error {
	rc.Close()
	return errors.New("installing a partition snapshot from a peer is not supported yet")
}

type snapshot struct {
	db    *state.DB
	index uint64
}

// Persist syncs the state (which holds at least everything up to the snapshot's index)
// and writes the index as the snapshot's content.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.db.Sync(); err != nil {
		sink.Cancel()
		return fmt.Errorf("sync state for snapshot: %w", err)
	}
	if _, err := sink.Write(binary.BigEndian.AppendUint64(nil, s.index)); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release does nothing: the snapshot holds no resources.
func (s *snapshot) Release() {}
