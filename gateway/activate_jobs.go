package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// ActivateJobs activates up to maxJobsToActivate jobs of one type and streams them to the
// worker. A round asks each partition in turn (starting at a rotating partition) for the
// jobs still wanted. When a round finds none and requestTimeout is not negative, the
// request waits until the Broker reports that jobs of the type may have become
// activatable, then runs another round; when requestTimeout (or, for 0, the gateway's
// DefaultLongPollTimeout) runs out, the stream ends without jobs. A negative
// requestTimeout answers after one round.
func (s *Server) ActivateJobs(req *gatewaypb.ActivateJobsRequest, stream gatewaypb.Gateway_ActivateJobsServer) error {
	if err := validateActivation(req); err != nil {
		return err
	}
	ctx := stream.Context()
	longPoll := req.GetRequestTimeout() >= 0

	// The watch is registered before the first round, so that a job that becomes
	// activatable while the round runs still wakes this request.
	var wake <-chan struct{}
	var expired <-chan time.Time
	if longPoll {
		ch, cancel := s.broker.WatchJobs(req.GetType())
		if cancel != nil {
			defer cancel()
		}
		wake = ch
		wait := s.opts.DefaultLongPollTimeout
		if ms := req.GetRequestTimeout(); ms > 0 {
			wait = millis(ms)
		}
		timer := time.NewTimer(wait)
		defer timer.Stop()
		expired = timer.C
	}

	for {
		sent, err := s.activationRound(ctx, req, stream)
		if err != nil || sent > 0 || !longPoll {
			return err
		}
		select {
		case _, open := <-wake:
			if !open {
				// The Broker stopped the watch; keep waiting for the deadline only.
				wake = nil
			}
		case <-expired:
			return nil
		case <-s.closing:
			return nil
		case <-ctx.Done():
			return contextStatus(ctx)
		}
	}
}

// activationRound asks every partition once, in turn, for the jobs still wanted, and sends
// what it gets to the client. It returns how many jobs it sent. A partition that is
// unavailable, overloaded or slow is skipped, as the others may have jobs; the round fails
// only when all of them fail that way, or at the first other error (a rejection would be
// the same on every partition) before any job was sent.
func (s *Server) activationRound(ctx context.Context, req *gatewaypb.ActivateJobsRequest, stream gatewaypb.Gateway_ActivateJobsServer) (int, error) {
	parts := s.broker.Partitions()
	if len(parts) == 0 {
		return 0, errNoPartitions()
	}
	start := s.nextActivate.Add(1) - 1
	remaining := req.GetMaxJobsToActivate()
	sent, skipped := 0, 0
	var skipErr error
	for i := range parts {
		if remaining <= 0 {
			break
		}
		partition := parts[(start+uint64(i))%uint64(len(parts))]
		cmd := newCommand(partition, recordpb.ValueType_JOB_BATCH, intentActivate, noKey)
		cmd.Value = &recordpb.Record_JobBatch{JobBatch: &recordpb.JobBatchRecord{
			Type:              req.GetType(),
			Worker:            req.GetWorker(),
			Timeout:           req.GetTimeout(),
			MaxJobsToActivate: remaining,
			Variables:         req.GetFetchVariable(),
		}}
		// A partition without a leader would hold the round until the request's
		// deadline; the others may have jobs.
		pctx, cancel := context.WithTimeout(ctx, s.opts.ActivationPartitionTimeout)
		resp, err := s.execute(pctx, partition, cmd, recordpb.ValueType_JOB_BATCH)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				if sent > 0 {
					return sent, nil
				}
				return 0, contextStatus(ctx)
			}
			switch status.Code(err) {
			case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
				s.log.Debug("job activation skipped a partition", "partition", partition, "type", req.GetType(), "error", err)
				skipped++
				skipErr = err
				continue
			}
			if sent > 0 {
				s.log.Warn("job activation stopped early", "partition", partition, "type", req.GetType(), "error", err)
				return sent, nil
			}
			return 0, err
		}
		jobs, err := activatedJobs(resp)
		if err != nil {
			// The broker activated jobs that cannot be delivered: they time out and are
			// activated again.
			s.log.Error("broker answered job activation with a malformed batch", "partition", partition, "error", err)
			if sent > 0 {
				return sent, nil
			}
			return 0, err
		}
		n, undelivered, err := s.sendJobs(stream, jobs)
		sent += n
		if err != nil {
			// These jobs are activated on the broker, but the worker did not get them (it
			// went away): hand them back, so that other workers get them now rather than
			// after the activation's timeout.
			s.log.Warn("activated jobs could not be sent to the worker; yielding them back",
				"partition", partition, "type", req.GetType(), "worker", req.GetWorker(), "jobs", len(undelivered), "error", err)
			s.yieldJobs(context.WithoutCancel(ctx), partition, undelivered)
			return sent, err
		}
		remaining -= int32(len(jobs))
	}
	if sent == 0 && skipped == len(parts) {
		return 0, skipErr
	}
	return sent, nil
}

