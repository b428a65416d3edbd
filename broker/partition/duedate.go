package partition

import (
	"context"
	"time"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// dueKind is one kind of due date the leader watches, and the command it proposes.
type dueKind struct {
	name      string
	valueType recordpb.ValueType
	intent    string
	find      func(d *state.DB, from, now int64, limit int) ([]state.Due, error)
}

var dueKinds = []dueKind{
	{"job deadline", recordpb.ValueType_JOB, "TIME_OUT", (*state.DB).DueJobDeadlines},
	{"job back-off", recordpb.ValueType_JOB, "RECUR_AFTER_BACKOFF", (*state.DB).DueJobBackoffs},
	{"message time to live", recordpb.ValueType_MESSAGE, "EXPIRE", (*state.DB).DueMessages},
	{"timer", recordpb.ValueType_TIMER, "TRIGGER", (*state.DB).DueTimers},
}

// timerKind is the index of timers in dueKinds: a timer can be created already due (a
// date in the past), below the floor, so new timers lower it (Partition.timerFloor).
const timerKind = 3

// checkDueDates runs on the leader: it looks for activated jobs past their deadline,
// failed jobs whose back-off ended, messages whose time to live ended and due timers,
// and proposes TIME_OUT, RECUR_AFTER_BACKOFF, EXPIRE and TRIGGER commands for them. The commands, not the
// clock, change state; a command proposed twice is rejected the second time.
func (p *Partition) checkDueDates(ctx context.Context) {
	t := time.NewTicker(p.cfg.DueDateInterval)
	defer t.Stop()
	recent := map[int64]time.Time{} // key -> when a command for it was proposed
	// Each index is scanned from a floor below which nothing was due at the last scan:
	// due dates of new entries lie in the future, so entries below the floor are only
	// deletion markers of finished ones, which a scan from zero would step over every
	// time. A full scan now and then covers clock skew between leaders.
	floors := make([]int64, len(dueKinds))
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
		if hint := p.timerFloor.Swap(0); hint > 0 && hint < floors[timerKind] {
			floors[timerKind] = hint
		}
		for i, kind := range dueKinds {
			due, err := kind.find(p.state, floors[i], now.UnixMilli(), 1000)
			if err != nil {
				p.log.Warn("due date check failed", "kind", kind.name, "err", err)
				continue
			}
			if len(due) > 0 {
				floors[i] = due[0].At
			} else {
				// A margin for entries stamped just before this scan and applied after it.
				floors[i] = now.UnixMilli() - 5000
			}
			for _, d := range due {
				if _, ok := recent[d.Key]; ok {
					continue
				}
				recent[d.Key] = now
				cmd := &recordpb.Record{Key: d.Key, ValueType: kind.valueType, Intent: kind.intent}
				switch kind.valueType {
				case recordpb.ValueType_JOB:
					cmd.Value = &recordpb.Record_Job{Job: &recordpb.JobRecord{}}
				case recordpb.ValueType_MESSAGE:
					cmd.Value = &recordpb.Record_Message{Message: &recordpb.MessageRecord{}}
				case recordpb.ValueType_TIMER:
					cmd.Value = &recordpb.Record_Timer{Timer: &recordpb.TimerRecord{}}
				}
				if !p.submit(cmd) {
					return
				}
			}
		}
	}
}
