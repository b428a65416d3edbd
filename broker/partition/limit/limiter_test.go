package limit

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The package starts no goroutines; the concurrency tests do, and must wait for them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeClock is a clock that moves only when told; safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTestLimiter(t *testing.T, cfg Config) (*Limiter, *fakeClock) {
	t.Helper()
	clk := &fakeClock{}
	cfg.Now = clk.Now
	require.NoError(t, cfg.Validate())
	return New(cfg), clk
}

// round admits n requests at once, lets rtt pass, and ends them all: the first
// len(outcomes) with the given outcomes, the rest with Success.
func round(t *testing.T, l *Limiter, clk *fakeClock, n int, rtt time.Duration, outcomes ...Outcome) {
	t.Helper()
	dones := make([]func(Outcome), n)
	for i := range dones {
		done, ok := l.Acquire()
		require.True(t, ok, "request %d of %d refused at limit %d", i+1, n, l.Limit())
		dones[i] = done
	}
	clk.Advance(rtt)
	for i, done := range dones {
		o := Success
		if i < len(outcomes) {
			o = outcomes[i]
		}
		done(o)
	}
}

// fullRounds runs rounds that fill the current limit until d has passed.
func fullRounds(t *testing.T, l *Limiter, clk *fakeClock, d, rtt time.Duration, outcomes ...Outcome) {
	t.Helper()
	for end := clk.Now().Add(d); clk.Now().Before(end); {
		round(t, l, clk, l.Limit(), rtt, outcomes...)
	}
}

func TestDefaults(t *testing.T) {
	l := New(Config{})
	cfg := l.Config()
	assert.Equal(t, AIMD, cfg.Algorithm)
	assert.Equal(t, 100, l.Limit())
	assert.Equal(t, 1, cfg.MinLimit)
	assert.Equal(t, 1000, cfg.MaxLimit)
	assert.Equal(t, 200*time.Millisecond, cfg.AIMD.ExpectedLatency)
	assert.Equal(t, 0.9, cfg.AIMD.BackoffRatio)
	assert.Equal(t, time.Second, cfg.Window)
	assert.Equal(t, 10, cfg.WindowSamples)
	assert.NotNil(t, cfg.Now)

	v := New(Config{Algorithm: Vegas})
	assert.Equal(t, 20, v.Limit())
	assert.Equal(t, 3, v.Config().Vegas.Alpha)
	assert.Equal(t, 6, v.Config().Vegas.Beta)

	// A default initial limit follows explicit bounds instead of contradicting them.
	assert.Equal(t, 50, New(Config{MaxLimit: 50}).Limit())
	assert.Equal(t, 200, New(Config{MinLimit: 200}).Limit())
}

func TestValidateNamesTheSetting(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Algorithm: Algorithm(7)}, "Algorithm"},
		{Config{MinLimit: -1}, "MinLimit"},
		{Config{MinLimit: 10, MaxLimit: 5}, "MaxLimit"},
		{Config{InitialLimit: 2000}, "InitialLimit"},
		{Config{MinLimit: 10, InitialLimit: 5}, "InitialLimit"},
		{Config{Window: -time.Second}, "Window"},
		{Config{WindowSamples: -1}, "WindowSamples"},
		{Config{AIMD: AIMDConfig{ExpectedLatency: -1}}, "AIMD.ExpectedLatency"},
		{Config{AIMD: AIMDConfig{BackoffRatio: 1}}, "AIMD.BackoffRatio"},
		{Config{AIMD: AIMDConfig{BackoffRatio: 0.3}}, "AIMD.BackoffRatio"},
		{Config{AIMD: AIMDConfig{BackoffRatio: math.NaN()}}, "AIMD.BackoffRatio"},
		{Config{Algorithm: Vegas, Vegas: VegasConfig{Alpha: -1}}, "Vegas.Alpha"},
		{Config{Algorithm: Vegas, Vegas: VegasConfig{Alpha: 5, Beta: 4}}, "Vegas.Beta"},
		{Config{Algorithm: Vegas, Vegas: VegasConfig{Smoothing: 1.5}}, "Vegas.Smoothing"},
		{Config{Algorithm: Vegas, Vegas: VegasConfig{BaseRTTWindows: -1}}, "Vegas.BaseRTTWindows"},
	} {
		err := tc.cfg.Validate()
		if assert.Error(t, err, "%+v", tc.cfg) {
			assert.Contains(t, err.Error(), tc.want)
		}
		assert.Panics(t, func() { New(tc.cfg) })
	}
	// The knobs of the algorithm not in use are not checked.
	assert.NoError(t, Config{Algorithm: Vegas, AIMD: AIMDConfig{BackoffRatio: 3}}.Validate())
}

