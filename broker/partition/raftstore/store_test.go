package raftstore

import (
	"bytes"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestStoreIsNotMonotonic(t *testing.T) {
	// Raft leaves a gap after installing a snapshot unless the store claims
	// to be monotonic; the store supports gaps and must not claim it.
	if _, ok := any(&Store{}).(raft.MonotonicLogStore); ok {
		t.Fatal("Store implements raft.MonotonicLogStore")
	}
}

func TestNewRejectsNilDB(t *testing.T) {
	if _, err := New(nil, []byte("p"), Options{}); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}

func TestEmptyStore(t *testing.T) {
	_, s := newTestStore(t)
	requireBounds(t, s, 0, 0)
	for _, i := range []uint64{0, 1, math.MaxUint64} {
		var l raft.Log
		if err := s.GetLog(i, &l); err != raft.ErrLogNotFound {
			t.Fatalf("GetLog(%d) = %v, want raft.ErrLogNotFound", i, err)
		}
	}
	v, err := s.Get([]byte("missing"))
	must(t, err)
	if len(v) != 0 {
		t.Fatalf("Get(missing) = %q, want empty", v)
	}
	n, err := s.GetUint64([]byte("missing"))
	must(t, err)
	if n != 0 {
		t.Fatalf("GetUint64(missing) = %d, want 0", n)
	}
	must(t, s.DeleteRange(1, 10))
	requireBounds(t, s, 0, 0)
}

func TestStoreLogRoundTrip(t *testing.T) {
	_, s := newTestStore(t)
	cases := []*raft.Log{
		entry(1),
		{Index: 2, Term: 1, Type: raft.LogNoop},
		{Index: 3, Term: 1, Type: raft.LogBarrier, Data: []byte{}, Extensions: []byte{}},
		{Index: 4, Term: math.MaxUint64, Type: raft.LogConfiguration, Data: bytes.Repeat([]byte{0xff}, 1<<16)},
		{Index: 5, Term: 2, Type: raft.LogType(200), Extensions: []byte("only-ext")},
		{Index: 6, Term: 2, AppendedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		{Index: 7, Term: 2, AppendedAt: time.Date(2500, 6, 1, 12, 0, 0, 999_999_999, time.UTC)},
		{Index: 8, Term: 2, AppendedAt: time.Now()}, // monotonic reading is not kept
		{Index: math.MaxUint64, Term: 3, Data: []byte("last")},
	}
	for _, l := range cases {
		must(t, s.StoreLog(l))
	}
	for _, want := range cases {
		var got raft.Log
		must(t, s.GetLog(want.Index, &got))
		requireLogEqual(t, want, &got)
	}
	requireBounds(t, s, 1, math.MaxUint64)
}

func TestGetLogReturnsOwnedSlices(t *testing.T) {
	_, s := newTestStore(t)
	must(t, s.StoreLog(entry(1)))
	var a, b raft.Log
	must(t, s.GetLog(1, &a))
	a.Data = append(a.Data, "-appended"...)
	a.Data[0] = 'X'
	a.Extensions[0] = 'Y'
	must(t, s.GetLog(1, &b))
	requireLogEqual(t, entry(1), &b)
}

func TestStoreLogsBatchAndBounds(t *testing.T) {
	_, s := newTestStore(t)
	must(t, s.StoreLogs(nil))
	requireBounds(t, s, 0, 0)

	must(t, s.StoreLogs(entries(1, 64)))
	requireBounds(t, s, 1, 64)
	must(t, s.StoreLogs(entries(65, 70)))
	requireBounds(t, s, 1, 70)
	requirePresent(t, s, 0, 80, span(1, 70)...)
}

func TestStoreLogsOutOfOrderGapsAndOverwrite(t *testing.T) {
	_, s := newTestStore(t)
	must(t, s.StoreLogs([]*raft.Log{entry(12), entry(10), entry(11)}))
	requireBounds(t, s, 10, 12)

	// A gap, as after raft installs a snapshot.
	must(t, s.StoreLogs(entries(20, 22)))
	requireBounds(t, s, 10, 22)
	// Entries below the first index move it down.
	must(t, s.StoreLogs(entries(5, 6)))
	requireBounds(t, s, 5, 22)
	requirePresent(t, s, 0, 30, 5, 6, 10, 11, 12, 20, 21, 22)

	// Overwriting an entry replaces it and leaves the bounds alone.
	replaced := &raft.Log{Index: 11, Term: 99, Data: []byte("new")}
	must(t, s.StoreLog(replaced))
	var got raft.Log
	must(t, s.GetLog(11, &got))
	requireLogEqual(t, replaced, &got)
	requireBounds(t, s, 5, 22)
}

func TestStoreLogsIsAtomic(t *testing.T) {
	_, s := newTestStore(t)
	err := s.StoreLogs([]*raft.Log{entry(1), entry(2), {Index: 0}})
	mustIs(t, err, ErrZeroIndex)
	if err := s.StoreLogs([]*raft.Log{entry(1), nil}); err == nil {
		t.Fatal("StoreLogs with a nil entry succeeded")
	}
	requireBounds(t, s, 0, 0)
	requirePresent(t, s, 0, 3)
}

func TestDeleteRange(t *testing.T) {
	type step struct{ min, max uint64 }
	cases := []struct {
		name        string
		stored      []uint64
		deletes     []step
		first, last uint64
		present     []uint64
	}{
		{name: "head (compaction)", stored: span(1, 10), deletes: []step{{1, 4}},
			first: 5, last: 10, present: span(5, 10)},
		{name: "head from below first", stored: span(5, 10), deletes: []step{{1, 7}},
			first: 8, last: 10, present: span(8, 10)},
		{name: "tail (conflict)", stored: span(1, 10), deletes: []step{{7, 10}},
			first: 1, last: 6, present: span(1, 6)},
		{name: "tail beyond last", stored: span(1, 10), deletes: []step{{7, math.MaxUint64}},
			first: 1, last: 6, present: span(1, 6)},
		{name: "middle", stored: span(1, 10), deletes: []step{{4, 6}},
			first: 1, last: 10, present: []uint64{1, 2, 3, 7, 8, 9, 10}},
		{name: "everything", stored: span(1, 10), deletes: []step{{1, 10}}},
		{name: "everything and more", stored: span(5, 10), deletes: []step{{0, math.MaxUint64}}},
		{name: "single entry", stored: span(3, 3), deletes: []step{{3, 3}}},
		{name: "first only", stored: span(1, 10), deletes: []step{{1, 1}},
			first: 2, last: 10, present: span(2, 10)},
		{name: "last only", stored: span(1, 10), deletes: []step{{10, 10}},
			first: 1, last: 9, present: span(1, 9)},
		{name: "disjoint below", stored: span(5, 10), deletes: []step{{1, 4}},
			first: 5, last: 10, present: span(5, 10)},
		{name: "disjoint above", stored: span(5, 10), deletes: []step{{11, 20}},
			first: 5, last: 10, present: span(5, 10)},
		{name: "min above max is a no-op", stored: span(1, 10), deletes: []step{{8, 3}},
			first: 1, last: 10, present: span(1, 10)},
		{name: "head across a gap", stored: []uint64{1, 2, 3, 20, 21}, deletes: []step{{1, 5}},
			first: 20, last: 21, present: []uint64{20, 21}},
		{name: "tail across a gap", stored: []uint64{1, 2, 3, 20, 21}, deletes: []step{{10, 21}},
			first: 1, last: 3, present: []uint64{1, 2, 3}},
		{name: "head then tail then head", stored: span(1, 20), deletes: []step{{1, 5}, {15, 20}, {6, 10}},
			first: 11, last: 14, present: span(11, 14)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, s := newTestStore(t)
			var logs []*raft.Log
			for _, i := range tc.stored {
				logs = append(logs, entry(i))
			}
			must(t, s.StoreLogs(logs))
			for _, st := range tc.deletes {
				must(t, s.DeleteRange(st.min, st.max))
			}
			requireBounds(t, s, tc.first, tc.last)
			requirePresent(t, s, 0, 25, tc.present...)

			// The cached bounds agree with what New recovers by seeking.
			d.reopen()
			s = d.store("g1/", Options{NoSync: true})
			requireBounds(t, s, tc.first, tc.last)
			requirePresent(t, s, 0, 25, tc.present...)

			// The log keeps working after the deletion.
			next := max(tc.last, 21) + 1
			must(t, s.StoreLog(entry(next)))
			first := tc.first
			if first == 0 {
				first = next
			}
			requireBounds(t, s, first, next)
		})
	}
}

func TestReopen(t *testing.T) {
	d := newTestDB(t)
	s := d.store("g1/", Options{}) // synced writes
	must(t, s.StoreLogs(entries(1, 100)))
	must(t, s.DeleteRange(1, 30))   // compaction
	must(t, s.DeleteRange(91, 100)) // truncated tail
	must(t, s.Set([]byte("CurrentTerm"), []byte("raw")))
	must(t, s.SetUint64([]byte("LastVoteTerm"), 7))
	must(t, s.Close())

	d.reopen()
	s = d.store("g1/", Options{})
	requireBounds(t, s, 31, 90)
	requirePresent(t, s, 0, 101, span(31, 90)...)
	v, err := s.Get([]byte("CurrentTerm"))
	must(t, err)
	if string(v) != "raw" {
		t.Fatalf("Get after reopen = %q, want %q", v, "raw")
	}
	n, err := s.GetUint64([]byte("LastVoteTerm"))
	must(t, err)
	if n != 7 {
		t.Fatalf("GetUint64 after reopen = %d, want 7", n)
	}
}

func TestStableStore(t *testing.T) {
	_, s := newTestStore(t)
	key := []byte("k")
	must(t, s.Set(key, []byte("v1")))
	must(t, s.Set(key, []byte("v2")))
	v, err := s.Get(key)
	must(t, err)
	if string(v) != "v2" {
		t.Fatalf("Get = %q, want v2", v)
	}
	v[0] = 'X' // the caller owns the returned slice
	if v, _ := s.Get(key); string(v) != "v2" {
		t.Fatalf("Get after modifying a returned value = %q, want v2", v)
	}

	must(t, s.Set([]byte("empty"), nil))
	if v, err := s.Get([]byte("empty")); err != nil || len(v) != 0 {
		t.Fatalf("Get(empty) = %q, %v", v, err)
	}
	must(t, s.Set(nil, []byte("nil key")))
	if v, err := s.Get(nil); err != nil || string(v) != "nil key" {
		t.Fatalf("Get(nil) = %q, %v", v, err)
	}

	for _, n := range []uint64{0, 1, 1 << 40, math.MaxUint64} {
		must(t, s.SetUint64([]byte("n"), n))
		got, err := s.GetUint64([]byte("n"))
		must(t, err)
		if got != n {
			t.Fatalf("GetUint64 = %d, want %d", got, n)
		}
	}

	// Stable keys never show up as log entries, nor the other way round.
	must(t, s.StoreLog(entry(1)))
	must(t, s.Set([]byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte("x")))
	requireBounds(t, s, 1, 1)
	requirePresent(t, s, 0, 2, 1)
}

func TestPrefixIsolation(t *testing.T) {
	d := newTestDB(t)
	a := d.store("p\x00\x00\x00\x01", Options{NoSync: true})
	b := d.store("p\x00\x00\x00\x02", Options{NoSync: true})

	must(t, a.StoreLogs(entries(1, 10)))
	must(t, b.StoreLogs(entries(5, 20)))
	must(t, a.Set([]byte("k"), []byte("a")))
	must(t, a.SetUint64([]byte("n"), 1))
	requireBounds(t, a, 1, 10)
	requireBounds(t, b, 5, 20)

	if v, err := b.Get([]byte("k")); err != nil || len(v) != 0 {
		t.Fatalf("b sees a's stable key: %q, %v", v, err)
	}
	if n, err := b.GetUint64([]byte("n")); err != nil || n != 0 {
		t.Fatalf("b sees a's uint64: %d, %v", n, err)
	}

	// Deleting all of a's log leaves b's alone, and the other way round.
	must(t, a.DeleteRange(0, math.MaxUint64))
	requireBounds(t, a, 0, 0)
	requireBounds(t, b, 5, 20)
	requirePresent(t, b, 0, 25, span(5, 20)...)
	must(t, b.DeleteRange(15, 20))
	must(t, a.StoreLogs(entries(30, 31)))

	d.reopen()
	a = d.store("p\x00\x00\x00\x01", Options{NoSync: true})
	b = d.store("p\x00\x00\x00\x02", Options{NoSync: true})
	c := d.store("p\x00\x00\x00\x03", Options{NoSync: true})
	requireBounds(t, a, 30, 31)
	requireBounds(t, b, 5, 14)
	requireBounds(t, c, 0, 0)
	requirePresent(t, a, 0, 35, 30, 31)
	requirePresent(t, b, 0, 35, span(5, 14)...)
	if v, err := a.Get([]byte("k")); err != nil || string(v) != "a" {
		t.Fatalf("a lost its stable key: %q, %v", v, err)
	}
}

func TestCorruptValues(t *testing.T) {
	d, s := newTestStore(t)
	must(t, s.StoreLogs(entries(1, 3)))

	// Overwrite stored entries behind the store's back.
	put := func(key, val []byte) {
		t.Helper()
		must(t, d.db.Set(key, val, nil))
	}
	put(s.keys.logKey(1), []byte("garbage"))
	put(s.keys.logKey(2), encodeLog(entry(3))) // a valid entry under the wrong index
	put(s.keys.logKey(3), nil)
	for i := uint64(1); i <= 3; i++ {
		var l raft.Log
		err := s.GetLog(i, &l)
		mustIs(t, err, ErrCorrupt)
		if err == raft.ErrLogNotFound {
			t.Fatalf("GetLog(%d) reported a corrupt entry as missing", i)
		}
	}

	put(s.keys.stableKey([]byte("n")), []byte{1, 2, 3})
	_, err := s.GetUint64([]byte("n"))
	mustIs(t, err, ErrCorrupt)

	// A malformed log key found while recovering the bounds is reported.
	put(append(s.keys.logKey(9), 0), []byte("x"))
	if _, err := New(d.db, []byte("g1/"), Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("New over a malformed log key: %v, want ErrCorrupt", err)
	}
}

func TestClose(t *testing.T) {
	d, s := newTestStore(t)
	must(t, s.StoreLog(entry(1)))
	must(t, s.Close())
	must(t, s.Close())

	var l raft.Log
	_, err := s.FirstIndex()
	mustIs(t, err, ErrClosed)
	_, err = s.LastIndex()
	mustIs(t, err, ErrClosed)
	mustIs(t, s.GetLog(1, &l), ErrClosed)
	mustIs(t, s.StoreLog(entry(2)), ErrClosed)
	mustIs(t, s.StoreLogs(entries(2, 3)), ErrClosed)
	mustIs(t, s.DeleteRange(1, 1), ErrClosed)
	mustIs(t, s.Set([]byte("k"), nil), ErrClosed)
	_, err = s.Get([]byte("k"))
	mustIs(t, err, ErrClosed)
	mustIs(t, s.SetUint64([]byte("k"), 1), ErrClosed)
	_, err = s.GetUint64([]byte("k"))
	mustIs(t, err, ErrClosed)

	// The DB stays open for its owner and another store.
	s2 := d.store("g1/", Options{NoSync: true})
	requireBounds(t, s2, 1, 1)
}

// TestConcurrentUse runs raft's pattern of access under the race detector:
// one goroutine appends, another compacts the head, others read.
func TestConcurrentUse(t *testing.T) {
	_, s := newTestStore(t)
	const total = 2000
	must(t, s.StoreLog(entry(1)))

	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	wg.Go(func() { // appender
		defer close(done)
		for i := uint64(2); i <= total; i += 4 {
			if err := s.StoreLogs(entries(i, min(i+3, total))); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() { // compactor: keeps the last 100 entries
		for {
			select {
			case <-done:
				return
			default:
			}
			first, _ := s.FirstIndex()
			last, _ := s.LastIndex()
			if last > first+100 {
				if err := s.DeleteRange(first, last-100); err != nil {
					errs <- err
					return
				}
			}
		}
	})
	for range 4 { // readers
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				last, _ := s.LastIndex()
				var l raft.Log
				// The last entry can be compacted away only after 100 more
				// appends, so it is nearly always there; either answer is
				// legal, anything else is not.
				switch err := s.GetLog(last, &l); {
				case err == raft.ErrLogNotFound:
				case err != nil:
					errs <- err
					return
				default:
					if err := logsEqual(entry(last), &l); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	last, _ := s.LastIndex()
	first, _ := s.FirstIndex()
	if last != total || first < 1 || first > total-100+1 {
		t.Fatalf("first, last = %d, %d", first, last)
	}
	requirePresent(t, s, first, total, span(first, total)...)
}
