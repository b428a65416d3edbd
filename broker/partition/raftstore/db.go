package raftstore

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// DefaultMemTableSize is the memtable size OpenDB uses unless told
// otherwise. A Raft log is written once, read back soon (replication, FSM
// apply) and deleted after the next snapshot, so entries often die before
// their memtable is flushed; a memtable much larger than that window only
// costs memory, per DB and in the WAL replayed on start.
const DefaultMemTableSize = 8 << 20

// DBOption changes the Pebble options OpenDB uses.
type DBOption func(*pebble.Options)

// WithMemTableSize sets the size of one memtable in bytes.
func WithMemTableSize(bytes uint64) DBOption {
	return func(o *pebble.Options) { o.MemTableSize = bytes }
}

// WithFS makes the DB live on fs instead of the operating system's file
// system; vfs.NewMem() gives an in-memory DB for tests.
func WithFS(fs vfs.FS) DBOption {
	return func(o *pebble.Options) { o.FS = fs }
}

// WithLogger sets the logger Pebble reports to (pebble.DefaultLogger, the
// standard library's log package, otherwise).
func WithLogger(l pebble.Logger) DBOption {
	return func(o *pebble.Options) { o.Logger = l }
}

// WithPebbleOptions lets the caller change any Pebble option. OpenDB still
// refuses a configuration without a WAL.
func WithPebbleOptions(f func(*pebble.Options)) DBOption {
	return DBOption(f)
}

// OpenDB opens or creates the Pebble DB in dir for Raft logs and stable
// stores. The write-ahead log is always on: without it, a synced write is
// not durable, and Raft's promise to its peers breaks. The caller closes the
// DB, after closing every Store on it.
func OpenDB(dir string, opts ...DBOption) (*pebble.DB, error) {
	o := &pebble.Options{
		MemTableSize:       DefaultMemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.DisableWAL {
		return nil, errors.New("raftstore: open db: the WAL must stay enabled for a raft log")
	}
	db, err := pebble.Open(dir, o)
	if err != nil {
		return nil, fmt.Errorf("raftstore: open db %s: %w", dir, err)
	}
	return db, nil
}
