// Package rebalance hands partition leadership back to each partition's primary, the
// first broker of its round-robin placement, as Zeebe's priority election does: after
// restarts the leaders spread over the brokers again without an operator.
//
// hashicorp/raft elects whoever times out first, so the rebalancer works from the
// leader's side. A leader that is not its partition's primary watches the primary: alive
// in the membership view, answering this leader's heartbeats in the leader's term, with
// a log that reaches the leader's commit index. Once that has held for Config.Stable
// without a break, the leader hands over with raft's LeadershipTransferToServer, which
// first brings the primary's log up to the leader's and then makes it start an election
// it wins. Transfers are rate-limited: one at a time per broker, and after an attempt on
// a partition the next waits Config.Backoff, doubled after each failure up to
// Config.MaxBackoff.
package rebalance

import (
	"context"
	"log/slog"
	"time"
)

// Replica is one partition replica of this broker, as the rebalancer sees it. The
// rebalancer calls it from its own goroutine; implementations are safe for concurrent
// use with the partition's other goroutines.
type Replica interface {
	// Partition returns the partition id.
	Partition() int32
	// IsLeader reports whether the replica leads its partition and processes commands.
	IsLeader() bool
	// Term returns the replica's current Raft term.
	Term() uint64
	// CommitIndex returns the replica's Raft commit index.
	CommitIndex() uint64
	// PeerProgress returns what the Raft peer at raftAddr last answered this replica's
	// heartbeats: its term, its last log index and when; ok is false if it never did.
	PeerProgress(raftAddr string) (term, lastLog uint64, at time.Time, ok bool)
	// TransferLeadership hands leadership to the voter with the given Raft server id and
	// address, and returns once Raft has done so or given up.
	TransferLeadership(serverID, raftAddr string) error
}

// Primary describes a partition's primary broker as the membership view shows it.
type Primary struct {
	// ServerID is the primary's Raft server id.
	ServerID string
	// RaftAddr is the address of its Raft transport.
	RaftAddr string
}

// Config configures a Rebalancer.
type Config struct {
	// Replicas are this broker's partition replicas.
	Replicas []Replica
	// Primary returns the partition's primary when it is another broker that the view
	// shows alive; ok is false when this broker is the primary or the primary is down.
	Primary func(partition int32) (p Primary, ok bool)
	// Interval is how often the rebalancer looks. Default 500 ms.
	Interval time.Duration
	// Stable is how long a primary must stay healthy and caught up before it gets the
	// leadership. Default 5 s.
	Stable time.Duration
	// Fresh bounds the age of the primary's last heartbeat answer. Default 2 s.
	Fresh time.Duration
	// Backoff is the pause after a transfer attempt on a partition before the next;
	// it doubles after each failure up to MaxBackoff. Defaults 10 s and 5 min.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Logger receives the transfers; slog.Default() if nil.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Interval <= 0 {
		c.Interval = 500 * time.Millisecond
	}
	if c.Stable <= 0 {
		c.Stable = 5 * time.Second
	}
	if c.Fresh <= 0 {
		c.Fresh = 2 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 10 * time.Second
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = max(5*time.Minute, c.Backoff)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Rebalancer moves leadership to primaries. Step and Run are called from one goroutine.
type Rebalancer struct {
	cfg   Config
	state map[int32]*partitionState
}

// partitionState is what the rebalancer remembers of one partition.
type partitionState struct {
	// readySince is when the primary was first seen healthy and caught up in the current
	// unbroken run, zero if it is not.
	readySince time.Time
	// term is the leader term readySince belongs to.
	term uint64
	// next is the earliest time of the next attempt; backoff the pause after it.
	next    time.Time
	backoff time.Duration
}

// New returns a rebalancer; Run starts it.
func New(cfg Config) *Rebalancer {
	cfg.defaults()
	return &Rebalancer{cfg: cfg, state: map[int32]*partitionState{}}
}

// Run calls Step every Interval until ctx ends.
func (r *Rebalancer) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Step()
		}
	}
}

// Step looks at every partition once and hands at most one to its primary. It returns
// the partition it moved, or 0.
func (r *Rebalancer) Step() int32 {
	now := r.cfg.Now()
	var candidate Replica
	var target Primary
	for _, rep := range r.cfg.Replicas {
		id := rep.Partition()
		st := r.state[id]
		if st == nil {
			st = &partitionState{backoff: r.cfg.Backoff}
			r.state[id] = st
		}
		p, ok := r.ready(rep, now)
		if !ok {
			st.readySince = time.Time{}
			continue
		}
		term := rep.Term()
		if st.readySince.IsZero() || st.term != term {
			st.readySince, st.term = now, term
		}
		if candidate == nil && now.Sub(st.readySince) >= r.cfg.Stable && !now.Before(st.next) {
			candidate, target = rep, p
		}
	}
	if candidate == nil {
		return 0
	}
	id := candidate.Partition()
	st := r.state[id]
	st.readySince = time.Time{}
	log := r.cfg.Logger.With("partition", id, "to", target.ServerID)
	if err := candidate.TransferLeadership(target.ServerID, target.RaftAddr); err != nil {
		st.next = r.cfg.Now().Add(st.backoff)
		st.backoff = min(2*st.backoff, r.cfg.MaxBackoff)
		log.Warn("handing leadership to the partition's primary failed", "err", err, "retry_in", st.next.Sub(r.cfg.Now()))
		return 0
	}
	st.next = r.cfg.Now().Add(r.cfg.Backoff)
	st.backoff = r.cfg.Backoff
	log.Info("handed leadership to the partition's primary")
	return id
}

// ready reports whether rep leads its partition, is not its primary, and sees the
// primary alive, answering in rep's term, and with a log that reaches rep's commit
// index.
func (r *Rebalancer) ready(rep Replica, now time.Time) (Primary, bool) {
	if !rep.IsLeader() {
		return Primary{}, false
	}
	p, ok := r.cfg.Primary(rep.Partition())
	if !ok {
		return Primary{}, false
	}
	term, lastLog, at, ok := rep.PeerProgress(p.RaftAddr)
	if !ok || now.Sub(at) > r.cfg.Fresh || term != rep.Term() || lastLog < rep.CommitIndex() {
		return Primary{}, false
	}
	return p, true
}