func TestParseAlgorithm(t *testing.T) {
	for s, want := range map[string]Algorithm{"aimd": AIMD, "AIMD": AIMD, " vegas ": Vegas} {
		got, err := ParseAlgorithm(s)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, got, must(ParseAlgorithm(got.String())))
	}
	_, err := ParseAlgorithm("gradient")
	assert.ErrorContains(t, err, "gradient")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestAcquireRefusesAtLimitAndFreesOnDone(t *testing.T) {
	l, _ := newTestLimiter(t, Config{InitialLimit: 3, MinLimit: 3, MaxLimit: 3})
	var dones []func(Outcome)
	for range 3 {
		done, ok := l.Acquire()
		require.True(t, ok)
		dones = append(dones, done)
	}
	assert.Equal(t, 3, l.InFlight())

	refused, ok := l.Acquire()
	assert.False(t, ok)
	refused(Success) // a no-op
	assert.Equal(t, 3, l.InFlight())

	dones[0](Success)
	assert.Equal(t, 2, l.InFlight())
	done, ok := l.Acquire()
	assert.True(t, ok)
	_, ok = l.Acquire()
	assert.False(t, ok)

	done(Dropped)
	dones[1](Ignored)
	dones[2](Success)
	assert.Equal(t, 0, l.InFlight())
	assert.Equal(t, Stats{
		Limit: 3, Accepted: 4, Rejected: 2, Succeeded: 2, Dropped: 1, Ignored: 1,
	}, l.Stats())
}

func TestDoneTwiceIsHarmless(t *testing.T) {
	l, clk := newTestLimiter(t, Config{InitialLimit: 2, MinLimit: 2, MaxLimit: 2})
	done, ok := l.Acquire()
	require.True(t, ok)
	clk.Advance(5 * time.Millisecond)
	done(Success)
	done(Success)
	done(Dropped)
	assert.Equal(t, 0, l.InFlight())
	s := l.Stats()
	assert.Equal(t, uint64(1), s.Succeeded)
	assert.Zero(t, s.Dropped)

	// Had the extra calls released slots, more than two would be admitted now.
	admitted := 0
	for {
		if _, ok := l.Acquire(); !ok {
			break
		}
		admitted++
	}
	assert.Equal(t, 2, admitted)

	// Racing calls of one done function release it once.
	l2, _ := newTestLimiter(t, Config{})
	for range 100 {
		done, ok := l2.Acquire()
		require.True(t, ok)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { done(Success) })
		}
		wg.Wait()
	}
	assert.Equal(t, 0, l2.InFlight())
	assert.Equal(t, uint64(100), l2.Stats().Succeeded)
}

func TestAIMDGrowsByOnePerWindowUnderFastSuccesses(t *testing.T) {
	l, clk := newTestLimiter(t, Config{})
	for w := 1; w <= 10; w++ {
		fullRounds(t, l, clk, time.Second, 10*time.Millisecond)
		require.Equal(t, 100+w, l.Limit(), "after window %d", w)
	}
	// Thousands of fast responses, ten steps: the increase is per window.
	s := l.Stats()
	assert.Greater(t, s.Succeeded, uint64(10000))
	assert.Equal(t, 10*time.Millisecond, s.RTT)
	assert.Zero(t, s.BaseRTT)
}

