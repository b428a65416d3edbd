package main

import (
	"fmt"
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
)

// The sequential specification of one job, for porcupine: what each job operation of the
// gateway API may answer in each state, and the state it leaves. A history of concurrent
// clients is linearizable when every job's operations can be put in one order, each
// inside its call's interval, that this specification accepts.

// jobOpKind names an operation on a job.
type jobOpKind int

const (
	opActivate jobOpKind = iota // ActivateJobs returned the job
	opComplete
	opFail          // FailJob with retries (and no back-off)
	opUpdateRetries // UpdateJobRetries
)

func (k jobOpKind) String() string {
	return [...]string{"activate", "complete", "fail", "updateRetries"}[k]
}

// jobInput is an operation's call.
type jobInput struct {
	Kind    jobOpKind
	Job     int64
	Retries int32 // fail, updateRetries: the retries sent
}

// jobOutcome is what the caller learned.
type jobOutcome int

const (
	outOK jobOutcome = iota
	outNotFound
	outFailedPrecondition
	// outUnknown: UNAVAILABLE, DEADLINE_EXCEEDED or a broken connection; the command may
	// or may not have taken effect, at any time after its call (its return time is
	// infinite).
	outUnknown
)

func (o jobOutcome) String() string {
	return [...]string{"OK", "NOT_FOUND", "FAILED_PRECONDITION", "unknown"}[o]
}

// jobOutput is an operation's answer.
type jobOutput struct {
	Outcome jobOutcome
	Retries int32 // activate: the retries of the activated job
}

// jobState is one job. It is comparable, so porcupine's default equality works.
type jobState struct {
	Gone      bool // completed: deleted
	Failed    bool // failed with no retries left: an incident, not activatable
	Activated bool
	Retries   int32
}

func (s jobState) String() string {
	switch {
	case s.Gone:
		return "completed"
	case s.Failed:
		return fmt.Sprintf("failed, retries %d", s.Retries)
	case s.Activated:
		return fmt.Sprintf("activated, retries %d", s.Retries)
	}
	return fmt.Sprintf("activatable, retries %d", s.Retries)
}

// applyJobOp returns what op answers in state s, and the state after it; ok is false
// when the op cannot happen in s at all (an activation of a job that is not
// activatable, or with other retries).
func applyJobOp(s jobState, in jobInput, activatedRetries int32) (out jobOutcome, next jobState, ok bool) {
	switch in.Kind {
	case opActivate:
		if s.Gone || s.Failed || s.Activated || s.Retries != activatedRetries {
			return 0, s, false
		}
		s.Activated = true
		return outOK, s, true
	case opComplete:
		switch {
		case s.Gone:
			return outNotFound, s, true
		case s.Failed:
			return outFailedPrecondition, s, true
		}
		return outOK, jobState{Gone: true}, true
	case opFail:
		switch {
		case s.Gone:
			return outNotFound, s, true
		case s.Failed:
			return outFailedPrecondition, s, true
		}
		if in.Retries > 0 {
			return outOK, jobState{Retries: in.Retries}, true
		}
		return outOK, jobState{Failed: true}, true
	case opUpdateRetries:
		if s.Gone {
			return outNotFound, s, true
		}
		s.Retries = in.Retries // the state stays: a failed job waits for its incident
		return outOK, s, true
	}
	return 0, s, false
}

