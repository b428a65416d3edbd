package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/broker/state"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// freeAddrOn returns host:port on a loopback address with a port that was free a moment
// ago.
func freeAddrOn(t *testing.T, ip string) string {
	t.Helper()
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()
	for {
		l, err := net.Listen("tcp", ip+":0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		// The kernel may offer a port it offered before, once that listener closed:
		// a process given two equal addresses cannot start.
		if !handedOut.addrs[addr] {
			handedOut.addrs[addr] = true
			return addr
		}
	}
}

// handedOut holds the addresses freeAddrOn returned, none of which it returns again.
var handedOut = struct {
	mu    sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

// testCluster is three `weft broker` processes (three partitions, replication factor 3)
// on 127.0.0.2-4 and a standalone `weft gateway` on 127.0.0.5.
type testCluster struct {
	t        *testing.T
	brokers  []*weftProc
	gateway  *weftProc
	gwAddr   string
	dataDirs []string
}

func startTestCluster(t *testing.T) *testCluster {
	bin := buildWeft(t)
	c := &testCluster{t: t}
	var gossip []string
	for i := range 3 {
		ip := fmt.Sprintf("127.0.0.%d", i+2)
		gossip = append(gossip, freeAddrOn(t, ip))
	}
	for i := range 3 {
		ip := fmt.Sprintf("127.0.0.%d", i+2)
		dir := t.TempDir()
		c.dataDirs = append(c.dataDirs, dir)
		p := newWeftProc(t, bin)
		p.httpAddr = freeAddrOn(t, ip)
		p.args = []string{"broker", "--node-id", fmt.Sprint(i), "--cluster-size", "3", "--partitions", "3", "--http-addr", p.httpAddr,
			"--replication-factor", "3", "--data-dir", dir, "--internal-addr", freeAddrOn(t, ip),
			"--raft-addr", freeAddrOn(t, ip), "--gossip-addr", gossip[i], "--join", gossip[(i+1)%3], "--log-level", "debug"}
		c.brokers = append(c.brokers, p)
	}
	for _, b := range c.brokers {
		b.start()
	}
	c.gwAddr = freeAddrOn(t, "127.0.0.5")
	c.gateway = newWeftProc(t, bin)
	c.gateway.grpcAddr = c.gwAddr
	c.gateway.args = []string{"gateway", "--gateway-addr", c.gwAddr, "--gossip-addr", freeAddrOn(t, "127.0.0.5"),
		"--http-addr", freeAddrOn(t, "127.0.0.5"),
		"--join", gossip[0] + "," + gossip[1], "--log-level", "debug"}
	c.gateway.start()
	return c
}

// leaders waits until the gateway sees all three brokers and a leader of every
// partition, and returns the node id of each partition's leader.
func (c *testCluster) leaders(client zbc.Client) map[int32]int {
	c.t.Helper()
	var leaders map[int32]int
	require.Eventually(c.t, func() bool {
		ctx, cancel := context.WithTimeout(c.t.Context(), 2*time.Second)
		defer cancel()
		topo, err := client.NewTopologyCommand().Send(ctx)
		if err != nil || len(topo.GetBrokers()) != 3 {
			return false
		}
		leaders = map[int32]int{}
		for _, b := range topo.GetBrokers() {
			for _, p := range b.GetPartitions() {
				if p.GetRole() == 0 /* LEADER */ {
					leaders[p.GetPartitionId()] = int(b.GetNodeId())
				}
			}
		}
		return len(leaders) == 3
	}, 60*time.Second, 100*time.Millisecond, "the gateway never saw three brokers and a leader of every partition")
	return leaders
}

// victim picks the broker to kill: one that leads a partition and was not killed last
// time, or else any broker but the last one.
func victim(leaders map[int32]int, last int) int {
	for pid := int32(1); pid <= 3; pid++ {
		if l := leaders[pid]; l != last {
			return l
		}
	}
	return (last + 1) % 3
}

// TestClusterFailover: three brokers replicate three partitions behind a standalone
// gateway; the deployment is distributed to every partition. A bounded load runs through
// the gateway with the official client while a leader is killed with SIGKILL, restarted,
// then another broker killed and restarted. Every acknowledged instance keeps its job,
// no acknowledged completion is undone, keys keep growing, and afterwards every replica
// holds the same records, with
// no gaps, and the same state.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes; skipped with -short")
	}
	c := startTestCluster(t)
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.gwAddr, UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	c.leaders(client)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.Eventually(t, func() bool {
		_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "deploy through the gateway")

	m := newCrashModel()
	last := -1
	for round := 1; round <= 2; round++ {
		l := victim(c.leaders(client), last)
		last = l
		stats := runCrashLoad(t, client, m, c.brokers[l], 300*time.Millisecond+rand.N(1500*time.Millisecond))
		t.Logf("round %d: killed broker %d (a leader): %s", round, l, stats)
		c.brokers[l].start()
		c.leaders(client)
		checkAfterCrash(t, client, m, round)
		if t.Failed() {
			return
		}
	}

	// Live, the replicas of each partition converge on the same applied index and state
	// checksum, as `weft admin --checksum` shows them.
	require.Eventually(t, func() bool {
		byPartition := map[int32][]partition.Status{}
		for _, b := range c.brokers {
			var sts []partition.Status
			if err := getJSON(t, "http://"+b.httpAddr+"/admin/partitions?checksum=true", &sts); err != nil {
				return false
			}
			for _, st := range sts {
				byPartition[st.Partition] = append(byPartition[st.Partition], st)
			}
		}
		for _, sts := range byPartition {
			if len(sts) != 3 {
				return false
			}
			for _, st := range sts[1:] {
				if st.AppliedIndex != sts[0].AppliedIndex || st.Checksum != sts[0].Checksum {
					return false
				}
			}
		}
		return len(byPartition) == 3
	}, 30*time.Second, 200*time.Millisecond, "the replicas did not converge on the same state")
	var adminOut, adminErr bytes.Buffer
	require.NoError(t, run([]string{"admin", "--http-addr", c.brokers[0].httpAddr, "--checksum"}, &adminOut, &adminErr), adminErr.String())
	t.Logf("weft admin on broker 0:\n%s", adminOut.String())
	require.Contains(t, adminOut.String(), "PARTITION")

	// Stop everything cleanly and compare the replicas.
	c.gateway.stop(syscall.SIGTERM)
	for _, b := range c.brokers {
		b.stop(syscall.SIGTERM)
	}
	for pid := int32(1); pid <= 3; pid++ {
		compareReplicas(t, c.dataDirs, pid)
	}
}

// compareReplicas opens every broker's replica of a partition: their records must be
// equal, without gaps, from the first that none has deleted up to the shortest, and
// replicas at the same applied index must hold the same state.
func compareReplicas(t *testing.T, dataDirs []string, pid int32) {
	var replicas []*state.DB
	for _, dir := range dataDirs {
		db, err := state.Open(filepath.Join(dir, "partitions", fmt.Sprint(pid), "state"), state.Options{PartitionID: pid})
		require.NoError(t, err)
		defer db.Close()
		replicas = append(replicas, db)
	}
	minPos := replicas[0].LastPosition()
	for _, db := range replicas[1:] {
		minPos = min(minPos, db.LastPosition())
	}
	require.Positive(t, minPos)
	// Exporters' acknowledged records are deleted by replicated entries, so replicas
	// may have deleted up to different positions.
	var from int64 = 1
	for _, db := range replicas {
		c, err := db.CompactedTo()
		require.NoError(t, err)
		from = max(from, c+1)
	}
	first, err := replicas[0].Records(from, minPos)
	require.NoError(t, err)
	require.Len(t, first, int(max(minPos-from+1, 0)), "positions have gaps")
	for i, r := range first {
		require.EqualValues(t, from+int64(i), r.GetPosition())
	}
	for n, db := range replicas[1:] {
		rs, err := db.Records(from, minPos)
		require.NoError(t, err)
		require.Len(t, rs, int(max(minPos-from+1, 0)))
		for i := range rs {
			require.True(t, proto.Equal(first[i], rs[i]), "partition %d: replica %d differs at position %d", pid, n+1, from+int64(i))
		}
	}
	for n, db := range replicas[1:] {
		if db.LastApplied() == replicas[0].LastApplied() {
			a, err := replicas[0].Checksum()
			require.NoError(t, err)
			b, err := db.Checksum()
			require.NoError(t, err)
			require.Equal(t, a, b, "replica %d has the same applied index but another state", n+1)
		}
	}
}

func getJSON(t *testing.T, url string, v any) error {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