func TestAIMDShrinksUnderSlowSuccesses(t *testing.T) {
	l, clk := newTestLimiter(t, Config{})
	want := 100.0
	for w := 1; w <= 10; w++ {
		// Four rounds of 300ms: the window closes at the first response at or after 1s.
		for range 4 {
			round(t, l, clk, l.Limit(), 300*time.Millisecond)
		}
		want *= 0.9
		require.Equal(t, int(want), l.Limit(), "after window %d", w)
	}
}

func TestAIMDShrinksOnDrops(t *testing.T) {
	l, clk := newTestLimiter(t, Config{})
	// Fast responses, one timeout per round.
	fullRounds(t, l, clk, time.Second, 10*time.Millisecond, Dropped)
	assert.Equal(t, 90, l.Limit())
	fullRounds(t, l, clk, time.Second, 10*time.Millisecond, Dropped)
	assert.Equal(t, 81, l.Limit())
	assert.Equal(t, uint64(200), l.Stats().Dropped)
}

func TestAIMDHoldsWhileUnderused(t *testing.T) {
	l, clk := newTestLimiter(t, Config{})
	for range 1000 { // 10s of one request at a time
		round(t, l, clk, 1, 10*time.Millisecond)
	}
	assert.Equal(t, 100, l.Limit())
	// Half the limit in use is enough to grow.
	fullRoundsOf(t, l, clk, 50, time.Second, 10*time.Millisecond)
	assert.Equal(t, 101, l.Limit())
}

func fullRoundsOf(t *testing.T, l *Limiter, clk *fakeClock, n int, d, rtt time.Duration) {
	t.Helper()
	for end := clk.Now().Add(d); clk.Now().Before(end); {
		round(t, l, clk, n, rtt)
	}
}

func TestIgnoredGivesNoSignal(t *testing.T) {
	l, clk := newTestLimiter(t, Config{})
	// Neither slow nor fast requests move the limit when they all end as Ignored.
	fullRounds(t, l, clk, 10*time.Second, 5*time.Second, fill(100, Ignored)...)
	fullRounds(t, l, clk, 10*time.Second, 10*time.Millisecond, fill(100, Ignored)...)
	assert.Equal(t, 100, l.Limit())
	assert.Equal(t, 0, l.InFlight())
	s := l.Stats()
	assert.Zero(t, s.Succeeded+s.Dropped)
	assert.Greater(t, s.Ignored, uint64(1000))
}

