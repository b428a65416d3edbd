package engine

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// MaxBatchBytes bounds the jobs (with their variables) of one activation, below the
// 4 MB message limit of the gateway protocol.
const MaxBatchBytes = 3 << 20

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
		if size+n > MaxBatchBytes && len(out.Jobs) > 0 {
			out.Truncated = true
			break
		}
		size += n
		out.JobKeys = append(out.JobKeys, key)
		out.Jobs = append(out.Jobs, rec)
	}
	p.respond(p.event(p.tx.NextKey(), "ACTIVATED", out))
}
