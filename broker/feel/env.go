package feel

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// Clock supplies the current time to now() and today(). Variables that
// also implement Clock set the time of an evaluation; see WithClock. The
// engine calls Now from the evaluating goroutine, at most once per call of
// now() or today(). A replicated engine must use a Clock that returns the
// same time on every replica (the record's timestamp), or results differ.
// Without a Clock, now() and today() read the machine's clock in UTC.
type Clock interface {
	Now() time.Time
}

// RandomSource supplies randomness to random number() and uuid(). Variables
// that also implement RandomSource set it; see WithRandom. A math/rand/v2
// *rand.Rand is one. Without one, both functions read crypto/rand, so their
// results differ between evaluations: a replicated engine must not let a
// replica compute them on its own, or must pass a source seeded the same
// way everywhere.
type RandomSource interface {
	Uint64() uint64
}

// environment wraps Variables with a clock or a random source.
type environment struct {
	Variables
	now    *time.Time
	random RandomSource
}

// Now returns the fixed time, or the machine's clock.
func (e *environment) Now() time.Time {
	if e.now != nil {
		return *e.now
	}
	if c, ok := e.Variables.(Clock); ok {
		return c.Now()
	}
	return time.Now().UTC()
}

// VariableValue hands out a value when the wrapped variables can.
func (e *environment) VariableValue(name string) (Value, bool) {
	if vv, ok := e.Variables.(ValueVariables); ok {
		return vv.VariableValue(name)
	}
	return nil, false
}

// Uint64 draws from the source.
func (e *environment) Uint64() uint64 {
	if e.random != nil {
		return e.random.Uint64()
	}
	if r, ok := e.Variables.(RandomSource); ok {
		return r.Uint64()
	}
	return cryptoUint64()
}

// WithClock returns vars (which may be nil) with now() and today() fixed at
// now. The time's location becomes the zone of now(): time.UTC gives
// "...Z", a location loaded by IANA name gives "...@Europe/Paris".
func WithClock(vars Variables, now time.Time) Variables {
	e := wrapEnvironment(vars)
	e.now = &now
	return e
}

// WithRandom returns vars (which may be nil) with random number() and
// uuid() drawing from r.
func WithRandom(vars Variables, r RandomSource) Variables {
	e := wrapEnvironment(vars)
	e.random = r
	return e
}

func wrapEnvironment(vars Variables) *environment {
	if e, ok := vars.(*environment); ok {
		c := *e
		return &c
	}
	if vars == nil {
		vars = MapVariables(nil)
	}
	return &environment{Variables: vars}
}

func cryptoUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// now reads the evaluation's clock.
func (ev *evaluator) now() time.Time {
	if c, ok := ev.vars.(Clock); ok {
		return c.Now()
	}
	return time.Now().UTC()
}

// random reads the evaluation's random source.
func (ev *evaluator) random() uint64 {
	if r, ok := ev.vars.(RandomSource); ok {
		return r.Uint64()
	}
	return cryptoUint64()
}

// dateTimeAt turns a time.Time into a zoned date and time: in UTC (offset
// "Z"), at a fixed offset, or in a named zone.
func dateTimeAt(t time.Time) DateTime {
	loc := t.Location()
	name := loc.String()
	if loc == time.UTC {
		return DateTime{t: t.UTC(), zoned: true}
	}
	if _, ok := loadZone(name); ok && name != "" {
		return DateTime{t: t, zoned: true, zone: name}
	}
	_, off := t.Zone()
	return DateTime{t: t.In(fixedZone(off)), zoned: true}
}