// sendJobs streams jobs in as few responses as fit the maximum message size. It returns
// how many jobs reached the stream and, when a send fails, the jobs that did not. A job
// too large for any message is left out and logged: it times out on the broker.
func (s *Server) sendJobs(stream gatewaypb.Gateway_ActivateJobsServer, jobs []*gatewaypb.ActivatedJob) (int, []*gatewaypb.ActivatedJob, error) {
	limit := s.opts.MaxMessageSize
	sent := 0
	batch := &gatewaypb.ActivateJobsResponse{}
	size := 0
	flush := func() error {
		if len(batch.Jobs) == 0 {
			return nil
		}
		if err := stream.Send(batch); err != nil {
			return err
		}
		sent += len(batch.Jobs)
		batch = &gatewaypb.ActivateJobsResponse{}
		size = 0
		return nil
	}
	for i, job := range jobs {
		// Each job is field 1 of ActivateJobsResponse: tag, length, message.
		n := protowire.SizeTag(1) + protowire.SizeBytes(proto.Size(job))
		if n > limit {
			s.log.Error("activated job is larger than the maximum message size and cannot be sent; it will time out",
				"job", job.GetKey(), "type", job.GetType(), "size", n, "limit", limit)
			continue
		}
		if size+n > limit {
			if err := flush(); err != nil {
				return sent, append(batch.Jobs, sendable(jobs[i:], limit)...), err
			}
		}
		batch.Jobs = append(batch.Jobs, job)
		size += n
	}
	if err := flush(); err != nil {
		return sent, batch.Jobs, err
	}
	return sent, nil, nil
}

// sendable returns the jobs that fit a message of limit bytes (the others are never
// sent, and would only be activated again to fail the same way).
func sendable(jobs []*gatewaypb.ActivatedJob, limit int) []*gatewaypb.ActivatedJob {
	var out []*gatewaypb.ActivatedJob
	for _, j := range jobs {
		if protowire.SizeTag(1)+protowire.SizeBytes(proto.Size(j)) <= limit {
			out = append(out, j)
		}
	}
	return out
}

// yieldJobs hands activated jobs that did not reach their worker back to their
// partition (JOB YIELD), so that they are activatable again at once. It is best effort,
// bounded to a few seconds: a job not yielded times out as before.
func (s *Server) yieldJobs(ctx context.Context, partition int32, jobs []*gatewaypb.ActivatedJob) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, j := range jobs {
		cmd := newCommand(partition, recordpb.ValueType_JOB, intentYield, j.GetKey())
		cmd.Value = &recordpb.Record_Job{Job: &recordpb.JobRecord{}}
		if _, err := s.execute(ctx, partition, cmd, recordpb.ValueType_JOB); err != nil {
			s.log.Debug("could not yield an undelivered job; it will time out", "job", j.GetKey(), "error", err)
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// validateActivation checks an ActivateJobs request. timeout must be at least 1 ms, as in
// Zeebe: a job locked for no time would be handed to the next worker at once.
func validateActivation(req *gatewaypb.ActivateJobsRequest) error {
	const action = "activate jobs"
	switch {
	case isBlank(req.GetType()):
		return invalidArgument("Expected to %s with a non-blank type, but got '%s'", action, quoted(req.GetType()))
	case isBlank(req.GetWorker()):
		return invalidArgument("Expected to %s with a non-blank worker, but got '%s'", action, quoted(req.GetWorker()))
	case req.GetTimeout() < 1:
		return invalidArgument("Expected to %s with timeout greater than zero, but got %d", action, req.GetTimeout())
	case req.GetMaxJobsToActivate() < 1:
		return invalidArgument("Expected to %s with maxJobsToActivate greater than zero, but got %d", action, req.GetMaxJobsToActivate())
	case req.GetMaxJobsToActivate() > maxJobsToActivateLimit:
		return invalidArgument("Expected to %s with maxJobsToActivate at most %d, but got %d",
			action, maxJobsToActivateLimit, req.GetMaxJobsToActivate())
	}
	return nil
}

// activatedJobs turns a JOB_BATCH ACTIVATED event into the jobs of a response.
func activatedJobs(resp *recordpb.Record) ([]*gatewaypb.ActivatedJob, error) {
	batch := resp.GetJobBatch()
	keys, jobs := batch.GetJobKeys(), batch.GetJobs()
	if len(keys) != len(jobs) {
		return nil, status.Errorf(codes.Internal,
			"Expected the activated job batch to have a key for each job, but it has %d keys for %d jobs", len(keys), len(jobs))
	}
	out := make([]*gatewaypb.ActivatedJob, len(jobs))
	for i, j := range jobs {
		out[i] = &gatewaypb.ActivatedJob{
			Key:                      keys[i],
			Type:                     j.GetType(),
			ProcessInstanceKey:       j.GetProcessInstanceKey(),
			BpmnProcessId:            j.GetBpmnProcessId(),
			ProcessDefinitionVersion: j.GetProcessDefinitionVersion(),
			ProcessDefinitionKey:     j.GetProcessDefinitionKey(),
			ElementId:                j.GetElementId(),
			ElementInstanceKey:       j.GetElementInstanceKey(),
			CustomHeaders:            headersJSON(j.GetCustomHeaders()),
			Worker:                   j.GetWorker(),
			Retries:                  j.GetRetries(),
			Deadline:                 j.GetDeadline(),
			Variables:                variablesJSON(j.GetVariables()),
		}
	}
	return out, nil
}

// headersJSON renders a job's custom headers as the JSON object of strings that clients
// expect, keeping the model's order.
func headersJSON(headers []*recordpb.Header) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	str := func(s string) {
		_ = enc.Encode(s)       // encoding a string cannot fail
		b.Truncate(b.Len() - 1) // Encode ends with a newline
	}
	b.WriteByte('{')
	for i, h := range headers {
		if i > 0 {
			b.WriteByte(',')
		}
		str(h.GetKey())
		b.WriteByte(':')
		str(h.GetValue())
	}
	b.WriteByte('}')
	return b.String()
}
