package engine_test

import (
	"testing"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// BenchmarkEngine measures the pure engine over in-memory Pebble, one command per state
// transaction, as the partition's FSM would run it with batches of one.
//
//	create:            CREATE of an instance of a one-task process (runs to the task)
//	activate_complete: ACTIVATE of one job, then COMPLETE of it (runs the instance to its end)
func BenchmarkEngine(b *testing.B) {
	b.Run("create", func(b *testing.B) {
		h := newHarness(b)
		mustEvent(b, h.exec(deployCmd("p.bpmn", oneTask)))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			mustEvent(b, h.exec(createCmd("p", `{"a":1}`)))
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})

	b.Run("activate_complete", func(b *testing.B) {
		h := newHarness(b)
		mustEvent(b, h.exec(deployCmd("p.bpmn", oneTask)))
		for range b.N {
			mustEvent(b, h.exec(createCmd("p", `{"a":1}`)))
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			r := mustEvent(b, h.exec(activateCmd("work", 1, 60_000)))
			keys := r.GetJobBatch().GetJobKeys()
			if len(keys) != 1 {
				b.Fatalf("activated %d jobs, want 1: %s", len(keys), dump(r))
			}
			mustEvent(b, h.exec(jobCmd("COMPLETE", keys[0], &recordpb.JobRecord{Variables: []byte(`{"b":2}`)})))
		}
		b.StopTimer()
		b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
}

func mustEvent(b *testing.B, r *recordpb.Record) *recordpb.Record {
	b.Helper()
	if r.GetRecordType() != recordpb.RecordType_EVENT {
		b.Fatalf("want an event, got %s", dump(r))
	}
	return r
}
