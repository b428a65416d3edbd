package exporting

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// maxMetadata bounds the metadata an exporter stores with its position.
const maxMetadata = 64 << 10

// runner runs one exporter on one partition: a goroutine that reads the log from the
// exporter's position, hands each record the filter accepts to Export, retries a
// failing Export with back-off (never skipping a record), and runs the exporter's
// scheduled tasks between calls, so that the exporter sees a single goroutine.
type runner struct {
	d      *director
	spec   Spec
	logger *slog.Logger
	labels []string

	wakeCh chan struct{}
	tasks  chan func()
	done   chan struct{}

	mu sync.Mutex
	// position is the acknowledged position; handed the last position handed to
	// Export.
	position, handed int64
	metadata         []byte
	metaVersion      uint64

	// Touched by the director's goroutine only.
	replMetaVersion, pendingMetaVersion uint64
	movedAt                             time.Time
	lastSeen                            int64
	stuck                               bool
}

func newRunner(d *director, s Spec, position int64, metadata []byte) *runner {
	pid := strconv.Itoa(int(d.log.PartitionID()))
	return &runner{
		d: d, spec: s, logger: d.logger.With("exporter", s.ID, "type", s.Type),
		labels:   []string{pid, s.ID},
		wakeCh:   make(chan struct{}, 1),
		tasks:    make(chan func(), 16),
		done:     make(chan struct{}),
		position: position, handed: position, metadata: metadata,
		movedAt: time.Now(), lastSeen: position,
	}
}

func (r *runner) notify() {
	select {
	case r.wakeCh <- struct{}{}:
	default:
	}
}

// run exports until ctx ends, then closes the exporter.
func (r *runner) run(ctx context.Context) {
	defer close(r.done)
	metricPosition.WithLabelValues(r.labels...).Set(float64(r.ackedPosition()))
	exp, cfg, ok := r.open(ctx)
	if !ok {
		return
	}
	defer func() {
		if err := exp.Close(); err != nil {
			r.logger.Warn("exporter close failed", "err", err)
		}
	}()
	_, compacted, _ := r.d.log.Positions()
	next := max(r.ackedPosition(), compacted) + 1
	for ctx.Err() == nil {
		r.runTasks()
		if acked := r.ackedPosition(); acked >= next {
			next = acked + 1 // the exporter has these already
		}
		last := r.d.log.LastPosition()
		if next > last {
			select {
			case <-ctx.Done():
			case <-r.wakeCh:
			case f := <-r.tasks:
				f()
			}
			continue
		}
		recs, err := r.d.log.Records(next, min(last, next+int64(r.d.cfg.ReadBatch)-1))
		if err != nil {
			r.logger.Warn("cannot read records to export", "from", next, "err", err)
			r.wait(ctx, r.d.cfg.MinBackoff)
			continue
		}
		if len(recs) == 0 || recs[0].GetPosition() != next {
			// The records were deleted (another exporter's compaction cannot pass this
			// one's position, so only a position stored before a compaction it did not
			// see): start from the first record left.
			_, compacted, _ := r.d.log.Positions()
			if compacted >= next {
				r.logger.Warn("records before the exporter's position were deleted; going on from the first record left", "from", next, "first", compacted+1)
				next = compacted + 1
				continue
			}
			r.wait(ctx, r.d.cfg.MinBackoff)
			continue
		}
		for _, pb := range recs {
			rec := exportersdk.FromProto(pb)
			if cfg.Filter.Accepts(rec) {
				if !r.export(ctx, exp, rec) {
					return
				}
			} else {
				r.skip(rec.Position)
			}
			next = rec.Position + 1
			r.runTasks()
		}
	}
}

// open configures and opens a new instance, retrying with back-off.
func (r *runner) open(ctx context.Context) (exportersdk.Exporter, *exportersdk.Config, bool) {
	for attempt := 0; ; attempt++ {
		exp := r.spec.New()
		cfg, err := r.spec.configure(exp, r.d.log.PartitionID(), r.logger)
		if err == nil {
			err = exp.Open(ctx, &controller{r: r})
			if err == nil {
				r.logger.Info("exporter opened", "position", r.ackedPosition())
				return exp, cfg, true
			}
			exp.Close()
		}
		metricFailures.WithLabelValues(r.labels...).Inc()
		r.logger.Warn("exporter cannot open; retrying", "attempt", attempt+1, "err", err)
		if !r.wait(ctx, r.backoff(attempt)) {
			return nil, nil, false
		}
	}
}

