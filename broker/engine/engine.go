// Package engine is Weft's processing step: it turns one command into the events it
// causes (or a rejection), applies those events to the partition's state, and answers
// the waiting request. It is pure: no goroutines, no clock, no network; the caller
// passes the time and the state transaction, and the same commands over the same state
// always give byte-identical records and state.
//
// As in Zeebe, processors validate commands and write events; appliers (applier.go) are
// the only code that changes state, and they do so from an event alone. Follow-up
// commands that a processor writes (activate the next element, complete a scope) are
// appended to the log and processed in order before Process returns.
package engine

import (
	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/dmn"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// Engine processes the commands of one partition. It is used by one goroutine at a time.
type Engine struct {
	partitionID int32
	// partitionCount is the number of partitions of the cluster; deployments made on this
	// partition are distributed to the others.
	partitionCount int32
	// processes caches parsed process definitions by key. It is derived from state
	// and holds nothing that reaches the output but what state holds.
	processes map[int64]*bpmn.Process
	// decisions caches parsed DMN resources by decision requirements key, like processes.
	decisions map[int64]*dmn.Definitions
}

// New returns an engine for a partition of a cluster with one partition.
func New(partitionID int32) *Engine { return NewPartitioned(partitionID, 1) }

// NewPartitioned returns an engine for one partition of partitionCount. Deployments
// made on a partition are distributed to all the others.
func NewPartitioned(partitionID, partitionCount int32) *Engine {
	return &Engine{partitionID: partitionID, partitionCount: max(partitionCount, 1), processes: map[int64]*bpmn.Process{},
		decisions: map[int64]*dmn.Definitions{}}
}

// PartitionID returns the partition the engine processes.
func (e *Engine) PartitionID() int32 { return e.partitionID }

// Command is one command to process, with the id of the request waiting for its
// response (0 for none).
type Command struct {
	RequestID uint64
	Record    *recordpb.Record
}

// Response answers a waiting request: the command's event, a rejection, or the result
// of a process instance.
type Response struct {
	RequestID uint64
	Record    *recordpb.Record
}

// Output collects what processing produced besides state and records.
type Output struct {
	// Responses to deliver to waiting requests, in order.
	Responses []Response
	// JobTypes lists job types that have new activatable jobs, without repeats.
	JobTypes []string
	// TimerDue is the earliest due date (ms) of the timers created, 0 for none: the
	// leader's due-date checker must look from there.
	TimerDue int64
	// Distribute is set when commands wait to be sent to other partitions: deployments
	// to distribute (state.DB.PendingDistributions) or subscription commands
	// (state.DB.PendingSends).
	Distribute bool
	// Continue is set when the step left follow-up commands over (it does at most
	// StepBudget commands): the leader proposes a PROCESS_INSTANCE_BATCH CONTINUE command.
	Continue bool
}

// StepBudget is the most commands one Process call processes. A step that causes more
// (a large multi-instance activity, a model that forks for ever) leaves the rest in the
// state, for PROCESS_INSTANCE_BATCH CONTINUE commands that the leader proposes: other
// commands go on between them, and a runaway instance can be cancelled.
const StepBudget = 2_000

func (o *Output) timerDue(at int64) {
	if o.TimerDue == 0 || at < o.TimerDue {
		o.TimerDue = at
	}
}

func (o *Output) jobsAvailable(jobType string) {
	for _, t := range o.JobTypes {
		if t == jobType {
			return
		}
	}
	o.JobTypes = append(o.JobTypes, jobType)
}

// Process processes cmd and every follow-up command it causes, at time now
// (milliseconds since the epoch, the Raft entry's timestamp). Records go to tx's log;
// responses and notifications to out.
func (e *Engine) Process(tx *state.Txn, now int64, cmd Command, out *Output) {
	p := &processing{e: e, tx: tx, now: now, out: out}
	rec := cmd.Record
	rec.RecordType = recordpb.RecordType_COMMAND
	rec.Timestamp = now
	rec.SourceRecordPosition = -1
	if rec.Key == 0 {
		rec.Key = -1
	}
	tx.AppendRecord(rec)
	p.queue = append(p.queue, queued{rec: rec, requestID: cmd.RequestID})
	for done := 0; len(p.queue) > 0 && tx.Err() == nil; done++ {
		if done == StepBudget {
			p.leaveOver()
			return
		}
		next := p.queue[0]
		p.queue = p.queue[1:]
		p.cmd = next.rec
		p.requestID = next.requestID
		p.dispatch()
	}
}

// leaveOver keeps the queued follow-up commands in the state for a later step.
func (p *processing) leaveOver() {
	cs := make([]*statepb.Continuation, 0, len(p.queue))
	for _, q := range p.queue {
		c := &statepb.Continuation{Record: q.rec}
		if id, ok := p.startAt[q.rec.GetKey()]; ok {
			c.StartAt = id
		}
		if v, ok := p.startVars[q.rec.GetKey()]; ok {
			c.StartVariables = v
		}
		cs = append(cs, c)
	}
	p.tx.PushContinuation(cs)
	p.queue = nil
	p.out.Continue = true
}

// continueSteps processes PROCESS_INSTANCE_BATCH CONTINUE: the follow-up commands an
// earlier step left over are taken up again, oldest first.
func (p *processing) continueSteps() {
	// Commands of instances that ended meanwhile (a runaway instance was cancelled) are
	// dropped as they are taken, many per step, so that their backlog drains fast.
	var live []*statepb.Continuation
	ended := map[int64]bool{}
	for scanned := 0; len(live) < StepBudget && scanned < 10*StepBudget; {
		batch := p.tx.TakeContinuation(StepBudget)
		if len(batch) == 0 {
			break
		}
		scanned += len(batch)
		for _, c := range batch {
			r := c.GetRecord()
			pik := r.GetProcessInstance().GetProcessInstanceKey()
			if pik > 0 && r.GetKey() != pik {
				gone, known := ended[pik]
				if !known {
					gone = p.tx.ElementInstance(pik) == nil
					ended[pik] = gone
				}
				if gone {
					continue
				}
			}
			live = append(live, c)
		}
	}
	if p.tx.HasContinuation() {
		p.out.Continue = true
	}
	for _, c := range live {
		r := c.GetRecord()
		if c.GetStartAt() != "" {
			if p.startAt == nil {
				p.startAt = map[int64]string{}
			}
			p.startAt[r.GetKey()] = c.GetStartAt()
		}
		if len(c.GetStartVariables()) > 0 {
			if p.startVars == nil {
				p.startVars = map[int64][]byte{}
			}
			p.startVars[r.GetKey()] = c.GetStartVariables()
		}
		p.queue = append(p.queue, queued{rec: r})
	}
}

type queued struct {
	rec       *recordpb.Record
	requestID uint64
}

// processing is the context of one Process call.
type processing struct {
	e   *Engine
	tx  *state.Txn
	now int64
	out *Output

	queue     []queued
	cmd       *recordpb.Record // the command being processed
	requestID uint64
	// rng is the state of the deterministic number sequence FEEL's uuid() and random
	// number() draw from (see random).
	rng uint64
	// startVars holds the variables of the event that started an event sub-process, for
	// its start event, by the start event's element instance key.
	startVars map[int64][]byte
	// startWith names the elements an instance created in this call starts at (start
	// instructions), by instance key.
	startWith map[int64][]string
	// startAt names the start event of instances created in this call at another start
	// event than the none start event (by a signal), by instance key.
	startAt map[int64]string
}

func (p *processing) dispatch() {
	c := p.cmd
	switch c.GetValueType() {
	case recordpb.ValueType_DEPLOYMENT:
		if c.GetIntent() == "CREATE" {
			p.deploy()
			return
		}
	case recordpb.ValueType_PROCESS_INSTANCE_CREATION:
		if c.GetIntent() == "CREATE" {
			p.createInstance()
			return
		}
	case recordpb.ValueType_PROCESS_INSTANCE:
		switch c.GetIntent() {
		case piActivateElement:
			p.activateElementCommand()
			return
		case piCompleteElement:
			p.completeElementCommand()
			return
		case piTerminateElement:
			p.terminateElementCommand()
			return
		case "CANCEL":
			p.cancelInstance()
			return
		}
	case recordpb.ValueType_JOB:
		if p.jobCommand() {
			return
		}
	case recordpb.ValueType_JOB_BATCH:
		if c.GetIntent() == "ACTIVATE" {
			p.activateJobs()
			return
		}
	case recordpb.ValueType_INCIDENT:
		if c.GetIntent() == "RESOLVE" {
			p.resolveIncident()
			return
		}
	case recordpb.ValueType_VARIABLE_DOCUMENT:
		if c.GetIntent() == "UPDATE" {
			p.updateVariables()
			return
		}
	case recordpb.ValueType_COMMAND_DISTRIBUTION:
		if c.GetIntent() == "ACKNOWLEDGE" {
			p.acknowledgeDistribution()
			return
		}
	case recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION:
		switch c.GetIntent() {
		case "CREATE":
			p.confirmProcessSubscription()
			return
		case "CORRELATE":
			p.correlateProcessSubscription()
			return
		case "DELETE":
			p.deleteProcessSubscription()
			return
		}
	case recordpb.ValueType_MESSAGE_SUBSCRIPTION:
		switch c.GetIntent() {
		case "CREATE":
			p.openMessageSubscriptionSide()
			return
		case "CORRELATE":
			p.confirmCorrelation()
			return
		case "REJECT":
			p.rejectCorrelation()
			return
		case "DELETE":
			p.deleteMessageSubscriptionSide()
			return
		}
	case recordpb.ValueType_PROCESS_INSTANCE_BATCH:
		if c.GetIntent() == "CONTINUE" {
			p.continueSteps()
			return
		}
	case recordpb.ValueType_RESOURCE_DELETION:
		if c.GetIntent() == "DELETE" {
			p.deleteResource()
			return
		}
	case recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION:
		if c.GetIntent() == "MODIFY" {
			p.modifyInstance()
			return
		}
	case recordpb.ValueType_DECISION_EVALUATION:
		if c.GetIntent() == "EVALUATE" {
			p.evaluateDecisionCommand()
			return
		}
	case recordpb.ValueType_TIMER:
		if c.GetIntent() == "TRIGGER" {
			p.triggerTimer()
			return
		}
	case recordpb.ValueType_SIGNAL:
		if c.GetIntent() == "BROADCAST" {
			p.broadcastSignal()
			return
		}
	case recordpb.ValueType_MESSAGE:
		switch c.GetIntent() {
		case "PUBLISH":
			p.publishMessage()
			return
		case "EXPIRE":
			p.expireMessage()
			return
		}
	}
	p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected a known command, but got %s %s", c.GetValueType(), c.GetIntent())
}
