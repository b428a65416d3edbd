package partition_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/broker/partition/limit"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Raft, Pebble and the partition's own loops all start goroutines; Close must stop every
// one of them. Nothing is ignored: hashicorp/raft stops its run, FSM and snapshot loops
// on Shutdown, and the in-memory transport starts none.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const oneTask = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="work" retries="3"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>`

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// open opens the partition, waits until it leads, and closes it at the end of the test.
// Tests that close it themselves call the returned function, which closes only once.
func open(t *testing.T, cfg partition.Config) (*partition.Partition, func() error) {
	t.Helper()
	cfg.ID = 1
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	p, err := partition.Open(cfg)
	require.NoError(t, err)
	closeOnce := sync.OnceValue(p.Close)
	t.Cleanup(func() { closeOnce() })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, p.WaitLeader(ctx))
	return p, closeOnce
}

func exec(t *testing.T, p *partition.Partition, cmd *recordpb.Record) *recordpb.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r, err := p.Execute(ctx, cmd)
	require.NoError(t, err)
	require.NotNil(t, r)
	return r
}

// event executes cmd and requires an EVENT answer.
func event(t *testing.T, p *partition.Partition, cmd *recordpb.Record) *recordpb.Record {
	t.Helper()
	r := exec(t, p, cmd)
	require.Equal(t, recordpb.RecordType_EVENT, r.GetRecordType(), dump(r))
	return r
}

func dump(r *recordpb.Record) string { return protojson.Format(r) }

func deployCmd() *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE",
		Value: &recordpb.Record_Deployment{Deployment: &recordpb.DeploymentRecord{
			Resources: []*recordpb.DeploymentResource{{ResourceName: "p.bpmn", Resource: []byte(oneTask)}}}}}
}

func createCmd() *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_CREATION, Intent: "CREATE",
		Value: &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: &recordpb.ProcessInstanceCreationRecord{
			BpmnProcessId: "p", Version: -1}}}
}

func activateCmd(max int32, timeout time.Duration) *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_JOB_BATCH, Intent: "ACTIVATE",
		Value: &recordpb.Record_JobBatch{JobBatch: &recordpb.JobBatchRecord{
			Type: "work", Worker: "w", MaxJobsToActivate: max, Timeout: timeout.Milliseconds()}}}
}

func jobCmd(intent string, key int64, job *recordpb.JobRecord) *recordpb.Record {
	if job == nil {
		job = &recordpb.JobRecord{}
	}
	return &recordpb.Record{ValueType: recordpb.ValueType_JOB, Intent: intent, Key: key,
		Value: &recordpb.Record_Job{Job: job}}
}

func instanceKey(t *testing.T, r *recordpb.Record) int64 {
	t.Helper()
	k := r.GetProcessInstanceCreation().GetProcessInstanceKey()
	require.Positive(t, k, dump(r))
	return k
}

// records returns the whole record log and checks that positions run 1, 2, 3... with
// no gap.
func records(t *testing.T, p *partition.Partition) []*recordpb.Record {
	t.Helper()
	last := p.State().LastPosition()
	rs, err := p.State().Records(1, last)
	require.NoError(t, err)
	require.Len(t, rs, int(last))
	for i, r := range rs {
		require.Equal(t, int64(i+1), r.GetPosition(), "record %d of the log", i)
	}
	return rs
}

// findRecords returns the records of the log with the value type and intent, and key
// if key is not 0.
func findRecords(t *testing.T, p *partition.Partition, vt recordpb.ValueType, intent string, key int64) []*recordpb.Record {
	t.Helper()
	var out []*recordpb.Record
	for _, r := range records(t, p) {
		if r.GetRecordType() == recordpb.RecordType_EVENT && r.GetValueType() == vt && r.GetIntent() == intent && (key == 0 || r.GetKey() == key) {
			out = append(out, r)
		}
	}
	return out
}

