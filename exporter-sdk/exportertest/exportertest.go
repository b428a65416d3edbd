// Package exportertest runs an exporter the way the broker does, for the exporter's own
// tests: one goroutine calls Configure, Open, Export and Close and runs the scheduled
// tasks, and the harness records what the exporter acknowledges.
//
// SampleRecords are real records of Weft's engine (an order process with a job, an
// incident, a message, a timer, a decision and a cancellation), written by
// `go test ./broker/engine -run TestExporterSample -write-exporter-sample`.
package exportertest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

//go:embed testdata/records.jsonl
var sample []byte

// SampleRecords returns the sample records of partition 1, positions 1 to n in order,
// as new values each call.
func SampleRecords() []*exportersdk.Record {
	var out []*exportersdk.Record
	sc := bufio.NewScanner(bytes.NewReader(sample))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var pb recordpb.Record
		if err := protojson.Unmarshal(sc.Bytes(), &pb); err != nil {
			panic(fmt.Sprintf("exportertest: sample record: %v", err))
		}
		out = append(out, exportersdk.FromProto(&pb))
	}
	return out
}

// Harness runs one exporter on one partition.
type Harness struct {
	t   testing.TB
	exp exportersdk.Exporter
	cfg *exportersdk.Config

	calls chan func()
	done  chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	acked    int64
	metadata []byte
	changed  chan struct{}
	closed   bool
}

// Options change how Start runs the exporter.
type Options struct {
	// PartitionID is the partition the exporter runs for (1 if zero).
	PartitionID int32
	// Metadata is the metadata stored with the position before the exporter opens, as
	// a restarted exporter finds it.
	Metadata []byte
	// Position is the acknowledged position the exporter starts from.
	Position int64
}

// Start configures the exporter with settings (failing the test on a configuration
// error, and on settings that Configure did not read), opens it, and stops it when the
// test ends.
func Start(t testing.TB, e exportersdk.Exporter, settings map[string]string, opts ...Options) *Harness {
	t.Helper()
	h, err := TryStart(t, e, settings, opts...)
	if err != nil {
		t.Fatalf("exportertest: %v", err)
	}
	return h
}

// TryStart is Start that returns the configuration or open error instead of failing.
func TryStart(t testing.TB, e exportersdk.Exporter, settings map[string]string, opts ...Options) (*Harness, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.PartitionID == 0 {
		o.PartitionID = 1
	}
	h := &Harness{t: t, exp: e, calls: make(chan func()), done: make(chan struct{}), changed: make(chan struct{}),
		acked: o.Position, metadata: o.Metadata}
	h.cfg = &exportersdk.Config{ID: "test", Type: "test", PartitionID: o.PartitionID,
		Settings: exportersdk.NewSettings(settings), Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	if err := e.Configure(h.cfg); err != nil {
		return nil, fmt.Errorf("configure: %w", err)
	}
	if err := h.cfg.Settings.Err(); err != nil {
		return nil, fmt.Errorf("configure: %w", err)
	}
	h.wg.Add(1)
	go h.loop()
	var openErr error
	h.do(func() { openErr = e.Open(t.Context(), &controller{h: h, partition: o.PartitionID}) })
	if openErr != nil {
		h.stop()
		return nil, fmt.Errorf("open: %w", openErr)
	}
	t.Cleanup(func() { h.Close() })
	return h, nil
}

func (h *Harness) loop() {
	defer h.wg.Done()
	for {
		select {
		case f := <-h.calls:
			f()
		case <-h.done:
			return
		}
	}
}

// do runs f on the exporter's goroutine and waits for it.
func (h *Harness) do(f func()) {
	finished := make(chan struct{})
	select {
	case h.calls <- func() { f(); close(finished) }:
		<-finished
	case <-h.done:
	}
}

func (h *Harness) stop() {
	select {
	case <-h.done:
	default:
		close(h.done)
	}
	h.wg.Wait()
}

// Config is what the exporter received in Configure (its Filter among it).
func (h *Harness) Config() *exportersdk.Config { return h.cfg }

// Export hands the records that the exporter's filter accepts to it, one after another,
// and returns the first error (the broker would retry that record; the test decides).
func (h *Harness) Export(ctx context.Context, rs ...*exportersdk.Record) error {
	var err error
	h.do(func() {
		for _, r := range rs {
			if !h.cfg.Filter.Accepts(r) {
				continue
			}
			if err = h.exp.Export(ctx, r); err != nil {
				return
			}
		}
	})
	return err
}

// Acked returns the last acknowledged position.
func (h *Harness) Acked() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.acked
}

// Metadata returns the metadata of the last acknowledgement.
func (h *Harness) Metadata() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return bytes.Clone(h.metadata)
}

// WaitAcked waits until the exporter has acknowledged position (or more), and fails
// the test after timeout.
func (h *Harness) WaitAcked(position int64, timeout time.Duration) {
	h.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		acked, ch := h.acked, h.changed
		h.mu.Unlock()
		if acked >= position {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			h.t.Fatalf("exportertest: acknowledged position %d after %s, want %d", acked, timeout, position)
		}
	}
}

// Close closes the exporter (once) and stops its goroutine.
func (h *Harness) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	var err error
	h.do(func() { err = h.exp.Close() })
	h.stop()
	return err
}

type controller struct {
	h         *Harness
	partition int32
}

func (c *controller) PartitionID() int32 { return c.partition }

func (c *controller) UpdateLastExportedPosition(position int64) {
	c.update(position, nil, false)
}

func (c *controller) UpdateLastExportedPositionWithMetadata(position int64, metadata []byte) {
	c.update(position, metadata, true)
}

func (c *controller) update(position int64, metadata []byte, withMeta bool) {
	h := c.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if position < h.acked {
		return
	}
	h.acked = position
	if withMeta {
		h.metadata = bytes.Clone(metadata)
	}
	close(h.changed)
	h.changed = make(chan struct{})
}

func (c *controller) LastExportedPosition() int64 { return c.h.Acked() }

func (c *controller) ReadMetadata() []byte { return c.h.Metadata() }

func (c *controller) ScheduleCancellableTask(delay time.Duration, task func()) exportersdk.ScheduledTask {
	return exportersdk.ScheduleTask(delay, task, func(run func()) {
		select {
		case c.h.calls <- run:
		case <-c.h.done:
		}
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
