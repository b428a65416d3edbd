package raftstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/hashicorp/raft"
)

// testDB is a Pebble DB in a temp dir that a test may close and reopen.
type testDB struct {
	t   testing.TB
	dir string
	db  *pebble.DB
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	d := &testDB{t: t, dir: t.TempDir()}
	d.open()
	t.Cleanup(func() {
		if d.db != nil {
			if err := d.db.Close(); err != nil {
				t.Errorf("close db: %v", err)
			}
		}
	})
	return d
}

func (d *testDB) open() {
	d.t.Helper()
	db, err := OpenDB(d.dir, WithLogger(pebbleTestLogger{d.t}))
	must(d.t, err)
	d.db = db
}

// reopen closes and reopens the DB. Stores on the old DB must not be used
// afterwards.
func (d *testDB) reopen() {
	d.t.Helper()
	must(d.t, d.db.Close())
	d.db = nil
	d.open()
}

func (d *testDB) store(prefix string, opts Options) *Store {
	d.t.Helper()
	s, err := New(d.db, []byte(prefix), opts)
	must(d.t, err)
	return s
}

func newTestStore(t testing.TB) (*testDB, *Store) {
	t.Helper()
	d := newTestDB(t)
	return d, d.store("g1/", Options{NoSync: true})
}

// pebbleTestLogger sends Pebble's log lines to the test log, so they show
// up only for failed or verbose tests.
type pebbleTestLogger struct{ t testing.TB }

func (l pebbleTestLogger) Infof(format string, args ...any) { l.t.Logf("pebble: "+format, args...) }

func (l pebbleTestLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// entry returns a fully populated log entry at index.
func entry(index uint64) *raft.Log {
	return &raft.Log{
		Index:      index,
		Term:       index/10 + 1,
		Type:       raft.LogCommand,
		Data:       fmt.Appendf(nil, "data-%d", index),
		Extensions: fmt.Appendf(nil, "ext-%d", index),
		AppendedAt: time.Unix(1_700_000_000+int64(index), int64(index)),
	}
}

func entries(from, to uint64) []*raft.Log {
	var out []*raft.Log
	for i := from; i <= to; i++ {
		out = append(out, entry(i))
	}
	return out
}

// logsEqual compares entries field by field. AppendedAt keeps its instant
// across a round trip, not its location or monotonic reading; nil and empty
// slices must stay apart.
func logsEqual(want, got *raft.Log) error {
	switch {
	case want.Index != got.Index:
		return fmt.Errorf("Index: want %d, got %d", want.Index, got.Index)
	case want.Term != got.Term:
		return fmt.Errorf("Term: want %d, got %d", want.Term, got.Term)
	case want.Type != got.Type:
		return fmt.Errorf("Type: want %v, got %v", want.Type, got.Type)
	case (want.Data == nil) != (got.Data == nil) || !bytes.Equal(want.Data, got.Data):
		return fmt.Errorf("Data: want %#v, got %#v", want.Data, got.Data)
	case (want.Extensions == nil) != (got.Extensions == nil) || !bytes.Equal(want.Extensions, got.Extensions):
		return fmt.Errorf("Extensions: want %#v, got %#v", want.Extensions, got.Extensions)
	case want.AppendedAt.IsZero() != got.AppendedAt.IsZero() || !want.AppendedAt.Equal(got.AppendedAt):
		return fmt.Errorf("AppendedAt: want %v, got %v", want.AppendedAt, got.AppendedAt)
	}
	return nil
}

func requireLogEqual(t testing.TB, want, got *raft.Log) {
	t.Helper()
	if err := logsEqual(want, got); err != nil {
		t.Fatalf("log %d: %v", want.Index, err)
	}
}

func requireBounds(t testing.TB, s *Store, first, last uint64) {
	t.Helper()
	f, err := s.FirstIndex()
	must(t, err)
	l, err := s.LastIndex()
	must(t, err)
	if f != first || l != last {
		t.Fatalf("first, last index: got %d, %d, want %d, %d", f, l, first, last)
	}
}

// requirePresent checks that, of the indexes in [lo, hi], exactly those in
// want are readable and hold entry(i).
func requirePresent(t testing.TB, s *Store, lo, hi uint64, want ...uint64) {
	t.Helper()
	present := map[uint64]bool{}
	for _, i := range want {
		present[i] = true
	}
	for i := lo; i <= hi; i++ {
		var l raft.Log
		err := s.GetLog(i, &l)
		if !present[i] {
			if err != raft.ErrLogNotFound {
				t.Fatalf("GetLog(%d): got %v, want raft.ErrLogNotFound", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("GetLog(%d): %v", i, err)
		}
		requireLogEqual(t, entry(i), &l)
	}
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// eventually polls cond until it holds, failing the test once timeout
// passes or the test's context ends.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, context.Cause(ctx))
		case <-tick.C:
		}
	}
}
