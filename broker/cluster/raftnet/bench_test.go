package raftnet

import (
	"fmt"
	"testing"

	"github.com/hashicorp/raft"
)

// BenchmarkApply measures one group's commits over the mux on loopback: three nodes,
// in-memory Raft logs, 64-byte commands. inflight=1 waits for each commit before the
// next proposal (latency-bound); larger windows keep that many proposals in flight, as
// a partition's group commit does.
func BenchmarkApply(b *testing.B) {
	for _, inflight := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			c := startCluster(b, 3, []uint32{1}, false)
			r := c.leader(1, c.nodes).replicas[1].raft
			window := make([]raft.ApplyFuture, 0, inflight)
			wait := func(f raft.ApplyFuture) {
				if err := f.Error(); err != nil {
					b.Fatalf("apply: %v", err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if len(window) == inflight {
					wait(window[0])
					window = window[1:]
				}
				window = append(window, r.Apply(command(uint64(i+1), 64), 0))
			}
			for _, f := range window {
				wait(f)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "applies/s")
		})
	}
}
