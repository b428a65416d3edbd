package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/entities"
	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

const (
	crashJobType = "crash"
	// crashJobTimeout is the activation timeout of the load's workers: jobs they hold
	// when the process dies become activatable again this long after their activation.
	crashJobTimeout = 2 * time.Second
	// checkJobTimeout is the activation timeout of the checks after a restart.
	checkJobTimeout = 5 * time.Second
	// crashRoundCreates bounds the instances one load round creates.
	crashRoundCreates = 2000
	// crashRoundTime bounds one load round.
	crashRoundTime = 5 * time.Second
)

// TestCrashRecovery: restart after kill -9 of a `weft dev` process mid-load keeps every
// acknowledged instance and job.
//
// Each round runs creators and job workers against a `weft dev` subprocess and sends it
// SIGKILL at a random moment, restarts it on the same data directory, and checks what
// the clients were told before the kill:
//   - every instance whose creation was acknowledged, and whose job completion was not
//     attempted, still has its job (activatable once its activation times out);
//   - no job whose completion was acknowledged is activated again, and completing it
//     again is NOT_FOUND;
//   - new instances can be created and run to their end, with keys greater than every
//     key seen before.
//
// Instances whose completion was sent but not answered are in doubt: the completion may
// or may not have been committed, so either outcome is correct for them.
func TestCrashRecovery(t *testing.T) {
	bin := buildWeft(t)
	proc := newWeftProc(t, bin)
	proc.start()
	client := proc.client()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)

	m := newCrashModel()
	const rounds = 3
	for round := 1; round <= rounds; round++ {
		stats := runCrashLoad(t, client, m, proc, 300*time.Millisecond+rand.N(2*time.Second))
		t.Logf("round %d: %s", round, stats)

		client.Close()
		proc.start()
		client = proc.client()
		checkAfterCrash(t, client, m, round)
		if t.Failed() {
			return
		}
	}
	proc.stop(syscall.SIGKILL)
}

// TestShutdownOnSIGTERM: SIGTERM shuts `weft dev` down cleanly and quickly, with exit
// code 0, even with a worker's long poll open, and a restart finds everything.
func TestShutdownOnSIGTERM(t *testing.T) {
	bin := buildWeft(t)
	proc := newWeftProc(t, bin)
	proc.start()
	client := proc.client()

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	created := map[int64]bool{}
	var maxKey int64
	for range 20 {
		r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
		require.NoError(t, err)
		created[r.GetProcessInstanceKey()] = true
		maxKey = max(maxKey, r.GetProcessInstanceKey())
	}
	jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(5).Timeout(time.Minute).Send(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 5)
	completed := map[int64]bool{}
	for _, j := range jobs {
		_, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx)
		require.NoError(t, err)
		completed[j.GetKey()] = true
		delete(created, j.GetProcessInstanceKey())
		maxKey = max(maxKey, j.GetKey())
	}

	// A worker waits for jobs of a type nobody creates.
	pollCtx, stopPoll := context.WithTimeout(t.Context(), time.Minute)
	defer stopPoll()
	polled := make(chan error, 1)
	go func() {
		_, err := client.NewActivateJobsCommand().JobType("idle").MaxJobsToActivate(1).Send(pollCtx)
		polled <- err
	}()

	began := time.Now()
	proc.stop(syscall.SIGTERM)
	took := time.Since(began)
	t.Logf("weft dev exited %v after SIGTERM", took.Round(time.Millisecond))
	require.NoError(t, proc.waitErr, "weft dev did not exit cleanly after SIGTERM")
	require.Equal(t, 0, proc.exitCode)
	require.Less(t, took, 8*time.Second, "shutdown took longer than the gateway's grace period allows")
	select {
	case err := <-polled:
		// The gateway ends waiting long polls with no jobs on shutdown; a poll that had
		// not reached it yet fails instead. Either way the worker is free to poll again.
		t.Logf("the long poll ended with %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not end when the server stopped")
	}
	require.Contains(t, proc.logTail(8<<10), "shutting down")

	client.Close()
	proc.start()
	client = proc.client()
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	jobs, err = client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(100).Timeout(time.Minute).Send(ctx)
	require.NoError(t, err)
	got := map[int64]bool{}
	for _, j := range jobs {
		require.False(t, completed[j.GetKey()], "completed job %d was activated again after restart", j.GetKey())
		got[j.GetProcessInstanceKey()] = true
		_, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, created, got, "jobs of the instances after restart")
	for k := range completed {
		_, err := client.NewCompleteJobCommand().JobKey(k).Send(ctx)
		require.Equal(t, codes.NotFound, status.Code(err), "completing job %d again after restart: %v", k, err)
	}
	r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
	require.NoError(t, err)
	require.Greater(t, r.GetProcessInstanceKey(), maxKey, "a key after restart is not greater than the keys before")
	proc.stop(syscall.SIGTERM)
	require.NoError(t, proc.waitErr)
	require.Equal(t, 0, proc.exitCode)
}

