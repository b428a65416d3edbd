package raftnet

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newMux(tb testing.TB, opts Options) *Mux {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(tb)
	}
	m, err := Listen("127.0.0.1:0", opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, m.Close()) })
	return m
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

func rawDial(t *testing.T, m *Mux) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", m.Addr().String(), time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// readUntilClosed reads what the server sends until it closes the connection. It fails
// the test if the server keeps the connection open for longer than timeout.
func readUntilClosed(t *testing.T, c net.Conn, timeout time.Duration) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(timeout))
	var got []byte
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "server did not close the connection within %s", timeout)
			return got // EOF, or a reset because the server left our bytes unread
		}
	}
}

// acceptWithin waits for the next connection routed to g.
func acceptWithin(t *testing.T, g *group, timeout time.Duration) net.Conn {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := g.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	select {
	case c, ok := <-ch:
		require.True(t, ok, "group closed")
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(timeout):
		t.Fatalf("no connection accepted within %s", timeout)
		return nil
	}
}

func addGroup(t *testing.T, m *Mux, id uint32) *group {
	t.Helper()
	g, err := m.addGroup(id)
	require.NoError(t, err)
	return g
}

func tracked(m *Mux) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conns)
}

// handshakeOK performs a good handshake for group on m and checks the answer.
func handshakeOK(t *testing.T, m *Mux, group uint32, timeout time.Duration) net.Conn {
	t.Helper()
	c := rawDial(t, m)
	_, err := c.Write(mustHeader(t, header{group: group, source: "127.0.0.1:1"}))
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(timeout))
	var answer [1]byte
	_, err = io.ReadFull(c, answer[:])
	require.NoError(t, err)
	require.Equal(t, byte(statusOK), answer[0])
	c.SetReadDeadline(time.Time{})
	return c
}

func TestHandshakeRoutesToGroup(t *testing.T) {
	m := newMux(t, Options{})
	g := addGroup(t, m, 7)

	c := handshakeOK(t, m, 7, 2*time.Second)
	_, err := c.Write([]byte("ping"))
	require.NoError(t, err)

	s := acceptWithin(t, g, 2*time.Second)
	buf := make([]byte, 4)
	_, err = io.ReadFull(s, buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf))
	_, err = s.Write([]byte("pong"))
	require.NoError(t, err)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "pong", string(buf))

	m.mu.Lock()
	peer := s.(*conn).peer
	m.mu.Unlock()
	require.Equal(t, "127.0.0.1:1", peer, "the header's source names the peer")

	s.Close()
	waitFor(t, 2*time.Second, "released connection", func() bool { return tracked(m) == 0 })
}

func TestHandshakeRefused(t *testing.T) {
	good := mustHeader(t, header{group: 7, source: "127.0.0.1:1"})
	badVersion := bytes.Clone(good)
	badVersion[4] = 9
	cases := []struct {
		name   string
		send   []byte
		answer []byte // what the mux answers before closing
	}{
		{name: "bad magic", send: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), answer: nil},
		{name: "unknown group", send: mustHeader(t, header{group: 8, source: "127.0.0.1:1"}), answer: []byte{byte(statusUnknownGroup)}},
		{name: "bad version", send: badVersion, answer: []byte{byte(statusBadVersion)}},
		{name: "truncated", send: good[:7], answer: nil},
		{name: "bad source", send: append(bytes.Clone(good[:len(good)-1]), 0), answer: nil},
	}
	m := newMux(t, Options{})
	addGroup(t, m, 7)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := rawDial(t, m)
			_, err := c.Write(tc.send)
			require.NoError(t, err)
			// A truncated header ends here. The mux may have closed already (bad magic),
			// so the half-close can fail.
			c.CloseWrite()
			require.Equal(t, tc.answer, readUntilClosed(t, c, 2*time.Second))
		})
	}
	// The refusals left the mux serving and tracking nothing.
	handshakeOK(t, m, 7, 2*time.Second).Close()
	waitFor(t, 2*time.Second, "no tracked connections", func() bool { return tracked(m) <= 1 })
}

func TestSlowClientsDoNotBlockOthers(t *testing.T) {
	const handshakeTimeout = 1500 * time.Millisecond
	m := newMux(t, Options{HandshakeTimeout: handshakeTimeout})
	g := addGroup(t, m, 1)

	good := mustHeader(t, header{group: 1, source: "127.0.0.1:1"})
	var slow []net.Conn
	for i := range 20 {
		c := rawDial(t, m)
		if i%2 == 1 { // half send part of a header, half nothing
			_, err := c.Write(good[:i%len(good)])
			require.NoError(t, err)
		}
		slow = append(slow, c)
	}
	waitFor(t, 2*time.Second, "slow clients in their handshake", func() bool { return len(m.pending) == len(slow) })

	start := time.Now()
	handshakeOK(t, m, 1, handshakeTimeout/2)
	acceptWithin(t, g, handshakeTimeout/2)
	require.Less(t, time.Since(start), handshakeTimeout/2)

	for _, c := range slow {
		require.Empty(t, readUntilClosed(t, c, 3*handshakeTimeout), "a slow client is closed without an answer")
	}
	require.GreaterOrEqual(t, time.Since(start), handshakeTimeout*9/10, "slow clients got their full handshake time")
}

