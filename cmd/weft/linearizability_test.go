package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

const (
	// linJobs is how many jobs the clients share.
	linJobs = 6
	// linClients is how many clients run operations at once.
	linClients = 4
	// linDuration bounds the history; linOpsPerClient bounds each client's operations.
	linDuration     = 20 * time.Second
	linOpsPerClient = 700
	// linPace is the least time between two operations of one client.
	linPace = 15 * time.Millisecond
	// linCheckTimeout bounds porcupine's search.
	linCheckTimeout = 30 * time.Second
)

// historyRecorder collects the operations of concurrent clients, timed from one start.
type historyRecorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

func (h *historyRecorder) now() int64 { return int64(time.Since(h.start)) }

func (h *historyRecorder) add(client int, call int64, in jobInput, out jobOutput) {
	ret := h.now()
	if out.Outcome == outUnknown {
		ret = unknownReturn
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
}

// jobOutcomeOf classifies a job command's error. refused is set for RESOURCE_EXHAUSTED,
// which the broker answers without proposing the command (it is left out of the
// history); unexpected for an answer the model has no place for.
func jobOutcomeOf(err error) (out jobOutcome, refused bool, unexpected error) {
	if err == nil {
		return outOK, false, nil
	}
	switch status.Code(err) {
	case codes.NotFound:
		return outNotFound, false, nil
	case codes.FailedPrecondition:
		return outFailedPrecondition, false, nil
	case codes.ResourceExhausted:
		return 0, true, nil
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unknown:
		return outUnknown, false, nil
	}
	return 0, false, err
}

// artifactPath returns where a test writes a file to keep: under $WEFT_ARTIFACTS
// when set, else under the system's temporary directory (not the test's, which is
// deleted when the test ends).
func artifactPath(t *testing.T, name string) string {
	dir := os.Getenv("WEFT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "weft-test-artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return filepath.Join(dir, fmt.Sprintf("%s-%s", time.Now().Format("20060102-150405"), name))
}

// TestDevClusterJobsAreLinearizable: concurrent clients (the official client) activate,
// complete, fail and update the retries of a small set of jobs on a three-broker,
// three-partition cluster, while partition leadership is moved every second and a
// half and a broker restarts. The history of what they were told is checked with
// porcupine against jobModel; operations whose outcome is unknown (UNAVAILABLE,
// DEADLINE_EXCEEDED) may take effect at any time after their call, or never. When the
// history is not linearizable, porcupine's visualization is written to an artifact file.
func TestDevClusterJobsAreLinearizable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	cfg := devConfig{dataDir: t.TempDir(), gatewayAddr: "127.0.0.1:0", brokers: 3, partitions: 3, replicationFactor: 3, autoRebalance: true}
	c, err := startDevCluster(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	for pid := int32(1); pid <= 3; pid++ {
		c.leaderOf(t, pid, -1)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	_, err = client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	for range linJobs {
		_, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
		require.NoError(t, err)
	}
	// Every job starts activated, with the model's retries, so its key is known. The
	// activation timeout outlasts the test: no job times out.
	var keys []int64
	eventually(t, 30*time.Second, func() bool {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		defer acancel()
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(linJobs).Timeout(time.Hour).Send(actx)
		if err != nil {
			return false
		}
		for _, j := range jobs {
			require.EqualValues(t, 3, j.GetRetries())
			keys = append(keys, j.GetKey())
		}
		return len(keys) == linJobs
	}, "the %d jobs were not all activated", linJobs)

	// Each client has its own connection, so that a slow call does not hold up the
	// others on one HTTP/2 connection.
	clients := make([]zbc.Client, linClients)
	for i := range clients {
		clients[i], err = zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.GatewayAddr(), UsePlaintextConnection: true})
		require.NoError(t, err)
		defer clients[i].Close()
	}
	h := &historyRecorder{start: time.Now()}
	runCtx, stopRun := context.WithTimeout(ctx, linDuration)
	defer stopRun()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	for client := range linClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(client), 42))
			pace := time.NewTicker(linPace)
			defer pace.Stop()
			for range linOpsPerClient {
				select {
				case <-runCtx.Done():
					return
				case <-pace.C:
				}
				if err := linOperation(ctx, h, client, rng, keys, clients[client]); err != nil {
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
				}
			}
		}()
	}

	// Leadership moves: every 1.5 s one partition's leader hands over to another replica;
	// halfway, broker 2 restarts. (The automatic rebalancer moves leaders back.)
	moves, restarted := 0, false
	var restartErr error
	chaos := time.NewTicker(1500 * time.Millisecond)
	for runCtx.Err() == nil {
		select {
		case <-runCtx.Done():
		case <-chaos.C:
			if !restarted && time.Since(h.start) > linDuration/2 {
				restarted = true
				if restartErr = c.restart(ctx, 2, false); restartErr != nil {
					stopRun()
				}
				continue
			}
			pid := int32(rand.N(3) + 1)
			for _, b := range c.brokers {
				p := b.partitionByID(pid)
				if p == nil || !p.IsLeader() {
					continue
				}
				to := (b.cfg.nodeID + 1 + rand.N(2)) % 3
				addr := c.brokers[to].mux.Addr().String()
				if err := p.TransferLeadership(brokerName(to), addr); err == nil {
					moves++
				}
				break
			}
		}
	}
	chaos.Stop()
	wg.Wait()
	require.NoError(t, restartErr, "restart broker 2")
	require.Empty(t, unexpected, "answers the model has no place for")

	ops := h.ops
	counts := map[string]int{}
	for _, op := range ops {
		counts[op.Input.(jobInput).Kind.String()+" "+op.Output.(jobOutput).Outcome.String()]++
	}
	t.Logf("%d operations on %d jobs, %d leadership moves and a restart: %v", len(ops), linJobs, moves, counts)
	model := jobModel(3)
	began := time.Now()
	res, info := porcupine.CheckOperationsVerbose(model, ops, linCheckTimeout)
	t.Logf("porcupine: %s after %v", res, time.Since(began).Round(time.Millisecond))
	if res != porcupine.Ok {
		path := artifactPath(t, "jobs-linearizability.html")
		if err := porcupine.VisualizePath(model, info, path); err != nil {
			t.Logf("write the visualization: %v", err)
		}
		t.Fatalf("the job history is %s (ok, illegal or unknown after %v); visualization: %s", res, linCheckTimeout, path)
	}
}

