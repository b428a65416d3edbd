package rebalance

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeReplica is a replica whose Raft state the test sets.
type fakeReplica struct {
	id        int32
	leader    bool
	term      uint64
	commit    uint64
	peerTerm  uint64
	peerLog   uint64
	peerAt    time.Time
	heard     bool
	fail      error
	transfers []string
}

func (f *fakeReplica) Partition() int32    { return f.id }
func (f *fakeReplica) IsLeader() bool      { return f.leader }
func (f *fakeReplica) Term() uint64        { return f.term }
func (f *fakeReplica) CommitIndex() uint64 { return f.commit }
func (f *fakeReplica) PeerProgress(string) (uint64, uint64, time.Time, bool) {
	return f.peerTerm, f.peerLog, f.peerAt, f.heard
}

func (f *fakeReplica) TransferLeadership(id, _ string) error {
	f.transfers = append(f.transfers, id)
	if f.fail != nil {
		return f.fail
	}
	f.leader = false
	return nil
}

// env is a rebalancer over fake replicas with a clock the test moves.
type env struct {
	now     time.Time
	primary map[int32]bool // partitions whose primary is another alive broker
	r       *Rebalancer
}

func newEnv(reps ...Replica) *env {
	e := &env{now: time.Unix(1000, 0), primary: map[int32]bool{}}
	e.r = New(Config{
		Replicas: reps,
		Primary: func(p int32) (Primary, bool) {
			return Primary{ServerID: "broker-0", RaftAddr: "10.0.0.1:26502"}, e.primary[p]
		},
		Stable: 5 * time.Second, Fresh: 2 * time.Second, Backoff: 10 * time.Second, MaxBackoff: 40 * time.Second,
		Now:    func() time.Time { return e.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return e
}

// tick moves the clock by d and the replica's heartbeat answer with it, then steps.
func (e *env) tick(d time.Duration, reps ...*fakeReplica) int32 {
	e.now = e.now.Add(d)
	for _, f := range reps {
		f.peerAt = e.now
	}
	return e.r.Step()
}

func caughtUp(id int32) *fakeReplica {
	return &fakeReplica{id: id, leader: true, term: 3, commit: 100, peerTerm: 3, peerLog: 100, heard: true}
}

// A leader hands over once the primary stayed caught up for the stable time, not before.
func TestTransferAfterStableTime(t *testing.T) {
	f := caughtUp(1)
	e := newEnv(f)
	e.primary[1] = true
	require.Zero(t, e.tick(0, f))
	require.Zero(t, e.tick(4*time.Second, f))
	require.Empty(t, f.transfers)
	require.Equal(t, int32(1), e.tick(time.Second, f))
	require.Equal(t, []string{"broker-0"}, f.transfers)
	// No longer leader: nothing more.
	require.Zero(t, e.tick(10*time.Second, f))
}

// Every condition breaks the run of readiness and starts the stable time again.
func TestNoTransferUnlessPrimaryIsHealthyAndCaughtUp(t *testing.T) {
	for name, breakIt := range map[string]func(f *fakeReplica, e *env){
		"primary behind the commit index": func(f *fakeReplica, _ *env) { f.peerLog = 99 },
		"primary in another term":         func(f *fakeReplica, _ *env) { f.peerTerm = 2 },
		"primary silent":                  func(f *fakeReplica, e *env) { f.peerAt = e.now.Add(-3 * time.Second) },
		"primary down or self primary":    func(f *fakeReplica, e *env) { e.primary[1] = false },
		"not the leader":                  func(f *fakeReplica, _ *env) { f.leader = false },
	} {
		t.Run(name, func(t *testing.T) {
			f := caughtUp(1)
			e := newEnv(f)
			e.primary[1] = true
			e.tick(0, f)
			e.tick(4*time.Second, f)
			// One bad look, in the middle of the run.
			e.now = e.now.Add(500 * time.Millisecond)
			f.peerAt = e.now
			saved := *f
			breakIt(f, e)
			require.Zero(t, e.r.Step())
			*f = saved
			e.primary[1] = true
			require.Zero(t, e.tick(time.Second, f), "the run started again")
			require.Zero(t, e.tick(4900*time.Millisecond, f))
			require.Equal(t, int32(1), e.tick(100*time.Millisecond, f))
		})
	}
}

// A failed transfer waits out a back-off that doubles up to the maximum; one transfer
// per step.
func TestTransferBackoffAndOneAtATime(t *testing.T) {
	f1, f2 := caughtUp(1), caughtUp(2)
	f1.fail = errors.New("leadership transfer timeout")
	e := newEnv(f1, f2)
	e.primary[1], e.primary[2] = true, true
	e.tick(0, f1, f2)
	require.Zero(t, e.tick(5*time.Second, f1, f2), "partition 1's transfer failed")
	require.Len(t, f1.transfers, 1)
	require.Empty(t, f2.transfers, "one transfer per step")
	require.Equal(t, int32(2), e.tick(500*time.Millisecond, f1, f2))

	var attempts []time.Time
	for range 400 { // 200 s of steps
		before := len(f1.transfers)
		e.tick(500*time.Millisecond, f1)
		if len(f1.transfers) > before {
			attempts = append(attempts, e.now)
		}
	}
	require.GreaterOrEqual(t, len(attempts), 4)
	// Pauses after the first failure: 10 s back-off; the stable run restarts after each
	// attempt, so each gap is max(back-off, stable).
	gaps := []time.Duration{}
	for i := 1; i < len(attempts); i++ {
		gaps = append(gaps, attempts[i].Sub(attempts[i-1]))
	}
	require.Equal(t, 20*time.Second, gaps[0].Round(time.Second))
	require.Equal(t, 40*time.Second, gaps[1].Round(time.Second))
	require.Equal(t, 40*time.Second, gaps[2].Round(time.Second), "capped at MaxBackoff")
}
