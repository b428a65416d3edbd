package exporting_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/exporting"
	"github.com/weftlabs/weft/broker/state"
	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// stateLog is a partition's state without Raft: Replicate applies the update at once,
// as the FSM does on every replica.
type stateLog struct {
	db *state.DB
	mu sync.Mutex
}

func (l *stateLog) PartitionID() int32 { return l.db.PartitionID() }
func (l *stateLog) Records(from, to int64) ([]*recordpb.Record, error) {
	return l.db.Records(from, to)
}
func (l *stateLog) LastPosition() int64 { return l.db.LastPosition() }
func (l *stateLog) Positions() ([]exporting.Position, int64, error) {
	ps, err := l.db.ExporterPositions()
	if err != nil {
		return nil, 0, err
	}
	var out []exporting.Position
	for _, p := range ps {
		out = append(out, exporting.Position{ID: p.ID, Position: p.Position, Metadata: p.Metadata})
	}
	c, err := l.db.CompactedTo()
	return out, c, err
}
func (l *stateLog) Replicate(_ context.Context, u *brokerpb.ExporterUpdate) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	tx := l.db.Begin()
	for _, p := range u.GetPositions() {
		tx.SetExporterPosition(p.GetExporterId(), p.GetPosition(), p.GetMetadata())
	}
	for _, id := range u.GetRemoved() {
		tx.DeleteExporterPosition(id)
	}
	if u.GetCompactTo() > 0 {
		tx.CompactRecords(u.GetCompactTo())
	}
	return tx.Commit(false)
}

// fill appends n copies of the sample records to the log.
func fill(t testing.TB, db *state.DB, n int) {
	sample := exportertest.SampleRecords()
	for written := 0; written < n; {
		tx := db.Begin()
		for i := 0; i < 1000 && written < n; i++ {
			tx.AppendRecord(sample[written%len(sample)].Proto())
			written++
		}
		require.NoError(t, tx.Commit(false))
	}
}

type counting struct {
	ctl  exportersdk.Controller
	n    int
	last int64
}

func (c *counting) Configure(*exportersdk.Config) error { return nil }
func (c *counting) Open(_ context.Context, ctl exportersdk.Controller) error {
	c.ctl = ctl
	return nil
}
func (c *counting) Export(_ context.Context, r *exportersdk.Record) error {
	c.n++
	c.last = r.Position
	if c.n%100 == 0 {
		c.ctl.UpdateLastExportedPosition(r.Position)
	}
	return nil
}
func (c *counting) Close() error { return nil }

// BenchmarkDirector measures records/s through the director to an exporter that only
// counts, reading from a Pebble state: the director's own cost.
func BenchmarkDirector(b *testing.B) {
	const n = 200_000
	db, err := state.Open("", state.Options{PartitionID: 1, InMemory: true})
	require.NoError(b, err)
	defer db.Close()
	fill(b, db, n)
	b.ResetTimer()
	var total int
	start := time.Now()
	for b.Loop() {
		tx := db.Begin()
		tx.DeleteExporterPosition("count")
		require.NoError(b, tx.Commit(false))
		done := make(chan struct{})
		var once sync.Once
		exp := &notify{counting: counting{}, n: n, done: func() { once.Do(func() { close(done) }) }}
		spec, err := exporting.ParseSpec("count", map[string]exporting.Factory{"count": func() exportersdk.Exporter { return exp }})
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(b.Context())
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			exporting.Run(ctx, exporting.Config{Exporters: []exporting.Spec{spec}, KeepRecords: true}, &stateLog{db: db}, nil)
		}()
		<-done
		cancel()
		<-finished
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "records/s")
}

type notify struct {
	counting
	n    int
	done func()
}

func (e *notify) Export(ctx context.Context, r *exportersdk.Record) error {
	e.counting.Export(ctx, r)
	if e.counting.n == e.n {
		e.done()
	}
	return nil
}

