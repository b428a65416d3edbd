package readmodeltest

import (
	"testing"
	"time"

	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

// Benchmark exports b.N records of Stream into a new database and reports records/s,
// from the first Export to the acknowledgement of the last record.
func Benchmark(b *testing.B, tg Target, settings map[string]string) {
	n := max(b.N, 200)
	rs := Stream(n)
	db := tg.NewDatabase(b)
	for k, v := range settings {
		db[k] = v
	}
	h := exportertest.Start(b, tg.New(), db)
	b.ResetTimer()
	start := time.Now()
	if err := h.Export(b.Context(), rs...); err != nil {
		b.Fatal(err)
	}
	h.WaitAcked(rs[len(rs)-1].Position, 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	if err := h.Close(); err != nil {
		b.Fatal(err)
	}
}
