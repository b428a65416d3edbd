// Package raftstore keeps the Raft log and the Raft stable store of one
// hashicorp/raft group in Pebble.
//
// A Store works on a *pebble.DB that the caller opens (see OpenDB) and
// closes; several groups share one DB by giving each Store its own key
// prefix. A Store implements raft.LogStore and raft.StableStore and is safe
// for the concurrent use raft makes of it. It does not implement
// raft.MonotonicLogStore: raft may leave gaps in the log after installing a
// snapshot, and the store supports them.
package raftstore

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/hashicorp/raft"
)

// ErrClosed is returned by every method of a Store after Close.
var ErrClosed = errors.New("raftstore: store closed")

// ErrZeroIndex is returned by StoreLog and StoreLogs for an entry with index
// 0. Raft numbers entries from 1, and 0 is what FirstIndex and LastIndex
// report for an empty log, so an entry at 0 could not be told apart from
// none.
var ErrZeroIndex = errors.New("raftstore: log index 0 is reserved")

// Options tune a Store.
type Options struct {
	// NoSync commits writes without waiting for fsync. A crash may then lose
	// acknowledged writes, which breaks Raft's safety: set it only in tests
	// and benchmarks. By default every write is committed with pebble.Sync.
	NoSync bool
}

var (
	_ raft.LogStore    = (*Store)(nil)
	_ raft.StableStore = (*Store)(nil)
)

// Store is the Raft log store and stable store of one Raft group, kept under
// one key prefix of a Pebble DB. Create it with New.
//
// All methods are safe for concurrent use. Writes to the log (StoreLog,
// StoreLogs, DeleteRange) are serialized with each other; reads never wait
// for them.
type Store struct {
	db   *pebble.DB
	keys keyspace
	wo   *pebble.WriteOptions

	// bounds caches the first and last index in the log. It is replaced, never
	// mutated, and only while holding writeMu, after the write it reflects has
	// been committed.
	bounds atomic.Pointer[bounds]

	// writeMu serializes log writes so that each computes its new bounds from
	// the bounds the previous one left. See locksordering.txt.
	writeMu sync.Mutex

	// closeMu is held for reading by every method that touches db and for
	// writing by Close, so that once Close returns no call is using db.
	closeMu sync.RWMutex
	closed  atomic.Bool
}

// bounds are the first and last index present in the log, both 0 when the
// log is empty. Every stored entry has first <= index <= last; first and
// last themselves are stored.
type bounds struct {
	first, last uint64
}

// New returns a store for one Raft group whose keys all start with prefix.
// The caller owns db: it must outlive the store and is not closed by it.
//
// Groups sharing a DB need prefixes of which none is a prefix of another
// (fixed-length prefixes are the simple way to get that): with prefixes "a"
// and "ab", a range over group "a" also covers group "ab". New copies prefix.
//
// New finds the first and last log index by seeking, so it costs two
// iterator positionings regardless of the log's size.
func New(db *pebble.DB, prefix []byte, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("raftstore: nil db")
	}
	s := &Store{
		db:   db,
		keys: newKeyspace(prefix),
		wo:   pebble.Sync,
	}
	if opts.NoSync {
		s.wo = pebble.NoSync
	}
	first, err := s.seekIndex(s.keys.logLower, true)
	if err != nil {
		return nil, fmt.Errorf("raftstore: recover first index: %w", err)
	}
	last, err := s.seekIndex(s.keys.logUpper, false)
	if err != nil {
		return nil, fmt.Errorf("raftstore: recover last index: %w", err)
	}
	s.bounds.Store(&bounds{first: first, last: last})
	return s, nil
}

// Close makes every later call on the store return ErrClosed, after waiting
// for calls in progress to finish. It does not close the DB, which belongs
// to the caller; closing the DB while a store on it may still be called
// makes Pebble panic, so shut raft down, then Close the stores, then close
// the DB. Close is idempotent and always returns nil.
func (s *Store) Close() error {
	s.closeMu.Lock()
	s.closed.Store(true)
	s.closeMu.Unlock()
	return nil
}

// enter guards an operation that uses db; call leave when it returns.
func (s *Store) enter() error {
	s.closeMu.RLock()
	if s.closed.Load() {
		s.closeMu.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *Store) leave() { s.closeMu.RUnlock() }

// FirstIndex returns the index of the first entry in the log, or 0 if the
// log is empty. It reads a cached value and does no I/O.
func (s *Store) FirstIndex() (uint64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	return s.bounds.Load().first, nil
}

// LastIndex returns the index of the last entry in the log, or 0 if the log
// is empty. It reads a cached value and does no I/O.
func (s *Store) LastIndex() (uint64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	return s.bounds.Load().last, nil
}

// GetLog reads the entry at index into log. It returns raft.ErrLogNotFound
// itself, unwrapped, if there is none (raft compares it with ==), and an
// error wrapping ErrCorrupt if the stored value cannot be decoded.
func (s *Store) GetLog(index uint64, log *raft.Log) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()

	if b := s.bounds.Load(); index == 0 || index < b.first || index > b.last {
		return raft.ErrLogNotFound
	}
	val, closer, err := s.db.Get(s.keys.logKey(index))
	if errors.Is(err, pebble.ErrNotFound) {
		return raft.ErrLogNotFound
	}
	if err != nil {
		return fmt.Errorf("raftstore: get log %d: %w", index, err)
	}
	defer closer.Close()
	var l raft.Log
	if err := decodeLog(val, &l); err != nil {
		return fmt.Errorf("raftstore: get log %d: %w", index, err)
	}
	if l.Index != index {
		return fmt.Errorf("raftstore: get log %d: value holds index %d: %w", index, l.Index, ErrCorrupt)
	}
	*log = l
	return nil
}