// linOperation runs one random operation on a random job and records it. For most of
// the run jobs are activated, failed with retries left and given new retries; in the
// last two fifths they are also completed and failed without retries (an incident), after
// which they answer NOT_FOUND and FAILED_PRECONDITION.
func linOperation(ctx context.Context, h *historyRecorder, clientID int, rng *rand.Rand, keys []int64, cl zbc.Client) error {
	opCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	job := keys[rng.IntN(len(keys))]
	late := time.Since(h.start) > linDuration*3/5
	r := rng.IntN(100)
	switch {
	case r < 25:
		// Activation, without long polling (a context without deadline), bounded by a
		// timer. Each returned job is one definite operation; an activation that failed
		// tells nothing (the model lets jobs be activated silently).
		actx, acancel := context.WithCancel(ctx)
		stop := time.AfterFunc(2*time.Second, acancel)
		defer stop.Stop()
		defer acancel()
		call := h.now()
		jobs, err := cl.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(linJobs).Timeout(time.Hour).Send(actx)
		for _, j := range jobs {
			h.add(clientID, call, jobInput{Kind: opActivate, Job: j.GetKey()}, jobOutput{Retries: j.GetRetries()})
		}
		if _, _, unexpected := jobOutcomeOf(err); unexpected != nil {
			return fmt.Errorf("activate: %w", unexpected)
		}
		return nil
	case late && r < 33:
		in := jobInput{Kind: opComplete, Job: job}
		call := h.now()
		_, err := cl.NewCompleteJobCommand().JobKey(job).Send(opCtx)
		return record(h, clientID, call, in, err)
	case r < 62:
		retries := int32(rng.IntN(3) + 1)
		if late && rng.IntN(8) == 0 {
			retries = 0
		}
		in := jobInput{Kind: opFail, Job: job, Retries: retries}
		call := h.now()
		_, err := cl.NewFailJobCommand().JobKey(job).Retries(retries).Send(opCtx)
		return record(h, clientID, call, in, err)
	default:
		in := jobInput{Kind: opUpdateRetries, Job: job, Retries: int32(rng.IntN(5) + 1)}
		call := h.now()
		_, err := cl.NewUpdateJobRetriesCommand().JobKey(job).Retries(in.Retries).Send(opCtx)
		return record(h, clientID, call, in, err)
	}
}

func record(h *historyRecorder, clientID int, call int64, in jobInput, err error) error {
	out, refused, unexpected := jobOutcomeOf(err)
	if unexpected != nil {
		return fmt.Errorf("%s(%d): %w", in.Kind, in.Job, unexpected)
	}
	if !refused {
		h.add(clientID, call, in, jobOutput{Outcome: out})
	}
	return nil
}
