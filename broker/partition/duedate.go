package partition

import (
	"context"
	"time"

	"github.com/weftlabs/weft/broker/state"
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
	// Each index is scanned from a floor below which nothing was due at the last scan:
	// deadlines and back-off ends of new jobs lie in the future, so entries below the
	// floor are only deletion markers of finished jobs, which a scan from zero would
	// step over every time. A full scan now and then covers clock skew between leaders.
	floors := map[string]int64{}
	lastFull := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := p.cfg.Now()
		if now.Sub(lastFull) > 10*time.Second {
			clear(floors)
			lastFull = now
		}
		for k, at := range recent {
			if now.Sub(at) > 5*time.Second {
				delete(recent, k)
			}
		}
		for _, kind := range []struct {
			intent string
			find   func(int64, int64, int) ([]dueJob, error)
		}{
			{"TIME_OUT", p.dueDeadlines},
			{"RECUR_AFTER_BACKOFF", p.dueBackoffs},
		} {
			due, err := kind.find(floors[kind.intent], now.UnixMilli(), 1000)
			if err != nil {
				p.log.Warn("due date check failed", "err", err)
				continue
			}
			if len(due) > 0 {
				floors[kind.intent] = due[0].at
			} else {
				// A margin for entries stamped just before this scan and applied after it.
				floors[kind.intent] = now.UnixMilli() - 5000
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

type dueJob struct{ key, at int64 }

func (p *Partition) dueDeadlines(from, now int64, limit int) ([]dueJob, error) {
	return dueJobs(p.state.DueJobDeadlines(from, now, limit))
}

func (p *Partition) dueBackoffs(from, now int64, limit int) ([]dueJob, error) {
	return dueJobs(p.state.DueJobBackoffs(from, now, limit))
}

func dueJobs(ds []state.Due, err error) ([]dueJob, error) {
	out := make([]dueJob, len(ds))
	for i, d := range ds {
		out[i] = dueJob{key: d.JobKey, at: d.At}
	}
	return out, err
}