func TestExecuteLifecycle(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir()})
	r := event(t, p, deployCmd())
	require.Equal(t, recordpb.ValueType_DEPLOYMENT, r.GetValueType())
	require.Equal(t, "CREATED", r.GetIntent())

	pik := instanceKey(t, event(t, p, createCmd()))

	r = event(t, p, activateCmd(10, time.Minute))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 1, dump(r))
	job := r.GetJobBatch().GetJobs()[0]
	require.Equal(t, pik, job.GetProcessInstanceKey())
	jobKey := r.GetJobBatch().GetJobKeys()[0]

	r = event(t, p, jobCmd("COMPLETE", jobKey, &recordpb.JobRecord{Variables: []byte(`{"done":true}`)}))
	require.Equal(t, "COMPLETED", r.GetIntent())

	// The instance ran to its end.
	var completed bool
	for _, r := range findRecords(t, p, recordpb.ValueType_PROCESS_INSTANCE, "ELEMENT_COMPLETED", pik) {
		if r.GetProcessInstance().GetBpmnElementType() == "PROCESS" || r.GetProcessInstance().GetElementId() == "p" {
			completed = true
		}
	}
	require.True(t, completed, "the process instance %d did not complete", pik)

	// A second completion is a rejection, not a Go error.
	r = exec(t, p, jobCmd("COMPLETE", jobKey, nil))
	require.Equal(t, recordpb.RecordType_COMMAND_REJECTION, r.GetRecordType(), dump(r))
	require.Equal(t, recordpb.RejectionType_NOT_FOUND, r.GetRejectionType())

	// Nothing left to activate.
	r = event(t, p, activateCmd(10, time.Minute))
	require.Empty(t, r.GetJobBatch().GetJobKeys())
}

// Concurrent requests share Raft entries: the partition applies far fewer Raft entries
// (its last applied index tells) than it processes commands, and never more commands in
// one entry than Config.MaxCommandsPerEntry.
func TestGroupCommit(t *testing.T) {
	const n = 400
	// Room for the whole burst: back-pressure is tested on its own.
	roomy := limit.Config{InitialLimit: 1000, MaxLimit: 1000}
	t.Run("shared entries", func(t *testing.T) {
		p, _ := open(t, partition.Config{Dir: t.TempDir(), Limit: roomy})
		event(t, p, deployCmd())
		// How many commands meet in one entry depends on scheduling; on a loaded machine
		// a burst may be spread thin, so a few bursts are allowed to show the batching.
		var tries []uint64
		for range 5 {
			entries := createBurst(t, p, n)
			tries = append(tries, entries)
			if entries <= n/4 {
				t.Logf("%d commands in %d raft entries (bursts: %v)", n, entries, tries)
				return
			}
		}
		t.Fatalf("bursts of %d concurrent commands took %v raft entries: they were not batched", n, tries)
	})
	t.Run("at most 4 per entry", func(t *testing.T) {
		p, _ := open(t, partition.Config{Dir: t.TempDir(), MaxCommandsPerEntry: 4, Limit: roomy})
		event(t, p, deployCmd())
		entries := createBurst(t, p, n)
		t.Logf("%d commands in %d raft entries", n, entries)
		require.GreaterOrEqual(t, entries, uint64(n/4), "more commands in one raft entry than configured")
	})
}

// createBurst creates n instances from n goroutines at once and returns how many Raft
// entries the partition applied meanwhile.
func createBurst(t *testing.T, p *partition.Partition, n int) uint64 {
	t.Helper()
	before := p.State().LastApplied()
	created := len(findRecords(t, p, recordpb.ValueType_PROCESS_INSTANCE_CREATION, "CREATED", 0))
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			r, err := p.Execute(ctx, createCmd())
			if err == nil && r.GetRecordType() != recordpb.RecordType_EVENT {
				err = errors.New(dump(r))
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, findRecords(t, p, recordpb.ValueType_PROCESS_INSTANCE_CREATION, "CREATED", 0), created+n)
	return p.State().LastApplied() - before
}

