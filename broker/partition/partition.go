// Package partition runs one partition: a hashicorp/raft group whose log and stable
// store are Pebble, the FSM that processes committed commands with the engine, and the
// leader-only loops (group commit of client commands, the due-date checker).
//
// Lock order: Partition.mu and watchers.mu are never held together.
package partition

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/broker/exporting"
	"github.com/weftlabs/weft/broker/partition/limit"
	"github.com/weftlabs/weft/broker/partition/raftstore"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Errors callers branch on.
var (
	// ErrNotLeader: this replica is not the partition's leader; the command was not
	// proposed, so sending it to the leader is safe.
	ErrNotLeader = errors.New("partition: not the leader")
	// ErrLeadershipLost: the command was proposed but this replica lost leadership before
	// it was committed here; it may or may not be committed by the new leader, so it must
	// not be sent again blindly.
	ErrLeadershipLost = errors.New("partition: leadership lost, the command's outcome is unknown")
	// ErrBackpressure: too many requests are in flight.
	ErrBackpressure = errors.New("partition: too many requests in flight")
	// ErrClosed: the partition is shutting down.
	ErrClosed = errors.New("partition: closed")
	// ErrDiskFull: the free space of the data directory is below Config.MinFreeDisk;
	// commands are refused until space returns.
	ErrDiskFull = errors.New("partition: free disk space is below the watermark")
)

// maxEntriesInFlight bounds the Raft entries proposed and not yet applied. Two keep the
// disk busy (one entry is written while the next forms) and make commands that arrive
// during a write share the next entry: the group commit.
const maxEntriesInFlight = 2

