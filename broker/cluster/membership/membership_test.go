package membership

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/cluster/placement"
)

// rolesFor is what broker node announces under pl when every priority node leads at term.
func rolesFor(pl placement.Placement, node int32, term uint64) []PartitionState {
	var states []PartitionState
	for _, p := range pl.PartitionsOf(node) {
		role := Follower
		if pl.Priority(p) == node {
			role = Leader
		}
		states = append(states, PartitionState{ID: p, Role: role, Term: term, Healthy: true})
	}
	return states
}

func TestEveryNodeSeesEveryPartitionRole(t *testing.T) {
	pl, err := placement.Distribute(3, 3, 3)
	require.NoError(t, err)
	bs, gw := startCluster(t, 3)
	for i, b := range bs {
		b.SetPartitions(rolesFor(pl, int32(i), 1))
	}

	all := append(append([]*Node(nil), bs...), gw)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range all {
			ms := n.Members()
			if !assert.Len(c, ms, 4, "view of %s", n.Name()) {
				continue
			}
			for i, m := range ms[:3] {
				assert.Equal(c, fmt.Sprintf("broker-%d", i), m.Name)
				assert.Equal(c, rolesFor(pl, int32(i), 1), m.Partitions, "%s's partitions seen by %s", m.Name, n.Name())
			}
			for _, p := range pl.Partitions() {
				assert.Equal(c, fmt.Sprintf("broker-%d", pl.Priority(p)), leaderName(n, p), "leader of %d seen by %s", p, n.Name())
			}
		}
	}, converge, 10*time.Millisecond)

	// The gateway sees what the Topology RPC needs.
	ms := gw.Members()
	for i, m := range ms[:3] {
		assert.Equal(t, Member{
			Name:              fmt.Sprintf("broker-%d", i),
			NodeID:            int32(i),
			Kind:              Broker,
			Version:           "8.3.0",
			GossipAddr:        bs[i].Addr(),
			InternalAddr:      fmt.Sprintf("127.0.0.1:%d", 26501+100*i),
			RaftAddr:          fmt.Sprintf("127.0.0.1:%d", 26502+100*i),
			ClusterSize:       3,
			PartitionsCount:   3,
			ReplicationFactor: 3,
			Partitions:        rolesFor(pl, int32(i), 1),
			Alive:             true,
		}, m)
	}
	assert.Equal(t, Member{
		Name: "gateway-a", NodeID: -1, Kind: Gateway, Version: "8.3.0", GossipAddr: gw.Addr(),
		GatewayAddr: "127.0.0.1:26500", Alive: true,
	}, ms[3])
	p2, ok := ms[1].Partition(2)
	assert.True(t, ok)
	assert.Equal(t, PartitionState{ID: 2, Role: Leader, Term: 1, Healthy: true}, p2)
	_, ok = ms[1].Partition(4)
	assert.False(t, ok)

	select {
	case <-gw.Changes():
	default:
		t.Fatal("the gateway's view changed but Changes was not signalled")
	}
}

func TestLeadershipMovesToTheHighestTerm(t *testing.T) {
	bs, gw := startCluster(t, 3)
	all := append(append([]*Node(nil), bs...), gw)
	announce := func(b *Node, role Role, term uint64) {
		b.SetPartitions([]PartitionState{{ID: 1, Role: role, Term: term, Healthy: true}})
	}
	expectLeader := func(step, want string) {
		t.Helper()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			for _, n := range all {
				assert.Equal(c, want, leaderName(n, 1), "%s: leader seen by %s", step, n.Name())
			}
		}, converge, 10*time.Millisecond)
	}

	announce(bs[0], Leader, 1)
	announce(bs[1], Follower, 1)
	announce(bs[2], Follower, 1)
	expectLeader("initial", "broker-0")

	// Broker 1 wins an election while broker 0 still claims term 1.
	announce(bs[1], Leader, 2)
	expectLeader("new leader, old one not yet stepped down", "broker-1")
	// Wait until everyone also holds broker 0's stale claim, so the check is not vacuous.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range all {
			m, _ := member(n, "broker-0")
			p, _ := m.Partition(1)
			assert.Equal(c, PartitionState{ID: 1, Role: Leader, Term: 1, Healthy: true}, p)
		}
	}, converge, 10*time.Millisecond)
	expectLeader("stale claim held everywhere", "broker-1")

	announce(bs[0], Follower, 2)
	expectLeader("old leader stepped down", "broker-1")

	announce(bs[2], Leader, 3)
	announce(bs[1], Follower, 3)
	expectLeader("third election", "broker-2")

	// A broker that claims an older term again (a delayed or confused announcement) changes
	// nothing.
	announce(bs[0], Leader, 2)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range all {
			m, _ := member(n, "broker-0")
			p, _ := m.Partition(1)
			assert.Equal(c, Leader, p.Role)
			assert.Equal(c, uint64(2), p.Term)
		}
	}, converge, 10*time.Millisecond)
	expectLeader("stale claim of term 2", "broker-2")

	// No broker claims leadership: no leader.
	announce(bs[0], Follower, 3)
	announce(bs[2], Inactive, 3)
	expectLeader("leader gone inactive", "")
}

