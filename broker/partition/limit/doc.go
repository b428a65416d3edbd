// Package limit is a partition leader's back-pressure: it bounds the requests the leader
// has accepted and not yet answered, and moves that bound with the latency the partition
// delivers.
//
// # Use
//
// Before a command enters the log the leader calls Acquire. If the limit is reached it
// answers RESOURCE_EXHAUSTED straight away: a rejection costs the partition almost
// nothing, whereas an accepted command that waits behind thousands of others costs every
// client latency. Clients are expected to retry with back-off. When the request ends the
// leader calls the done function it got, with the Outcome: Success for any answer
// (a business rejection included), Dropped for a timeout, Ignored when the request ended
// for reasons that say nothing about load (client canceled, leadership lost, shutdown).
//
// # Terms
//
// The terms are those Zeebe's documentation uses. The RTT is the time between Acquire and
// done, measured by the limiter with its clock (Config.Now). The in-flight count is the
// number of admitted requests whose done has not been called. The limit is the in-flight
// count at which Acquire starts refusing. All three are per partition: each leader has
// its own Limiter.
//
// # Windows
//
// The limit does not move on every response. Responses are gathered into a window that
// closes once Config.Window (1s) has passed and at least Config.WindowSamples (10)
// requests succeeded or dropped; a closed window changes the limit at most once, from
// the mean RTT of its successes and whether anything dropped. Reacting per response
// would run away: at a few thousand answers per second, "+1 per fast response" reaches
// any maximum within a second, and "×0.9 per timeout" collapses to the minimum the moment
// a batch of requests times out together. Neither algorithm raises the limit after a
// window in which the in-flight count stayed under half of it: a quiet partition proves
// nothing about its capacity, and a limit grown while idle would let the next burst in
// unchecked.
//
// # AIMD
//
// AIMD is the default, as in Zeebe 8.x. It has a latency target, AIMDConfig.ExpectedLatency
// (Zeebe's requestTimeout, 200ms): a window whose mean RTT is at or below it raises the
// limit by one; a window above it, or with a drop, multiplies the limit by
// AIMDConfig.BackoffRatio (0.9). Defaults: initial limit 100, min 1, max 1000. Zeebe
// operators will know two consequences. Under sustained overload the latency settles
// near the target but can reach about twice it, since the limit only shrinks after a
// window has already been slow. And a constant overload pushes the limit down hard, so
// a MinLimit above 1 keeps a loaded partition from being throttled to a trickle.
//
// # Vegas
//
// Vegas has no latency target; it keeps the queue short. The base RTT is the lowest
// window mean RTT among the last VegasConfig.BaseRTTWindows (100) windows: the latency
// with no queueing. Each window estimates the number of queued requests as
//
//	queue = inFlight × (1 − baseRTT / RTT)
//
// where inFlight is the mean in-flight count its requests saw when admitted. Below
// VegasConfig.Alpha (3) the limit grows, above VegasConfig.Beta (6) it shrinks, in
// between it holds; a drop shrinks it too. Steps are log10(limit), at least 1, scaled by
// VegasConfig.Smoothing (1: no damping). Defaults: initial limit 20, min 1, max 1000.
//
// Vegas suits a server whose latency grows with its queue. Weft's group commit is not
// quite one: a lone command waits for one Raft write, while under load a command also
// waits for the write in progress, so the RTT about doubles even though more requests in
// flight mostly make entries bigger. Vegas can read that doubling as half the requests
// in flight being queued and hold the limit between 2×Alpha and 2×Beta, entries of a
// dozen commands, below what the disk could take; that is one reason AIMD is the
// default.
//
// # Out of scope
//
// Which commands pass through the limiter is the caller's choice. Zeebe lets commands
// that finish work (job complete and fail, instance cancel, deployments) bypass its
// limiter so that an overloaded partition can still drain. A fixed limit is
// MinLimit == MaxLimit. Stats gives the gauges and counters to export; the package does
// not depend on a metrics library.
package limit