// Config configures a partition.
type Config struct {
	// ID is the partition id, from 1.
	ID int32
	// Dir holds the partition's data: raft/ (log), state/ (Pebble), snapshots/.
	Dir string
	// Version is the broker's version, written into every record this partition
	// produces while it leads.
	Version string
	// Logger receives the partition's logs.
	Logger *slog.Logger
	// MaxCommandsPerEntry bounds the commands batched into one Raft entry.
	MaxCommandsPerEntry int
	// MaxInFlight is a hard bound on the requests waiting for a response, whatever
	// the adaptive limit; beyond it Execute answers ErrBackpressure.
	MaxInFlight int
	// Limit configures the adaptive limit on requests in flight (back-pressure); the zero
	// value is AIMD with Zeebe's defaults. Commands that let a loaded partition drain
	// (job activation, completion and failure, cancellation, incident resolution,
	// deployments) are not limited by it.
	Limit limit.Config
	// DueDateInterval is how often the leader looks for timed-out jobs and ended
	// back-offs.
	DueDateInterval time.Duration
	// Now is the clock for entry timestamps and due dates; time.Now if nil.
	Now func() time.Time
	// NoSync skips fsync of the Raft log (tests and benchmarks only).
	NoSync bool
	// MinFreeDisk is the free space (bytes) of the data directory below which client
	// commands are refused with ErrDiskFull, so that the broker degrades instead of
	// failing on a full disk; they are accepted again once space returns. Zero means
	// 256 MiB; negative turns the check off.
	MinFreeDisk int64
	// FreeDisk reports the free space of a directory; nil uses the file system's.
	FreeDisk func(dir string) (int64, error)
	// SnapshotThreshold is how many Raft entries since the last snapshot trigger the next;
	// after a snapshot the log is truncated to its last TrailingLogs entries. Zero uses
	// Raft's defaults (8192 and 10240).
	SnapshotThreshold uint64
	TrailingLogs      uint64

	// Exporting configures the exporter director that runs on the leader. Nil runs no
	// director: records are kept and never exported (tests of the partition alone).
	Exporting *exporting.Config

	// Replication. The zero values make a single voter with an in-memory transport.

	// PartitionCount is the number of partitions of the cluster; deployments made on this
	// partition are distributed to the others through Sender.
	PartitionCount int32
	// Sender delivers commands to other partitions; needed when PartitionCount > 1.
	// Without one, a partition delivers its subscription commands to itself.
	Sender Sender

	// LocalID is this replica's Raft server id; empty means "partition-<ID>".
	LocalID string
	// Transport carries Raft traffic to the other replicas; nil means an in-memory
	// transport that reaches no one (a single voter).
	Transport raft.Transport
	// Servers are the partition's voters, this replica among them, used to bootstrap a
	// replica that has no Raft state yet; every replica gets the same list. Nil means
	// this replica alone.
	Servers []raft.Server
	// HeartbeatTimeout and ElectionTimeout tune failure detection; zero picks 150 ms
	// for a single voter and 500 ms for a replicated partition.
	HeartbeatTimeout time.Duration
	ElectionTimeout  time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxCommandsPerEntry <= 0 {
		c.MaxCommandsPerEntry = 512
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 20000
	}
	if c.Limit.Now == nil {
		c.Limit.Now = c.Now
	}
	if c.MinFreeDisk == 0 {
		c.MinFreeDisk = 256 << 20
	}
	if c.FreeDisk == nil {
		c.FreeDisk = freeDisk
	}
	if c.DueDateInterval <= 0 {
		c.DueDateInterval = 100 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Partition is one running partition replica.
type Partition struct {
	cfg Config
	log *slog.Logger

	state  *state.DB
	raftDB *pebble.DB
	store  *raftstore.Store
	raft   *raft.Raft
	trans  raft.Transport

	limiter *limit.Limiter
	// distributeCh wakes the distributor when new distributions are pending.
	distributeCh chan struct{}
	// continueCh wakes the continuer when a step left follow-up commands over.
	continueCh chan struct{}
	// exportCh wakes the exporter director when records were committed.
	exportCh  chan struct{}
	proposals chan proposal
	// diskLow is set while the data directory's free space is below MinFreeDisk.
	diskLow atomic.Bool
	// exportersStuck is set while the leader's director reports a stuck exporter.
	exportersStuck atomic.Bool
	// timerFloor is the earliest due date of timers created since the due-date checker
	// last looked, 0 for none; the checker lowers its timer floor to it.
	timerFloor atomic.Int64
	// slots bounds the Raft entries proposed and not yet applied (see propose).
	slots    chan struct{}
	leader   atomic.Bool
	notifyCh chan bool

	mu      sync.Mutex
	pending map[uint64]chan result
	nextID  atomic.Uint64

	watchers watchers

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type proposal struct {
	id  uint64
	cmd *recordpb.Record
}

type result struct {
	rec *recordpb.Record
	err error
}

// Open opens (or creates) the partition in cfg.Dir and starts it as a single voter.
func Open(cfg Config) (*Partition, error) {
	cfg.defaults()
	log := cfg.Logger.With("partition", cfg.ID)
	// Checkpoints left by a snapshot that a crash interrupted are of no use.
	if err := os.RemoveAll(filepath.Join(cfg.Dir, "checkpoints")); err != nil {
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}
	for _, d := range []string{"raft", "state", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
		}
	}
	st, err := state.Open(filepath.Join(cfg.Dir, "state"), state.Options{PartitionID: cfg.ID, Logger: log.With("store", "state")})
	if err != nil {
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}
	rdb, err := raftstore.OpenDB(filepath.Join(cfg.Dir, "raft"), raftstore.WithLogger(state.PebbleLogger(log.With("store", "raft"))))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}
	store, err := raftstore.New(rdb, []byte{byte(cfg.ID >> 8), byte(cfg.ID)}, raftstore.Options{NoSync: cfg.NoSync})
	if err != nil {
		rdb.Close()
		st.Close()
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(cfg.Dir, "snapshots"), 2, hclog.NewNullLogger())
	if err != nil {
		store.Close()
		rdb.Close()
		st.Close()
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}

	if cfg.PartitionCount > 1 && cfg.Sender == nil {
		st.Close()
		store.Close()
		rdb.Close()
		return nil, fmt.Errorf("partition %d: a cluster of %d partitions needs a Sender to distribute deployments", cfg.ID, cfg.PartitionCount)
	}
	if err := cfg.Limit.Validate(); err != nil {
		p0 := fmt.Errorf("partition %d: back-pressure limit: %w", cfg.ID, err)
		store.Close()
		rdb.Close()
		st.Close()
		return nil, p0
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Partition{
		limiter:      limit.New(cfg.Limit),
		distributeCh: make(chan struct{}, 1),
		continueCh:   make(chan struct{}, 1),
		exportCh:     make(chan struct{}, 1),
		cfg:          cfg, log: log, state: st, raftDB: rdb, store: store,
		proposals: make(chan proposal, 4*cfg.MaxCommandsPerEntry),
		slots:     make(chan struct{}, maxEntriesInFlight),
		notifyCh:  make(chan bool, 16),
		pending:   map[uint64]chan result{},
		ctx:       ctx, cancel: cancel,
	}
	p.watchers.init()
	// Request ids must not repeat across restarts: replayed entries carry old ids.
	p.nextID.Store(uint64(time.Now().UnixNano()))

	id := raft.ServerID(cfg.LocalID)
	if id == "" {
		id = raft.ServerID(fmt.Sprintf("partition-%d", cfg.ID))
	}
	trans := cfg.Transport
	if trans == nil {
		_, inmem := raft.NewInmemTransport(raft.ServerAddress(id))
		trans = inmem
	}
	p.trans = trans
	servers := cfg.Servers
	if len(servers) == 0 {
		servers = []raft.Server{{ID: id, Address: trans.LocalAddr()}}
	}
	heartbeat, election := cfg.HeartbeatTimeout, cfg.ElectionTimeout
	if heartbeat <= 0 {
		heartbeat = 150 * time.Millisecond
		if len(servers) > 1 {
			heartbeat = 500 * time.Millisecond
		}
	}
	if election <= 0 {
		election = heartbeat
	}
	rc := raft.DefaultConfig()
	rc.LocalID = id
	rc.HeartbeatTimeout = heartbeat
	rc.ElectionTimeout = election
	rc.LeaderLeaseTimeout = heartbeat / 2
	rc.CommitTimeout = 5 * time.Millisecond
	rc.BatchApplyCh = true
	rc.MaxAppendEntries = 256
	// The state survives restarts in its own Pebble database, so Raft needs not restore
	// a snapshot into it, unless the state is behind the newest snapshot: Raft replays
	// the log only from that snapshot on, so the entries before it would be missing.
	rc.NoSnapshotRestoreOnStart = true
	if metas, err := snaps.List(); err == nil && len(metas) > 0 && p.state.LastApplied() < metas[0].Index {
		p.log.Warn("the state is behind the newest snapshot; restoring it from the snapshot",
			"applied", p.state.LastApplied(), "snapshot", metas[0].Index)
		rc.NoSnapshotRestoreOnStart = false
	}
	rc.NotifyCh = p.notifyCh
	if cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
		rc.SnapshotInterval = 50 * time.Millisecond
	}
	if cfg.TrailingLogs > 0 {
		rc.TrailingLogs = cfg.TrailingLogs
	}
	rc.Logger = hclog.NewNullLogger()

	has, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		p.closeStores()
		return nil, fmt.Errorf("partition %d: %w", cfg.ID, err)
	}
	if !has {
		conf := raft.Configuration{Servers: servers}
		if err := raft.BootstrapCluster(rc, store, store, snaps, trans, conf); err != nil {
			p.closeStores()
			return nil, fmt.Errorf("partition %d: bootstrap: %w", cfg.ID, err)
		}
	}
	f := &fsm{p: p, db: st, eng: engine.NewPartitioned(cfg.ID, max(cfg.PartitionCount, 1))}
	r, err := raft.NewRaft(rc, f, store, store, snaps, trans)
	if err != nil {
		p.closeStores()
		return nil, fmt.Errorf("partition %d: start raft: %w", cfg.ID, err)
	}
	p.raft = r

	p.checkDisk()
	futures := make(chan inflight, 1024)
	p.wg.Add(4)
	go p.watchDisk()
	go p.propose(futures)
	go p.confirm(futures)
	go p.watchLeadership()
	return p, nil
}

