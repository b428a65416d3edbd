package limit

import (
	"math"
	"time"
)

// vegas follows TCP Vegas: the lowest mean RTT of recent windows is taken as the
// latency without queueing (the base RTT), and
//
//	queue = inFlight × (1 − baseRTT / RTT)
//
// estimates how many of the requests in flight are waiting rather than being worked on
// (by Little's law, inFlight × baseRTT / RTT of them would be enough to sustain the
// throughput seen). The limit grows while queue < alpha, shrinks while queue > beta and
// holds in between. A drop shrinks it as well. Steps are log10(limit), at least 1: about
// 1 at 10, 2 at 100, 3 at 1000, so a large limit does not take hundreds of windows to
// move.
type vegas struct {
	alpha, beta float64
	smoothing   float64

	// recent holds the mean RTT of the last len(recent) windows that had one, as a ring;
	// zero entries are not filled yet.
	recent []time.Duration
	pos    int
	base   time.Duration
}

func newVegas(c VegasConfig) *vegas {
	return &vegas{
		alpha:     float64(c.Alpha),
		beta:      float64(c.Beta),
		smoothing: c.Smoothing,
		recent:    make([]time.Duration, c.BaseRTTWindows),
	}
}

func (v *vegas) next(limit float64, w *window) float64 {
	rtt := w.meanRTT()
	if rtt > 0 {
		v.remember(rtt)
	}
	step := max(1, math.Log10(limit))
	var target float64
	switch {
	case w.dropped > 0:
		target = limit - step
	case rtt <= 0 || v.base <= 0:
		return limit // no latency signal in this window
	default:
		queue := w.meanInFlight() * (1 - float64(v.base)/float64(rtt))
		switch {
		case queue > v.beta:
			target = limit - step
		case queue < v.alpha && !w.appLimited(limit):
			target = limit + step
		default:
			return limit
		}
	}
	return limit + v.smoothing*(target-limit)
}

// remember adds a window's mean RTT and recomputes the base RTT over the ring. The ring
// is short (a hundred entries by default) and this runs once per window, so a scan is
// cheaper to read than a monotonic queue and costs nothing measurable.
func (v *vegas) remember(rtt time.Duration) {
	v.recent[v.pos] = rtt
	v.pos = (v.pos + 1) % len(v.recent)
	v.base = 0
	for _, r := range v.recent {
		if r > 0 && (v.base == 0 || r < v.base) {
			v.base = r
		}
	}
}
