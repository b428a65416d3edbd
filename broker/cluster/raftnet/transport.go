package raftnet

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// releaseWait bounds how long closing a transport waits for raft's connection handlers
// to let go of their connections. They do so within microseconds of the connection being
// cut; the bound only keeps Close from hanging on a bug.
const releaseWait = 5 * time.Second

// TransportOptions configures one group's raft.NetworkTransport. Zero values take the
// defaults.
type TransportOptions struct {
	// MaxPool is how many idle connections to each peer the transport keeps. Default 3.
	MaxPool int
	// Timeout is raft's I/O deadline for one RPC (InstallSnapshot scales it with the
	// snapshot's size). It also bounds dialing. Default 10s.
	Timeout time.Duration
	// MaxRPCsInFlight is raft's pipelining depth for AppendEntries; 0 takes raft's
	// default (2), 1 disables pipelining.
	MaxRPCsInFlight int
	// Logger receives raft's transport logs; they are discarded if nil. Raft logs every
	// cut connection at error level, so expect noise under SetBlocked.
	Logger hclog.Logger
}

func (o *TransportOptions) defaults() {
	if o.MaxPool <= 0 {
		o.MaxPool = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
}

// Transport is one group's Raft transport: a raft.NetworkTransport over the mux. It
// implements raft.Transport, raft.WithClose and raft.WithPreVote.
type Transport struct {
	*raft.NetworkTransport
	g *group

	progressMu sync.Mutex
	progress   map[raft.ServerAddress]Progress
}

// Progress is what a peer last reported in a successful answer to AppendEntries (on the
// leader, every heartbeat is one).
type Progress struct {
	// Term is the peer's term.
	Term uint64
	// LastLog is the index of the last entry in the peer's log.
	LastLog uint64
	// At is when the answer came.
	At time.Time
}

// AppendEntries sends one AppendEntries RPC, as raft.NetworkTransport does, and notes
// the peer's answer for Progress. Raft sends heartbeats (and unpipelined replication)
// this way, so a leader sees each follower's last log index a few times a second.
func (t *Transport) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	err := t.NetworkTransport.AppendEntries(id, target, args, resp)
	if err == nil && resp.Success {
		t.progressMu.Lock()
		if t.progress == nil {
			t.progress = map[raft.ServerAddress]Progress{}
		}
		t.progress[target] = Progress{Term: resp.Term, LastLog: resp.LastLog, At: time.Now()}
		t.progressMu.Unlock()
	}
	return err
}

// Progress returns what the peer at target last reported to this replica, if anything.
// It is only meaningful while this replica leads.
func (t *Transport) Progress(target raft.ServerAddress) (Progress, bool) {
	t.progressMu.Lock()
	defer t.progressMu.Unlock()
	p, ok := t.progress[target]
	return p, ok
}

// Transport returns the raft transport of one group (a partition id). Its local address
// is the mux's Addr; the peers' addresses are their muxes' addresses. A group has one
// open transport at a time: ErrGroupExists until the previous one is closed.
//
// Closing the transport (raft.Shutdown does) removes the group from the mux: peers'
// connections for it are then refused with statusUnknownGroup.
func (m *Mux) Transport(group uint32, opts TransportOptions) (*Transport, error) {
	opts.defaults()
	g, err := m.addGroup(group)
	if err != nil {
		return nil, err
	}
	nt := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:          g,
		MaxPool:         opts.MaxPool,
		Timeout:         opts.Timeout,
		MaxRPCsInFlight: opts.MaxRPCsInFlight,
		Logger:          opts.Logger,
	})
	t := &Transport{NetworkTransport: nt, g: g}
	m.mu.Lock()
	closed := g.closed
	if !closed {
		g.trans = t
	}
	m.mu.Unlock()
	if closed { // the mux closed meanwhile
		t.Close()
		return nil, fmt.Errorf("raftnet: group %d: %w", group, ErrClosed)
	}
	return t, nil
}

// Close stops the transport, cuts the group's connections, removes the group from the
// mux and waits until raft's handlers of incoming connections have exited. Later calls
// return nil.
func (t *Transport) Close() error {
	err := t.NetworkTransport.Close() // closes the stream layer: t.g.Close
	t.g.shutdown()
	return err
}

// group is one group's raft.StreamLayer on the mux.
type group struct {
	m  *Mux
	id uint32
	// acceptCh hands routed connections to Accept.
	acceptCh chan *conn
	// done is closed when the group closes; ctx is cancelled then, aborting dials.
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	// idle is closed once the group is closed and live is zero.
	idle chan struct{}

	// Guarded by m.mu.
	closed     bool
	live       int // inbound connections routed here and not yet closed by their owner
	idleClosed bool
	trans      *Transport
}