// RaftLogBounds returns the first and last index held in the Raft log, to observe
// truncation after snapshots.
func (p *Partition) RaftLogBounds() (first, last uint64, err error) {
	if first, err = p.store.FirstIndex(); err != nil {
		return 0, 0, err
	}
	last, err = p.store.LastIndex()
	return first, last, err
}

// Term returns the current Raft term of this replica.
func (p *Partition) Term() uint64 { return p.raft.CurrentTerm() }

// ID returns the partition id.
func (p *Partition) ID() int32 { return p.cfg.ID }

// State returns the partition's state, for reads.
func (p *Partition) State() *state.DB { return p.state }

// IsLeader reports whether this replica leads the partition.
func (p *Partition) IsLeader() bool { return p.leader.Load() }

// WaitLeader blocks until this replica is the leader or ctx ends.
func (p *Partition) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !p.IsLeader() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Execute proposes a command and waits for its response: the event it caused, or its
// rejection. It returns ErrNotLeader, ErrBackpressure, ErrClosed or ctx's error.
func (p *Partition) Execute(ctx context.Context, cmd *recordpb.Record) (*recordpb.Record, error) {
	if p.ctx.Err() != nil {
		return nil, ErrClosed
	}
	if !p.IsLeader() {
		return nil, ErrNotLeader
	}
	if p.diskLow.Load() {
		return nil, ErrDiskFull
	}
	outcome := limit.Ignored
	if limited(cmd) {
		done, ok := p.limiter.Acquire()
		if !ok {
			return nil, ErrBackpressure
		}
		defer func() { done(outcome) }()
	}
	id := p.nextID.Add(1)
	ch := make(chan result, 1)
	p.mu.Lock()
	if len(p.pending) >= p.cfg.MaxInFlight {
		p.mu.Unlock()
		return nil, ErrBackpressure
	}
	p.pending[id] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}()
	cmd.RecordType = recordpb.RecordType_COMMAND
	select {
	case p.proposals <- proposal{id: id, cmd: cmd}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.ctx.Done():
		return nil, ErrClosed
	}
	select {
	case r := <-ch:
		if r.err == nil {
			outcome = limit.Success
		}
		return r.rec, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			outcome = limit.Dropped
		}
		return nil, ctx.Err()
	case <-p.ctx.Done():
		return nil, ErrClosed
	}
}