// export hands one record to the exporter until it takes it, or ctx ends.
func (r *runner) export(ctx context.Context, exp exportersdk.Exporter, rec *exportersdk.Record) bool {
	// The exporter may acknowledge the record from inside Export.
	r.mu.Lock()
	r.handed = rec.Position
	r.mu.Unlock()
	for attempt := 0; ; attempt++ {
		err := exp.Export(ctx, rec)
		if err == nil {
			metricExported.WithLabelValues(r.labels...).Inc()
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		metricFailures.WithLabelValues(r.labels...).Inc()
		if attempt == 0 || attempt%10 == 9 {
			r.logger.Warn("exporter failed to export a record; retrying it", "position", rec.Position, "attempt", attempt+1, "err", err)
		}
		if !r.wait(ctx, r.backoff(attempt)) {
			return false
		}
	}
}

// skip passes a record the filter refused. Once everything handed to Export is
// acknowledged, the refused record counts as acknowledged too, so that an exporter that
// takes few records does not hold every other record back.
func (r *runner) skip(position int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.position >= r.handed && position > r.position {
		r.position = position
		metricPosition.WithLabelValues(r.labels...).Set(float64(position))
	}
}

func (r *runner) backoff(attempt int) time.Duration {
	d := r.d.cfg.MinBackoff << min(attempt, 20)
	return min(d, r.d.cfg.MaxBackoff)
}

// wait waits for d while running scheduled tasks; false when ctx ended.
func (r *runner) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case f := <-r.tasks:
			f()
		}
	}
}

func (r *runner) runTasks() {
	for {
		select {
		case f := <-r.tasks:
			f()
		default:
			return
		}
	}
}

func (r *runner) ackedPosition() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.position
}

// acked returns the acknowledged position and metadata for replication, and whether the
// metadata changed since it was last replicated. Director goroutine only.
func (r *runner) acked() (int64, []byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pendingMetaVersion = r.metaVersion
	return r.position, r.metadata, r.metaVersion != r.replMetaVersion
}

// metaReplicated notes that the update carrying the metadata acked returned committed.
// Director goroutine only.
func (r *runner) metaReplicated() { r.replMetaVersion = r.pendingMetaVersion }

// observe reports an exporter whose position stands still while records wait, and
// returns whether it is stuck. Director goroutine only.
func (r *runner) observe(now time.Time, last, pos int64) bool {
	metricLag.WithLabelValues(r.labels...).Set(float64(max(last-pos, 0)))
	if pos != r.lastSeen || pos >= last {
		if r.stuck {
			r.logger.Info("exporter moves again", "position", pos)
			metricStuck.WithLabelValues(r.labels...).Set(0)
		}
		r.lastSeen, r.movedAt, r.stuck = pos, now, false
		return false
	}
	if !r.stuck && now.Sub(r.movedAt) >= r.d.cfg.StuckAfter {
		r.stuck = true
		metricStuck.WithLabelValues(r.labels...).Set(1)
		r.logger.Warn("exporter is stuck: its position has not moved while records wait; records are kept until it acknowledges them",
			"position", pos, "waiting", last-pos, "since", r.movedAt)
	}
	return r.stuck
}

// controller is the exporter's view of its runner.
type controller struct{ r *runner }

func (c *controller) PartitionID() int32 { return c.r.d.log.PartitionID() }

func (c *controller) UpdateLastExportedPosition(position int64) { c.update(position, nil, false) }

func (c *controller) UpdateLastExportedPositionWithMetadata(position int64, metadata []byte) {
	c.update(position, metadata, true)
}

func (c *controller) update(position int64, metadata []byte, withMeta bool) {
	r := c.r
	if withMeta && len(metadata) > maxMetadata {
		r.logger.Warn("exporter metadata too large; keeping the previous metadata", "bytes", len(metadata), "max", maxMetadata)
		withMeta = false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// An exporter may acknowledge records it was not handed (yet): one that keeps its
	// own position in its sink, as the read model does, knows what an earlier instance
	// stored, and the runner then goes on after it. It cannot acknowledge records that
	// do not exist.
	position = min(position, r.d.log.LastPosition())
	if position < r.position || (position == r.position && !withMeta) {
		return
	}
	r.position = position
	if withMeta && !bytes.Equal(metadata, r.metadata) {
		r.metadata = bytes.Clone(metadata)
		r.metaVersion++
	}
	metricPosition.WithLabelValues(r.labels...).Set(float64(position))
}

func (c *controller) LastExportedPosition() int64 { return c.r.ackedPosition() }

func (c *controller) ReadMetadata() []byte {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return bytes.Clone(c.r.metadata)
}

func (c *controller) ScheduleCancellableTask(delay time.Duration, task func()) exportersdk.ScheduledTask {
	r := c.r
	return exportersdk.ScheduleTask(delay, task, func(run func()) {
		select {
		case r.tasks <- run:
		case <-r.done:
		}
	})
}