// Closing and reopening the partition keeps its state; keys and positions continue.
func TestReopenKeepsState(t *testing.T) {
	dir := t.TempDir()
	p, closeP := open(t, partition.Config{Dir: dir})
	event(t, p, deployCmd())
	var keys []int64
	for range 5 {
		keys = append(keys, instanceKey(t, event(t, p, createCmd())))
	}
	r := event(t, p, activateCmd(2, time.Minute))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 2)
	event(t, p, jobCmd("COMPLETE", r.GetJobBatch().GetJobKeys()[0], nil))
	activatedKey := r.GetJobBatch().GetJobKeys()[1]

	before := records(t, p)
	lastPos := p.State().LastPosition()
	var maxKey int64
	for _, r := range before {
		maxKey = max(maxKey, r.GetKey())
	}
	require.NoError(t, closeP())

	p, _ = open(t, partition.Config{Dir: dir})
	require.Equal(t, lastPos, p.State().LastPosition(), "the log changed on reopen")
	after := records(t, p)
	for i := range before {
		require.Equal(t, dump(before[i]), dump(after[i]), "record at position %d changed on reopen", i+1)
	}

	// The still activated job keeps its activation; the three untouched jobs are
	// activatable; the completed one is gone.
	r = exec(t, p, jobCmd("COMPLETE", r.GetJobBatch().GetJobKeys()[0], nil))
	require.Equal(t, recordpb.RejectionType_NOT_FOUND, r.GetRejectionType(), dump(r))
	r = event(t, p, activateCmd(10, time.Minute))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 3, dump(r))
	require.NotContains(t, r.GetJobBatch().GetJobKeys(), activatedKey)
	event(t, p, jobCmd("COMPLETE", activatedKey, nil))

	// New keys and positions continue after the old ones.
	next := event(t, p, createCmd())
	require.Greater(t, instanceKey(t, next), maxKey)
	require.Greater(t, next.GetPosition(), lastPos)
	require.NotContains(t, keys, instanceKey(t, next))
	rs := records(t, p)
	require.Greater(t, len(rs), len(before))
	for _, r := range rs[len(before):] {
		if r.GetRecordType() == recordpb.RecordType_EVENT && r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE_CREATION {
			require.Greater(t, r.GetKey(), maxKey, dump(r))
		}
	}
}

// The leader's due-date checker times out an activated job, which can then be activated
// again.
func TestDueDateTimesOutJob(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), DueDateInterval: 20 * time.Millisecond})
	event(t, p, deployCmd())
	instanceKey(t, event(t, p, createCmd()))
	r := event(t, p, activateCmd(1, 200*time.Millisecond))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 1)
	jobKey := r.GetJobBatch().GetJobKeys()[0]

	deadline := r.GetJobBatch().GetJobs()[0].GetDeadline()
	require.Eventually(t, func() bool {
		return len(findRecords(t, p, recordpb.ValueType_JOB, "TIMED_OUT", jobKey)) == 1
	}, 10*time.Second, 10*time.Millisecond, "job %d did not time out", jobKey)
	timedOut := findRecords(t, p, recordpb.ValueType_JOB, "TIMED_OUT", jobKey)[0]
	require.GreaterOrEqual(t, timedOut.GetTimestamp(), deadline, "job timed out before its deadline")

	r = event(t, p, activateCmd(1, time.Minute))
	require.Equal(t, []int64{jobKey}, r.GetJobBatch().GetJobKeys(), dump(r))
	event(t, p, jobCmd("COMPLETE", jobKey, nil))
	require.Len(t, findRecords(t, p, recordpb.ValueType_JOB, "TIMED_OUT", jobKey), 1, "job timed out more than once")
}

// The due-date checker ends the retry back-off of a failed job, which can then be
// activated again.
func TestDueDateEndsRetryBackoff(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), DueDateInterval: 20 * time.Millisecond})
	event(t, p, deployCmd())
	instanceKey(t, event(t, p, createCmd()))
	r := event(t, p, activateCmd(1, time.Minute))
	jobKey := r.GetJobBatch().GetJobKeys()[0]
	r = event(t, p, jobCmd("FAIL", jobKey, &recordpb.JobRecord{Retries: 2, RetryBackoff: 200, ErrorMessage: "later"}))
	require.Equal(t, "FAILED", r.GetIntent())

	// While it backs off, it cannot be activated.
	r = event(t, p, activateCmd(1, time.Minute))
	require.Empty(t, r.GetJobBatch().GetJobKeys())

	require.Eventually(t, func() bool {
		return len(findRecords(t, p, recordpb.ValueType_JOB, "RECURRED_AFTER_BACKOFF", jobKey)) == 1
	}, 10*time.Second, 10*time.Millisecond, "job %d did not recur after its back-off", jobKey)

	r = event(t, p, activateCmd(1, time.Minute))
	require.Equal(t, []int64{jobKey}, r.GetJobBatch().GetJobKeys(), dump(r))
	require.EqualValues(t, 2, r.GetJobBatch().GetJobs()[0].GetRetries())
	event(t, p, jobCmd("COMPLETE", jobKey, nil))
}

