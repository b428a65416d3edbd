// Package raftnet carries the Raft traffic of all the partitions a broker hosts over one
// TCP listener (port 26502 by default).
//
// A Mux owns the listener. Each partition asks it for a raft.Transport with
// Mux.Transport(partitionID, ...); the transport is a raft.NetworkTransport whose
// stream layer dials peers' muxes and receives the connections routed to its group.
// Every connection starts with a short header (see header.go) that names the group, so
// one port serves every group. Connections are not shared between groups: each group
// keeps its own pooled connections, as raft.NetworkTransport does on a port of its own.
//
// Raft server addresses are the muxes' advertised addresses (host:port), the same for
// every group of a broker.
//
// Mux.SetBlocked cuts a broker off from chosen peers, for tests of network partitions.
//
// Mux.mu is the package's only mutex; see locksordering.txt for how it meets raft's.
package raftnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"time"
)

// Errors callers branch on. Dial errors wrap them, so raft's logs name the reason.
var (
	// ErrClosed: the mux or the group's transport is closed.
	ErrClosed = errors.New("raftnet: closed")
	// ErrGroupExists: the group already has an open transport on this mux.
	ErrGroupExists = errors.New("raftnet: group already has a transport")
	// ErrBlocked: the peer is blocked by SetBlocked.
	ErrBlocked = errors.New("raftnet: peer blocked")
	// ErrUnknownGroup: the peer's mux has no transport for the group (not started yet,
	// or closed).
	ErrUnknownGroup = errors.New("raftnet: peer has no such group")
	// ErrRejected: the peer refused the connection header (another header version, or
	// not a raftnet mux).
	ErrRejected = errors.New("raftnet: peer rejected the connection")
)

// Options configures a Mux. Zero values take the defaults.
type Options struct {
	// Logger receives the mux's logs; slog.Default() if nil. Refused connections are
	// logged at debug level, one line each.
	Logger *slog.Logger
	// DialTimeout bounds connecting to a peer and exchanging the header. Raft's own
	// I/O timeout (TransportOptions.Timeout) bounds it too, whichever is shorter.
	// Default 2s.
	DialTimeout time.Duration
	// HandshakeTimeout is how long an accepted connection has to send its header, and
	// how long a routed connection may wait for its group to take it. Default 5s.
	HandshakeTimeout time.Duration
	// AdvertiseAddr is the address peers dial to reach this mux, host:port: this
	// broker's Raft server address in every group. Default: the listener's address,
	// which must then name a host (Listen(":26502") needs AdvertiseAddr).
	AdvertiseAddr string
	// MaxPendingHandshakes bounds the accepted connections that have not sent their
	// header yet; beyond it new connections are closed at once. Default 128.
	MaxPendingHandshakes int
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.MaxPendingHandshakes <= 0 {
		o.MaxPendingHandshakes = 128
	}
}

// Mux accepts Raft connections for many groups on one TCP listener and dials peers'
// muxes for them. Its methods are safe for concurrent use.
type Mux struct {
	opts Options
	log  *slog.Logger
	ln   net.Listener
	addr net.Addr
	self string // addr.String(): the source address in our headers

	ctx    context.Context // cancelled by Close: aborts dials in progress
	cancel context.CancelFunc
	// pending is a semaphore over the handshakes in progress.
	pending chan struct{}
	// wg counts the accept loop and the handshake goroutines.
	wg sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	groups  map[uint32]*group
	conns   map[*conn]struct{} // every open connection, inbound and outbound
	blocked map[string]struct{}
}

