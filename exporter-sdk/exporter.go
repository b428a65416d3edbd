// Package exportersdk is the public API for Weft exporters: code that receives every
// record of a partition's log, in order, and acknowledges the positions it has safely
// stored. The broker deletes a record only once every configured exporter has
// acknowledged it, and an exporter that restarts (or moves to a new partition leader)
// resumes after its last acknowledged position, so delivery is at least once and in
// order per partition.
//
// An Exporter runs inside the broker (built in, or compiled into a custom binary) or out
// of process as a sidecar: Serve turns any Exporter into a sidecar that the broker
// streams records to over gRPC (see PROTOCOL.md).
package exportersdk

import (
	"context"
	"log/slog"
	"time"
)

// Exporter receives a partition's records. The broker runs one instance per configured
// exporter on each partition it leads, and calls every method, and every task scheduled
// through the Controller, from one goroutine: an exporter needs no locks for its own
// state.
//
// The life cycle is Configure, Open, Export for each record in position order, Close.
// Configure is also called once at broker start-up, on an instance that is then thrown
// away, so that a bad setting stops start-up with a message that names it.
type Exporter interface {
	// Configure reads the exporter's settings and may narrow its Filter. It must not
	// connect anywhere: errors here are configuration errors.
	Configure(cfg *Config) error
	// Open starts the exporter on a partition (connections, index templates...). The
	// Controller stays valid until Close returns. An error is retried with back-off.
	Open(ctx context.Context, c Controller) error
	// Export hands over the next record. An error means the record was not taken:
	// the broker calls Export again with the same record, after a back-off, and never
	// skips it. A record is safe only once its position is acknowledged through
	// Controller.UpdateLastExportedPosition, which the exporter may do later (after a
	// batch is flushed) and from any goroutine.
	Export(ctx context.Context, r *Record) error
	// Close releases what Open took. Records exported and not acknowledged are sent
	// again to the next instance.
	Close() error
}

// Controller is the broker's side of an exporter on one partition.
type Controller interface {
	// PartitionID is the partition whose records the exporter receives.
	PartitionID() int32
	// UpdateLastExportedPosition acknowledges every record up to and including
	// position: they will not be sent again, and the broker may delete them. Positions
	// only move forward; a lower one is ignored. An exporter that stores its position
	// in its sink may acknowledge, in Open, what an earlier instance stored there: the
	// broker then goes on after it. Safe to call from any goroutine.
	UpdateLastExportedPosition(position int64)
	// UpdateLastExportedPositionWithMetadata acknowledges like UpdateLastExportedPosition
	// and stores metadata (at most 64 KiB) with the position, replicated with it, so
	// that the exporter can read it back after a restart or on a new leader.
	UpdateLastExportedPositionWithMetadata(position int64, metadata []byte)
	// LastExportedPosition is the last acknowledged position (0 for none).
	LastExportedPosition() int64
	// ReadMetadata returns the metadata stored with the last acknowledged position.
	ReadMetadata() []byte
	// ScheduleCancellableTask runs task once after delay, on the exporter's goroutine
	// (never concurrently with Export), unless it is cancelled first or the exporter
	// closes. Use it to flush a batch on a timer.
	ScheduleCancellableTask(delay time.Duration, task func()) ScheduledTask
}

// ScheduledTask is a task scheduled through a Controller.
type ScheduledTask interface {
	// Cancel stops the task from running if it has not started yet.
	Cancel()
}

// Config is what an exporter receives in Configure.
type Config struct {
	// ID names the exporter instance; positions are stored under it, so renaming an
	// exporter starts it from the beginning of the retained log.
	ID string
	// Type is the exporter's type as configured (file, kafka, sidecar...).
	Type string
	// PartitionID is the partition the exporter is configured for, 0 at start-up
	// validation.
	PartitionID int32
	// Settings are the exporter's own key=value settings.
	Settings *Settings
	// Logger is the exporter's logger, already carrying the exporter id and partition.
	Logger *slog.Logger
	// Filter is the record types and value types the exporter receives, as
	// configured; Configure may narrow or replace it.
	Filter Filter
}
