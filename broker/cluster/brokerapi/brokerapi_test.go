package brokerapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/broker/cluster/brokerapi"
	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// staticResolver is a view the test changes by hand.
type staticResolver struct {
	mu      sync.Mutex
	leaders map[int32]string
	brokers []string
	changed chan struct{}
}

func newResolver() *staticResolver {
	return &staticResolver{leaders: map[int32]string{}, changed: make(chan struct{})}
}

func (r *staticResolver) Leader(p int32) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.leaders[p]
	return a, ok
}

func (r *staticResolver) Brokers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.brokers...)
}

func (r *staticResolver) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

func (r *staticResolver) set(leaders map[int32]string, brokers []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leaders, r.brokers = leaders, brokers
	close(r.changed)
	r.changed = make(chan struct{})
}

const model = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="work"/></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>
</bpmn:definitions>`

// cluster is three brokers, each with a replica of partition 1 (over Raft's in-memory
// transports) and a BrokerAPI server on loopback.
type cluster struct {
	replicas []*partition.Partition
	addrs    []string
}

func startCluster(t *testing.T) *cluster { return startClusterHints(t, false) }

// startClusterHints starts the cluster; with hints, a follower's NOT_LEADER answer names
// the leader.
func startClusterHints(t *testing.T, hints bool) *cluster {
	c := &cluster{}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var servers []raft.Server
	trans := make([]*raft.InmemTransport, 3)
	for i := range 3 {
		id := raft.ServerID(fmt.Sprintf("node-%d", i))
		servers = append(servers, raft.Server{ID: id, Address: raft.ServerAddress(id)})
		_, trans[i] = raft.NewInmemTransport(raft.ServerAddress(id))
	}
	for i := range trans {
		for j := range trans {
			if i != j {
				trans[i].Connect(servers[j].Address, trans[j])
			}
		}
	}
	base := t.TempDir()
	// Every address is known before the servers start, for the leader hints.
	var lis []net.Listener
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lis = append(lis, l)
		c.addrs = append(c.addrs, l.Addr().String())
	}
	addrOf := func(id string) (string, bool) {
		for i, s := range servers {
			if string(s.ID) == id {
				return c.addrs[i], true
			}
		}
		return "", false
	}
	for i := range 3 {
		p, err := partition.Open(partition.Config{
			ID: 1, Dir: filepath.Join(base, fmt.Sprint(i)), Logger: quiet, LocalID: string(servers[i].ID),
			Transport: trans[i], Servers: servers, HeartbeatTimeout: 200 * time.Millisecond,
		})
		require.NoError(t, err)
		c.replicas = append(c.replicas, p)
		g := grpc.NewServer()
		srv := brokerapi.NewServer([]*partition.Partition{p}, quiet)
		if hints {
			srv.HintLeaders(addrOf)
		}
		srv.Register(g)
		served := make(chan error, 1)
		go func() { served <- g.Serve(lis[i]) }()
		t.Cleanup(func() {
			g.Stop()
			<-served
			p.Close()
		})
	}
	return c
}

func (c *cluster) leader(t *testing.T) int {
	var l int
	require.Eventually(t, func() bool {
		for i, p := range c.replicas {
			if p.IsLeader() {
				l = i
				return true
			}
		}
		return false
	}, 20*time.Second, 10*time.Millisecond)
	return l
}

func deploy() *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE",
		Value: &recordpb.Record_Deployment{Deployment: &recordpb.DeploymentRecord{
			Resources: []*recordpb.DeploymentResource{{ResourceName: "p.bpmn", Resource: []byte(model)}}}}}
}

func create() *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_CREATION, Intent: "CREATE",
		Value: &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: &recordpb.ProcessInstanceCreationRecord{BpmnProcessId: "p", Version: -1}}}
}

// A command sent where the view wrongly says the leader is goes to the leader once the
// view is right: it was not proposed on the follower, so resending it is safe.
func TestExecuteFollowsTheLeader(t *testing.T) {
	c := startCluster(t)
	l := c.leader(t)
	follower := (l + 1) % 3
	r := newResolver()
	r.set(map[int32]string{1: c.addrs[follower]}, c.addrs)
	client := brokerapi.NewClient(r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer client.Close()

	// The follower refuses it as NOT_LEADER; the client retries.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		rec, err := client.Execute(ctx, 1, deploy())
		if err == nil && rec.GetIntent() != "CREATED" {
			err = fmt.Errorf("answer %s", rec.GetIntent())
		}
		done <- err
	}()
	r.set(map[int32]string{1: c.addrs[l]}, c.addrs)
	require.NoError(t, <-done)

	rec, err := client.Execute(t.Context(), 1, create())
	require.NoError(t, err)
	require.Equal(t, recordpb.RecordType_EVENT, rec.GetRecordType())

	// With no leader known and no broker to ask, the call ends UNAVAILABLE at its
	// deadline.
	r.set(map[int32]string{}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = client.Execute(ctx, 1, create())
	require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
	require.Contains(t, status.Convert(err).Message(), "partition 1 has no known leader")

	// A partition the broker does not host.
	r.set(map[int32]string{2: c.addrs[l]}, c.addrs)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel2()
	_, err = client.Execute(ctx2, 2, create())
	require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
}

// The server answers a follower's refusal with the NOT_LEADER reason.
func TestServerReasons(t *testing.T) {
	c := startCluster(t)
	l := c.leader(t)
	r := newResolver()
	client := brokerapi.NewClient(r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer client.Close()
	conn, err := grpc.NewClient(c.addrs[(l+1)%3], grpc.WithTransportCredentials(insecureCreds()))
	require.NoError(t, err)
	defer conn.Close()
	_, err = brokerpbClient(conn).Execute(t.Context(), executeReq(1, create()))
	require.Equal(t, brokerapi.ReasonNotLeader, brokerapi.Reason(err), "%v", err)
	_, err = brokerpbClient(conn).Execute(t.Context(), executeReq(7, create()))
	require.Equal(t, brokerapi.ReasonNotHosted, brokerapi.Reason(err), "%v", err)
}

// A job watch over the client hears of jobs created on the leader's partition.
func TestWatchJobsAcrossBrokers(t *testing.T) {
	c := startCluster(t)
	l := c.leader(t)
	r := newResolver()
	r.set(map[int32]string{1: c.addrs[l]}, c.addrs)
	client := brokerapi.NewClient(r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer client.Close()
	_, err := client.Execute(t.Context(), 1, deploy())
	require.NoError(t, err)

	ch, stop := client.WatchJobs("work")
	defer stop()
	// Each stream announces itself when it opens; wait for those notices to stop (one per
	// broker, then quiet for half a second), then create a job.
	opened := 0
	for quiet := false; !quiet; {
		select {
		case <-ch:
			opened++
		case <-time.After(500 * time.Millisecond):
			quiet = opened > 0
		case <-t.Context().Done():
			t.Fatal("the watch never opened")
		}
	}
	_, err = client.Execute(t.Context(), 1, create())
	require.NoError(t, err)
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no notice of the new job")
	}
}

// While the view lags (it names no leader, or a follower, and does not change), the
// client still reaches the leader: a follower refuses the command unproposed and names
// the leader Raft told it of, and with no leader in view the client asks the brokers in
// turn. Each command is executed exactly once.
func TestExecuteFindsTheLeaderWhileTheViewLags(t *testing.T) {
	c := startClusterHints(t, true)
	l := c.leader(t)
	follower := (l + 1) % 3
	r := newResolver()
	client := brokerapi.NewClient(r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer client.Close()

	// The view names a follower, which names the leader.
	r.set(map[int32]string{1: c.addrs[follower]}, c.addrs)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	rec, err := client.Execute(ctx, 1, deploy())
	require.NoError(t, err)
	require.Equal(t, "CREATED", rec.GetIntent())

	// The view names no leader: the brokers are asked in turn.
	r.set(map[int32]string{}, c.addrs)
	var keys []int64
	for range 3 {
		rec, err = client.Execute(ctx, 1, create())
		require.NoError(t, err)
		require.Equal(t, recordpb.RecordType_EVENT, rec.GetRecordType())
		keys = append(keys, rec.GetKey())
	}
	// The view names a broker that cannot be reached.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	require.NoError(t, dead.Close())
	r.set(map[int32]string{1: deadAddr}, append([]string{deadAddr}, c.addrs...))
	rec, err = client.Execute(ctx, 1, create())
	require.NoError(t, err)
	keys = append(keys, rec.GetKey())

	// Every creation happened once: the leader's state holds exactly these instances.
	st := c.replicas[l].State()
	created := 0
	recs, err := st.Records(1, st.LastPosition())
	require.NoError(t, err)
	for _, r := range recs {
		if r.GetRecordType() == recordpb.RecordType_EVENT && r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE_CREATION {
			created++
		}
	}
	require.Equal(t, len(keys), created, "instances created")
}

// During a real leader change the call waits for the new leader instead of failing.
func TestExecuteWaitsOutALeaderChange(t *testing.T) {
	c := startClusterHints(t, true)
	l := c.leader(t)
	r := newResolver()
	r.set(map[int32]string{1: c.addrs[l]}, c.addrs)
	client := brokerapi.NewClient(r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := client.Execute(ctx, 1, deploy())
	require.NoError(t, err)

	// Hand leadership to another replica; the view keeps naming the old leader.
	next := (l + 1) % 3
	require.NoError(t, c.replicas[l].TransferLeadership(fmt.Sprintf("node-%d", next), fmt.Sprintf("node-%d", next)))
	for range 20 {
		rec, err := client.Execute(ctx, 1, create())
		require.NoError(t, err)
		require.Equal(t, recordpb.RecordType_EVENT, rec.GetRecordType())
	}
}