// Listen opens the listener on addr (like "127.0.0.2:0" or ":26502") and starts
// accepting connections. Close stops it.
func Listen(addr string, opts Options) (*Mux, error) {
	opts.defaults()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("raftnet: listen: %w", err)
	}
	var self net.Addr = ln.Addr()
	if opts.AdvertiseAddr != "" {
		if _, _, err := net.SplitHostPort(opts.AdvertiseAddr); err != nil {
			ln.Close()
			return nil, fmt.Errorf("raftnet: AdvertiseAddr %q: %w", opts.AdvertiseAddr, err)
		}
		self = advertisedAddr(opts.AdvertiseAddr)
	} else if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("raftnet: listening on %s, which peers cannot dial: set AdvertiseAddr", ln.Addr())
	}
	if err := checkSource(self.String()); err != nil {
		ln.Close()
		return nil, fmt.Errorf("raftnet: AdvertiseAddr %q: %w", self, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Mux{
		opts:    opts,
		log:     opts.Logger.With("component", "raftnet", "addr", self.String()),
		ln:      ln,
		addr:    self,
		self:    self.String(),
		ctx:     ctx,
		cancel:  cancel,
		pending: make(chan struct{}, opts.MaxPendingHandshakes),
		groups:  map[uint32]*group{},
		conns:   map[*conn]struct{}{},
		blocked: map[string]struct{}{},
	}
	m.wg.Add(1)
	go m.acceptLoop()
	return m, nil
}

// Addr returns the address peers dial to reach this mux: Options.AdvertiseAddr, or the
// listener's address (with the port chosen when listening on port 0). It is this
// broker's raft.ServerAddress in every group.
func (m *Mux) Addr() net.Addr { return m.addr }

// Close closes the listener and every group's transport and connections, and waits for
// the goroutines the mux started. Close the raft instances first (raft.Shutdown closes
// their transports); a raft still running sees its transport fail. Later calls return
// nil.
func (m *Mux) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	groups := make([]*group, 0, len(m.groups))
	for _, g := range m.groups {
		groups = append(groups, g)
	}
	// Connections still in their handshake belong to no group yet.
	var handshaking []*conn
	for c := range m.conns {
		if c.group == nil {
			handshaking = append(handshaking, m.cutLocked(c))
		}
	}
	m.mu.Unlock()

	m.cancel()
	err := m.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	for _, c := range handshaking {
		c.Conn.Close()
	}
	for _, g := range groups {
		g.shutdown()
	}
	m.wg.Wait()
	return err
}

// SetBlocked replaces the set of blocked peers, for tests of network partitions. A peer
// is named by its mux address as Raft knows it (its raft.ServerAddress, the string of
// its Mux.Addr). While a peer is blocked, in every group of this mux:
//
//   - dials to it fail at once with ErrBlocked;
//   - connections from it are closed after their header is read, without an answer, so
//     the peer's dial fails too;
//   - connections to or from it that are open when SetBlocked is called are closed.
//
// So blocking a peer on one side cuts both directions: the two brokers cannot exchange
// Raft messages until SetBlocked is called again without that peer. SetBlocked() with no
// peers heals every partition this mux made. Only this mux's connections are touched;
// the peer identifies itself by the source address in its headers, so a peer that
// advertises another address than the one given here is not blocked.
func (m *Mux) SetBlocked(peers ...string) {
	blocked := make(map[string]struct{}, len(peers))
	for _, p := range peers {
		blocked[p] = struct{}{}
	}
	m.mu.Lock()
	m.blocked = blocked
	var cut []*conn
	for c := range m.conns {
		if _, ok := blocked[c.peer]; ok && c.peer != "" {
			cut = append(cut, m.cutLocked(c))
		}
	}
	m.mu.Unlock()
	for _, c := range cut {
		c.Conn.Close()
	}
	m.log.Info("raft peers blocked", "peers", slices.Sorted(maps.Keys(blocked)), "connections_cut", len(cut))
}

