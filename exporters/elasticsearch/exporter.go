// Package elasticsearch is the Elasticsearch exporter: it indexes every record as a
// document, one index per value type and day, named and shaped as Zeebe 8.3's
// Elasticsearch exporter names and shapes them, so that tools reading Zeebe's indices
// read Weft's.
//
// Records are sent in bulk requests, flushed when the batch reaches bulk-size records
// or bulk-bytes bytes, or bulk-delay after its first record. A batch's last position
// is acknowledged only once Elasticsearch indexed every item of it; a failed bulk is
// kept and sent again, whole and in order, with exponential back-off. Document ids
// are "{partitionId}-{position}", so sending a record again overwrites its document.
package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Back-off after a failed bulk: it doubles from minBackoff up to maxBackoff, and
// returns to zero after a bulk succeeds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Exporter is the Elasticsearch exporter. Its methods and scheduled tasks run on the
// broker's exporter goroutine, so it needs no locks.
type Exporter struct {
	cfg config
	log *slog.Logger

	ctrl   exportersdk.Controller
	client *client
	ctx    context.Context // for flushes that no Export call drives; ended by Close
	cancel context.CancelFunc

	// body is the pending batch as a bulk request body: count index actions for the
	// records after the acknowledged position up to batchLast.
	body      []byte
	count     int
	batchLast int64
	// taken is the highest position taken (in the batch or flushed): a record at or
	// below it is never appended again.
	taken int64

	// installed holds the index templates put since Open; missing those that records
	// of the batch need and that must be put before it is sent.
	installed map[string]bool
	missing   []missingTemplate

	// task is the scheduled flush: bulk-delay after the batch's first record, or the
	// retry after a failed bulk.
	task exportersdk.ScheduledTask
	// backoff is the delay before the next retry after failed bulks, retryAt when it
	// ends, and lastErr the last failure.
	backoff time.Duration
	retryAt time.Time
	lastErr error
}

type missingTemplate struct {
	name string
	vt   exportersdk.ValueType
}

// New returns an Elasticsearch exporter, to be configured with Configure.
func New() exportersdk.Exporter { return &Exporter{} }

// Configure reads the settings (see the README); it connects nowhere.
func (e *Exporter) Configure(cfg *exportersdk.Config) error {
	e.cfg = readConfig(cfg.Settings)
	e.log = cfg.Logger
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return cfg.Settings.Err()
}

// Open connects to Elasticsearch, checks that it is a version with composable index
// templates, and puts the component template every index template is composed of.
// An error is retried by the broker.
func (e *Exporter) Open(ctx context.Context, c exportersdk.Controller) error {
	cl, err := newClient(e.cfg)
	if err != nil {
		return err
	}
	version, err := cl.version(ctx)
	if err == nil {
		err = checkVersion(version)
	}
	if err == nil {
		err = cl.putComponentTemplate(ctx, e.cfg.prefix, componentTemplate(e.cfg.shards, e.cfg.replicas))
	}
	if err != nil {
		cl.close()
		return fmt.Errorf("elasticsearch %s: %w", strings.Join(e.cfg.urls, ","), err)
	}
	e.log.Info("elasticsearch exporter opened", "version", version, "prefix", e.cfg.prefix)
	e.ctrl, e.client = c, cl
	e.ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	e.taken = c.LastExportedPosition()
	e.installed = map[string]bool{}
	return nil
}

// checkVersion accepts Elasticsearch 7.8 and later: composable index templates came
// with 7.8.
func checkVersion(v string) error {
	parts := strings.SplitN(v, ".", 3)
	major, err1 := strconv.Atoi(parts[0])
	minor := 0
	var err2 error
	if len(parts) > 1 {
		minor, err2 = strconv.Atoi(parts[1])
	}
	if err1 != nil || err2 != nil {
		return fmt.Errorf("unknown version %q", v)
	}
	if major < 7 || major == 7 && minor < 8 {
		return fmt.Errorf("version %s is too old: want Elasticsearch 7.8 or later (composable index templates)", v)
	}
	return nil
}

// Export appends r to the batch and flushes the batch when it is full. It returns an
// error, without taking r, while a full batch cannot be flushed, so that the broker
// offers r again later; a record already taken is not appended again.
func (e *Exporter) Export(ctx context.Context, r *exportersdk.Record) error {
	if r.Position <= e.taken {
		return nil
	}
	if e.full() {
		if err := e.flush(ctx, false); err != nil {
			return err
		}
	}
	e.append(r)
	if e.full() {
		// r is taken whatever happens: a failure is retried by the scheduled task,
		// and holds back the next record until the batch is flushed.
		_ = e.flush(ctx, false)
	} else if e.task == nil {
		e.task = e.ctrl.ScheduleCancellableTask(e.cfg.bulkDelay, e.onTimer)
	}
	return nil
}

