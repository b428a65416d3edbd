// Package exporting is the exporter director: on a partition's leader it runs every
// configured exporter over the partition's records, in position order, retries a failing
// exporter without ever skipping a record, replicates the positions the exporters
// acknowledge, and lets the records every exporter has acknowledged be deleted.
package exporting

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Log is the partition as the director sees it. Every method is safe to call from any
// goroutine; the director calls them from its own goroutines, never from the
// partition's processing goroutine.
type Log interface {
	// PartitionID is the partition whose records are exported.
	PartitionID() int32
	// Records returns the committed records with positions in [from, to], in order.
	Records(from, to int64) ([]*recordpb.Record, error)
	// LastPosition is the position of the last committed record.
	LastPosition() int64
	// Positions returns the replicated exporter positions and the position up to which
	// records were deleted.
	Positions() (positions []Position, compactedTo int64, err error)
	// Replicate proposes the update to every replica and returns once it is committed
	// and applied here, or fails (this replica no longer leads, for one).
	Replicate(ctx context.Context, u *brokerpb.ExporterUpdate) error
}

// Position is an exporter's replicated, acknowledged position.
type Position struct {
	ID       string
	Position int64
	Metadata []byte
}

// Config configures the director of one partition.
type Config struct {
	// Exporters are the configured exporters (ParseSpec made them).
	Exporters []Spec
	// ReplicateInterval is how often acknowledged positions are replicated and
	// acknowledged records deleted (default 1s).
	ReplicateInterval time.Duration
	// KeepRecords keeps every record even when every exporter acknowledged it (for tests
	// that read the log; positions are still replicated).
	KeepRecords bool
	// MinBackoff and MaxBackoff bound the waits between retries of a failing exporter
	// (defaults 100 ms and 10 s).
	MinBackoff, MaxBackoff time.Duration
	// StuckAfter is how long an exporter's position may stand still while records wait
	// before it is reported stuck (default 1 minute).
	StuckAfter time.Duration
	// ReadBatch is how many records a runner reads from the log at a time (default 512).
	ReadBatch int
	// StopTimeout bounds how long Run waits for its exporters to return from a call
	// and close once ctx ends (default 10s); an exporter that ignores its context is
	// then left behind, logged, so that it cannot hold a leadership change or a
	// shutdown.
	StopTimeout time.Duration
	// Logger receives the director's logs.
	Logger *slog.Logger
	// OnStuck, when set, is told whenever the director goes from no stuck exporter to
	// some, and back (the partition reports itself unhealthy meanwhile). Called from
	// the director's goroutine.
	OnStuck func(stuck bool)
}

func (c *Config) defaults() {
	if c.ReplicateInterval <= 0 {
		c.ReplicateInterval = time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.StuckAfter <= 0 {
		c.StuckAfter = time.Minute
	}
	if c.ReadBatch <= 0 {
		c.ReadBatch = 512
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Run directs the exporters of one partition until ctx ends (the replica stops leading),
// then closes them. wake receives whenever new records were committed. The acknowledged
// positions are replicated every ReplicateInterval; records up to the lowest of them
// are deleted (with no exporter configured, every record is).
func Run(ctx context.Context, cfg Config, log Log, wake <-chan struct{}) {
	cfg.defaults()
	logger := cfg.Logger.With("partition", log.PartitionID())
	stored, compacted, err := log.Positions()
	for err != nil {
		logger.Warn("cannot read exporter positions", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.MinBackoff):
		}
		stored, compacted, err = log.Positions()
	}
	byID := map[string]Position{}
	for _, p := range stored {
		byID[p.ID] = p
	}
	d := &director{cfg: cfg, log: log, logger: logger, compacted: compacted, replicated: map[string]int64{}}
	for _, s := range cfg.Exporters {
		p := byID[s.ID]
		r := newRunner(d, s, p.Position, p.Metadata)
		d.runners = append(d.runners, r)
		d.replicated[s.ID] = p.Position
		delete(byID, s.ID)
	}
	for id := range byID {
		d.removed = append(d.removed, id)
	}
	slices.Sort(d.removed)

	var wg sync.WaitGroup
	for _, r := range d.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx)
		}()
	}
	ticker := time.NewTicker(cfg.ReplicateInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			stopped := make(chan struct{})
			go func() {
				wg.Wait()
				close(stopped)
			}()
			select {
			case <-stopped:
			case <-time.After(cfg.StopTimeout):
				logger.Error("exporters did not stop in time; leaving them behind", "timeout", cfg.StopTimeout)
			}
			if d.stuck && cfg.OnStuck != nil {
				cfg.OnStuck(false) // no longer this director's to report
			}
			return
		case <-wake:
			for _, r := range d.runners {
				r.notify()
			}
		case <-ticker.C:
			d.replicate(ctx)
		}
	}
}

type director struct {
	cfg     Config
	log     Log
	logger  *slog.Logger
	runners []*runner
	// removed are stored exporters no longer configured, dropped by the next update.
	removed []string
	// replicated is the last position replicated per exporter; compacted the last
	// compaction.
	replicated map[string]int64
	compacted  int64
	// stuck is whether some exporter was stuck at the last look.
	stuck bool
}

// replicate proposes the positions that moved and the compaction they allow.
func (d *director) replicate(ctx context.Context) {
	u := &brokerpb.ExporterUpdate{Removed: d.removed}
	low := int64(math.MaxInt64)
	if len(d.runners) == 0 {
		low = d.log.LastPosition()
	}
	now := time.Now()
	last := d.log.LastPosition()
	stuck := false
	for _, r := range d.runners {
		pos, meta, metaChanged := r.acked()
		low = min(low, pos)
		stuck = r.observe(now, last, pos) || stuck
		if pos > d.replicated[r.spec.ID] || metaChanged {
			u.Positions = append(u.Positions, &brokerpb.ExporterPosition{ExporterId: r.spec.ID, Position: pos, Metadata: meta})
		}
	}
	if stuck != d.stuck {
		d.stuck = stuck
		if d.cfg.OnStuck != nil {
			d.cfg.OnStuck(stuck)
		}
	}
	if !d.cfg.KeepRecords && low > d.compacted {
		u.CompactTo = low
	}
	if len(u.Positions) == 0 && len(u.Removed) == 0 && u.CompactTo == 0 {
		return
	}
	if err := d.log.Replicate(ctx, u); err != nil {
		if ctx.Err() == nil {
			d.logger.Warn("cannot replicate exporter positions", "err", err)
		}
		return
	}
	for _, p := range u.Positions {
		d.replicated[p.GetExporterId()] = max(d.replicated[p.GetExporterId()], p.GetPosition())
	}
	for _, r := range d.runners {
		r.metaReplicated()
	}
	d.removed = nil
	if u.CompactTo > d.compacted {
		d.compacted = u.CompactTo
	}
}
