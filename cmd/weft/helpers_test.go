package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/entities"
	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	// The official client's generated types share their protobuf names with ours.
	"github.com/weftlabs/weft/internal/pgtest"
	_ "github.com/weftlabs/weft/internal/protoconflict"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestMain(m *testing.M) {
	// The official client and zbctl read ZEEBE_* variables (address, credentials) and let
	// them win over the configuration a test gives; none may leak in from the shell.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "ZEEBE_") {
			os.Unsetenv(name)
		}
	}
	os.Exit(pgtest.Main(m,
		// memberlist's Shutdown does not wait for a probe that is under way; the probe
		// ends at its own timeout, a moment after the cluster tests stop their brokers.
		goleak.IgnoreTopFunction("github.com/hashicorp/memberlist.(*Memberlist).probeNode"),
	))
}

// devEnv is one `weft dev` running in the test's process, with the official Zeebe Go
// client and the official generated gRPC stubs connected to it over loopback.
type devEnv struct {
	t   *testing.T
	dev *devServer
	// client is the official client, as applications use it.
	client zbc.Client
	// gw speaks the gateway protocol directly, for requests the client cannot form
	// (invalid JSON, exact requestTimeouts, RPCs the client does not offer).
	gw pb.GatewayClient
	// stop closes the clients and the server; it runs at the end of the test at the latest.
	stop func()

	// recs caches the record log up to position seen.
	recs []*recordpb.Record
	seen int64
}

// startDevEnv starts a dev server with its data in a fresh temporary directory, and
// stops it when the test ends.
func startDevEnv(t *testing.T) *devEnv {
	t.Helper()
	return startDevEnvIn(t, t.TempDir())
}

// startDevEnvIn starts a dev server with its data in dataDir.
func startDevEnvIn(t *testing.T, dataDir string) *devEnv {
	t.Helper()
	return startDevEnvWith(t, devConfig{dataDir: dataDir})
}

// startDevEnvWith starts a dev server configured by cfg, listening on free loopback
// ports. The server's logs are shown only when the test fails.
func startDevEnvWith(t *testing.T, cfg devConfig) *devEnv {
	t.Helper()
	cfg.gatewayAddr, cfg.httpAddr, cfg.monitorAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	// devEnv.records reads the partition's log.
	cfg.exporters.keepRecords = true
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	dev, err := startDev(t.Context(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("weft dev logs:\n%s", logs.tail(32<<10))
		}
	})
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	conn, err := grpc.NewClient(dev.GatewayAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	stop := sync.OnceFunc(func() {
		client.Close()
		conn.Close()
		// Not FailNow: this may run inside a failing test's cleanup.
		if err := dev.Close(); err != nil {
			t.Errorf("close weft dev: %v", err)
		}
	})
	t.Cleanup(stop)
	return &devEnv{t: t, dev: dev, client: client, gw: pb.NewGatewayClient(conn), stop: stop}
}

// startClusterClient starts a cluster of brokers configured by cfg in one process, with
// its gateway on a free loopback port, waits until every partition has a leader, and
// returns it with a client of its gateway. Both close when the test ends.
func startClusterClient(t *testing.T, cfg devConfig, log *slog.Logger) (*devCluster, zbc.Client) {
	t.Helper()
	cfg.gatewayAddr = "127.0.0.1:0"
	// Tests read the partitions' logs.
	cfg.exporters.keepRecords = true
	c, err := startDevCluster(t.Context(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	for pid := int32(1); pid <= int32(cfg.partitions); pid++ {
		c.leaderOf(t, pid, -1)
	}
	return c, client
}

// syncBuffer collects a server's logs from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

var _ io.Writer = (*syncBuffer)(nil)

// model returns the path of a BPMN model of this package's testdata.
func modelPath(name string) string { return filepath.Join("testdata", name) }

// readModel returns the content of a model of testdata.
func readModelFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(modelPath(name))
	require.NoError(t, err)
	return b
}

// deploy deploys models of testdata with DeployResource, each named by its path, and
// returns the processes' metadata by BPMN process id.
func (e *devEnv) deploy(names ...string) map[string]*pb.ProcessMetadata {
	e.t.Helper()
	cmd := e.client.NewDeployResourceCommand()
	for _, n := range names {
		cmd = cmd.AddResourceFile(modelPath(n))
	}
	resp, err := cmd.Send(e.ctx(10 * time.Second))
	require.NoError(e.t, err)
	out := map[string]*pb.ProcessMetadata{}
	for _, d := range resp.GetDeployments() {
		p := d.GetProcess()
		require.NotNil(e.t, p, "deployment %v has no process metadata", d)
		out[p.GetBpmnProcessId()] = p
	}
	require.Len(e.t, out, len(names))
	return out
}

// create starts an instance of the latest version of a process with variables (a JSON
// object, or "") and returns its key.
func (e *devEnv) create(processID, variables string) int64 {
	e.t.Helper()
	cmd, err := e.client.NewCreateInstanceCommand().BPMNProcessId(processID).LatestVersion().VariablesFromString(orEmpty(variables))
	require.NoError(e.t, err)
	resp, err := cmd.Send(e.ctx(10 * time.Second))
	require.NoError(e.t, err)
	require.Positive(e.t, resp.GetProcessInstanceKey())
	return resp.GetProcessInstanceKey()
}

func orEmpty(variables string) string {
	if variables == "" {
		return "{}"
	}
	return variables
}

// ctx returns a context that ends after d or with the test.
func (e *devEnv) ctx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(e.t.Context(), d)
	e.t.Cleanup(cancel)
	return ctx
}

