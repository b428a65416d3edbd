package raftstore

import (
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

func TestOpenDBRefusesDisabledWAL(t *testing.T) {
	db, err := OpenDB(t.TempDir(), WithPebbleOptions(func(o *pebble.Options) { o.DisableWAL = true }))
	if err == nil {
		db.Close()
		t.Fatal("OpenDB with the WAL disabled succeeded")
	}
}

func TestOpenDBInMemory(t *testing.T) {
	fs := vfs.NewMem()
	var memTable uint64
	db, err := OpenDB("raft", WithFS(fs), WithMemTableSize(1<<20), WithLogger(pebbleTestLogger{t}),
		WithPebbleOptions(func(o *pebble.Options) { memTable = o.MemTableSize }))
	must(t, err)
	if memTable != 1<<20 {
		t.Fatalf("MemTableSize = %d, want %d", memTable, 1<<20)
	}
	s, err := New(db, []byte("g/"), Options{})
	must(t, err)
	must(t, s.StoreLogs(entries(1, 3)))
	must(t, s.Close())
	must(t, db.Close())

	db, err = OpenDB("raft", WithFS(fs), WithLogger(pebbleTestLogger{t}))
	must(t, err)
	defer db.Close()
	s, err = New(db, []byte("g/"), Options{})
	must(t, err)
	requireBounds(t, s, 1, 3)
	requirePresent(t, s, 0, 4, 1, 2, 3)
}