// TestAnnouncementOrdering feeds announcements to a node's delegate directly: older ones,
// ones of another run of the sender, and ones of unknown nodes are ignored; garbage is logged
// and ignored.
func TestAnnouncementOrdering(t *testing.T) {
	a := start(t, brokerConfig(0))
	b := start(t, brokerConfig(1, a.Addr()))
	b.SetPartitions([]PartitionState{{ID: 1, Role: Leader, Term: 4}})
	b.SetPartitions([]PartitionState{{ID: 1, Role: Leader, Term: 5}})
	want := []PartitionState{{ID: 1, Role: Leader, Term: 5}}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		m, _ := member(a, "broker-1")
		assert.Equal(c, want, m.Partitions)
	}, converge, 10*time.Millisecond)

	deliver := func(ann *announcement) { delegate{a}.NotifyMsg(encodeAnnouncement(ann)) }
	claim := []PartitionState{{ID: 1, Role: Follower, Term: 9}}

	deliver(&announcement{name: "broker-1", epoch: b.epoch, seq: 1, partitions: claim})
	deliver(&announcement{name: "broker-1", epoch: b.epoch, seq: 2, partitions: claim})
	deliver(&announcement{name: "broker-1", epoch: b.epoch + 1, seq: 100, partitions: claim})
	deliver(&announcement{name: "broker-9", epoch: 1, seq: 1, partitions: claim})
	deliver(&announcement{name: "broker-0", epoch: a.epoch, seq: 100, partitions: claim})
	delegate{a}.NotifyMsg([]byte{formatVersion, msgAnnouncement, 0xff})
	delegate{a}.NotifyMsg(nil)
	delegate{a}.MergeRemoteState([]byte("not a state set"), false)
	delegate{a}.MergeRemoteState(encodeAnnouncement(&announcement{name: "broker-1", epoch: b.epoch, seq: 50, partitions: claim}), false)

	m, _ := member(a, "broker-1")
	assert.Equal(t, want, m.Partitions)
	self, _ := member(a, "broker-0")
	assert.Empty(t, self.Partitions)
	assert.Equal(t, []string{"broker-0", "broker-1"}, aliveNames(a))

	// The next announcement of the current run is taken, from gossip or from push/pull.
	deliver(&announcement{name: "broker-1", epoch: b.epoch, seq: 3, partitions: claim})
	m, _ = member(a, "broker-1")
	assert.Equal(t, claim, m.Partitions)
	next := []PartitionState{{ID: 2, Role: Leader, Term: 1}}
	delegate{a}.MergeRemoteState(encodeStateSet([]*announcement{{name: "broker-1", epoch: b.epoch, seq: 4, partitions: next}}), false)
	m, _ = member(a, "broker-1")
	assert.Equal(t, next, m.Partitions)
}

func TestFailedBrokerIsDetected(t *testing.T) {
	pl, err := placement.Distribute(3, 3, 3)
	require.NoError(t, err)
	bs, gw := startCluster(t, 3)
	for i, b := range bs {
		b.SetPartitions(rolesFor(pl, int32(i), 1))
	}
	others := []*Node{bs[0], bs[1], gw}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range others {
			assert.Equal(c, "broker-2", leaderName(n, 3))
		}
	}, converge, 10*time.Millisecond)

	start := time.Now()
	require.NoError(t, bs[2].Close())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range others {
			m, ok := member(n, "broker-2")
			assert.True(c, !ok || !m.Alive, "%s still sees broker-2 alive", n.Name())
			assert.Equal(c, "", leaderName(n, 3), "%s still routes partition 3 to broker-2", n.Name())
		}
	}, converge, 10*time.Millisecond)
	t.Logf("failure detected everywhere after %v", time.Since(start))

	// A failed member is shown, not alive, with its last partitions, then dropped.
	m, ok := member(gw, "broker-2")
	if ok {
		assert.False(t, m.Alive)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range others {
			_, ok := member(n, "broker-2")
			assert.False(c, ok, "%s still lists broker-2", n.Name())
		}
	}, converge, 10*time.Millisecond)
	t.Logf("failed member dropped everywhere after %v", time.Since(start))
}

