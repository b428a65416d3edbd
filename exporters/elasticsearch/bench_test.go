package elasticsearch

import (
	"testing"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

// BenchmarkExport measures records per second through the exporter into the in-test
// server, which parses and checks every bulk request but keeps no documents. The
// records are the sample records over and over, with new positions.
func BenchmarkExport(b *testing.B) {
	f := newFakeES(b)
	f.discard = true
	samples := exportertest.SampleRecords()
	h := exportertest.Start(b, New(), f.settings(map[string]string{"bulk-delay": "10ms"}))
	rs := make([]*exportersdk.Record, b.N)
	for i := range rs {
		r := *samples[i%len(samples)]
		r.Position = int64(i + 1)
		rs[i] = &r
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(rs); i += 1000 {
		if err := h.Export(b.Context(), rs[i:min(i+1000, len(rs))]...); err != nil {
			b.Fatal(err)
		}
	}
	h.WaitAcked(int64(b.N), time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}
