package engine

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// MaxBatchBytes bounds the jobs (with their variables) of one activation, below the
// 4 MiB message limit of the gateway protocol. A job that alone exceeds it cannot be
// delivered: instead of being activated it fails with an incident.
const MaxBatchBytes = 4<<20 - 64<<10

// activateJobs processes JOB_BATCH ACTIVATE: up to maxJobsToActivate activatable jobs
// of the type, oldest first, become activated for the worker until now + timeout.
func (p *processing) activateJobs() {
	b := p.cmd.GetJobBatch()
	switch {
	case strings.TrimSpace(b.GetType()) == "":
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to activate jobs of a non-empty type, but the type was empty")
		return
	case b.GetMaxJobsToActivate() < 1:
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to activate jobs with maxJobsToActivate greater than zero, but got %d", b.GetMaxJobsToActivate())
		return
	case b.GetTimeout() < 1:
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to activate jobs with a timeout greater than zero, but got %d", b.GetTimeout())
		return
	}
	out := &recordpb.JobBatchRecord{
		Type: b.GetType(), Worker: b.GetWorker(), Timeout: b.GetTimeout(),
		MaxJobsToActivate: b.GetMaxJobsToActivate(), Variables: b.GetVariables(), TenantIds: b.GetTenantIds(),
	}
	size := 0
	for _, key := range p.tx.ActivatableJobs(b.GetType(), int(b.GetMaxJobsToActivate())) {
		job := p.tx.Job(key)
		if job == nil {
			continue
		}
		rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
		rec.Worker = b.GetWorker()
		rec.Deadline = p.now + b.GetTimeout()
		rec.Timeout = b.GetTimeout()
		rec.Variables = p.collectVariables(rec.GetElementInstanceKey(), b.GetVariables())
		n := proto.Size(rec)
		if n > MaxBatchBytes {
			p.jobTooLarge(key, job.GetRecord(), n)
			continue
		}
		if size+n > MaxBatchBytes {
			out.Truncated = true
			break
		}
		size += n
		out.JobKeys = append(out.JobKeys, key)
		out.Jobs = append(out.Jobs, rec)
	}
	p.respond(p.event(p.tx.NextKey(), "ACTIVATED", out))
}

// jobTooLarge fails a job whose variables make it larger than any activation may be,
// with no retries and a MESSAGE_SIZE_EXCEEDED incident: delivering it would fail at every
// attempt. Once its variables are smaller, UpdateJobRetries and ResolveIncident make it
// activatable again.
func (p *processing) jobTooLarge(key int64, job *recordpb.JobRecord, size int) {
	rec := proto.Clone(job).(*recordpb.JobRecord)
	rec.Retries = 0
	rec.RecurringTime = -1
	rec.ErrorMessage = fmt.Sprintf("The job with its variables is %d bytes, more than the %d bytes an activation may carry", size, MaxBatchBytes)
	p.event(key, "FAILED", rec)
	p.jobIncident(key, rec, "MESSAGE_SIZE_EXCEEDED", rec.ErrorMessage)
}