func TestParseSpec(t *testing.T) {
	reg := map[string]exporting.Factory{"count": func() exportersdk.Exporter { return &counting{} }}
	s, err := exporting.ParseSpec("count:id=c1,record-types=EVENT,REJECTION,value-types=job,process_instance", reg)
	require.NoError(t, err)
	require.Equal(t, "c1", s.ID)
	require.Equal(t, []exportersdk.RecordType{exportersdk.Event, exportersdk.CommandRejection}, s.Filter.RecordTypes)
	require.Equal(t, []exportersdk.ValueType{recordpb.ValueType_JOB, recordpb.ValueType_PROCESS_INSTANCE}, s.Filter.ValueTypes)
	require.Empty(t, s.Settings)

	for in, want := range map[string]string{
		"nope":                       `unknown type "nope" (known: count)`,
		"count:x=1":                  `exporter count (count): unknown setting "x"`,
		"count:id=a b":               `setting id "a b"`,
		"count:record-types=EVENTS":  `unknown record type "EVENTS"`,
		"count:value-types=JOB,NOPE": `unknown value type "NOPE"`,
		"count:novalue":              `want key=value`,
	} {
		_, err := exporting.ParseSpec(in, reg)
		require.ErrorContains(t, err, want, in)
	}
	a, _ := exporting.ParseSpec("count", reg)
	require.ErrorContains(t, exporting.ValidateSpecs([]exporting.Spec{a, a}), `exporter id "count" is configured twice`)
}

// With no exporter configured, the director deletes every record.
func TestNoExporterDeletesEverything(t *testing.T) {
	db, err := state.Open("", state.Options{PartitionID: 1, InMemory: true})
	require.NoError(t, err)
	defer db.Close()
	fill(t, db, 500)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		exporting.Run(ctx, exporting.Config{ReplicateInterval: 10 * time.Millisecond}, &stateLog{db: db}, nil)
	}()
	require.Eventually(t, func() bool { c, _ := db.CompactedTo(); return c == 500 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	rs, err := db.Records(1, 500)
	require.NoError(t, err)
	require.Empty(t, rs)
}

// hanging ignores its context in Export until released.
type hanging struct {
	counting
	entered chan struct{}
	once    sync.Once
	release chan struct{}
}

func (h *hanging) Export(context.Context, *exportersdk.Record) error {
	h.once.Do(func() { close(h.entered) })
	<-h.release
	return nil
}

// An exporter that ignores its context cannot hold the director (and with it a
// leadership change or a shutdown) for longer than StopTimeout.
func TestStopDoesNotWaitForAHangingExporterForever(t *testing.T) {
	db, err := state.Open("", state.Options{PartitionID: 1, InMemory: true})
	require.NoError(t, err)
	defer db.Close()
	fill(t, db, 10)
	h := &hanging{entered: make(chan struct{}), release: make(chan struct{})}
	defer close(h.release) // lets the left-behind goroutine end before the leak check
	spec, err := exporting.ParseSpec("hang", map[string]exporting.Factory{"hang": func() exportersdk.Exporter { return h }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		exporting.Run(ctx, exporting.Config{Exporters: []exporting.Spec{spec}, StopTimeout: 100 * time.Millisecond}, &stateLog{db: db}, nil)
	}()
	<-h.entered
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after StopTimeout")
	}
}

// resuming is an exporter that keeps its own position in its sink: on Open it
// acknowledges what an earlier instance stored there.
type resuming struct {
	counting
	stored int64
	first  chan int64
	once   sync.Once
}

func (e *resuming) Open(ctx context.Context, ctl exportersdk.Controller) error {
	e.ctl = ctl
	ctl.UpdateLastExportedPosition(e.stored)
	return nil
}

func (e *resuming) Export(ctx context.Context, r *exportersdk.Record) error {
	e.once.Do(func() { e.first <- r.Position })
	e.ctl.UpdateLastExportedPosition(r.Position)
	return nil
}

// An exporter that acknowledges, on Open, records it was not handed (it knows its sink
// holds them) is handed only the records after them, and its position is replicated.
func TestExporterAcknowledgingItsOwnPositionIsHandedTheRest(t *testing.T) {
	db, err := state.Open("", state.Options{PartitionID: 1, InMemory: true})
	require.NoError(t, err)
	defer db.Close()
	fill(t, db, 100)
	e := &resuming{stored: 60, first: make(chan int64, 1)}
	spec, err := exporting.ParseSpec("own", map[string]exporting.Factory{"own": func() exportersdk.Exporter { return e }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		exporting.Run(ctx, exporting.Config{Exporters: []exporting.Spec{spec}, ReplicateInterval: 10 * time.Millisecond, KeepRecords: true}, &stateLog{db: db}, nil)
	}()
	defer func() {
		cancel()
		<-done
	}()
	require.EqualValues(t, 61, <-e.first, "the first record handed follows the exporter's own position")
	require.Eventually(t, func() bool {
		ps, err := db.ExporterPositions()
		require.NoError(t, err)
		return len(ps) == 1 && ps[0].Position == 100
	}, 10*time.Second, 5*time.Millisecond)
}
