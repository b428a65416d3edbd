package limit

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Algorithm selects how the limit reacts to the latency and drops of each window.
type Algorithm int

const (
	// AIMD holds latency under a target: +1 per window while the window's mean RTT is
	// at most ExpectedLatency, times BackoffRatio when it is above or a request dropped.
	// It is the zero value, and the default, as in Zeebe.
	AIMD Algorithm = iota
	// Vegas keeps a small queue: it compares each window's mean RTT with the lowest
	// mean RTT seen recently and moves the limit so that the estimated number of queued
	// requests stays between Alpha and Beta. It has no latency target.
	Vegas
)

// String returns the algorithm's name as written in configuration: "aimd" or "vegas".
func (a Algorithm) String() string {
	switch a {
	case AIMD:
		return "aimd"
	case Vegas:
		return "vegas"
	default:
		return fmt.Sprintf("Algorithm(%d)", int(a))
	}
}

// ParseAlgorithm reads an algorithm name, case-insensitively ("aimd", "vegas").
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "aimd":
		return AIMD, nil
	case "vegas":
		return Vegas, nil
	default:
		return 0, fmt.Errorf("limit: unknown algorithm %q (want aimd or vegas)", s)
	}
}

// Defaults, chosen to match what a Zeebe 8.3 broker uses unless configured otherwise
// (Zeebe's AIMD: initial limit 100, min 1, max 1000, request timeout 200ms, back-off
// 0.9; its Vegas: initial limit 20, alpha 3, beta 6).
const (
	// DefaultAIMDInitialLimit is the limit an AIMD limiter starts with.
	DefaultAIMDInitialLimit = 100
	// DefaultVegasInitialLimit is the limit a Vegas limiter starts with.
	DefaultVegasInitialLimit = 20
	// DefaultMinLimit is the lowest the limit goes.
	DefaultMinLimit = 1
	// DefaultMaxLimit is the highest the limit goes.
	DefaultMaxLimit = 1000
	// DefaultWindow is the shortest time between two changes of the limit.
	DefaultWindow = time.Second
	// DefaultWindowSamples is the fewest completed requests a window needs before it
	// may change the limit.
	DefaultWindowSamples = 10
	// DefaultExpectedLatency is AIMD's latency target.
	DefaultExpectedLatency = 200 * time.Millisecond
	// DefaultBackoffRatio is the factor AIMD multiplies the limit by on overload.
	DefaultBackoffRatio = 0.9
	// DefaultAlpha is the estimated queue below which Vegas raises the limit.
	DefaultAlpha = 3
	// DefaultBeta is the estimated queue above which Vegas lowers the limit.
	DefaultBeta = 6
	// DefaultSmoothing is the share of each Vegas step that is applied (1: all of it).
	DefaultSmoothing = 1.0
	// DefaultBaseRTTWindows is how many windows Vegas remembers when it looks for the
	// lowest mean RTT.
	DefaultBaseRTTWindows = 100
)

// Config configures a Limiter. A zero field takes its default (the Default* constants);
// a negative or out-of-range one is an error from Validate.
type Config struct {
	// Algorithm is AIMD (the zero value) or Vegas.
	Algorithm Algorithm
	// InitialLimit is the limit at start: DefaultAIMDInitialLimit or
	// DefaultVegasInitialLimit. A default initial limit is clamped into
	// [MinLimit, MaxLimit]; an explicit one must lie within it.
	InitialLimit int
	// MinLimit is the lowest the limit goes, at least 1. Raising it keeps a partition
	// under sustained overload from being throttled down to a handful of requests.
	MinLimit int
	// MaxLimit is the highest the limit goes. MinLimit == MaxLimit gives a fixed limit.
	MaxLimit int

	// Window is the shortest time between two changes of the limit; a window also
	// needs WindowSamples completed requests before it closes, so under light traffic
	// it lasts longer.
	Window time.Duration
	// WindowSamples is the fewest completed (succeeded or dropped) requests a window
	// needs before it may change the limit.
	WindowSamples int

	// AIMD holds the AIMD knobs, read when Algorithm is AIMD.
	AIMD AIMDConfig
	// Vegas holds the Vegas knobs, read when Algorithm is Vegas.
	Vegas VegasConfig

	// Now is the clock that times requests; time.Now if nil. Tests inject a fake one.
	Now func() time.Time
}

// AIMDConfig holds the knobs of the AIMD algorithm.
type AIMDConfig struct {
	// ExpectedLatency is the target: a window whose mean RTT is above it lowers the
	// limit (Zeebe calls it requestTimeout). Under sustained overload the latency can
	// reach about twice this value, since the limit only shrinks after a window has
	// already been slow.
	ExpectedLatency time.Duration
	// BackoffRatio multiplies the limit when a window is slow or saw a drop; in
	// [0.5, 1).
	BackoffRatio float64
}

