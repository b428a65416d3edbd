package limit

import "time"

// window is what the limiter saw between two changes of the limit. Only requests that
// finished as Success or Dropped are in it; Ignored ones carry no signal.
type window struct {
	start     time.Time
	succeeded int
	dropped   int
	// rttSum adds the RTT of succeeded requests only: a dropped request's RTT is the
	// caller's timeout, not the partition's latency.
	rttSum time.Duration
	// inFlightSum adds, for each succeeded request, the in-flight count (itself
	// included) at the moment it was admitted.
	inFlightSum int64
	// maxInFlight is the highest in-flight count at which a request of the window was
	// admitted, succeeded or dropped.
	maxInFlight int64
}

// meanRTT is the mean RTT of the window's succeeded requests, 0 if there were none.
func (w *window) meanRTT() time.Duration {
	if w.succeeded == 0 {
		return 0
	}
	return w.rttSum / time.Duration(w.succeeded)
}

// meanInFlight is the mean in-flight count seen by the window's succeeded requests when
// they were admitted, 0 if there were none.
func (w *window) meanInFlight() float64 {
	if w.succeeded == 0 {
		return 0
	}
	return float64(w.inFlightSum) / float64(w.succeeded)
}

// appLimited reports whether the window never used half of the limit. Raising the limit
// then proves nothing about the partition's capacity, and a limit grown during a quiet
// hour would let the next burst in unchecked; so neither algorithm raises it.
func (w *window) appLimited(limit float64) bool {
	return float64(2*w.maxInFlight) < limit
}

// algorithm turns a closed window into the next limit. The Limiter calls it with its
// mutex held, once per window, and clamps the result into [MinLimit, MaxLimit].
type algorithm interface {
	next(limit float64, w *window) float64
}