// acceptLoop accepts connections and hands each to a handshake goroutine, so that a
// client slow to send its header delays nobody else.
func (m *Mux) acceptLoop() {
	defer m.wg.Done()
	var delay time.Duration
	for {
		nc, err := m.ln.Accept()
		if err != nil {
			if m.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: the listener is still good, retry.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			m.log.Warn("raft connection accept failed", "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-m.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		select {
		case m.pending <- struct{}{}:
		default:
			m.log.Debug("raft connection refused: too many pending handshakes", "remote", nc.RemoteAddr().String())
			nc.Close()
			continue
		}
		c := m.trackInbound(nc)
		if c == nil {
			<-m.pending
			nc.Close()
			continue
		}
		m.wg.Add(1)
		go m.handshake(c)
	}
}

// handshake reads an accepted connection's header, answers it and hands the connection
// to its group's transport.
func (m *Mux) handshake(c *conn) {
	defer m.wg.Done()
	remote := c.RemoteAddr().String()
	c.SetDeadline(time.Now().Add(m.opts.HandshakeTimeout))
	h, err := readHeader(c)
	<-m.pending
	if err != nil {
		if errors.Is(err, errBadVersion) {
			c.Write([]byte{byte(statusBadVersion)})
		}
		m.log.Debug("raft connection refused: bad header", "remote", remote, "err", err)
		c.Close()
		return
	}
	g, err := m.route(c, h)
	if err != nil {
		if errors.Is(err, ErrUnknownGroup) {
			c.Write([]byte{byte(statusUnknownGroup)})
		}
		m.log.Debug("raft connection refused", "remote", remote, "source", h.source, "group", h.group, "err", err)
		c.Close()
		return
	}
	if _, err := c.Write([]byte{byte(statusOK)}); err != nil {
		m.log.Debug("raft connection lost in handshake", "remote", remote, "group", h.group, "err", err)
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	// The transport's accept loop takes connections as they come; the timer only guards
	// against a transport that stopped accepting without closing.
	t := time.NewTimer(m.opts.HandshakeTimeout)
	defer t.Stop()
	select {
	case g.acceptCh <- c:
	case <-g.done:
		c.Close()
	case <-t.C:
		m.log.Debug("raft connection refused: group not accepting", "remote", remote, "group", h.group)
		c.Close()
	}
}

// route assigns an accepted connection to the group its header names.
func (m *Mux) route(c *conn, h header) (*group, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || c.cut {
		return nil, ErrClosed
	}
	if _, ok := m.blocked[h.source]; ok && h.source != "" {
		return nil, ErrBlocked
	}
	g := m.groups[h.group]
	if g == nil || g.closed {
		return nil, ErrUnknownGroup
	}
	c.group, c.peer = g, h.source
	c.counted = true
	g.live++
	return g, nil
}

// trackInbound registers an accepted connection; nil if the mux is closed.
func (m *Mux) trackInbound(nc net.Conn) *conn {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	c := &conn{Conn: nc, m: m}
	m.conns[c] = struct{}{}
	return c
}

// trackOutbound registers a connection dialed for g to peer.
func (m *Mux) trackOutbound(nc net.Conn, g *group, peer string) (*conn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || g.closed {
		return nil, ErrClosed
	}
	if _, ok := m.blocked[peer]; ok {
		return nil, ErrBlocked
	}
	c := &conn{Conn: nc, m: m, group: g, peer: peer}
	m.conns[c] = struct{}{}
	return c, nil
}

// cutLocked marks c as closed by the mux and forgets it; the caller closes c.Conn after
// unlocking. Whoever owns c still calls c.Close, which then only releases it.
func (m *Mux) cutLocked(c *conn) *conn {
	c.cut = true
	delete(m.conns, c)
	return c
}

// release forgets c when its owner closes it.
func (m *Mux) release(c *conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.conns, c)
	if c.counted {
		c.counted = false
		c.group.live--
		c.group.idleIfDoneLocked()
	}
}

// advertisedAddr is Options.AdvertiseAddr as a net.Addr.
type advertisedAddr string

// Network returns "tcp".
func (a advertisedAddr) Network() string { return "tcp" }

// String returns the address as configured, host:port.
func (a advertisedAddr) String() string { return string(a) }

// conn is a connection the mux tracks, so that closing a group, closing the mux or
// blocking a peer can cut it.
type conn struct {
	net.Conn
	m *Mux

	// Guarded by m.mu.
	group   *group // nil while an inbound connection is in its handshake
	peer    string // the peer mux's address; "" until known
	counted bool   // an inbound connection counted in group.live
	cut     bool

	once sync.Once
}

// Close closes the connection and releases it from the mux.
func (c *conn) Close() error {
	c.once.Do(func() { c.m.release(c) })
	return c.Conn.Close()
}