// VegasConfig holds the knobs of the Vegas algorithm.
type VegasConfig struct {
	// Alpha: while the estimated queue is below it, the limit grows.
	Alpha int
	// Beta: while the estimated queue is above it, the limit shrinks. At least Alpha.
	Beta int
	// Smoothing is the share of each step that is applied, in (0, 1]; lower values damp
	// oscillation at the cost of slower reaction.
	Smoothing float64
	// BaseRTTWindows is how many recent windows the base RTT (the lowest window mean)
	// is taken from, so that a lasting change of the unloaded latency (a slower disk,
	// a bigger state) is eventually accepted as the new base.
	BaseRTTWindows int
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MinLimit == 0 {
		c.MinLimit = DefaultMinLimit
	}
	if c.MaxLimit == 0 {
		c.MaxLimit = max(DefaultMaxLimit, c.MinLimit)
	}
	if c.InitialLimit == 0 {
		c.InitialLimit = DefaultAIMDInitialLimit
		if c.Algorithm == Vegas {
			c.InitialLimit = DefaultVegasInitialLimit
		}
		if c.MinLimit > 0 && c.MaxLimit >= c.MinLimit {
			c.InitialLimit = min(max(c.InitialLimit, c.MinLimit), c.MaxLimit)
		}
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.WindowSamples == 0 {
		c.WindowSamples = DefaultWindowSamples
	}
	if c.AIMD.ExpectedLatency == 0 {
		c.AIMD.ExpectedLatency = DefaultExpectedLatency
	}
	if c.AIMD.BackoffRatio == 0 {
		c.AIMD.BackoffRatio = DefaultBackoffRatio
	}
	if c.Vegas.Alpha == 0 {
		c.Vegas.Alpha = DefaultAlpha
	}
	if c.Vegas.Beta == 0 {
		c.Vegas.Beta = max(DefaultBeta, c.Vegas.Alpha)
	}
	if c.Vegas.Smoothing == 0 {
		c.Vegas.Smoothing = DefaultSmoothing
	}
	if c.Vegas.BaseRTTWindows == 0 {
		c.Vegas.BaseRTTWindows = DefaultBaseRTTWindows
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every setting that is out of range once defaults are applied, each
// by its field name, so that start-up can stop with a message naming it.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Algorithm != AIMD && c.Algorithm != Vegas {
		bad("limit: Algorithm %v: want AIMD or Vegas", c.Algorithm)
	}
	if c.MinLimit < 1 {
		bad("limit: MinLimit %d: must be at least 1", c.MinLimit)
	}
	if c.MaxLimit < c.MinLimit {
		bad("limit: MaxLimit %d: must be at least MinLimit (%d)", c.MaxLimit, c.MinLimit)
	}
	if c.InitialLimit < c.MinLimit || c.InitialLimit > c.MaxLimit {
		bad("limit: InitialLimit %d: must lie within [MinLimit, MaxLimit] = [%d, %d]", c.InitialLimit, c.MinLimit, c.MaxLimit)
	}
	if c.Window < 0 {
		bad("limit: Window %v: must be positive", c.Window)
	}
	if c.WindowSamples < 0 {
		bad("limit: WindowSamples %d: must be positive", c.WindowSamples)
	}
	switch c.Algorithm {
	case AIMD:
		if c.AIMD.ExpectedLatency < 0 {
			bad("limit: AIMD.ExpectedLatency %v: must be positive", c.AIMD.ExpectedLatency)
		}
		// The negated form also rejects NaN.
		if !(c.AIMD.BackoffRatio >= 0.5 && c.AIMD.BackoffRatio < 1) {
			bad("limit: AIMD.BackoffRatio %v: must lie within [0.5, 1)", c.AIMD.BackoffRatio)
		}
	case Vegas:
		if c.Vegas.Alpha < 0 {
			bad("limit: Vegas.Alpha %d: must be positive", c.Vegas.Alpha)
		}
		if c.Vegas.Beta < c.Vegas.Alpha {
			bad("limit: Vegas.Beta %d: must be at least Vegas.Alpha (%d)", c.Vegas.Beta, c.Vegas.Alpha)
		}
		if !(c.Vegas.Smoothing > 0 && c.Vegas.Smoothing <= 1) {
			bad("limit: Vegas.Smoothing %v: must lie within (0, 1]", c.Vegas.Smoothing)
		}
		if c.Vegas.BaseRTTWindows < 0 {
			bad("limit: Vegas.BaseRTTWindows %d: must be positive", c.Vegas.BaseRTTWindows)
		}
	}
	return errors.Join(errs...)
}
