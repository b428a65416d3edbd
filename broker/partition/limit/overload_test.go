package limit

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// overload describes a simulated partition and the load sent to it. The partition has
// `workers` parallel workers, each taking `service` per request, first come first
// served: a fixed service rate of workers/service. Clients give up after `timeout`
// (the partition still does the work); a refused request is answered at once.
type overload struct {
	workers int
	service time.Duration
	timeout time.Duration
	// For `light`, clients send lightRate requests per second (below capacity), then
	// heavyRate (above it) for `heavy`. The measurement leaves out the first `settle`
	// of the heavy phase, while the limit finds its level.
	lightRate, heavyRate float64
	light, heavy, settle time.Duration
}

// overloadResult is what the measured part of the heavy phase looked like.
type overloadResult struct {
	maxRTT             time.Duration // of requests answered before their timeout
	goodput            float64       // answered before timeout, per second
	capacity           float64       // the service rate, per second
	rejected, timedOut int
	minLimit, maxLimit int
}

// simulate runs o against l with a 1ms step of clk: a bounded loop, deterministic, with
// no goroutines.
func simulate(l *Limiter, clk *fakeClock, o overload) overloadResult {
	const tick = time.Millisecond
	type request struct {
		arrival, finish time.Duration
		done            func(Outcome)
	}
	var (
		free    = make([]time.Duration, o.workers) // when each worker is next idle
		pending []request                          // admitted, in admission order
		res     = overloadResult{capacity: float64(o.workers) * float64(time.Second) / float64(o.service), minLimit: math.MaxInt}
		credit  float64
		now     time.Duration
		measure = o.light + o.settle
		end     = o.light + o.heavy
	)
	// Requests are served in admission order and all take the same time, so both their
	// finish times and their deadlines grow in admission order: the request at the head
	// of pending is always the next to end, by an answer or a timeout.
	for now < end {
		now += tick
		clk.Advance(tick)
		for len(pending) > 0 {
			r := pending[0]
			deadline := r.arrival + o.timeout
			if min(r.finish, deadline) > now {
				break
			}
			pending = pending[1:]
			if r.finish <= deadline {
				r.done(Success)
				if now > measure {
					res.goodput++
					res.maxRTT = max(res.maxRTT, now-r.arrival)
				}
			} else {
				r.done(Dropped)
				if now > measure {
					res.timedOut++
				}
			}
		}
		rate := o.lightRate
		if now > o.light {
			rate = o.heavyRate
		}
		for credit += rate * tick.Seconds(); credit >= 1; credit-- {
			done, ok := l.Acquire()
			if !ok {
				if now > measure {
					res.rejected++
				}
				continue
			}
			w := 0
			for i := range free {
				if free[i] < free[w] {
					w = i
				}
			}
			free[w] = max(free[w], now) + o.service
			pending = append(pending, request{arrival: now, finish: free[w], done: done})
		}
		if now > measure {
			res.minLimit = min(res.minLimit, l.Limit())
			res.maxLimit = max(res.maxLimit, l.Limit())
		}
	}
	res.goodput /= (end - measure).Seconds()
	return res
}

// A partition that serves 1000 requests per second is offered twice that. The limiter
// must keep latency bounded while the partition stays busy; with a fixed, generous bound
// the queue grows until every request times out.
func TestOverloadKeepsLatencyBounded(t *testing.T) {
	partition := overload{
		workers: 4, service: 4 * time.Millisecond, timeout: time.Second,
		lightRate: 500, heavyRate: 2000, light: 10 * time.Second,
	}

	t.Run("aimd", func(t *testing.T) {
		o := partition
		// From 100 the limit climbs one per second to where the RTT crosses 200ms,
		// about 200 in flight at 1ms each: a hundred seconds or so.
		o.heavy, o.settle = 300*time.Second, 150*time.Second
		l, clk := newTestLimiter(t, Config{})
		r := simulate(l, clk, o)
		t.Logf("%+v", r)
		assert.LessOrEqual(t, r.maxRTT, 2*DefaultExpectedLatency)
		assert.GreaterOrEqual(t, r.goodput, 0.95*r.capacity)
		assert.Zero(t, r.timedOut)
		assert.Positive(t, r.rejected)
		assert.GreaterOrEqual(t, r.minLimit, 150)
	})

	t.Run("vegas", func(t *testing.T) {
		o := partition
		o.heavy, o.settle = 60*time.Second, 20*time.Second
		l, clk := newTestLimiter(t, Config{Algorithm: Vegas})
		r := simulate(l, clk, o)
		t.Logf("%+v base=%v", r, l.Stats().BaseRTT)
		assert.Equal(t, o.service, l.Stats().BaseRTT, "learned in the light phase")
		// The queue is held within [alpha, beta] plus a step: a few requests behind
		// the four being served, a few service times of latency.
		assert.LessOrEqual(t, r.maxRTT, 4*o.service)
		assert.GreaterOrEqual(t, r.goodput, 0.95*r.capacity)
		assert.Zero(t, r.timedOut)
		assert.Positive(t, r.rejected)
		assert.Greater(t, r.minLimit, o.workers, "the workers must stay busy")
	})

	t.Run("fixed generous bound", func(t *testing.T) {
		o := partition
		o.heavy, o.settle = 30*time.Second, 10*time.Second
		l, clk := newTestLimiter(t, Config{InitialLimit: 100000, MinLimit: 100000, MaxLimit: 100000})
		r := simulate(l, clk, o)
		t.Logf("%+v", r)
		assert.Positive(t, r.timedOut)
		assert.Less(t, r.goodput, 0.1*r.capacity, "busy working for clients that left")
	})
}