// jobModel is the specification of a set of jobs, partitioned by job: each job starts
// activated with initialRetries (the test activates every job before the history).
//
// An activation may activate jobs its caller never hears of: the gateway skips a
// partition whose leader changed under the command, whose outcome is then unknown (Zeebe
// does the same; such jobs time out). So an activatable job may become activated at any
// moment; only a later activation can tell, and it must then find the job activatable
// again (after a fail), never activate it twice in a row.
func jobModel(initialRetries int32) porcupine.Model {
	m := &porcupine.NondeterministicModel{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byJob := map[int64][]porcupine.Operation{}
			var order []int64
			for _, op := range history {
				k := op.Input.(jobInput).Job
				if _, ok := byJob[k]; !ok {
					order = append(order, k)
				}
				byJob[k] = append(byJob[k], op)
			}
			out := make([][]porcupine.Operation, 0, len(order))
			for _, k := range order {
				out = append(out, byJob[k])
			}
			return out
		},
		Init: func() []interface{} {
			return []interface{}{jobState{Activated: true, Retries: initialRetries}}
		},
		Step: func(state, input, output interface{}) []interface{} {
			s, in, out := state.(jobState), input.(jobInput), output.(jobOutput)
			pre := []jobState{s}
			if !s.Gone && !s.Failed && !s.Activated {
				silently := s
				silently.Activated = true
				pre = append(pre, silently)
			}
			var next []interface{}
			for _, p := range pre {
				got, after, ok := applyJobOp(p, in, out.Retries)
				switch {
				case out.Outcome == outUnknown:
					next = append(next, p) // it did not happen
					if ok && got == outOK {
						next = append(next, after) // it did
					}
				case ok && got == out.Outcome:
					next = append(next, after)
				}
			}
			return next
		},
		DescribeOperation: func(input, output interface{}) string {
			in, out := input.(jobInput), output.(jobOutput)
			switch in.Kind {
			case opActivate:
				return fmt.Sprintf("activate(%d) -> retries %d", in.Job, out.Retries)
			case opComplete:
				return fmt.Sprintf("complete(%d) -> %s", in.Job, out.Outcome)
			}
			return fmt.Sprintf("%s(%d, %d) -> %s", in.Kind, in.Job, in.Retries, out.Outcome)
		},
		DescribeState: func(state interface{}) string { return state.(jobState).String() },
	}
	return m.ToModel()
}

// unknownReturn is the return time of an operation whose outcome is unknown: it may take
// effect at any time after its call.
const unknownReturn = math.MaxInt64

// The model accepts a plain run and refuses the histories a broken cluster would give.
func TestJobModel(t *testing.T) {
	op := func(client int, call, ret int64, in jobInput, out jobOutput) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
	}
	const j = 7
	model := jobModel(3)
	ok := []porcupine.Operation{
		op(0, 0, 1, jobInput{Kind: opFail, Job: j, Retries: 2}, jobOutput{}),
		op(1, 2, 3, jobInput{Kind: opActivate, Job: j}, jobOutput{Retries: 2}),
		op(0, 4, 5, jobInput{Kind: opUpdateRetries, Job: j, Retries: 5}, jobOutput{}),
		op(1, 6, unknownReturn, jobInput{Kind: opComplete, Job: j}, jobOutput{Outcome: outUnknown}),
		op(0, 7, 8, jobInput{Kind: opFail, Job: j, Retries: 1}, jobOutput{Outcome: outNotFound}),
	}
	require.True(t, porcupine.CheckOperations(model, ok))

	bad := map[string][]porcupine.Operation{
		"activated twice without a fail": {
			op(0, 0, 1, jobInput{Kind: opFail, Job: j, Retries: 2}, jobOutput{}),
			op(1, 2, 3, jobInput{Kind: opActivate, Job: j}, jobOutput{Retries: 2}),
			op(0, 4, 5, jobInput{Kind: opActivate, Job: j}, jobOutput{Retries: 2}),
		},
		"retries update lost": {
			op(0, 0, 1, jobInput{Kind: opUpdateRetries, Job: j, Retries: 9}, jobOutput{}),
			op(0, 2, 3, jobInput{Kind: opFail, Job: j, Retries: 2}, jobOutput{}),
			op(1, 4, 5, jobInput{Kind: opActivate, Job: j}, jobOutput{Retries: 9}),
		},
		"completed job found again": {
			op(0, 0, 1, jobInput{Kind: opComplete, Job: j}, jobOutput{}),
			op(1, 2, 3, jobInput{Kind: opUpdateRetries, Job: j, Retries: 1}, jobOutput{}),
		},
		"failed job completed": {
			op(0, 0, 1, jobInput{Kind: opFail, Job: j, Retries: 0}, jobOutput{}),
			op(1, 2, 3, jobInput{Kind: opComplete, Job: j}, jobOutput{}),
		},
		"not found before completion": {
			op(0, 0, 1, jobInput{Kind: opComplete, Job: j}, jobOutput{Outcome: outNotFound}),
		},
	}
	for name, h := range bad {
		require.False(t, porcupine.CheckOperations(model, h), name)
	}
}
