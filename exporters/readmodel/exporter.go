package readmodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Defaults of the exporter's settings.
const (
	DefaultBatchSize     = 500
	DefaultFlushInterval = 200 * time.Millisecond
	// writeTimeout bounds one flush's transaction.
	writeTimeout = 30 * time.Second
	// closeTimeout bounds the flush that Close tries.
	closeTimeout = 5 * time.Second
	// maxRetryDelay caps the back-off between flushes after a failed one.
	maxRetryDelay = 5 * time.Second
)

// Store is a database that an Exporter writes into. The Exporter calls every method
// from its one goroutine.
type Store interface {
	// Open connects, applies the migrations, and returns the position stored for the
	// exporter on the partition (0 for none).
	Open(ctx context.Context, exporterID string, partitionID int32) (int64, error)
	// Write runs the statements in order in one transaction, or none of them. After an
	// error the Store must be ready for the next Write (reconnecting if it has to);
	// the next Write may carry the same statements again.
	Write(ctx context.Context, stmts []Statement) error
	// Close releases the connection.
	Close() error
}

// Exporter writes a partition's records into a read model: it merges records into a
// Batch, and writes a batch (on batch-size records, or flush-interval after the first
// record of a batch) in one transaction together with the position of its last record.
// It acknowledges a position only after that transaction commits; on Open it reads the
// stored position and skips records at or below it, so that records delivered again
// after a restart are not written twice.
type Exporter struct {
	dialect  Dialect
	newStore func(s *exportersdk.Settings) Store

	store         Store
	id            string
	log           *slog.Logger
	batchSize     int
	flushInterval time.Duration
	projection    Projection

	ctl       exportersdk.Controller
	partition int32
	ctx       context.Context // lives from Open to Close, for flushes on the timer
	cancel    context.CancelFunc
	batch     *Batch
	pending   int   // records in the batch
	stored    int64 // the position stored in the database
	last      int64 // the position of the last record taken (stored or in the batch)
	lastTime  int64 // the timestamp of that record
	task      exportersdk.ScheduledTask
	retry     time.Duration // the delay before the next timed flush after a failed one
}

// NewExporter returns an exporter that writes in dialect d into the store that
// newStore makes from the settings (newStore reads its own settings, such as the
// database's address, and must not connect).
func NewExporter(d Dialect, newStore func(s *exportersdk.Settings) Store) *Exporter {
	return &Exporter{dialect: d, newStore: newStore}
}

// Configure reads the settings batch-size, flush-interval and history, and the
// store's own.
func (e *Exporter) Configure(cfg *exportersdk.Config) error {
	s := cfg.Settings
	e.batchSize = s.Int("batch-size", DefaultBatchSize)
	if e.batchSize < 1 {
		s.Fail("batch-size", fmt.Errorf("%d is not a positive number of records", e.batchSize))
	}
	e.flushInterval = s.Duration("flush-interval", DefaultFlushInterval)
	if e.flushInterval <= 0 {
		s.Fail("flush-interval", errors.New("must be more than 0"))
	}
	e.projection.History = s.Bool("history", true)
	e.store = e.newStore(s)
	e.id = cfg.ID
	e.log = cfg.Logger
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return s.Err()
}

// Open connects to the database, migrates it, and acknowledges the stored position.
func (e *Exporter) Open(ctx context.Context, c exportersdk.Controller) error {
	e.ctl = c
	e.partition = c.PartitionID()
	stored, err := e.store.Open(ctx, e.id, e.partition)
	if err != nil {
		return fmt.Errorf("open read model: %w", err)
	}
	e.stored, e.last = stored, stored
	e.batch = NewBatch()
	e.pending = 0
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if stored > c.LastExportedPosition() {
		c.UpdateLastExportedPosition(stored)
	}
	e.log.Info("read model opened", "dialect", e.dialect.String(), "position", stored)
	return nil
}

// Export takes r into the batch, writing the batch first when it is full. It fails
// (and does not take r) only when a full batch cannot be written.
func (e *Exporter) Export(ctx context.Context, r *exportersdk.Record) error {
	if r.Position <= e.last {
		return nil // stored already, or in the batch
	}
	if e.pending >= e.batchSize {
		if err := e.flush(ctx); err != nil {
			e.scheduleRetry()
			return err
		}
	}
	e.projection.Apply(r, e.batch)
	e.pending++
	e.last, e.lastTime = r.Position, r.Timestamp
	if e.pending >= e.batchSize {
		if err := e.flush(ctx); err != nil {
			e.log.Warn("read model write failed; retrying", "error", err)
			e.scheduleRetry()
		}
		return nil
	}
	e.schedule(e.flushInterval)
	return nil
}

// schedule runs a flush after delay, unless one is scheduled already.
func (e *Exporter) schedule(delay time.Duration) {
	if e.task == nil {
		e.task = e.ctl.ScheduleCancellableTask(delay, e.onTimer)
	}
}

// scheduleRetry schedules a flush with a doubling delay, up to maxRetryDelay.
func (e *Exporter) scheduleRetry() {
	e.retry = min(max(2*e.retry, e.flushInterval), maxRetryDelay)
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	e.schedule(e.retry)
}

func (e *Exporter) onTimer() {
	e.task = nil
	if err := e.flush(e.ctx); err != nil {
		e.log.Warn("read model write failed; retrying", "error", err, "retry_in", e.retry)
		e.scheduleRetry()
	}
}

// flush writes the batch and the position of its last record in one transaction, and
// acknowledges that position once it is committed.
func (e *Exporter) flush(ctx context.Context) error {
	if e.pending == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	stmts := e.batch.Statements(e.dialect)
	stmts = append(stmts, PositionStatement(e.dialect, e.id, e.partition, e.last, e.lastTime))
	if err := e.store.Write(ctx, stmts); err != nil {
		return fmt.Errorf("write %d records up to position %d: %w", e.pending, e.last, err)
	}
	e.stored = e.last
	e.batch.Reset()
	e.pending = 0
	e.retry = 0
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	e.ctl.UpdateLastExportedPosition(e.stored)
	return nil
}

// Close tries to write the batch (records not written are delivered again to the next
// exporter) and closes the store.
func (e *Exporter) Close() error {
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	var err error
	if e.ctx != nil {
		ctx, cancel := context.WithTimeout(e.ctx, closeTimeout)
		if ferr := e.flush(ctx); ferr != nil {
			e.log.Warn("read model write on close failed; the records will be exported again", "error", ferr)
		}
		cancel()
		e.cancel()
	}
	if e.store != nil {
		err = e.store.Close()
	}
	return err
}
