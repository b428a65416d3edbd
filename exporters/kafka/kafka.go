// Package kafka is Weft's Kafka exporter: it writes every record of a partition to
// Kafka, one topic per value type ({topic-prefix}{value-type}, like
// zeebe-process-instance) or one topic for all, keyed by
// {"partitionId":1,"position":123} and valued by the record's Zeebe JSON.
//
// All the records of one Weft partition go to one Kafka partition of each topic,
// (partitionId-1) mod N of its N partitions, in position order. The exporter batches
// records and writes a batch synchronously, one produce request per topic-partition
// at a time with acks from all in-sync replicas, so order holds under retries. It
// acknowledges a position only once that record and every record before it are
// stored in Kafka. Delivery is at least once: a record whose write timed out, or
// that was written before the exporter moved to another broker, may appear twice.
package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Back-off between failed writes: doubling from backoffMin up to backoffMax, reset
// by a successful write.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
	// closeFlushTimeout bounds the last write that Close attempts.
	closeFlushTimeout = 5 * time.Second
)

// New returns a Kafka exporter.
func New() exportersdk.Exporter { return &exporter{} }

// exporter runs on one partition. Every method and scheduled task runs on the
// exporter's goroutine (see exportersdk.Exporter), so its state needs no lock; a
// flush writes topic-partitions in parallel from goroutines it starts and waits for.
type exporter struct {
	cfg config
	log *slog.Logger

	ctrl      exportersdk.Controller
	ctx       context.Context // for flushes from scheduled tasks; cancelled by Close
	cancel    context.CancelFunc
	transport *kafkago.Transport
	client    *kafkago.Client

	// partitions caches each topic's partition count, learnt on first use and again
	// after a failed write to the topic.
	partitions map[string]int

	buf       batch
	lastTaken int64 // highest position taken into the batch (or delivered before)
	acked     int64 // highest position acknowledged

	task     exportersdk.ScheduledTask // linger or retry flush, nil when none
	failures int                       // consecutive failed flushes
	retryAt  time.Time                 // no write before this after a failure
	lastErr  error
}

// Configure reads the settings; problems are reported by the settings, by key.
func (e *exporter) Configure(cfg *exportersdk.Config) error {
	e.cfg = readConfig(cfg.Settings)
	e.log = cfg.Logger
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Open prepares the connection to Kafka; it connects on the first write.
func (e *exporter) Open(_ context.Context, c exportersdk.Controller) error {
	e.ctrl = c
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.transport = &kafkago.Transport{
		Dial:        (&net.Dialer{Timeout: e.cfg.writeTimeout}).DialContext,
		DialTimeout: e.cfg.writeTimeout, // connecting, TLS and SASL
		ClientID:    e.cfg.clientID,
		TLS:         e.cfg.tls,
		SASL:        e.cfg.sasl,
		Context:     e.ctx,
	}
	e.client = &kafkago.Client{Addr: kafkago.TCP(e.cfg.brokers...), Timeout: e.cfg.writeTimeout, Transport: e.transport}
	e.partitions = map[string]int{}
	e.acked = c.LastExportedPosition()
	e.lastTaken = e.acked
	e.log.Info("kafka exporter opened", "brokers", e.cfg.brokers, "topic", e.cfg.topic,
		"topic-prefix", e.cfg.topicPrefix, "position", e.acked)
	return nil
}

// Export takes r into the batch, and writes the batch when it is full. It returns
// an error, without taking r, only when the batch is full and cannot be written.
func (e *exporter) Export(ctx context.Context, r *exportersdk.Record) error {
	if r.Position <= e.lastTaken {
		// A retried record that is already in the batch (or delivered).
		return nil
	}
	m := e.message(r)
	if e.buf.full(m.size, e.cfg.batchSize, e.cfg.batchBytes) {
		if wait := time.Until(e.retryAt); wait > 0 {
			return fmt.Errorf("kafka: batch full, retrying the write in %s: %w", wait.Round(time.Millisecond), e.lastErr)
		}
		err := e.flush(ctx)
		if e.buf.full(m.size, e.cfg.batchSize, e.cfg.batchBytes) {
			return fmt.Errorf("kafka: batch full: %w", err)
		}
	}
	e.buf.add(m)
	e.lastTaken = r.Position
	if e.buf.pending >= e.cfg.batchSize || e.buf.bytes >= e.cfg.batchBytes {
		// r is taken whatever happens: a failed write is retried by a task, and the
		// next Export reports it if the batch is still full by then.
		if time.Now().After(e.retryAt) {
			_ = e.flush(ctx)
		}
		return nil
	}
	if e.task == nil {
		e.schedule(e.cfg.linger)
	}
	return nil
}

// Close cancels the pending task, makes one last attempt to write the batch (unless
// the last write failed) and closes the connections. Records it could not write are
// sent again to the next instance.
func (e *exporter) Close() error {
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	if e.cancel == nil {
		return nil // never opened
	}
	if e.buf.pending > 0 && e.failures == 0 {
		ctx, cancel := context.WithTimeout(e.ctx, min(e.cfg.writeTimeout, closeFlushTimeout))
		if err := e.flush(ctx); err != nil {
			e.log.Warn("kafka exporter closed with records not written; the next leader sends them again",
				"records", e.buf.pending, "error", err)
		}
		cancel()
		if e.task != nil {
			e.task.Cancel()
			e.task = nil
		}
	}
	e.cancel()
	e.transport.CloseIdleConnections()
	return nil
}

// schedule replaces the pending task by a flush after delay.
func (e *exporter) schedule(delay time.Duration) {
	if e.task != nil {
		e.task.Cancel()
	}
	e.task = e.ctrl.ScheduleCancellableTask(delay, func() {
		e.task = nil
		_ = e.flush(e.ctx)
	})
}

// flush writes every pending record, acknowledges what it can, and on failure
// schedules a retry after a back-off. It returns an error if any record is still
// pending.
func (e *exporter) flush(ctx context.Context) error {
	if e.task != nil {
		e.task.Cancel()
		e.task = nil
	}
	if e.buf.pending == 0 {
		return nil
	}
	err := e.write(ctx)
	if pos, ok := e.buf.popDelivered(); ok && pos > e.acked {
		e.acked = pos
		e.ctrl.UpdateLastExportedPosition(pos)
	}
	if err == nil {
		if e.failures > 0 {
			e.log.Info("kafka writes recovered", "failed-attempts", e.failures, "position", e.acked)
		}
		e.failures, e.retryAt, e.lastErr = 0, time.Time{}, nil
		return nil
	}
	e.failures++
	delay := min(backoffMin<<min(e.failures-1, 16), backoffMax)
	e.retryAt = time.Now().Add(delay)
	e.lastErr = err
	e.log.Warn("kafka write failed; retrying", "records", e.buf.pending, "attempt", e.failures,
		"retry-in", delay, "error", err)
	// Drop the cached cluster layout and connections, so that the retry finds
	// moved partition leaders and restarted brokers.
	e.transport.CloseIdleConnections()
	e.schedule(delay)
	return err
}