// activate activates up to max jobs of a type with the given job timeout, as the official
// client does: it long-polls for up to about 4.5 s when no job is there yet.
func (e *devEnv) activate(jobType string, max int32, timeout time.Duration) []entities.Job {
	e.t.Helper()
	jobs, err := e.client.NewActivateJobsCommand().JobType(jobType).MaxJobsToActivate(max).
		Timeout(timeout).WorkerName("functional-test").Send(e.ctx(5 * time.Second))
	require.NoError(e.t, err)
	return jobs
}

// activateOne activates exactly one job of a type, waiting a few seconds for it.
func (e *devEnv) activateOne(jobType string) entities.Job {
	e.t.Helper()
	jobs := e.activate(jobType, 1, time.Minute)
	require.Len(e.t, jobs, 1, "activatable jobs of type %q", jobType)
	return jobs[0]
}

// activateNow asks once, without waiting, for the jobs of a type that are activatable
// right now (requestTimeout -1 turns long polling off).
func (e *devEnv) activateNow(jobType string, max int32) []*pb.ActivatedJob {
	e.t.Helper()
	return e.rawActivate(&pb.ActivateJobsRequest{
		Type: jobType, Worker: "functional-test", Timeout: 60_000, MaxJobsToActivate: max, RequestTimeout: -1,
	}, 5*time.Second)
}

// requireNoJob asserts that no job of the type is activatable now.
func (e *devEnv) requireNoJob(jobType string) {
	e.t.Helper()
	require.Empty(e.t, e.activateNow(jobType, 10), "activatable jobs of type %q", jobType)
}

// rawActivate sends an ActivateJobs request as given and collects the jobs of every
// response until the stream ends.
func (e *devEnv) rawActivate(req *pb.ActivateJobsRequest, callTimeout time.Duration) []*pb.ActivatedJob {
	e.t.Helper()
	jobs, err := collectJobs(e.ctx(callTimeout), e.gw, req)
	require.NoError(e.t, err)
	return jobs
}

func collectJobs(ctx context.Context, gw pb.GatewayClient, req *pb.ActivateJobsRequest) ([]*pb.ActivatedJob, error) {
	stream, err := gw.ActivateJobs(ctx, req)
	if err != nil {
		return nil, err
	}
	var jobs []*pb.ActivatedJob
	for {
		resp, err := stream.Recv()
		if err == io.EOF {
			return jobs, nil
		}
		if err != nil {
			return jobs, err
		}
		jobs = append(jobs, resp.GetJobs()...)
	}
}

// complete completes a job with variables (a JSON object, or "").
func (e *devEnv) complete(jobKey int64, variables string) {
	e.t.Helper()
	cmd, err := e.client.NewCompleteJobCommand().JobKey(jobKey).VariablesFromString(orEmpty(variables))
	require.NoError(e.t, err)
	_, err = cmd.Send(e.ctx(10 * time.Second))
	require.NoError(e.t, err)
}