// addGroup registers a new group.
func (m *Mux) addGroup(id uint32) (*group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("raftnet: group %d: %w", id, ErrClosed)
	}
	if _, ok := m.groups[id]; ok {
		return nil, fmt.Errorf("raftnet: group %d: %w", id, ErrGroupExists)
	}
	ctx, cancel := context.WithCancel(m.ctx)
	g := &group{
		m: m, id: id,
		acceptCh: make(chan *conn),
		done:     make(chan struct{}),
		ctx:      ctx, cancel: cancel,
		idle: make(chan struct{}),
	}
	m.groups[id] = g
	return g, nil
}

// Accept waits for the next connection routed to the group. It implements
// raft.StreamLayer for the group's NetworkTransport.
func (g *group) Accept() (net.Conn, error) {
	select {
	case c := <-g.acceptCh:
		return c, nil
	case <-g.done:
		return nil, fmt.Errorf("raftnet: group %d: %w", g.id, net.ErrClosed)
	}
}

// Close removes the group from the mux and cuts its connections, inbound and outbound
// (raft leaves pooled connections open when its transport closes). It does not wait;
// see shutdown.
func (g *group) Close() error {
	m := g.m
	m.mu.Lock()
	if g.closed {
		m.mu.Unlock()
		return nil
	}
	g.closed = true
	if m.groups[g.id] == g {
		delete(m.groups, g.id)
	}
	var cut []*conn
	for c := range m.conns {
		if c.group == g {
			cut = append(cut, m.cutLocked(c))
		}
	}
	g.idleIfDoneLocked()
	m.mu.Unlock()

	g.cancel()
	close(g.done)
	for _, c := range cut {
		c.Conn.Close()
	}
	return nil
}

// shutdown closes the group's transport (or the bare group) and waits for the inbound
// connections' owners to close them. Raft's handler of an incoming connection closes it
// as it exits, so this waits for those goroutines.
func (g *group) shutdown() {
	g.m.mu.Lock()
	t := g.trans
	g.m.mu.Unlock()
	if t != nil {
		t.NetworkTransport.Close()
	}
	g.Close()
	timer := time.NewTimer(releaseWait)
	defer timer.Stop()
	select {
	case <-g.idle:
	case <-timer.C:
		g.m.log.Warn("raft connections not released after transport close", "group", g.id, "waited", releaseWait)
	}
}

func (g *group) idleIfDoneLocked() {
	if g.closed && g.live == 0 && !g.idleClosed {
		g.idleClosed = true
		close(g.idle)
	}
}

// Addr returns the mux's address, which raft uses as the local server address.
func (g *group) Addr() net.Addr { return g.m.addr }

// Dial connects to the peer mux at address for this group: a TCP connection, the
// header, and the peer's answer. It fails at once if the peer is blocked.
func (g *group) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	m, target := g.m, string(address)
	if timeout <= 0 || m.opts.DialTimeout < timeout {
		timeout = m.opts.DialTimeout
	}
	m.mu.Lock()
	_, blocked := m.blocked[target]
	closed := g.closed
	m.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("raftnet: group %d: dial %s: %w", g.id, target, ErrClosed)
	}
	if blocked {
		return nil, fmt.Errorf("raftnet: group %d: dial %s: %w", g.id, target, ErrBlocked)
	}
	ctx, cancel := context.WithTimeout(g.ctx, timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, fmt.Errorf("raftnet: group %d: dial %s: %w", g.id, target, err)
	}
	// Tracked before the handshake, so that closing the group or blocking the peer cuts
	// a handshake in progress too.
	c, err := m.trackOutbound(nc, g, target)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("raftnet: group %d: dial %s: %w", g.id, target, err)
	}
	deadline, _ := ctx.Deadline()
	c.SetDeadline(deadline)
	hdr, err := appendHeader(make([]byte, 0, fixedHeaderLen+len(m.self)), header{group: g.id, source: m.self})
	if err == nil {
		_, err = c.Write(hdr)
	}
	var answer [1]byte
	if err == nil {
		_, err = io.ReadFull(c, answer[:])
	}
	if err == nil {
		switch status(answer[0]) {
		case statusOK:
		case statusUnknownGroup:
			err = ErrUnknownGroup
		default:
			err = fmt.Errorf("%w: status %d", ErrRejected, answer[0])
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("raftnet: group %d: handshake with %s: %w", g.id, target, err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
