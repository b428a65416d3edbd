package partition

import "sync"

// watchers wakes job-activation long polls when jobs of their type may have become
// activatable.
type watchers struct {
	mu     sync.Mutex
	byType map[string]map[chan struct{}]struct{}
}

func (w *watchers) init() { w.byType = map[string]map[chan struct{}]struct{}{} }

// WatchJobs returns a channel that receives whenever jobs of the type may have become
// activatable on this partition, and a function that stops the watch.
func (p *Partition) WatchJobs(jobType string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w := &p.watchers
	w.mu.Lock()
	set := w.byType[jobType]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		w.byType[jobType] = set
	}
	set[ch] = struct{}{}
	w.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.byType[jobType], ch)
			if len(w.byType[jobType]) == 0 {
				delete(w.byType, jobType)
			}
			w.mu.Unlock()
		})
	}
}

func (w *watchers) notify(jobType string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.byType[jobType] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (w *watchers) notifyAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, set := range w.byType {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}
