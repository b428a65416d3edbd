package gateway

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// collectJobs reads an ActivateJobs stream to its end and returns the jobs, the number of
// responses and the error that ended it (nil for a clean end).
func collectJobs(stream gatewaypb.Gateway_ActivateJobsClient) ([]*gatewaypb.ActivatedJob, int, error) {
	var jobs []*gatewaypb.ActivatedJob
	responses := 0
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return jobs, responses, nil
		}
		if err != nil {
			return jobs, responses, err
		}
		responses++
		jobs = append(jobs, resp.GetJobs()...)
	}
}

func activateAll(t *testing.T, ctx context.Context, client gatewaypb.GatewayClient, req *gatewaypb.ActivateJobsRequest) ([]*gatewaypb.ActivatedJob, error) {
	t.Helper()
	stream, err := client.ActivateJobs(ctx, req)
	noError(t, err)
	jobs, _, err := collectJobs(stream)
	return jobs, err
}

// activations counts the JOB_BATCH ACTIVATE commands the broker got.
func activations(b *fakeBroker) int {
	n := 0
	for _, s := range b.sent() {
		if s.cmd.GetValueType() == recordpb.ValueType_JOB_BATCH {
			n++
		}
	}
	return n
}

func jobOf(jobType string) *recordpb.JobRecord {
	return &recordpb.JobRecord{Type: jobType, Retries: 3}
}

func TestActivateJobsMapsCommandAndJobs(t *testing.T) {
	b := newFakeBroker(1)
	b.addJob(1, keyOn(1, 40), &recordpb.JobRecord{
		Type: "ship", Retries: 3, Deadline: 1_700_000_000_000,
		CustomHeaders: []*recordpb.Header{{Key: "z", Value: "last<&>"}, {Key: "a", Value: `quote " here`}},
		Variables:     []byte(`{"order":7}`), ElementId: "ship-task", ElementInstanceKey: keyOn(1, 39),
		ProcessInstanceKey: keyOn(1, 30), BpmnProcessId: "order", ProcessDefinitionVersion: 4, ProcessDefinitionKey: keyOn(1, 2),
	})
	b.addJob(1, keyOn(1, 41), &recordpb.JobRecord{Type: "ship", Retries: 1})
	client := startGateway(t, b, Options{})

	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "ship", Worker: "w-1", Timeout: 30_000, MaxJobsToActivate: 10, FetchVariable: []string{"order"}, RequestTimeout: -1,
	})
	noError(t, err)
	equal(t, 2, len(jobs))
	protoEqual(t, &gatewaypb.ActivatedJob{
		Key: keyOn(1, 40), Type: "ship", ProcessInstanceKey: keyOn(1, 30), BpmnProcessId: "order",
		ProcessDefinitionVersion: 4, ProcessDefinitionKey: keyOn(1, 2), ElementId: "ship-task", ElementInstanceKey: keyOn(1, 39),
		CustomHeaders: `{"z":"last<&>","a":"quote \" here"}`, Worker: "w-1", Retries: 3, Deadline: 1_700_000_000_000,
		Variables: `{"order":7}`,
	}, jobs[0])
	protoEqual(t, &gatewaypb.ActivatedJob{
		Key: keyOn(1, 41), Type: "ship", CustomHeaders: "{}", Worker: "w-1", Retries: 1, Variables: "{}",
	}, jobs[1])

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, recordpb.ValueType_JOB_BATCH, sent[0].cmd.GetValueType())
	equal(t, "ACTIVATE", sent[0].cmd.GetIntent())
	protoEqual(t, &recordpb.JobBatchRecord{
		Type: "ship", Worker: "w-1", Timeout: 30_000, MaxJobsToActivate: 10, Variables: []string{"order"},
	}, sent[0].cmd.GetJobBatch())
}

func TestActivateJobsAsksPartitionsInTurnUntilEnough(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	for p := int32(1); p <= 3; p++ {
		b.addJob(p, keyOn(p, 1), jobOf("t"))
		b.addJob(p, keyOn(p, 2), jobOf("t"))
	}
	client := startGateway(t, b, Options{})
	req := &gatewaypb.ActivateJobsRequest{Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 3, RequestTimeout: -1}

	// The first request starts at partition 1, takes its two jobs, then one of partition 2.
	jobs, err := activateAll(t, t.Context(), client, req)
	noError(t, err)
	equal(t, 3, len(jobs))
	sent := b.sent()
	equal(t, 2, len(sent))
	equal(t, int32(1), sent[0].partition)
	equal(t, int32(3), sent[0].cmd.GetJobBatch().GetMaxJobsToActivate())
	equal(t, int32(2), sent[1].partition)
	equal(t, int32(1), sent[1].cmd.GetJobBatch().GetMaxJobsToActivate())

	// The next request starts at partition 2.
	jobs, err = activateAll(t, t.Context(), client, req)
	noError(t, err)
	equal(t, 3, len(jobs))
	sent = b.sent()[2:]
	equal(t, int32(2), sent[0].partition)
	equal(t, int32(3), sent[1].partition)
}