func TestLeavingBrokerDisappearsAtOnce(t *testing.T) {
	bs, gw := startCluster(t, 3)
	others := []*Node{bs[0], bs[1], gw}
	start := time.Now()
	require.NoError(t, bs[2].Leave(time.Second))
	require.NoError(t, bs[2].Close())
	// Well below the failure detection time: the leave is gossiped, not detected.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range others {
			_, ok := member(n, "broker-2")
			assert.False(c, ok, "%s still lists broker-2", n.Name())
		}
	}, 500*time.Millisecond, 5*time.Millisecond)
	t.Logf("leave seen everywhere after %v", time.Since(start))

	assert.ErrorIs(t, bs[2].Leave(time.Second), ErrClosed)
	assert.NoError(t, bs[2].Close())
}

func TestRestartWithSameName(t *testing.T) {
	for _, tt := range []struct {
		name string
		// waitForFailure restarts only after the others noticed the crash; otherwise the
		// new run races the failure detector.
		waitForFailure bool
	}{
		{"after failure detected", true},
		{"before failure detected", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bs, gw := startCluster(t, 3)
			bs[1].SetPartitions([]PartitionState{{ID: 2, Role: Leader, Term: 1, Healthy: true}})
			others := []*Node{bs[0], bs[2], gw}
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				for _, n := range others {
					assert.Equal(c, "broker-1", leaderName(n, 2))
				}
			}, converge, 10*time.Millisecond)

			oldAddr := bs[1].Addr()
			require.NoError(t, bs[1].Close())
			if tt.waitForFailure {
				require.EventuallyWithT(t, func(c *assert.CollectT) {
					for _, n := range others {
						m, ok := member(n, "broker-1")
						assert.True(c, !ok || !m.Alive)
					}
				}, converge, 10*time.Millisecond)
			}

			started := time.Now()
			cfg := brokerConfig(1, bs[0].Addr())
			cfg.Version = "8.3.1"
			restarted := start(t, cfg)
			require.NotEqual(t, oldAddr, restarted.Addr())

			// The new run is seen with its new address and version, and without the previous
			// run's partitions, before it announces any.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				for _, n := range others {
					m, ok := member(n, "broker-1")
					if assert.True(c, ok) {
						assert.True(c, m.Alive)
						assert.Equal(c, restarted.Addr(), m.GossipAddr)
						assert.Equal(c, "8.3.1", m.Version)
						assert.Empty(c, m.Partitions)
					}
					assert.Equal(c, "", leaderName(n, 2))
				}
			}, converge, 10*time.Millisecond)
			t.Logf("restart seen everywhere after %v", time.Since(started))

			restarted.SetPartitions([]PartitionState{{ID: 2, Role: Leader, Term: 2, Healthy: true}})
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				for _, n := range others {
					assert.Equal(c, "broker-1", leaderName(n, 2))
				}
			}, converge, 10*time.Millisecond)
		})
	}
}

func TestManyPartitions(t *testing.T) {
	for _, tt := range []struct {
		name       string
		partitions int
		gossiped   bool
	}{
		// 64 partitions on every broker: one announcement is about 200 bytes, gossiped.
		{"64 partitions gossiped", 64, true},
		// 2000 partitions on every broker do not fit a UDP packet: sent over TCP.
		{"2000 partitions sent directly", 2000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := placement.Distribute(3, tt.partitions, 3)
			require.NoError(t, err)
			bs, gw := startCluster(t, 3)
			for i, b := range bs {
				states := rolesFor(pl, int32(i), 7)
				require.Len(t, states, tt.partitions)
				size := len(encodeAnnouncement(&announcement{name: b.Name(), epoch: b.epoch, seq: 1, partitions: states}))
				require.Equal(t, tt.gossiped, size <= b.gossipLimit, "announcement of %d bytes, gossip limit %d", size, b.gossipLimit)
				b.SetPartitions(states)
			}
			// A gateway that joins afterwards gets everything through the join's push/pull.
			late := start(t, gatewayConfig("gateway-late", bs[2].Addr()))

			for _, n := range append(append([]*Node(nil), bs...), gw, late) {
				require.EventuallyWithT(t, func(c *assert.CollectT) {
					ms := n.Members()
					if !assert.Len(c, ms, 5) {
						return
					}
					for i := range 3 {
						assert.Len(c, ms[i].Partitions, tt.partitions, "%s's partitions seen by %s", ms[i].Name, n.Name())
					}
					for _, p := range pl.Partitions() {
						if leaderName(n, p) != fmt.Sprintf("broker-%d", pl.Priority(p)) {
							assert.Failf(c, "wrong leader", "partition %d seen by %s", p, n.Name())
							return
						}
					}
				}, converge, 20*time.Millisecond)
			}
		})
	}
}

