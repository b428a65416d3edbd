package limit

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is how a request admitted by Acquire ended, as told to its done function.
type Outcome int

const (
	// Success: the partition answered the request. A rejection (NOT_FOUND,
	// INVALID_STATE...) is an answer too: the partition processed the command.
	Success Outcome = iota
	// Dropped: the request failed in a way that points at overload, above all a
	// timeout while waiting for the partition. Any drop in a window lowers the limit.
	Dropped
	// Ignored: the request ended without telling anything about the partition's
	// capacity (the client canceled, leadership moved, the partition is closing). It
	// frees the slot and is left out of the window. Values other than Success and
	// Dropped count as Ignored.
	Ignored
)

// String returns the outcome as a metric label: "success", "dropped" or "ignored".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Dropped:
		return "dropped"
	case Ignored:
		return "ignored"
	default:
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
}

// Limiter bounds the requests in flight with a limit that follows observed latency. It
// is safe for concurrent use. Acquire does not lock; done takes a mutex to add its sample
// to the current window and, at most once per window, to move the limit.
type Limiter struct {
	cfg Config

	inFlight atomic.Int64
	// limit is the current limit rounded down, as Acquire reads it; mu's limitF is the
	// exact value the algorithms work on.
	limit    atomic.Int64
	accepted atomic.Uint64
	rejected atomic.Uint64

	mu        sync.Mutex
	limitF    float64
	alg       algorithm
	vegas     *vegas // alg when it is Vegas, for Stats' base RTT; nil otherwise
	win       window
	lastRTT   time.Duration
	succeeded uint64
	dropped   uint64
	ignored   uint64
}

// New returns a limiter configured by cfg, its zero fields set to their defaults. It
// panics if cfg.Validate reports an error: configuration read at start-up must be
// validated there, where the error can name the setting.
func New(cfg Config) *Limiter {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	l := &Limiter{cfg: cfg, limitF: float64(cfg.InitialLimit)}
	switch cfg.Algorithm {
	case Vegas:
		l.vegas = newVegas(cfg.Vegas)
		l.alg = l.vegas
	default:
		l.alg = &aimd{expected: cfg.AIMD.ExpectedLatency, backoff: cfg.AIMD.BackoffRatio}
	}
	l.limit.Store(int64(cfg.InitialLimit))
	l.win.start = cfg.Now()
	return l
}

// Config returns the limiter's configuration with defaults applied.
func (l *Limiter) Config() Config { return l.cfg }

// noop is the done function of a refused Acquire.
func noop(Outcome) {}

// Acquire takes a slot for a request. When ok is false the limit is reached and the
// caller should answer RESOURCE_EXHAUSTED at once; done is then a no-op and need not be
// called. When ok is true, done must be called once the request has ended, with its
// outcome; the time between Acquire and done is the request's RTT. Further calls of done
// do nothing.
func (l *Limiter) Acquire() (done func(outcome Outcome), ok bool) {
	var n int64
	for {
		n = l.inFlight.Load()
		if n >= l.limit.Load() {
			l.rejected.Add(1)
			return noop, false
		}
		if l.inFlight.CompareAndSwap(n, n+1) {
			break
		}
	}
	l.accepted.Add(1)
	start := l.cfg.Now()
	var released atomic.Bool
	return func(o Outcome) {
		if released.Swap(true) {
			return
		}
		l.release(start, n+1, o)
	}, true
}

// release frees a slot and records the request's outcome; admittedAt is the in-flight
// count, the request included, when it was admitted.
func (l *Limiter) release(start time.Time, admittedAt int64, o Outcome) {
	now := l.cfg.Now()
	l.inFlight.Add(-1)

	l.mu.Lock()
	defer l.mu.Unlock()
	switch o {
	case Success:
		l.succeeded++
		l.win.succeeded++
		l.win.rttSum += max(now.Sub(start), 0)
		l.win.inFlightSum += admittedAt
	case Dropped:
		l.dropped++
		l.win.dropped++
	default:
		l.ignored++
		return
	}
	l.win.maxInFlight = max(l.win.maxInFlight, admittedAt)
	if now.Sub(l.win.start) < l.cfg.Window || l.win.succeeded+l.win.dropped < l.cfg.WindowSamples {
		return
	}
	next := l.alg.next(l.limitF, &l.win)
	l.limitF = min(max(next, float64(l.cfg.MinLimit)), float64(l.cfg.MaxLimit))
	l.limit.Store(int64(math.Floor(l.limitF)))
	if rtt := l.win.meanRTT(); rtt > 0 {
		l.lastRTT = rtt
	}
	l.win = window{start: now}
}

// Limit returns the current limit: Acquire refuses once this many requests are in
// flight. It can be below InFlight right after the limit shrank.
func (l *Limiter) Limit() int { return int(l.limit.Load()) }

// InFlight returns how many admitted requests have not called done yet.
func (l *Limiter) InFlight() int { return int(l.inFlight.Load()) }

// Stats is a snapshot of a Limiter for metrics. Counters only grow; the suggested metric
// names follow weft_<component>_<what>_<unit>.
type Stats struct {
	// Limit is Limit(): gauge weft_partition_backpressure_limit.
	Limit int
	// InFlight is InFlight(): gauge weft_partition_backpressure_inflight_requests.
	InFlight int
	// Accepted counts Acquire calls that took a slot: counter
	// weft_partition_backpressure_requests_total{result="accepted"}.
	Accepted uint64
	// Rejected counts Acquire calls refused at the limit: counter
	// weft_partition_backpressure_requests_total{result="rejected"}.
	Rejected uint64
	// Succeeded, Dropped and Ignored count done calls by outcome: counter
	// weft_partition_backpressure_completed_requests_total{outcome="success"|"dropped"|"ignored"}.
	Succeeded, Dropped, Ignored uint64
	// RTT is the mean RTT of the succeeded requests of the last window that had any, 0
	// before the first: gauge weft_partition_backpressure_rtt_seconds.
	RTT time.Duration
	// BaseRTT is Vegas' estimate of the latency without queueing, 0 for AIMD or before
	// the first window: gauge weft_partition_backpressure_base_rtt_seconds.
	BaseRTT time.Duration
}

// Stats returns a snapshot of the limiter's gauges and counters. The fields are read one
// after another while requests go on; the outcomes are read first, so Accepted is never
// below Succeeded+Dropped+Ignored.
func (l *Limiter) Stats() Stats {
	var s Stats
	l.mu.Lock()
	s.Succeeded, s.Dropped, s.Ignored = l.succeeded, l.dropped, l.ignored
	s.RTT = l.lastRTT
	if l.vegas != nil {
		s.BaseRTT = l.vegas.base
	}
	l.mu.Unlock()
	s.Accepted = l.accepted.Load()
	s.Rejected = l.rejected.Load()
	s.Limit = l.Limit()
	s.InFlight = l.InFlight()
	return s
}
