package exportersdk

import (
	"sync"
	"time"
)

// ScheduleTask is for code that runs exporters (the broker, Serve, test harnesses), to
// implement Controller.ScheduleCancellableTask: after delay it passes the task to
// deliver, which must run it on the exporter's goroutine (or drop it when the exporter
// has stopped). A task cancelled before it runs does nothing, even when it was already
// delivered.
func ScheduleTask(delay time.Duration, task func(), deliver func(run func())) ScheduledTask {
	t := &timerTask{}
	t.timer = time.AfterFunc(delay, func() {
		deliver(func() {
			if !t.cancelled() {
				task()
			}
		})
	})
	return t
}

type timerTask struct {
	mu    sync.Mutex
	timer *time.Timer
	off   bool
}

func (t *timerTask) Cancel() {
	t.mu.Lock()
	t.off = true
	t.mu.Unlock()
	t.timer.Stop()
}

func (t *timerTask) cancelled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.off
}