// StoreLog stores one entry; see StoreLogs.
func (s *Store) StoreLog(log *raft.Log) error {
	return s.StoreLogs([]*raft.Log{log})
}

// StoreLogs stores entries in one Pebble batch committed with one fsync:
// all of them become durable together, or none do. An entry replaces any
// entry already stored at its index. Entries need not be contiguous with
// the stored log or with each other (raft leaves a gap after installing a
// snapshot); index 0 is rejected with ErrZeroIndex.
func (s *Store) StoreLogs(logs []*raft.Log) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if len(logs) == 0 {
		return nil
	}

	batch := s.db.NewBatch()
	defer batch.Close()
	lo, hi := uint64(math.MaxUint64), uint64(0)
	keyLen := s.keys.logKeyLen()
	for _, l := range logs {
		if l == nil {
			return errors.New("raftstore: store logs: nil entry")
		}
		if l.Index == 0 {
			return ErrZeroIndex
		}
		op := batch.SetDeferred(keyLen, encodedLogLen(l))
		s.keys.putLogKey(op.Key, l.Index)
		putLog(op.Value, l)
		if err := op.Finish(); err != nil {
			return fmt.Errorf("raftstore: store log %d: %w", l.Index, err)
		}
		lo, hi = min(lo, l.Index), max(hi, l.Index)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := batch.Commit(s.wo); err != nil {
		return fmt.Errorf("raftstore: store logs %d..%d: %w", lo, hi, err)
	}
	b := *s.bounds.Load()
	if b.first == 0 || lo < b.first {
		b.first = lo
	}
	b.last = max(b.last, hi)
	s.bounds.Store(&b)
	return nil
}

// DeleteRange deletes the entries with min <= index <= max with a single
// Pebble range deletion, whatever the number of entries. Raft calls it to
// drop the head of the log after a snapshot and to drop a conflicting tail
// on a follower. min > max deletes nothing.
func (s *Store) DeleteRange(min, max uint64) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if min > max {
		return nil
	}
	start := s.keys.logKey(min)
	end := s.keys.logUpper
	if max < math.MaxUint64 {
		end = s.keys.logKey(max + 1)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.DeleteRange(start, end, s.wo); err != nil {
		return fmt.Errorf("raftstore: delete logs %d..%d: %w", min, max, err)
	}

	b := *s.bounds.Load()
	switch {
	case b.first == 0 || max < b.first || min > b.last:
		return nil // nothing stored in the range; bounds unchanged
	case min <= b.first && max >= b.last:
		b = bounds{}
	case min <= b.first:
		// Head deleted. The new first entry is the first one after max; it
		// exists because max < last, but it need not be max+1 across a gap.
		first, err := s.seekIndex(end, true)
		if err != nil {
			return fmt.Errorf("raftstore: delete logs %d..%d: find first index: %w", min, max, err)
		}
		b.first = first
	case max >= b.last:
		last, err := s.seekIndex(start, false)
		if err != nil {
			return fmt.Errorf("raftstore: delete logs %d..%d: find last index: %w", min, max, err)
		}
		b.last = last
	default:
		// A hole in the middle leaves first and last in place.
	}
	if b.first == 0 || b.last == 0 {
		// Only reachable if a seek found nothing on the side that was kept,
		// which means the log holds no entries at all.
		b = bounds{}
	}
	s.bounds.Store(&b)
	return nil
}

// seekIndex returns the index of the first log entry whose key is >= key
// (forward) or the last one whose key is < key (backward), or 0 if there is
// none.
func (s *Store) seekIndex(key []byte, forward bool) (index uint64, err error) {
	iter, err := s.db.NewIter(&pebble.IterOptions{
		LowerBound: s.keys.logLower,
		UpperBound: s.keys.logUpper,
	})
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := iter.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	var ok bool
	if forward {
		ok = iter.SeekGE(key)
	} else {
		ok = iter.SeekLT(key)
	}
	if !ok {
		return 0, iter.Error()
	}
	index, valid := s.keys.logIndex(iter.Key())
	if !valid || index == 0 {
		return 0, fmt.Errorf("malformed log key %x: %w", iter.Key(), ErrCorrupt)
	}
	return index, nil
}
