package partition

import (
	"context"
	"time"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// checkDueDates runs on the leader: it looks for activated jobs past their deadline
// and failed jobs whose back-off ended, and proposes TIME_OUT and RECUR_AFTER_BACKOFF
// commands for them. The commands, not the clock, change state; a command proposed
// twice is rejected the second time.
func (p *Partition) checkDueDates(ctx context.Context) {
	t := time.NewTicker(p.cfg.DueDateInterval)
	defer t.Stop()
	recent := map[int64]time.Time{} // job key -> when a command for it was proposed
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := p.cfg.Now()
		for k, at := range recent {
			if now.Sub(at) > 5*time.Second {
				delete(recent, k)
			}
		}
		for _, kind := range []struct {
			intent string
			find   func(int64, int) ([]dueJob, error)
		}{
			{"TIME_OUT", p.dueDeadlines},
			{"RECUR_AFTER_BACKOFF", p.dueBackoffs},
		} {
			due, err := kind.find(now.UnixMilli(), 1000)
			if err != nil {
				p.log.Warn("due date check failed", "err", err)
				continue
			}
			for _, d := range due {
				if _, ok := recent[d.key]; ok {
					continue
				}
				recent[d.key] = now
				cmd := &recordpb.Record{
					Key: d.key, ValueType: recordpb.ValueType_JOB, Intent: kind.intent,
					Value: &recordpb.Record_Job{Job: &recordpb.JobRecord{}},
				}
				if !p.submit(cmd) {
					return
				}
			}
		}
	}
}

type dueJob struct{ key int64 }

func (p *Partition) dueDeadlines(now int64, limit int) ([]dueJob, error) {
	ds, err := p.state.DueJobDeadlines(now, limit)
	out := make([]dueJob, len(ds))
	for i, d := range ds {
		out[i] = dueJob{d.JobKey}
	}
	return out, err
}

func (p *Partition) dueBackoffs(now int64, limit int) ([]dueJob, error) {
	ds, err := p.state.DueJobBackoffs(now, limit)
	out := make([]dueJob, len(ds))
	for i, d := range ds {
		out[i] = dueJob{d.JobKey}
	}
	return out, err
}