// crashModel is what the clients were told: the facts the broker must keep.
type crashModel struct {
	mu sync.Mutex
	// created holds the acknowledged created instances.
	created map[int64]bool
	// completedJobs maps each acknowledged completed job to its instance.
	completedJobs map[int64]int64
	// completedInstances holds the instances of completedJobs.
	completedInstances map[int64]bool
	// inDoubt holds the instances whose job completion was sent but not acknowledged.
	inDoubt map[int64]bool
	// maxKeys holds, per partition, the greatest key any answer carried.
	maxKeys map[int32]int64
}

func newCrashModel() *crashModel {
	return &crashModel{created: map[int64]bool{}, completedJobs: map[int64]int64{}, completedInstances: map[int64]bool{}, inDoubt: map[int64]bool{}, maxKeys: map[int32]int64{}}
}

func (m *crashModel) instanceCreated(key int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.created[key] = true
	m.sawKeys(key)
}

// sawKeys notes keys an answer carried; a key's partition is in its top bits.
func (m *crashModel) sawKeys(keys ...int64) {
	for _, k := range keys {
		p := state.PartitionOfKey(k)
		m.maxKeys[p] = max(m.maxKeys[p], k)
	}
}

func (m *crashModel) jobSeen(job entities.Job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sawKeys(job.GetKey(), job.GetProcessInstanceKey())
}

func (m *crashModel) completing(job entities.Job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inDoubt[job.GetProcessInstanceKey()] = true
}

func (m *crashModel) jobCompleted(job entities.Job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.completedJobs[job.GetKey()] = job.GetProcessInstanceKey()
	m.completedInstances[job.GetProcessInstanceKey()] = true
	delete(m.inDoubt, job.GetProcessInstanceKey())
}

// expected returns the instances that must still have their job: created, and neither
// completed nor in doubt.
func (m *crashModel) expected() map[int64]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]bool{}
	for k := range m.created {
		if !m.completedInstances[k] && !m.inDoubt[k] {
			out[k] = true
		}
	}
	return out
}

type crashLoadStats struct {
	created, completed, inDoubt, tolerated atomic.Int64
	killedAfter                            time.Duration
}

func (s *crashLoadStats) String() string {
	return fmt.Sprintf("killed after %v: %d instances created, %d jobs completed, %d completions in doubt, %d completions refused",
		s.killedAfter.Round(time.Millisecond), s.created.Load(), s.completed.Load(), s.inDoubt.Load(), s.tolerated.Load())
}

