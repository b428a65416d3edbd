package engine

import (
	"encoding/json"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// jobCommand processes JOB commands; it returns false for an unknown intent.
func (p *processing) jobCommand() bool {
	switch p.cmd.GetIntent() {
	case "COMPLETE":
		p.completeJob()
	case "FAIL":
		p.failJob()
	case "THROW_ERROR":
		p.throwError()
	case "UPDATE_RETRIES":
		p.updateRetries()
	case "TIME_OUT":
		p.timeOutJob()
	case "RECUR_AFTER_BACKOFF":
		p.recurJob()
	case "YIELD":
		p.yieldJob()
	default:
		return false
	}
	return true
}

// jobFor returns the job the command names, or rejects the command: NOT_FOUND for an
// unknown job, INVALID_STATE for one in none of the allowed states.
func (p *processing) jobFor(verb string, allowed ...string) *statepb.Job {
	key := p.cmd.GetKey()
	job := p.tx.Job(key)
	if job == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to %s job with key '%d', but no such job was found", verb, key)
		return nil
	}
	for _, s := range allowed {
		if job.GetState() == s {
			return job
		}
	}
	switch job.GetState() {
	case state.JobFailed:
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to %s job with key '%d', but it is in state 'FAILED'; it has no retries left or waits for its retry back-off", verb, key)
	case state.JobErrorThrown:
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to %s job with key '%d', but an error was thrown for it", verb, key)
	default:
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to %s job with key '%d', but it is in state '%s'", verb, key, job.GetState())
	}
	return nil
}

// jobVariables parses a command's variables, or rejects the command.
func (p *processing) jobVariables(verb string, raw []byte) ([]jsonEntry, bool) {
	entries, err := parseObject(raw)
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to %s job with key '%d' with variables as a JSON object, but they are invalid: %s", verb, p.cmd.GetKey(), err)
		return nil, false
	}
	return entries, true
}

func (p *processing) completeJob() {
	job := p.jobFor("complete", state.JobActivatable, state.JobActivated)
	if job == nil {
		return
	}
	entries, ok := p.jobVariables("complete", p.cmd.GetJob().GetVariables())
	if !ok {
		return
	}
	key := p.cmd.GetKey()
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	rec.Variables = encodeObject(entries)
	ev := p.event(key, "COMPLETED", rec)
	p.respond(ev)

	ei := p.tx.ElementInstance(rec.GetElementInstanceKey())
	if ei == nil || ei.GetState() != piActivated {
		return
	}
	el, ok := p.resolve(ei.GetKey(), ei.GetValue())
	if !ok {
		return
	}
	if len(el.model.Outputs) > 0 {
		p.mergeLocal(el.key, el.value, entries)
	} else {
		p.mergePropagate(el.key, el.value, entries)
	}
	p.command(el.key, piCompleteElement, proto.Clone(el.value).(*recordpb.ProcessInstanceRecord))
}

func (p *processing) failJob() {
	job := p.jobFor("fail", state.JobActivatable, state.JobActivated)
	if job == nil {
		return
	}
	c := p.cmd.GetJob()
	if c.GetRetries() < 0 || c.GetRetryBackoff() < 0 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to fail job with key '%d' with non-negative retries and retry back-off, but got retries %d and back-off %d", p.cmd.GetKey(), c.GetRetries(), c.GetRetryBackoff())
		return
	}
	entries, ok := p.jobVariables("fail", c.GetVariables())
	if !ok {
		return
	}
	key := p.cmd.GetKey()
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	rec.Retries = c.GetRetries()
	rec.ErrorMessage = c.GetErrorMessage()
	rec.RetryBackoff = c.GetRetryBackoff()
	rec.RecurringTime = -1
	if rec.Retries > 0 && rec.RetryBackoff > 0 {
		rec.RecurringTime = p.now + rec.RetryBackoff
	}
	rec.Variables = encodeObject(entries)
	ev := p.event(key, "FAILED", rec)
	p.respond(ev)
	if ei := p.tx.ElementInstance(rec.GetElementInstanceKey()); ei != nil && len(entries) > 0 {
		p.mergeLocal(ei.GetKey(), ei.GetValue(), entries)
	}
	switch {
	case rec.Retries == 0:
		msg := rec.GetErrorMessage()
		if msg == "" {
			msg = "No more retries left."
		}
		p.jobIncident(key, rec, "JOB_NO_RETRIES", msg)
	case rec.RecurringTime < 0:
		p.out.jobsAvailable(rec.GetType())
	}
}