func TestActivateJobsSkipsPartitionsInTrouble(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	b.addJob(3, keyOn(3, 1), jobOf("t"))
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		switch partition {
		case 1:
			return nil, ErrPartitionUnavailable
		case 2:
			return nil, ErrBackpressure
		}
		return b.answer(partition, cmd), nil
	})
	client := startGateway(t, b, Options{})

	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: -1,
	})
	noError(t, err)
	equal(t, 1, len(jobs))
	equal(t, keyOn(3, 1), jobs[0].GetKey())
}

// A partition that does not answer (no leader, say) holds a round only for
// ActivationPartitionTimeout, not for the whole long poll.
func TestActivateJobsGoesOnPastAPartitionThatDoesNotAnswer(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.addJob(2, keyOn(2, 1), jobOf("t"))
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		if partition == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return b.answer(partition, cmd), nil
	})
	client := startGateway(t, b, Options{ActivationPartitionTimeout: 50 * time.Millisecond})
	// Without the bound, the round would wait on partition 1 until this deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	jobs, err := activateAll(t, ctx, client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 60_000,
	})
	noError(t, err)
	equal(t, 1, len(jobs))
	equal(t, keyOn(2, 1), jobs[0].GetKey())
}

func TestActivateJobsFailsWhenEveryPartitionFails(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(func(context.Context, int32, *recordpb.Record) (*recordpb.Record, error) {
		return nil, ErrBackpressure
	})
	client := startGateway(t, b, Options{})

	// Even with long polling: waiting on partitions that cannot answer helps nobody.
	_, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 60_000,
	})
	requireStatus(t, err, codes.ResourceExhausted)
}

func TestActivateJobsRejection(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(func(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		return rejectionFor(cmd, recordpb.RejectionType_INVALID_ARGUMENT, "no such tenant"), nil
	})
	client := startGateway(t, b, Options{})

	_, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 60_000,
	})
	requireStatus(t, err, codes.InvalidArgument, "Command 'ACTIVATE' rejected with code 'INVALID_ARGUMENT': no such tenant")
	equal(t, 1, activations(b))
}

func TestActivateJobsSplitsResponsesToFitMessageSize(t *testing.T) {
	const limit = 64 << 10
	b := newFakeBroker(1)
	big := `{"blob":"` + strings.Repeat("x", 20<<10) + `"}`
	for i := range int64(5) {
		job := jobOf("t")
		job.Variables = []byte(big)
		b.addJob(1, keyOn(1, i+1), job)
	}
	tooBig := jobOf("t")
	tooBig.Variables = []byte(`{"blob":"` + strings.Repeat("y", limit) + `"}`)
	b.addJob(1, keyOn(1, 99), tooBig)
	client := startGateway(t, b, Options{MaxMessageSize: limit})

	stream, err := client.ActivateJobs(t.Context(), &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 10, RequestTimeout: -1,
	})
	noError(t, err)
	jobs, responses, err := collectJobs(stream)
	noError(t, err)
	// Three 20 KiB jobs fit in 64 KiB, so five take two responses; the job larger than any
	// message is left to time out.
	equal(t, 5, len(jobs))
	equal(t, 2, responses)
	for i, j := range jobs {
		equal(t, keyOn(1, int64(i+1)), j.GetKey())
	}
}

func TestLongPollWakesWhenJobsMayBeActivatable(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	client := startGateway(t, b, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	type result struct {
		jobs []*gatewaypb.ActivatedJob
		err  error
	}
	done := make(chan result, 1)
	go func() {
		stream, err := client.ActivateJobs(ctx, &gatewaypb.ActivateJobsRequest{
			Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 60_000,
		})
		if err != nil {
			done <- result{err: err}
			return
		}
		jobs, _, err := collectJobs(stream)
		done <- result{jobs, err}
	}()

	eventually(t, "the first round asked every partition", func() bool { return activations(b) == 3 })
	b.addJob(2, keyOn(2, 5), jobOf("t"))
	r := receive(t, done)
	noError(t, r.err)
	equal(t, 1, len(r.jobs))
	equal(t, keyOn(2, 5), r.jobs[0].GetKey())
	eventually(t, "the watch was canceled", func() bool { return b.openWatches("t") == 0 })
}

func TestLongPollWatchesBeforeTheFirstRound(t *testing.T) {
	b := newFakeBroker(1)
	var once sync.Once
	b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		first := false
		once.Do(func() { first = true })
		if first {
			// A job arrives while the first round runs, after this partition looked.
			resp := b.answer(partition, cmd)
			b.addJob(1, keyOn(1, 8), jobOf("t"))
			return resp, nil
		}
		return b.answer(partition, cmd), nil
	})
	client := startGateway(t, b, Options{})

	// Were the watch registered after the first round, this would wait out the minute.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	jobs, err := activateAll(t, ctx, client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 60_000,
	})
	noError(t, err)
	equal(t, 1, len(jobs))
	equal(t, 2, activations(b))
}