// strangerDelegate speaks the same delegate protocol version but announces metadata that
// is not Weft's, and sends garbage messages.
type strangerDelegate struct{}

func (strangerDelegate) NodeMeta(int) []byte             { return []byte("not weft metadata") }
func (strangerDelegate) NotifyMsg([]byte)                {}
func (strangerDelegate) GetBroadcasts(int, int) [][]byte { return [][]byte{{0xff, 0x00, 0x13}} }
func (strangerDelegate) LocalState(bool) []byte {
	return []byte{formatVersion, msgStateSet, 0xff, 0xff}
}
func (strangerDelegate) MergeRemoteState(buf []byte, _ bool) {}

// TestForeignNodeKeptOut starts a plain memberlist node with metadata that does not decode
// (another program on the gossip port, say) that joins the cluster and gossips garbage: it
// never shows up in the view, and nothing breaks.
func TestForeignNodeKeptOut(t *testing.T) {
	a := start(t, brokerConfig(0))
	b := start(t, brokerConfig(1, a.Addr()))

	mlc := memberlist.DefaultLocalConfig()
	mlc.Name = "stranger"
	mlc.Delegate = strangerDelegate{}
	mlc.DelegateProtocolVersion, mlc.DelegateProtocolMin, mlc.DelegateProtocolMax = 1, 1, 1
	mlc.BindAddr, mlc.BindPort = "127.0.0.1", 0
	mlc.Logger = log.New(io.Discard, "", 0)
	mlc.ProbeInterval, mlc.GossipInterval = 100*time.Millisecond, 20*time.Millisecond
	stranger, err := memberlist.Create(mlc)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, stranger.Shutdown()) })
	_, _ = stranger.Join([]string{a.Addr()})

	// Give the stranger's alive message time to spread: the cluster keeps its two brokers,
	// and a third broker joining through the stranger's peers still gets in.
	c := start(t, brokerConfig(2, b.Addr()))
	require.EventuallyWithT(t, func(col *assert.CollectT) {
		for _, n := range []*Node{a, b, c} {
			assert.Equal(col, []string{"broker-0", "broker-1", "broker-2"}, aliveNames(n))
		}
	}, converge, 10*time.Millisecond)
	for _, n := range []*Node{a, b, c} {
		_, ok := member(n, "stranger")
		assert.False(t, ok)
	}
}

func TestSetPartitionsNormalizes(t *testing.T) {
	a := start(t, brokerConfig(0))
	select {
	case <-a.Changes():
	default:
	}
	a.SetPartitions([]PartitionState{
		{ID: 3, Role: Follower, Term: 1},
		{ID: 0, Role: Leader},
		{ID: 1, Role: Role(7)},
		{ID: 2, Role: Follower, Term: 1},
		{ID: 2, Role: Leader, Term: 2},
	})
	m, _ := member(a, "broker-0")
	assert.Equal(t, []PartitionState{{ID: 2, Role: Leader, Term: 2}, {ID: 3, Role: Follower, Term: 1}}, m.Partitions)
	select {
	case <-a.Changes():
	default:
		t.Fatal("SetPartitions did not signal Changes")
	}
	seq := a.own.seq
	a.SetPartitions([]PartitionState{{ID: 3, Role: Follower, Term: 1}, {ID: 2, Role: Leader, Term: 2}})
	assert.Equal(t, seq, a.own.seq, "the same states again are not a new announcement")
	select {
	case <-a.Changes():
		t.Fatal("an unchanged announcement signalled Changes")
	default:
	}
}