// limited reports whether a command counts against the adaptive limit. Commands that
// finish work (or add definitions) pass, so that a loaded partition can still drain; so
// do creations that wait for the instance's result, whose wait says nothing of the
// partition's latency (MaxInFlight still bounds them).
func limited(cmd *recordpb.Record) bool {
	if awaitsResult(cmd) {
		return false
	}
	switch cmd.GetValueType() {
	case recordpb.ValueType_JOB, recordpb.ValueType_JOB_BATCH, recordpb.ValueType_INCIDENT, recordpb.ValueType_DEPLOYMENT,
		recordpb.ValueType_MESSAGE_SUBSCRIPTION, recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION:
		return false
	case recordpb.ValueType_PROCESS_INSTANCE:
		return cmd.GetIntent() != "CANCEL"
	}
	return true
}

func awaitsResult(cmd *recordpb.Record) bool {
	return cmd.GetProcessInstanceCreation().GetAwaitResult()
}

// Limit returns the current adaptive limit on requests in flight.
func (p *Partition) Limit() int { return p.limiter.Limit() }

// submit proposes a command nobody waits for (the due-date checker's).
func (p *Partition) submit(cmd *recordpb.Record) bool {
	cmd.RecordType = recordpb.RecordType_COMMAND
	select {
	case p.proposals <- proposal{cmd: cmd}:
		return true
	case <-p.ctx.Done():
		return false
	}
}

type inflight struct {
	future raft.ApplyFuture
	ids    []uint64
}

// propose is the group commit: it drains waiting commands into one Raft entry stamped
// with the leader's clock and hands it to Raft without waiting for it. At most
// maxEntriesInFlight entries are in flight; while they are written, new commands queue
// and form the next entry.
func (p *Partition) propose(futures chan<- inflight) {
	defer p.wg.Done()
	defer close(futures)
	var lastTS int64
	for {
		var first proposal
		select {
		case first = <-p.proposals:
		case <-p.ctx.Done():
			return
		}
		// Wait for a free slot before draining: while the entries in flight are written,
		// the commands that arrive meanwhile queue up and go into the next entry together.
		select {
		case p.slots <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		entry := &brokerpb.Entry{Commands: []*brokerpb.Command{{RequestId: first.id, Record: first.cmd}}, BrokerVersion: p.cfg.Version}
		ids := []uint64{first.id}
	drain:
		for len(entry.Commands) < p.cfg.MaxCommandsPerEntry {
			select {
			case pr := <-p.proposals:
				entry.Commands = append(entry.Commands, &brokerpb.Command{RequestId: pr.id, Record: pr.cmd})
				ids = append(ids, pr.id)
			default:
				break drain
			}
		}
		ts := p.cfg.Now().UnixMilli()
		if ts < lastTS {
			ts = lastTS // entry time never goes backwards on one leader
		}
		lastTS = ts
		entry.Timestamp = ts
		data, err := marshalEntry(entry)
		if err != nil {
			<-p.slots
			p.failAll(ids, fmt.Errorf("encode raft entry: %w", err))
			continue
		}
		f := p.raft.Apply(data, 0)
		select {
		case futures <- inflight{future: f, ids: ids}:
		case <-p.ctx.Done():
			return
		}
	}
}

// confirm waits for each proposed entry in order and fails its requests if Raft did
// not commit it (lost leadership); committed entries are answered by the FSM.
func (p *Partition) confirm(futures <-chan inflight) {
	defer p.wg.Done()
	for in := range futures {
		err := p.waitFuture(in.future)
		<-p.slots
		if err != nil {
			switch {
			case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
				err = ErrNotLeader // refused before it reached the log
			case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrRaftShutdown):
				err = ErrLeadershipLost
			}
			p.failAll(in.ids, err)
		}
	}
}

