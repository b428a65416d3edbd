package kafka

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

// benchRecords returns n records of partition 1 at positions 1..n, cycling through
// the sample's values.
func benchRecords(n int) []*exportersdk.Record {
	sample := exportertest.SampleRecords()
	out := make([]*exportersdk.Record, n)
	for i := range out {
		r := *sample[i%len(sample)]
		r.Position = int64(i + 1)
		out[i] = &r
	}
	return out
}

// BenchmarkExport exports records to a three-broker in-process Kafka cluster and
// reports records acknowledged per second (written with acks from all in-sync
// replicas).
func BenchmarkExport(b *testing.B) {
	for _, bc := range []struct {
		name     string
		settings map[string]string
	}{
		{"topic-per-value-type", nil},
		{"single-topic", map[string]string{"topic": "bench"}},
		{"topic-per-value-type-lz4", map[string]string{"compression": "lz4"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := startCluster(b, kfake.NumBrokers(3))
			s := settingsFor(c, bc.settings)
			s["topic-partitions"] = "3"
			h := exportertest.Start(b, New(), s)
			rs := benchRecords(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for _, r := range rs {
				for attempt := 0; ; attempt++ {
					err := h.Export(b.Context(), r)
					if err == nil {
						break
					}
					if attempt > 1000 {
						b.Fatalf("export %s: %v", r, err)
					}
					waitFor(time.Millisecond)
				}
			}
			h.WaitAcked(int64(b.N), time.Minute)
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
		})
	}
}