// runCrashLoad runs creators and workers against the process and kills it with SIGKILL
// after delay at most. Answers received before the kill update m; errors after it are expected.
func runCrashLoad(t *testing.T, client zbc.Client, m *crashModel, proc *weftProc, delay time.Duration) *crashLoadStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), crashRoundTime)
	defer cancel()
	began := time.Now()
	var killed atomic.Bool
	var stats crashLoadStats
	var errMu sync.Mutex
	var errs []error
	unexpected := func(what string, err error) {
		if killed.Load() || ctx.Err() != nil {
			return
		}
		errMu.Lock()
		errs = append(errs, fmt.Errorf("%s before the kill: %w", what, err))
		errMu.Unlock()
	}

	// The kill comes after the delay or once killAfter instances were created, whichever
	// is first, so that it falls inside the load on fast and slow machines alike.
	killAfter := 200 + rand.Int64N(crashRoundCreates-400)
	reached := make(chan struct{})
	var reachedOnce sync.Once

	// More creators than workers, so that a backlog of jobs builds up.
	var wg sync.WaitGroup
	var budget atomic.Int64
	budget.Store(crashRoundCreates)
	for range 6 {
		wg.Go(func() {
			for ctx.Err() == nil && budget.Add(-1) >= 0 {
				callCtx, done := context.WithTimeout(ctx, 5*time.Second)
				r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(callCtx)
				done()
				if err != nil {
					unexpected("create instance", err)
					return
				}
				m.instanceCreated(r.GetProcessInstanceKey())
				if stats.created.Add(1) >= killAfter {
					reachedOnce.Do(func() { close(reached) })
				}
			}
		})
	}
	for w := range 3 {
		wg.Go(func() {
			for ctx.Err() == nil {
				callCtx, done := context.WithTimeout(ctx, 500*time.Millisecond)
				jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(32).
					Timeout(crashJobTimeout).WorkerName(fmt.Sprintf("load-%d", w)).Send(callCtx)
				done()
				if err != nil && status.Code(err) != codes.DeadlineExceeded {
					unexpected("activate jobs", err)
				}
				for _, job := range jobs {
					m.jobSeen(job)
					if killed.Load() {
						// Not sent: this job must survive.
						break
					}
					m.completing(job)
					callCtx, done := context.WithTimeout(ctx, 5*time.Second)
					_, err := client.NewCompleteJobCommand().JobKey(job.GetKey()).Send(callCtx)
					done()
					switch {
					case err == nil:
						m.jobCompleted(job)
						stats.completed.Add(1)
					case status.Code(err) == codes.NotFound && !killed.Load():
						// Another worker got the job after its activation timed out, and
						// completed it first.
						stats.tolerated.Add(1)
					default:
						stats.inDoubt.Add(1)
						unexpected("complete job", err)
					}
				}
				if err != nil && status.Code(err) != codes.DeadlineExceeded {
					return
				}
			}
		})
	}

	timer := time.NewTimer(delay)
	select {
	case <-timer.C:
	case <-reached:
	case <-ctx.Done():
	}
	killed.Store(true)
	stats.killedAfter = time.Since(began)
	proc.stop(syscall.SIGKILL)
	cancel()
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	return &stats
}