// records returns the partition's record log so far: the record stream an exporter would
// see, where tests find what the gateway API does not return (incident keys,
// completions). Records never change once written, so each call reads only the new ones.
func (e *devEnv) records() []*recordpb.Record {
	e.t.Helper()
	db := e.dev.parts[0].State()
	if last := db.LastPosition(); last > e.seen {
		recs, err := db.Records(e.seen+1, last)
		require.NoError(e.t, err)
		if len(recs) > 0 {
			e.recs = append(e.recs, recs...)
			e.seen = recs[len(recs)-1].GetPosition()
		}
	}
	return e.recs
}

// eventually polls cond in the test's goroutine until it holds, and fails the test if it
// does not within timeout. (Unlike require.Eventually, no poll outlives the call, so none
// can touch a server that the test's cleanup is closing.)
func eventually(t *testing.T, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: "+format, append([]any{timeout}, args...)...)
		}
		select {
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting: "+format, args...)
		}
	}
}

// waitRecord waits up to 5 s for an event that matches pred and returns the first one.
func (e *devEnv) waitRecord(what string, pred func(*recordpb.Record) bool) *recordpb.Record {
	e.t.Helper()
	var found *recordpb.Record
	eventually(e.t, 5*time.Second, func() bool {
		for _, r := range e.records() {
			if r.GetRecordType() == recordpb.RecordType_EVENT && pred(r) {
				found = r
				return true
			}
		}
		return false
	}, "no event: %s", what)
	return found
}

// countEvents counts the events that match pred.
func (e *devEnv) countEvents(pred func(*recordpb.Record) bool) int {
	e.t.Helper()
	n := 0
	for _, r := range e.records() {
		if r.GetRecordType() == recordpb.RecordType_EVENT && pred(r) {
			n++
		}
	}
	return n
}

// incident waits for an incident of a process instance to be created and returns its
// INCIDENT CREATED event.
func (e *devEnv) incident(processInstanceKey int64) *recordpb.Record {
	e.t.Helper()
	return e.waitRecord("incident created", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_INCIDENT && r.GetIntent() == "CREATED" &&
			r.GetIncident().GetProcessInstanceKey() == processInstanceKey
	})
}

// openIncidents counts the incidents of an instance that were created and not resolved.
func (e *devEnv) openIncidents(processInstanceKey int64) int {
	e.t.Helper()
	open := 0
	for _, r := range e.records() {
		if r.GetRecordType() != recordpb.RecordType_EVENT || r.GetValueType() != recordpb.ValueType_INCIDENT ||
			r.GetIncident().GetProcessInstanceKey() != processInstanceKey {
			continue
		}
		switch r.GetIntent() {
		case "CREATED":
			open++
		case "RESOLVED":
			open--
		}
	}
	return open
}

// isInstanceDone reports whether r says the process instance ended with intent
// (ELEMENT_COMPLETED or ELEMENT_TERMINATED).
func isInstanceDone(r *recordpb.Record, processInstanceKey int64, intent string) bool {
	pi := r.GetProcessInstance()
	return r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE && r.GetIntent() == intent &&
		r.GetKey() == processInstanceKey && pi.GetBpmnElementType() == "PROCESS"
}

// waitCompleted waits for a process instance to complete.
func (e *devEnv) waitCompleted(processInstanceKey int64) {
	e.t.Helper()
	e.waitRecord("process instance completed", func(r *recordpb.Record) bool {
		return isInstanceDone(r, processInstanceKey, "ELEMENT_COMPLETED")
	})
}

// requireRunning asserts that a process instance has neither completed nor been terminated.
func (e *devEnv) requireRunning(processInstanceKey int64) {
	e.t.Helper()
	n := e.countEvents(func(r *recordpb.Record) bool {
		return isInstanceDone(r, processInstanceKey, "ELEMENT_COMPLETED") || isInstanceDone(r, processInstanceKey, "ELEMENT_TERMINATED")
	})
	require.Zero(e.t, n, "process instance %d ended", processInstanceKey)
}

// requireStatus asserts that err is a gRPC status with code whose message contains every
// one of parts.
func requireStatus(t *testing.T, err error, code codes.Code, parts ...string) {
	t.Helper()
	require.Error(t, err, "want status %v", code)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), "status %v: %q", st.Code(), st.Message())
	for _, p := range parts {
		require.Contains(t, st.Message(), p, "status %v", st.Code())
	}
}

// jsonObject decodes a JSON object, numbers as json.Number so that they compare exactly.
func jsonObject(t *testing.T, doc string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "not a JSON object: %s", doc)
	return m
}

// unusedKey is a key of partition 1 that no entity gets in a test.
const unusedKey int64 = 1<<51 + 999_999