func (e *Exporter) full() bool {
	return e.count >= e.cfg.bulkSize || len(e.body) >= e.cfg.bulkBytes
}

// append adds r's index action and document to the batch.
func (e *Exporter) append(r *exportersdk.Record) {
	tmpl := templateName(e.cfg.prefix, r.ValueType, r.BrokerVersion)
	if !e.installed[tmpl] && !e.isMissing(tmpl) {
		e.missing = append(e.missing, missingTemplate{name: tmpl, vt: r.ValueType})
	}
	b := append(e.body, `{"index":{"_index":"`...)
	b = append(b, indexName(tmpl, e.cfg.datePattern, r.Timestamp)...)
	b = append(b, `","_id":"`...)
	b = strconv.AppendInt(b, int64(r.PartitionID), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.Position, 10)
	b = append(b, `","routing":"`...)
	b = strconv.AppendInt(b, int64(r.PartitionID), 10)
	b = append(b, "\"}}\n"...)
	b = r.AppendJSON(b)
	e.body = append(b, '\n')
	e.count++
	e.batchLast, e.taken = r.Position, r.Position
}

func (e *Exporter) isMissing(name string) bool {
	for _, m := range e.missing {
		if m.name == name {
			return true
		}
	}
	return false
}

// onTimer flushes the batch when bulk-delay has passed, or retries a failed bulk
// when the back-off has passed.
func (e *Exporter) onTimer() {
	e.task = nil
	_ = e.flush(e.ctx, true)
}

// errBackingOff is Export's error while a full batch waits for its retry.
var errBackingOff = errors.New("elasticsearch: batch not flushed yet, waiting to retry")

// flush sends the batch and acknowledges its last position. Unless force, it sends
// nothing while the back-off after a failed bulk lasts.
func (e *Exporter) flush(ctx context.Context, force bool) error {
	if e.count == 0 {
		return nil
	}
	if !force && time.Now().Before(e.retryAt) {
		return fmt.Errorf("%w: %w", errBackingOff, e.lastErr)
	}
	err := e.send(ctx)
	if err != nil {
		e.backoff = min(max(2*e.backoff, minBackoff), maxBackoff)
		e.retryAt = time.Now().Add(e.backoff)
		e.lastErr = err
		e.logFailure(err)
		e.reschedule(e.backoff)
		return fmt.Errorf("elasticsearch: %w", err)
	}
	e.ctrl.UpdateLastExportedPosition(e.batchLast)
	// A new buffer, not body[:0]: the HTTP transport may still hold the old one when
	// Elasticsearch answered before reading the whole request.
	e.body, e.count = make([]byte, 0, cap(e.body)), 0
	e.backoff, e.retryAt, e.lastErr = 0, time.Time{}, nil
	e.reschedule(0)
	return nil
}

// reschedule cancels the scheduled task and, for a positive delay, schedules onTimer.
func (e *Exporter) reschedule(delay time.Duration) {
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	if delay > 0 {
		e.task = e.ctrl.ScheduleCancellableTask(delay, e.onTimer)
	}
}

// send puts the index templates the batch needs, then the batch.
func (e *Exporter) send(ctx context.Context) error {
	for len(e.missing) > 0 {
		m := e.missing[0]
		if err := e.client.putIndexTemplate(ctx, m.name, indexTemplate(e.cfg.prefix, m.name, m.vt)); err != nil {
			return err
		}
		e.installed[m.name] = true
		e.missing = e.missing[1:]
	}
	return e.client.bulk(ctx, e.body, e.count)
}

func (e *Exporter) logFailure(err error) {
	attrs := []any{"records", e.count, "last_position", e.batchLast, "retry_in", e.backoff}
	var ie *itemError
	if errors.As(err, &ie) {
		attrs = append(attrs, "failed_items", ie.failed, "index", ie.first.Index, "id", ie.first.ID,
			"status", ie.first.Status, "type", ie.first.Error.Type, "reason", ie.first.Error.Reason)
	} else {
		attrs = append(attrs, "error", err)
	}
	e.log.Warn("elasticsearch bulk failed", attrs...)
}

// Close sends what is left in the batch once, without waiting for a back-off, and
// closes the connections. Records it could not send are sent again to the next
// instance.
func (e *Exporter) Close() error {
	if e.client == nil {
		return nil
	}
	e.reschedule(0)
	if e.count > 0 {
		if err := e.send(e.ctx); err != nil {
			e.log.Warn("elasticsearch exporter closed with records not flushed",
				"records", e.count, "last_position", e.batchLast, "error", err)
		} else {
			e.ctrl.UpdateLastExportedPosition(e.batchLast)
		}
		e.body, e.count = nil, 0
	}
	e.cancel()
	e.client.close()
	e.client = nil
	return nil
}