func TestTooManyPendingHandshakes(t *testing.T) {
	m := newMux(t, Options{MaxPendingHandshakes: 2, HandshakeTimeout: 20 * time.Second})
	addGroup(t, m, 1)
	s1, s2 := rawDial(t, m), rawDial(t, m)
	waitFor(t, 2*time.Second, "two pending handshakes", func() bool { return len(m.pending) == 2 })

	c := rawDial(t, m)
	_, err := c.Write(mustHeader(t, header{group: 1}))
	require.NoError(t, err)
	require.Empty(t, readUntilClosed(t, c, 2*time.Second), "refused at once")

	s1.Close()
	s2.Close()
	waitFor(t, 2*time.Second, "free handshake slots", func() bool { return len(m.pending) == 0 })
	handshakeOK(t, m, 1, 2*time.Second)
}

func TestDialBlockAndHeal(t *testing.T) {
	a, b := newMux(t, Options{}), newMux(t, Options{})
	ga, gb := addGroup(t, a, 1), addGroup(t, b, 1)
	addrA, addrB := raft.ServerAddress(a.Addr().String()), raft.ServerAddress(b.Addr().String())

	// a -> b and b -> a, each checked end to end.
	connect := func(from, to *group, toAddr raft.ServerAddress) (net.Conn, net.Conn) {
		t.Helper()
		c, err := from.Dial(toAddr, time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		s := acceptWithin(t, to, 2*time.Second)
		_, err = c.Write([]byte{42})
		require.NoError(t, err)
		var buf [1]byte
		_, err = io.ReadFull(s, buf[:])
		require.NoError(t, err)
		return c, s
	}
	abOut, abIn := connect(ga, gb, addrB)
	baOut, baIn := connect(gb, ga, addrA)

	_, err := addGroup(t, a, 2).Dial(addrB, time.Second)
	require.ErrorIs(t, err, ErrUnknownGroup)

	a.SetBlocked(string(addrB))
	// Both of a's connections with b are cut, so b sees them end.
	require.Empty(t, readUntilClosed(t, abIn, 2*time.Second))
	require.Empty(t, readUntilClosed(t, baOut, 2*time.Second))
	_, err = abOut.Read(make([]byte, 1))
	require.Error(t, err)
	_, err = baIn.Read(make([]byte, 1))
	require.Error(t, err)

	_, err = ga.Dial(addrB, time.Second)
	require.ErrorIs(t, err, ErrBlocked)
	_, err = gb.Dial(addrA, time.Second)
	require.Error(t, err, "a refuses b's connections")
	require.NotErrorIs(t, err, ErrUnknownGroup)

	a.SetBlocked()
	connect(ga, gb, addrB)
	connect(gb, ga, addrA)
}

func TestTransportLifecycle(t *testing.T) {
	m := newMux(t, Options{})
	tr, err := m.Transport(1, TransportOptions{})
	require.NoError(t, err)
	require.Equal(t, raft.ServerAddress(m.Addr().String()), tr.LocalAddr())
	var _ raft.WithPreVote = tr
	var _ raft.WithClose = tr

	_, err = m.Transport(1, TransportOptions{})
	require.ErrorIs(t, err, ErrGroupExists)

	handshakeOK(t, m, 1, 2*time.Second) // taken by the transport's accept loop
	require.NoError(t, tr.Close())
	require.True(t, tr.IsShutdown())
	require.Equal(t, 0, tracked(m), "closing a transport cuts its connections")

	// The group is gone: peers are told so.
	c := rawDial(t, m)
	_, err = c.Write(mustHeader(t, header{group: 1}))
	require.NoError(t, err)
	require.Equal(t, []byte{byte(statusUnknownGroup)}, readUntilClosed(t, c, 2*time.Second))

	tr2, err := m.Transport(1, TransportOptions{})
	require.NoError(t, err, "a closed group can be opened again")
	require.NoError(t, m.Close())
	require.True(t, tr2.IsShutdown(), "closing the mux closes its transports")
	require.NoError(t, tr2.Close())
	_, err = m.Transport(2, TransportOptions{})
	require.ErrorIs(t, err, ErrClosed)
}

func TestListenAddresses(t *testing.T) {
	_, err := Listen("0.0.0.0:0", Options{Logger: testLogger(t)})
	require.ErrorContains(t, err, "AdvertiseAddr")

	m, err := Listen("127.0.0.1:0", Options{Logger: testLogger(t), AdvertiseAddr: "broker-1.weft:26502"})
	require.NoError(t, err)
	require.Equal(t, "broker-1.weft:26502", m.Addr().String())
	require.NoError(t, m.Close())

	_, err = Listen("127.0.0.1:0", Options{Logger: testLogger(t), AdvertiseAddr: "no-port"})
	require.ErrorContains(t, err, "AdvertiseAddr")
}