// The due-date checker expires a message whose time to live ended; its id can then be
// used again.
func TestDueDateExpiresMessage(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), DueDateInterval: 20 * time.Millisecond})
	publish := func() *recordpb.Record {
		return exec(t, p, &recordpb.Record{ValueType: recordpb.ValueType_MESSAGE, Intent: "PUBLISH",
			Value: &recordpb.Record_Message{Message: &recordpb.MessageRecord{Name: "paid", CorrelationKey: "o-1", MessageId: "m-1", TimeToLive: 200}}})
	}
	r := publish()
	require.Equal(t, "PUBLISHED", r.GetIntent(), dump(r))
	key, publishedAt := r.GetKey(), r.GetTimestamp()
	r = publish()
	require.Equal(t, recordpb.RejectionType_ALREADY_EXISTS, r.GetRejectionType(), dump(r))

	require.Eventually(t, func() bool {
		return len(findRecords(t, p, recordpb.ValueType_MESSAGE, "EXPIRED", key)) == 1
	}, 10*time.Second, 10*time.Millisecond, "message %d did not expire", key)
	expired := findRecords(t, p, recordpb.ValueType_MESSAGE, "EXPIRED", key)[0]
	require.GreaterOrEqual(t, expired.GetTimestamp(), publishedAt+200, "the message expired before its time to live ended")
	r = publish()
	require.Equal(t, "PUBLISHED", r.GetIntent(), dump(r))
}

// Snapshots let Raft truncate its log; a restart then replays only the entries after the
// snapshot over the state in Pebble, and loses nothing.
func TestSnapshotTruncatesLogAndRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	cfg := partition.Config{Dir: dir, SnapshotThreshold: 16, TrailingLogs: 4, MaxCommandsPerEntry: 1}
	p, closeP := open(t, cfg)
	event(t, p, deployCmd())
	var instances []int64
	for range 100 {
		instances = append(instances, instanceKey(t, event(t, p, createCmd())))
	}
	require.Eventually(t, func() bool {
		first, _, err := p.RaftLogBounds()
		require.NoError(t, err)
		return first > 1
	}, 20*time.Second, 20*time.Millisecond, "the raft log was never truncated")
	before := records(t, p)
	require.NoError(t, closeP())

	p, _ = open(t, cfg)
	first, last, err := p.RaftLogBounds()
	require.NoError(t, err)
	t.Logf("raft log holds entries %d to %d after restart", first, last)
	require.Greater(t, first, uint64(1))
	after := records(t, p)
	require.Equal(t, len(before), len(after), "records after restart")
	for i := range before {
		require.True(t, proto.Equal(before[i], after[i]), "record %d changed across the restart", i+1)
	}
	// Every instance still has its job, and processing continues.
	r := event(t, p, activateCmd(200, time.Minute))
	got := map[int64]bool{}
	for _, j := range r.GetJobBatch().GetJobs() {
		got[j.GetProcessInstanceKey()] = true
	}
	for _, k := range instances {
		require.True(t, got[k], "instance %d lost its job", k)
	}
	require.Greater(t, instanceKey(t, event(t, p, createCmd())), instances[len(instances)-1])
}

func TestWatchJobs(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir()})
	event(t, p, deployCmd())

	work, stopWork := p.WatchJobs("work")
	defer stopWork()
	stopped, stop := p.WatchJobs("work")
	stop()
	stop() // a second stop is harmless
	other, stopOther := p.WatchJobs("other")
	defer stopOther()

	instanceKey(t, event(t, p, createCmd()))
	select {
	case <-work:
	case <-time.After(10 * time.Second):
		t.Fatal("WatchJobs did not fire when a job of its type was created")
	}
	// The notifications of one command are sent together, before the wake-up above.
	select {
	case <-other:
		t.Fatal("WatchJobs fired for a job of another type")
	case <-stopped:
		t.Fatal("WatchJobs fired after its stop function was called")
	default:
	}

	// A timed-out job wakes the watchers too.
	r := event(t, p, activateCmd(1, 50*time.Millisecond))
	require.Len(t, r.GetJobBatch().GetJobKeys(), 1)
	select {
	case <-work:
	case <-time.After(10 * time.Second):
		t.Fatal("WatchJobs did not fire when a job timed out")
	}
}