// checkAfterCrash checks the restarted process against m, then completes every job it
// finds, so that the next round starts with a known state.
func checkAfterCrash(t *testing.T, client zbc.Client, m *crashModel, round int) {
	t.Helper()
	expected := m.expected()
	m.mu.Lock()
	maxKeys := maps.Clone(m.maxKeys)
	completedJobs := maps.Clone(m.completedJobs)
	inDoubt := len(m.inDoubt)
	m.mu.Unlock()

	// Jobs that were activated when the process died come back once their activation
	// times out; collect until every expected instance showed its job. These activations
	// use a short job timeout too: a poll that gives up while the gateway's activation is
	// still under way (a leader just changed) leaves its jobs activated and undelivered,
	// and they must come back within the window.
	found := map[int64]entities.Job{} // by instance
	deadline := time.Now().Add(checkJobTimeout + crashJobTimeout + 20*time.Second)
	for {
		// The client asks the gateway to long-poll 10% short of its deadline. A short
		// deadline leaves the gateway too little time to deliver what it activated in
		// a late round, and jobs activated for a request the client gave up on stay
		// locked for checkJobTimeout; over and over on a slow machine. Hence 10 s.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(10_000).
			Timeout(checkJobTimeout).WorkerName("check").Send(ctx)
		cancel()
		switch status.Code(err) {
		case codes.OK, codes.DeadlineExceeded, codes.Unavailable, codes.ResourceExhausted:
			// While the partition elects its leader after the restart.
		default:
			t.Fatalf("round %d: activate jobs after restart: %v", round, err)
		}
		for _, j := range jobs {
			if inst, ok := completedJobs[j.GetKey()]; ok {
				t.Errorf("round %d: job %d of instance %d was acknowledged as completed, but was activated again after restart", round, j.GetKey(), inst)
			}
			if prev, ok := found[j.GetProcessInstanceKey()]; ok && prev.GetKey() != j.GetKey() {
				t.Errorf("round %d: instance %d has two jobs: %d and %d", round, j.GetProcessInstanceKey(), prev.GetKey(), j.GetKey())
			}
			found[j.GetProcessInstanceKey()] = j
		}
		var missing []int64
		for k := range expected {
			if _, ok := found[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			t.Fatalf("round %d: %d of %d acknowledged instances lost their job after restart, e.g. %v",
				round, len(missing), len(expected), missing[:min(len(missing), 10)])
		}
	}
	t.Logf("round %d: after restart, %d jobs found for %d instances that must have one (%d in doubt)", round, len(found), len(expected), inDoubt)

	// Complete what was found, with a few workers.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	jobs := slices.Collect(maps.Values(found))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				job := jobs[i]
				m.jobSeen(job)
				m.completing(job)
				if err := completeRetrying(ctx, client, job.GetKey()); err != nil {
					t.Errorf("round %d: complete job %d after restart: %v", round, job.GetKey(), err)
					return
				}
				m.jobCompleted(job)
			}
		})
	}
	wg.Wait()

	// Jobs completed before the kill stay completed.
	sample := slices.Collect(maps.Keys(completedJobs))
	rand.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	for _, k := range sample[:min(len(sample), 50)] {
		_, err := untilAnswered(ctx, func() error {
			_, err := client.NewCompleteJobCommand().JobKey(k).Send(ctx)
			return err
		})
		if status.Code(err) != codes.NotFound {
			t.Errorf("round %d: completing job %d again after restart: want NOT_FOUND, got %v", round, k, err)
		}
	}

	// A new instance runs to its end, with keys above every key seen before.
	r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
	require.NoError(t, err)
	pik := r.GetProcessInstanceKey()
	require.Greater(t, pik, maxKeys[state.PartitionOfKey(pik)], "round %d: instance key after restart is not greater than every key of its partition before", round)
	m.instanceCreated(pik)
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		jobs, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(10).Timeout(checkJobTimeout).WorkerName("check").Send(actx)
		acancel()
		require.NoError(t, ctx.Err(), "round %d: the job of new instance %d was never activated", round, pik)
		if err != nil && status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("round %d: activate the new instance's job: %v", round, err)
		}
		done := false
		for _, j := range jobs {
			m.jobSeen(j)
			m.completing(j)
			_, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx)
			require.NoError(t, err, "round %d: complete job %d after restart", round, j.GetKey())
			m.jobCompleted(j)
			if j.GetProcessInstanceKey() == pik {
				require.Greater(t, j.GetKey(), maxKeys[state.PartitionOfKey(j.GetKey())], "round %d: job key after restart is not greater than every key of its partition before", round)
				done = true
			}
		}
		if done {
			break
		}
	}
}

// buildWeft builds the weft binary into a temporary directory, with the race detector
// if the test runs with it.
func buildWeft(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "weft")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(t.Context(), "go", append(args, ".")...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// weftProc runs `weft dev` (or, with args set, another weft command) as a subprocess,
// on the same data directory and addresses across restarts.
type weftProc struct {
	t   *testing.T
	bin string
	// args, when set, replace `dev` and its flags; ready then tells when the process is
	// ready (nil: at once).
	args     []string
	ready    func() bool
	dataDir  string
	logDir   string
	grpcAddr string
	httpAddr string
	starts   int

	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited
	waitErr  error         // set before done is closed
	exitCode int           // of the last process that exited; -1 if a signal ended it
	logPath  string
}

func newWeftProc(t *testing.T, bin string) *weftProc {
	p := &weftProc{t: t, bin: bin, dataDir: t.TempDir(), logDir: t.TempDir(), grpcAddr: freeLoopbackAddr(t), httpAddr: freeLoopbackAddr(t)}
	t.Cleanup(func() {
		if p.cmd != nil {
			p.stop(syscall.SIGKILL)
		}
		if t.Failed() {
			for i := 1; i <= p.starts; i++ {
				b, _ := os.ReadFile(filepath.Join(p.logDir, fmt.Sprintf("weft-%d.log", i)))
				t.Logf("logs of weft dev start %d:\n%s", i, procTail(string(b), 8<<10))
			}
		}
	})
	return p
}

// freeLoopbackAddr returns a loopback address with a port that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	return freeAddrOn(t, "127.0.0.1")
}