func TestLongPollEndsEmptyAfterRequestTimeout(t *testing.T) {
	b := newFakeBroker(1, 2)
	client := startGateway(t, b, Options{})

	start := time.Now()
	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 250,
	})
	elapsed := time.Since(start)
	noError(t, err)
	equal(t, 0, len(jobs))
	if elapsed < 250*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("stream ended after %v, want about 250ms", elapsed)
	}
	equal(t, 2, activations(b))
	equal(t, 0, b.openWatches("t"))
}

func TestLongPollZeroUsesTheDefaultTimeout(t *testing.T) {
	b := newFakeBroker(1)
	client := startGateway(t, b, Options{DefaultLongPollTimeout: 300 * time.Millisecond})

	start := time.Now()
	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 0,
	})
	elapsed := time.Since(start)
	noError(t, err)
	equal(t, 0, len(jobs))
	if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("stream ended after %v, want about 300ms", elapsed)
	}
}

func TestNegativeRequestTimeoutAnswersAtOnce(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	// A default this long would time the test out if the request waited.
	client := startGateway(t, b, Options{DefaultLongPollTimeout: time.Hour})

	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: -1,
	})
	noError(t, err)
	equal(t, 0, len(jobs))
	equal(t, 3, activations(b))
	equal(t, 0, b.watchesOpened())
}

func TestLongPollEndsWhenTheClientCancels(t *testing.T) {
	b := newFakeBroker(1, 2)
	client := startGateway(t, b, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	stream, err := client.ActivateJobs(ctx, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 600_000,
	})
	noError(t, err)
	eventually(t, "the request is waiting for jobs", func() bool {
		return activations(b) == 2 && b.openWatches("t") == 1
	})
	cancel()
	_, _, err = collectJobs(stream)
	requireStatus(t, err, codes.Canceled)
	// The handler returns, and with it the watch goes; goleak checks nothing else is left.
	eventually(t, "the server-side request ended", func() bool { return b.openWatches("t") == 0 })
}

func TestLongPollSurvivesAClosedWatch(t *testing.T) {
	b := &closingWatchBroker{fakeBroker: newFakeBroker(1)}
	client := startGateway(t, b, Options{})

	jobs, err := activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 200,
	})
	noError(t, err)
	equal(t, 0, len(jobs))
	// One round, one more when the closed channel was first seen, then only the deadline.
	equal(t, 2, activations(b.fakeBroker))
}

// closingWatchBroker hands out watches that are already closed.
type closingWatchBroker struct{ *fakeBroker }

func (b *closingWatchBroker) WatchJobs(string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	close(ch)
	return ch, nil
}

func TestShutdownEndsLongPolls(t *testing.T) {
	b := newFakeBroker(1)
	client, srv := startGatewayServer(t, b, Options{})

	stream, err := client.ActivateJobs(t.Context(), &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 5, RequestTimeout: 600_000,
	})
	noError(t, err)
	eventually(t, "the request is waiting for jobs", func() bool { return b.openWatches("t") == 1 })
	start := time.Now()
	srv.Shutdown()
	jobs, _, err := collectJobs(stream)
	noError(t, err)
	equal(t, 0, len(jobs))
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("the long poll ended %v after Shutdown, want at once", elapsed)
	}
	srv.Shutdown() // a second call does nothing
}

// failingStream is an ActivateJobs stream whose worker went away: every Send fails.
type failingStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s failingStream) Context() context.Context { return s.ctx }
func (s failingStream) Send(*gatewaypb.ActivateJobsResponse) error {
	return status.Error(codes.Canceled, "the worker went away")
}

// Jobs activated for a worker that went away are yielded back to their partition, so
// that other workers get them at once rather than after the activation's timeout.
func TestActivatedJobsThatCannotBeSentAreYielded(t *testing.T) {
	b := newFakeBroker(1)
	b.addJob(1, keyOn(1, 1), jobOf("t"))
	b.addJob(1, keyOn(1, 2), jobOf("t"))
	_, srv := startGatewayServer(t, b, Options{})
	err := srv.ActivateJobs(&gatewaypb.ActivateJobsRequest{Type: "t", Worker: "w", Timeout: 60_000, MaxJobsToActivate: 5, RequestTimeout: -1},
		failingStream{ctx: t.Context()})
	requireStatus(t, err, codes.Canceled)
	var yielded []int64
	for _, c := range b.sent() {
		if c.cmd.GetValueType() == recordpb.ValueType_JOB && c.cmd.GetIntent() == "YIELD" {
			equal(t, int32(1), c.partition)
			yielded = append(yielded, c.cmd.GetKey())
		}
	}
	if !slices.Equal([]int64{keyOn(1, 1), keyOn(1, 2)}, yielded) {
		t.Fatalf("yielded %v, want both activated jobs", yielded)
	}
}