func TestJoinConfigErrors(t *testing.T) {
	long := strings.Repeat("x", 200)
	for _, tt := range []struct {
		name    string
		mutate  func(*Config)
		setting string
	}{
		{"no kind", func(c *Config) { c.Kind = 0 }, "Kind"},
		{"negative node id", func(c *Config) { c.NodeID = -2 }, "NodeID"},
		{"gateway without name", func(c *Config) { c.Kind, c.Name = Gateway, "" }, "Name"},
		{"long name", func(c *Config) { c.Name = long }, "Name"},
		{"bind host name", func(c *Config) { c.BindAddr = "localhost:0" }, "BindAddr"},
		{"bind without port", func(c *Config) { c.BindAddr = "127.0.0.1" }, "BindAddr"},
		{"bad bind port", func(c *Config) { c.BindAddr = "127.0.0.1:70000" }, "BindAddr"},
		{"bad advertise port", func(c *Config) { c.AdvertiseAddr = "10.0.0.1:x" }, "AdvertiseAddr"},
		{"bad seed", func(c *Config) { c.Seeds = []string{"no-port"} }, "Seeds"},
		{"negative partitions", func(c *Config) { c.PartitionsCount = -1 }, "PartitionsCount"},
		{"negative probe", func(c *Config) { c.Timing.ProbeInterval = -time.Second }, "Timing.ProbeInterval"},
		{"probe timeout over interval", func(c *Config) { c.Timing.ProbeTimeout = time.Hour }, "Timing.ProbeTimeout"},
		{"metadata too large", func(c *Config) { c.InternalAddr, c.RaftAddr, c.GatewayAddr = long, long, long }, "over the limit of 512"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := brokerConfig(0)
			cfg.Logger = slog.New(slog.DiscardHandler)
			tt.mutate(&cfg)
			n, err := Join(t.Context(), cfg)
			require.Error(t, err)
			assert.Nil(t, n)
			assert.True(t, errors.Is(err, ErrInvalidConfig), "%v", err)
			assert.Contains(t, err.Error(), tt.setting)
		})
	}
}

func TestJoinGivesUpWithItsContext(t *testing.T) {
	// A seed nobody listens on: a closed node's address.
	gone := start(t, brokerConfig(5))
	addr := gone.Addr()
	require.NoError(t, gone.Close())

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	cfg := brokerConfig(0, addr)
	cfg.Logger = slog.New(slog.DiscardHandler)
	n, err := Join(ctx, cfg)
	require.Error(t, err)
	assert.Nil(t, n)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestJoinSkipsItself(t *testing.T) {
	// Every node may share one seed list that names itself: the first node to start finds
	// only itself and starts the cluster.
	cfg := brokerConfig(0)
	cfg.Seeds = []string{cfg.BindAddr}
	lone := start(t, cfg)
	assert.Equal(t, []string{"broker-0"}, aliveNames(lone))
}

func TestClusterNameKeepsClustersApart(t *testing.T) {
	cfg := brokerConfig(0)
	cfg.ClusterName = "blue"
	blue := start(t, cfg)

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	cfg = brokerConfig(1, blue.Addr())
	cfg.ClusterName = "green"
	cfg.Logger = slog.New(slog.DiscardHandler)
	n, err := Join(ctx, cfg)
	require.Error(t, err)
	assert.Nil(t, n)

	cfg.ClusterName = "blue"
	start(t, cfg)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []string{"broker-0", "broker-1"}, aliveNames(blue))
	}, converge, 10*time.Millisecond)
}

// TestEarlyAnnouncementIsKept: an announcement that arrives before its sender's alive
// message (gossip does not order the two) is applied when the sender joins the view, not
// dropped until the next push/pull.
func TestEarlyAnnouncementIsKept(t *testing.T) {
	a := start(t, brokerConfig(0))
	const epoch = 42
	claim := []PartitionState{{ID: 1, Role: Leader, Term: 3}}
	delegate{a}.NotifyMsg(encodeAnnouncement(&announcement{name: "broker-7", epoch: epoch, seq: 2, partitions: claim}))
	// An older one and one of another run, also early, change nothing.
	delegate{a}.NotifyMsg(encodeAnnouncement(&announcement{name: "broker-7", epoch: epoch, seq: 1}))
	delegate{a}.NotifyMsg(encodeAnnouncement(&announcement{name: "broker-8", epoch: 5, seq: 1, partitions: claim}))
	_, ok := member(a, "broker-7")
	require.False(t, ok)

	meta := encodeMeta(nodeMeta{epoch: epoch, kind: Broker, nodeID: 7, internalAddr: "127.0.0.1:1"})
	events{a}.NotifyJoin(&memberlist.Node{Name: "broker-7", Addr: net.IPv4(127, 0, 0, 1), Port: 1, Meta: meta})
	m, ok := member(a, "broker-7")
	require.True(t, ok)
	require.Equal(t, claim, m.Partitions)
	require.Equal(t, "broker-7", leaderName(a, 1))

	// broker-8 joins with another run than its early announcement: nothing is taken.
	meta8 := encodeMeta(nodeMeta{epoch: 6, kind: Broker, nodeID: 8, internalAddr: "127.0.0.1:2"})
	events{a}.NotifyJoin(&memberlist.Node{Name: "broker-8", Addr: net.IPv4(127, 0, 0, 1), Port: 2, Meta: meta8})
	m, _ = member(a, "broker-8")
	require.Empty(t, m.Partitions)
}
