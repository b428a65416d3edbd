package membership

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastTiming detects a failed node in one to three seconds on loopback and spreads a change
// in well under a second, with margins for the race detector.
func fastTiming() Timing {
	return Timing{
		ProbeInterval:           200 * time.Millisecond,
		ProbeTimeout:            100 * time.Millisecond,
		SuspicionMult:           2,
		SuspicionMaxTimeoutMult: 3,
		GossipInterval:          20 * time.Millisecond,
		GossipNodes:             3,
		RetransmitMult:          3,
		PushPullInterval:        500 * time.Millisecond,
		TCPTimeout:              time.Second,
		DeadNodeReclaimTime:     10 * time.Millisecond,
		FailedMemberRetention:   2 * time.Second,
		JoinRetryInterval:       20 * time.Millisecond,
	}
}

// converge is how long tests wait for gossip to spread something.
const converge = 10 * time.Second

// testWriter sends log lines to t.Log until the test's cleanups run: memberlist's goroutines
// may still log for a moment after Close, when t.Log would panic.
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func brokerConfig(id int32, seeds ...string) Config {
	return Config{
		Kind:              Broker,
		NodeID:            id,
		Version:           "8.3.0",
		BindAddr:          "127.0.0.1:0",
		Seeds:             seeds,
		InternalAddr:      fmt.Sprintf("127.0.0.1:%d", 26501+100*id),
		RaftAddr:          fmt.Sprintf("127.0.0.1:%d", 26502+100*id),
		ClusterSize:       3,
		PartitionsCount:   3,
		ReplicationFactor: 3,
		Timing:            fastTiming(),
	}
}

func gatewayConfig(name string, seeds ...string) Config {
	return Config{
		Name:        name,
		Kind:        Gateway,
		Version:     "8.3.0",
		BindAddr:    "127.0.0.1:0",
		Seeds:       seeds,
		GatewayAddr: "127.0.0.1:26500",
		Timing:      fastTiming(),
	}
}

// start joins a node and closes it when the test ends.
func start(t *testing.T, cfg Config) *Node {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), converge)
	defer cancel()
	n, err := Join(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, n.Close()) })
	return n
}

// startCluster starts brokers 0..brokers-1 and a gateway, all joining through broker 0, and
// waits until everyone sees everyone.
func startCluster(t *testing.T, brokers int) (bs []*Node, gw *Node) {
	t.Helper()
	b0 := start(t, brokerConfig(0))
	bs = append(bs, b0)
	for i := 1; i < brokers; i++ {
		bs = append(bs, start(t, brokerConfig(int32(i), b0.Addr())))
	}
	gw = start(t, gatewayConfig("gateway-a", b0.Addr()))
	all := append(append([]*Node(nil), bs...), gw)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, n := range all {
			assert.Len(c, aliveNames(n), brokers+1, "view of %s", n.Name())
		}
	}, converge, 10*time.Millisecond)
	return bs, gw
}

func aliveNames(n *Node) []string {
	var names []string
	for _, m := range n.Members() {
		if m.Alive {
			names = append(names, m.Name)
		}
	}
	return names
}

func member(n *Node, name string) (Member, bool) {
	for _, m := range n.Members() {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// leaderName is the name of the leader n sees for partition, or "" for none.
func leaderName(n *Node, partition int32) string {
	m, ok := n.Leader(partition)
	if !ok {
		return ""
	}
	return m.Name
}