func fill(n int, o Outcome) []Outcome {
	out := make([]Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

func TestWindowNeedsEnoughSamples(t *testing.T) {
	l, clk := newTestLimiter(t, Config{WindowSamples: 10})
	// One slow request every two seconds: the window is long past its time but holds
	// too few samples to judge until the tenth.
	for range 9 {
		round(t, l, clk, 1, 300*time.Millisecond)
		clk.Advance(1700 * time.Millisecond)
	}
	assert.Equal(t, 100, l.Limit())
	round(t, l, clk, 1, 300*time.Millisecond)
	assert.Equal(t, 90, l.Limit())
}

func TestLimitStaysWithinBounds(t *testing.T) {
	for _, alg := range []Algorithm{AIMD, Vegas} {
		t.Run(alg.String(), func(t *testing.T) {
			cfg := Config{Algorithm: alg, InitialLimit: 10, MinLimit: 5, MaxLimit: 20}
			l, clk := newTestLimiter(t, cfg)
			for range 60 {
				fullRounds(t, l, clk, time.Second, 10*time.Millisecond)
				require.LessOrEqual(t, l.Limit(), 20)
			}
			assert.Equal(t, 20, l.Limit())
			for range 60 {
				fullRounds(t, l, clk, time.Second, 10*time.Millisecond, Dropped)
				require.GreaterOrEqual(t, l.Limit(), 5)
			}
			assert.Equal(t, 5, l.Limit())
		})
	}
	t.Run("min 1", func(t *testing.T) {
		l, clk := newTestLimiter(t, Config{})
		fullRounds(t, l, clk, 100*time.Second, 500*time.Millisecond)
		assert.Equal(t, 1, l.Limit())
		// From the floor, fast responses raise it again, one per window. The first
		// window still holds slow responses from before (at limit 1 and 500ms, its ten
		// samples take five seconds), so five seconds bring four steps.
		fullRounds(t, l, clk, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, 5, l.Limit())
	})
	t.Run("fixed", func(t *testing.T) {
		l, clk := newTestLimiter(t, Config{InitialLimit: 7, MinLimit: 7, MaxLimit: 7})
		fullRounds(t, l, clk, 10*time.Second, 10*time.Millisecond)
		fullRounds(t, l, clk, 10*time.Second, time.Second, Dropped)
		assert.Equal(t, 7, l.Limit())
	})
}

func TestVegasGrowsWhileNothingQueues(t *testing.T) {
	l, clk := newTestLimiter(t, Config{Algorithm: Vegas})
	prev := l.Limit()
	for w := 1; w <= 10; w++ {
		fullRounds(t, l, clk, time.Second, 10*time.Millisecond)
		require.Greater(t, l.Limit(), prev, "after window %d", w)
		prev = l.Limit()
	}
	assert.Equal(t, 10*time.Millisecond, l.Stats().BaseRTT)
	// About log10(limit) per window: 20 → roughly 35 in ten windows, not 20 × 10.
	assert.Less(t, l.Limit(), 40)
}

// queueingRounds runs rounds whose RTT grows with the number admitted, as in front of
// a server with `workers` parallel workers each taking `service` per request.
func queueingRounds(t *testing.T, l *Limiter, clk *fakeClock, d time.Duration, workers int, service time.Duration) {
	t.Helper()
	for end := clk.Now().Add(d); clk.Now().Before(end); {
		n := l.Limit()
		rtt := service * time.Duration(max(1, (n+workers-1)/workers))
		round(t, l, clk, n, rtt)
	}
}

func TestVegasShrinksWhenRequestsQueue(t *testing.T) {
	l, clk := newTestLimiter(t, Config{Algorithm: Vegas, InitialLimit: 40})
	// A base of 10ms, learned while few requests are in flight.
	for range 100 {
		round(t, l, clk, 1, 10*time.Millisecond)
	}
	require.Equal(t, 40, l.Limit())
	require.Equal(t, 10*time.Millisecond, l.Stats().BaseRTT)

	// Four workers: beyond four in flight, requests wait, and the limit comes down to
	// where the estimated queue lies within [alpha, beta]. (Requests of a round are all
	// admitted at once, so they see on average half of it in flight; the exact level
	// is the overload test's business.)
	queueingRounds(t, l, clk, 60*time.Second, 4, 10*time.Millisecond)
	var seen []int
	for range 20 {
		queueingRounds(t, l, clk, time.Second, 4, 10*time.Millisecond)
		seen = append(seen, l.Limit())
	}
	assert.Less(t, slices.Max(seen), 20, "limits %v", seen)
	assert.Greater(t, slices.Min(seen), 4, "limits %v: the workers must stay busy", seen)
	assert.LessOrEqual(t, slices.Max(seen)-slices.Min(seen), 3, "limits %v: settled", seen)
}

func TestVegasShrinksOnDrops(t *testing.T) {
	l, clk := newTestLimiter(t, Config{Algorithm: Vegas})
	fullRounds(t, l, clk, time.Second, 10*time.Millisecond, Dropped)
	// 20 − log10(20).
	assert.Equal(t, 18, l.Limit())
}

func TestVegasSmoothing(t *testing.T) {
	l, clk := newTestLimiter(t, Config{Algorithm: Vegas, Vegas: VegasConfig{Smoothing: 0.5}})
	fullRounds(t, l, clk, time.Second, 10*time.Millisecond, Dropped)
	// Half of the step of 1.3: 20 − 0.65.
	assert.Equal(t, 19, l.Limit())
}

func TestVegasBaseRTTFollowsALastingChange(t *testing.T) {
	l, clk := newTestLimiter(t, Config{Algorithm: Vegas, Vegas: VegasConfig{BaseRTTWindows: 5}})
	fullRounds(t, l, clk, 3*time.Second, 10*time.Millisecond)
	assert.Equal(t, 10*time.Millisecond, l.Stats().BaseRTT)
	// The unloaded latency is now 40ms (say, a slower disk): once the fast windows have
	// left the last five, it is the new base.
	for range 4 {
		fullRoundsOf(t, l, clk, 1, time.Second, 40*time.Millisecond)
		assert.Equal(t, 10*time.Millisecond, l.Stats().BaseRTT)
	}
	for range 5 {
		fullRoundsOf(t, l, clk, 1, time.Second, 40*time.Millisecond)
	}
	assert.Equal(t, 40*time.Millisecond, l.Stats().BaseRTT)
}

// Many goroutines acquire and release: the slots held never exceed the limit, and every
// slot comes back.
func TestConcurrentAcquireRelease(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		bound int64
	}{
		{"fixed", Config{InitialLimit: 8, MinLimit: 8, MaxLimit: 8}, 8},
		{"aimd", Config{InitialLimit: 8, MaxLimit: 16, Window: time.Millisecond, WindowSamples: 1}, 16},
		{"vegas", Config{Algorithm: Vegas, InitialLimit: 8, MaxLimit: 16, Window: time.Millisecond, WindowSamples: 1}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, clk := newTestLimiter(t, tc.cfg)
			const goroutines, attempts = 32, 2000
			var held, peak atomic.Int64
			var wg sync.WaitGroup
			for g := range goroutines {
				rng := rand.New(rand.NewPCG(uint64(g), 1))
				wg.Go(func() {
					for range attempts {
						done, ok := l.Acquire()
						if !ok {
							continue
						}
						h := held.Add(1)
						for p := peak.Load(); h > p && !peak.CompareAndSwap(p, h); p = peak.Load() {
						}
						clk.Advance(time.Duration(rng.IntN(3)) * time.Millisecond)
						held.Add(-1)
						done(Outcome(rng.IntN(3)))
					}
				})
			}
			wg.Wait()
			assert.LessOrEqual(t, peak.Load(), tc.bound)
			assert.Positive(t, peak.Load())
			assert.Equal(t, 0, l.InFlight())
			s := l.Stats()
			assert.Equal(t, uint64(goroutines*attempts), s.Accepted+s.Rejected)
			assert.Equal(t, s.Accepted, s.Succeeded+s.Dropped+s.Ignored)
			assert.GreaterOrEqual(t, s.Limit, tc.cfg.withDefaults().MinLimit)
			assert.LessOrEqual(t, int64(s.Limit), tc.bound)
		})
	}
}

func TestOutcomeString(t *testing.T) {
	assert.Equal(t, "success", Success.String())
	assert.Equal(t, "dropped", Dropped.String())
	assert.Equal(t, "ignored", Ignored.String())
	assert.Equal(t, "Outcome(9)", Outcome(9).String())
	assert.Equal(t, "Algorithm(9)", Algorithm(9).String())
}

func BenchmarkAcquireDone(b *testing.B) {
	l := New(Config{})
	for b.Loop() {
		done, _ := l.Acquire()
		done(Success)
	}
}

func BenchmarkAcquireDoneParallel(b *testing.B) {
	l := New(Config{MaxLimit: 100000, InitialLimit: 100000})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			done, _ := l.Acquire()
			done(Success)
		}
	})
}
