package raftstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// BenchmarkStoreLogs measures one raft append: a batch of entries written
// and, with sync, fsynced once. ns/op is per batch; ns/entry divides it by
// the batch size, which is what group commit buys.
func BenchmarkStoreLogs(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, size := range []int{1, 64} {
			name := fmt.Sprintf("batch=%d/sync=%t", size, sync)
			b.Run(name, func(b *testing.B) {
				d := newTestDB(b)
				s := d.store("bench/", Options{NoSync: !sync})
				data := make([]byte, 256)
				batch := make([]*raft.Log, size)
				for i := range batch {
					batch[i] = &raft.Log{Term: 1, Type: raft.LogCommand, Data: data, AppendedAt: time.Now()}
				}
				b.SetBytes(int64(size * len(data)))
				b.ReportAllocs()
				next := uint64(1)
				for b.Loop() {
					for _, l := range batch {
						l.Index = next
						next++
					}
					if err := s.StoreLogs(batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(next-1), "ns/entry")
			})
		}
	}
}

// BenchmarkGetLog reads back recently written entries, as the FSM and the
// replication goroutines do.
func BenchmarkGetLog(b *testing.B) {
	d := newTestDB(b)
	s := d.store("bench/", Options{NoSync: true})
	const n = 4096
	if err := s.StoreLogs(entries(1, n)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var l raft.Log
	i := uint64(0)
	for b.Loop() {
		if err := s.GetLog(i%n+1, &l); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