// waitFuture waits for a proposed entry's outcome. Raft never answers an entry it had
// queued but not started when it shut down, so once the partition closes the wait ends
// with ErrClosed (the entry's fate is unknown, as for any request cut by a shutdown).
func (p *Partition) waitFuture(f raft.ApplyFuture) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-p.ctx.Done():
		select {
		case err := <-done:
			return err
		case <-time.After(time.Second):
			return ErrClosed
		}
	}
}

func (p *Partition) failAll(ids []uint64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if ch, ok := p.pending[id]; ok {
			select {
			case ch <- result{err: err}:
			default:
			}
		}
	}
}

// delivered hands the FSM's output to the waiting requests and job watchers. Called
// on the FSM goroutine after the state commit.
func (p *Partition) delivered(out *engine.Output) {
	if len(out.Responses) > 0 {
		p.mu.Lock()
		for _, r := range out.Responses {
			if ch, ok := p.pending[r.RequestID]; ok {
				select {
				case ch <- result{rec: r.Record}:
				default:
				}
			}
		}
		p.mu.Unlock()
	}
	for _, t := range out.JobTypes {
		p.watchers.notify(t)
	}
	if out.TimerDue > 0 {
		for {
			cur := p.timerFloor.Load()
			if (cur != 0 && cur <= out.TimerDue) || p.timerFloor.CompareAndSwap(cur, out.TimerDue) {
				break
			}
		}
	}
	if out.Continue {
		select {
		case p.continueCh <- struct{}{}:
		default:
		}
	}
	select {
	case p.exportCh <- struct{}{}:
	default:
	}
	if out.Distribute {
		select {
		case p.distributeCh <- struct{}{}:
		default:
		}
	}
}

// watchLeadership runs the leader-only loops while this replica leads.
func (p *Partition) watchLeadership() {
	defer p.wg.Done()
	stop := func() {}
	defer func() { stop() }()
	for {
		select {
		case <-p.ctx.Done():
			return
		case isLeader := <-p.notifyCh:
			if isLeader == p.leader.Load() {
				continue
			}
			stop()
			stop = func() {}
			if !isLeader {
				p.leader.Store(false)
				p.log.Info("partition lost leadership")
				continue
			}
			// Let the FSM catch up with everything committed before this term, so that
			// the first answers and due dates see the whole state.
			if err := p.raft.Barrier(10 * time.Second).Error(); err != nil {
				p.log.Warn("barrier after election failed", "err", err)
			}
			p.log.Info("partition became leader", "term", p.raft.CurrentTerm())
			stop = p.startLeaderLoops()
			p.leader.Store(true)
			p.watchers.notifyAll()
		}
	}
}

// startLeaderLoops starts the loops that run only on the leader and returns a function
// that stops them and waits for them.
func (p *Partition) startLeaderLoops() (stop func()) {
	ctx, cancel := context.WithCancel(p.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.checkDueDates(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.distribute(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.continueSteps(ctx)
	}()
	if p.cfg.Exporting != nil {
		cfg := *p.cfg.Exporting
		if cfg.Logger == nil {
			cfg.Logger = p.cfg.Logger
		}
		cfg.OnStuck = p.exportersStuck.Store
		wg.Add(1)
		go func() {
			defer wg.Done()
			exporting.Run(ctx, cfg, exportLog{p}, p.exportCh)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// Close stops the partition and closes its stores.
func (p *Partition) Close() error {
	p.cancel()
	p.leader.Store(false)
	err := p.raft.Shutdown().Error()
	p.wg.Wait()
	if c, ok := p.trans.(io.Closer); ok {
		c.Close()
	}
	if cerr := p.closeStores(); err == nil {
		err = cerr
	}
	return err
}

func (p *Partition) closeStores() error {
	err := p.store.Close()
	if cerr := p.raftDB.Close(); err == nil {
		err = cerr
	}
	if cerr := p.state.Close(); err == nil {
		err = cerr
	}
	return err
}

// continueSteps runs on the leader: while a processing step has left follow-up commands
// over (see engine.StepBudget), it proposes a PROCESS_INSTANCE_BATCH CONTINUE command
// to take them up, one entry after another, so that other commands go on in between.
func (p *Partition) continueSteps(ctx context.Context) {
	cont := func() bool {
		return p.submit(&recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_BATCH, Intent: "CONTINUE", Key: -1,
			Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{}}})
	}
	if ok, err := p.state.HasContinuation(); err == nil && ok && !cont() {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.continueCh:
			if !cont() {
				return
			}
		}
	}
}