func TestExecuteAfterClose(t *testing.T) {
	p, closeP := open(t, partition.Config{Dir: t.TempDir()})
	event(t, p, deployCmd())
	require.NoError(t, closeP())
	_, err := p.Execute(t.Context(), createCmd())
	require.ErrorIs(t, err, partition.ErrClosed)
}

// Execute calls blocked in a partition that closes end with ErrClosed (or a response, if
// theirs made it) instead of hanging.
func TestCloseEndsWaitingRequests(t *testing.T) {
	p, closeP := open(t, partition.Config{Dir: t.TempDir()})
	event(t, p, deployCmd())
	const n = 200
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			_, err := p.Execute(t.Context(), createCmd())
			errs <- err
		})
	}
	close(start)
	require.NoError(t, closeP())
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, partition.ErrClosed) && !errors.Is(err, partition.ErrNotLeader) && !errors.Is(err, partition.ErrLeadershipLost) {
			t.Fatalf("Execute during Close: %v", err)
		}
	}
}

// With room for one request in flight, concurrent requests are refused with
// ErrBackpressure rather than queued without bound.
func TestBackpressure(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), MaxInFlight: 1})
	event(t, p, deployCmd())

	refused := 0
	deadline := time.Now().Add(20 * time.Second)
	for refused == 0 && time.Now().Before(deadline) {
		const n = 100
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-start
				_, err := p.Execute(t.Context(), createCmd())
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, partition.ErrBackpressure):
				refused++
			default:
				t.Fatalf("Execute under back-pressure: %v", err)
			}
		}
		require.Positive(t, ok, "every request was refused")
	}
	require.Positive(t, refused, "no request was refused with a limit of one in flight")

	// Once the load is gone, requests pass again.
	instanceKey(t, event(t, p, createCmd()))
}

// Under the adaptive limit, creations beyond it are refused, while the commands that
// drain a partition (job completions) always pass.
func TestAdaptiveLimitLetsDrainingCommandsPass(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), Limit: limit.Config{InitialLimit: 1, MinLimit: 1, MaxLimit: 1}})
	event(t, p, deployCmd())
	for range 20 {
		instanceKey(t, event(t, p, createCmd()))
	}
	jobs := event(t, p, activateCmd(20, time.Minute)).GetJobBatch().GetJobKeys()
	require.Len(t, jobs, 20)

	var refusedCreates, refusedCompletes atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 100 {
		wg.Go(func() {
			<-start
			if _, err := p.Execute(t.Context(), createCmd()); errors.Is(err, partition.ErrBackpressure) {
				refusedCreates.Add(1)
			}
		})
	}
	for _, k := range jobs {
		wg.Go(func() {
			<-start
			r, err := p.Execute(t.Context(), jobCmd("COMPLETE", k, nil))
			if errors.Is(err, partition.ErrBackpressure) {
				refusedCompletes.Add(1)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "COMPLETED", r.GetIntent(), dump(r))
		})
	}
	close(start)
	wg.Wait()
	require.Positive(t, refusedCreates.Load(), "no creation was refused with a limit of one")
	require.Zero(t, refusedCompletes.Load(), "job completions must pass the adaptive limit")
	require.Equal(t, 1, p.Limit())
}

// Below the free-disk watermark, commands are refused; once space returns they pass.
func TestDiskWatermark(t *testing.T) {
	var free atomic.Int64
	free.Store(1 << 30)
	p, _ := open(t, partition.Config{Dir: t.TempDir(), MinFreeDisk: 1 << 20,
		FreeDisk: func(string) (int64, error) { return free.Load(), nil }})
	event(t, p, deployCmd())

	free.Store(1 << 10)
	require.Eventually(t, func() bool {
		_, err := p.Execute(t.Context(), createCmd())
		return errors.Is(err, partition.ErrDiskFull)
	}, 10*time.Second, 20*time.Millisecond, "commands were not refused on a full disk")

	free.Store(1 << 30)
	require.Eventually(t, func() bool {
		r, err := p.Execute(t.Context(), createCmd())
		return err == nil && r.GetRecordType() == recordpb.RecordType_EVENT
	}, 10*time.Second, 20*time.Millisecond, "commands were not accepted again when space returned")
}