func (p *processing) throwError() {
	job := p.jobFor("throw an error for", state.JobActivatable, state.JobActivated)
	if job == nil {
		return
	}
	c := p.cmd.GetJob()
	if _, ok := p.jobVariables("throw an error for", c.GetVariables()); !ok {
		return
	}
	key := p.cmd.GetKey()
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	rec.ErrorCode = c.GetErrorCode()
	rec.ErrorMessage = c.GetErrorMessage()
	rec.Variables = c.GetVariables()
	ev := p.event(key, "ERROR_THROWN", rec)
	p.respond(ev)
	if p.throwErrorFrom(rec.GetElementInstanceKey(), rec.GetErrorCode(), rec.GetVariables()) {
		return
	}
	p.jobIncident(key, rec, "UNHANDLED_ERROR_EVENT",
		"Expected to throw an error event with the code '"+rec.GetErrorCode()+"' with message '"+rec.GetErrorMessage()+"', but it was not caught. No error events are available in the scope.")
}

func (p *processing) updateRetries() {
	job := p.jobFor("update retries of", state.JobActivatable, state.JobActivated, state.JobFailed, state.JobErrorThrown)
	if job == nil {
		return
	}
	n := p.cmd.GetJob().GetRetries()
	if n < 1 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to update retries for job with key '%d' with a positive amount of retries, but the amount given was '%d'", p.cmd.GetKey(), n)
		return
	}
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	rec.Retries = n
	ev := p.event(p.cmd.GetKey(), "RETRIES_UPDATED", rec)
	p.respond(ev)
}

// timeOutJob processes TIME_OUT, which the leader proposes for an activated job past
// its deadline: the job becomes activatable again.
func (p *processing) timeOutJob() {
	job := p.jobFor("time out", state.JobActivated)
	if job == nil {
		return
	}
	if job.GetRecord().GetDeadline() > p.now {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to time out job with key '%d', but its deadline has not passed", p.cmd.GetKey())
		return
	}
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	p.respond(p.event(p.cmd.GetKey(), "TIMED_OUT", rec))
	p.out.jobsAvailable(rec.GetType())
}

// yieldJob processes YIELD, which a gateway sends for activated jobs it could not hand
// to their worker (the worker went away): the job becomes activatable again at once,
// with its retries untouched, rather than at its deadline.
func (p *processing) yieldJob() {
	job := p.jobFor("yield", state.JobActivated)
	if job == nil {
		return
	}
	rec := proto.Clone(job.GetRecord()).(*recordpb.JobRecord)
	p.respond(p.event(p.cmd.GetKey(), "YIELDED", rec))
	p.out.jobsAvailable(rec.GetType())
}

// recurJob processes RECUR_AFTER_BACKOFF, which the leader proposes when a failed
// job's retry back-off has passed.
func (p *processing) recurJob() {
	job := p.jobFor("recur", state.JobFailed)
	if job == nil {
		return
	}
	r := job.GetRecord()
	if r.GetRecurringTime() < 0 || r.GetRecurringTime() > p.now || r.GetRetries() <= 0 {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to recur job with key '%d' after its back-off, but it is not waiting for one", p.cmd.GetKey())
		return
	}
	rec := proto.Clone(r).(*recordpb.JobRecord)
	p.respond(p.event(p.cmd.GetKey(), "RECURRED_AFTER_BACKOFF", rec))
	p.out.jobsAvailable(rec.GetType())
}
