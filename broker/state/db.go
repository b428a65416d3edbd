// Package state is typed access to a partition's Pebble state: the record log, keys and
// positions, and the engine's entities, each kind in its own column family (a one-byte
// key prefix).
//
// Only the partition's processing goroutine writes, through a Txn; other goroutines read
// through the DB's read methods, which see the last committed Txn.
package state

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"
)

// KeyBits is the number of low bits of a key that count entities; the bits above hold
// the partition id, so a key alone names its partition.
const KeyBits = 51

// PartitionOfKey returns the partition id encoded in a key.
func PartitionOfKey(key int64) int32 { return int32(key >> KeyBits) }

// DB is one partition's state.
type DB struct {
	// mu guards db against ReplaceWith: read methods for other goroutines hold it shared;
	// Txns and ReplaceWith run on the processing goroutine only.
	mu          sync.RWMutex
	db          *pebble.DB
	dir         string
	opts        Options
	partitionID int32

	// Written only by Txn.Commit on the processing goroutine; read anywhere.
	lastPosition atomic.Int64
	keyCounter   atomic.Int64
	lastApplied  atomic.Uint64

	// activatableFloor holds, per job type, a key below which no job of the type is
	// activatable. Activations take the oldest jobs, so the index's head fills with
	// deletion markers until a compaction; starting each scan at the floor steps over
	// them. Used only by Txns, on the processing goroutine. It changes where a scan
	// starts, never what it finds, so it is not part of the replicated state.
	activatableFloor map[string]int64
}

// Options configures Open.
type Options struct {
	// PartitionID is the partition this state belongs to; it is encoded in every key.
	PartitionID int32
	// InMemory keeps everything in memory (tests and benchmarks); Dir is then ignored.
	InMemory bool
	// Logger receives Pebble's messages; nil discards them.
	Logger *slog.Logger
}

// Open opens (or creates) the state in dir. It first finishes or undoes a ReplaceWith
// that a crash interrupted.
func Open(dir string, opts Options) (*DB, error) {
	if opts.PartitionID <= 0 || opts.PartitionID >= 1<<(63-KeyBits) {
		return nil, fmt.Errorf("open state: partition id %d out of range", opts.PartitionID)
	}
	if !opts.InMemory {
		if err := recoverReplace(dir); err != nil {
			return nil, fmt.Errorf("open state %s: %w", dir, err)
		}
	}
	d := &DB{dir: dir, opts: opts, partitionID: opts.PartitionID}
	if err := d.open(); err != nil {
		return nil, err
	}
	return d, nil
}

// open opens the Pebble database in d.dir and loads the counters.
func (d *DB) open() error {
	cache := pebble.NewCache(128 << 20)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                64 << 20,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       24,
	}
	// Most reads are point lookups of keys that may not exist (a variable in each
	// enclosing scope, a job or incident by key); bloom filters answer those without
	// reading data blocks.
	po.Levels = make([]pebble.LevelOptions, 7)
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
	}
	po.EnsureDefaults()
	logger := d.opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	po.Logger = PebbleLogger(logger)
	dir := d.dir
	if d.opts.InMemory {
		po.FS = vfs.NewMem()
		dir = ""
	}
	pdb, err := pebble.Open(dir, po)
	if err != nil {
		return fmt.Errorf("open state %s: %w", dir, err)
	}
	d.db = pdb
	d.activatableFloor = map[string]int64{}
	for _, m := range []struct {
		key []byte
		set func(uint64)
	}{
		{metaLastPosition, func(v uint64) { d.lastPosition.Store(int64(v)) }},
		{metaKeyCounter, func(v uint64) { d.keyCounter.Store(int64(v)) }},
		{metaLastApplied, func(v uint64) { d.lastApplied.Store(v) }},
	} {
		v, err := d.getRaw(m.key)
		if err != nil {
			pdb.Close()
			return fmt.Errorf("open state: read meta: %w", err)
		}
		m.set(decodeU64(v))
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.db.Close()
}

// PartitionID returns the partition this state belongs to.
func (d *DB) PartitionID() int32 { return d.partitionID }

// LastPosition returns the position of the last committed record, 0 for none.
func (d *DB) LastPosition() int64 { return d.lastPosition.Load() }

// LastApplied returns the last Raft index whose effects are committed.
func (d *DB) LastApplied() uint64 { return d.lastApplied.Load() }

// Sync makes everything committed so far durable.
func (d *DB) Sync() error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.db.LogData(nil, pebble.Sync)
}

func (d *DB) getRaw(key []byte) ([]byte, error) {
	v, closer, err := d.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, nil
}

// Begin starts a write transaction. Only one may be open at a time, on the processing
// goroutine. It reads its own writes.
func (d *DB) Begin() *Txn {
	return &Txn{
		d:            d,
		b:            d.db.NewIndexedBatch(),
		lastPosition: d.lastPosition.Load(),
		keyCounter:   d.keyCounter.Load(),
		lastApplied:  d.lastApplied.Load(),
	}
}
