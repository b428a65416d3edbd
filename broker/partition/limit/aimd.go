package limit

import "time"

// aimd raises the limit by one per window while the window's mean RTT is at most the
// expected latency, and multiplies it by the back-off ratio when the mean is above it or
// a request was dropped: the additive-increase, multiplicative-decrease rule of TCP's
// congestion avoidance, with a latency target standing in for packet loss.
type aimd struct {
	expected time.Duration
	backoff  float64
}

func (a *aimd) next(limit float64, w *window) float64 {
	if w.dropped > 0 || w.meanRTT() > a.expected {
		return limit * a.backoff
	}
	if w.appLimited(limit) {
		return limit
	}
	return limit + 1
}