// start starts the process and waits until /ready answers 200.
func (p *weftProc) start() {
	t := p.t
	t.Helper()
	require.Nil(t, p.cmd, "weft dev is already running")
	p.starts++
	p.logPath = filepath.Join(p.logDir, fmt.Sprintf("weft-%d.log", p.starts))
	logFile, err := os.Create(p.logPath)
	require.NoError(t, err)
	defer logFile.Close() // the child has its own descriptor

	args := []string{"dev", "--data-dir", p.dataDir, "--gateway-addr", p.grpcAddr,
		"--http-addr", p.httpAddr, "--monitor-addr", "127.0.0.1:0", "--log-level", "debug"}
	if p.args != nil {
		args = p.args
	}
	cmd := exec.Command(p.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WEFT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// A race-enabled binary otherwise sleeps a second before it exits.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	require.NoError(t, cmd.Start())
	p.cmd = cmd
	p.done = make(chan struct{})
	done := p.done
	go func() {
		p.waitErr = cmd.Wait()
		close(done)
	}()

	if p.args != nil {
		if p.ready != nil {
			p.waitReady(done)
		}
		return
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+p.httpAddr+"/ready", nil)
		require.NoError(t, err)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("weft dev exited before it was ready: %v\n%s", p.waitErr, p.logTail(8<<10))
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("weft dev was not ready within 30s\n%s", p.logTail(8<<10))
		}
	}
}

// waitReady polls p.ready until it holds, the process exits, or 60 s pass.
func (p *weftProc) waitReady(done <-chan struct{}) {
	t := p.t
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !p.ready() {
		select {
		case <-done:
			t.Fatalf("weft %s exited before it was ready: %v\n%s", p.args[0], p.waitErr, p.logTail(8<<10))
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("weft %s was not ready within 60s\n%s", p.args[0], p.logTail(8<<10))
		}
	}
}

// stop sends sig and waits until the process has exited. After SIGKILL the process must
// have died of it; for other signals, waitErr tells how it ended.
func (p *weftProc) stop(sig syscall.Signal) {
	t := p.t
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("weft dev did not exit within 20s of %v", sig)
	}
	p.exitCode = p.cmd.ProcessState.ExitCode()
	p.cmd = nil
	if logs := p.logTail(1 << 30); strings.Contains(logs, "DATA RACE") || strings.Contains(logs, "panic:") {
		t.Errorf("weft dev reported a problem:\n%s", procTail(logs, 16<<10))
	}
}

func (p *weftProc) logTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	return procTail(string(b), n)
}

func procTail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// client connects a new official client to the process. A new client per start avoids
// waiting out the reconnect back-off of the old one. It is closed when the test ends, if
// the test did not close it before.
func (p *weftProc) client() zbc.Client {
	p.t.Helper()
	c, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: p.grpcAddr, UsePlaintextConnection: true})
	require.NoError(p.t, err)
	p.t.Cleanup(func() { c.Close() })
	return c
}

// completeRetrying completes a job as a careful worker does: a leader may still change
// after a restart, so a completion whose outcome is unknown (UNAVAILABLE) or that was
// refused for back-pressure is sent again. NOT_FOUND after an attempt in doubt means
// that attempt completed the job.
func completeRetrying(ctx context.Context, client zbc.Client, key int64) error {
	inDoubt, err := untilAnswered(ctx, func() error {
		_, err := client.NewCompleteJobCommand().JobKey(key).Send(ctx)
		return err
	})
	if status.Code(err) == codes.NotFound && inDoubt {
		return nil
	}
	return err
}

// untilAnswered sends a command until the answer is neither UNAVAILABLE (no leader, or
// the leader changed before the command was committed) nor RESOURCE_EXHAUSTED, and
// returns whether an earlier attempt may have been committed, and that answer.
func untilAnswered(ctx context.Context, send func() error) (inDoubt bool, err error) {
	for {
		err = send()
		switch status.Code(err) {
		case codes.Unavailable:
			inDoubt = true
		case codes.ResourceExhausted:
		default:
			return inDoubt, err
		}
		tm := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			tm.Stop()
			return inDoubt, fmt.Errorf("%w (last answer: %v)", ctx.Err(), err)
		case <-tm.C:
		}
	}
}
