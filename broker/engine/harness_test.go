package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// harness drives the pure engine over an in-memory Pebble state, one command per
// transaction, with a clock the test moves.
type harness struct {
	t      testing.TB
	db     *state.DB
	eng    *engine.Engine
	now    int64
	nextID uint64
	// out collects the output of the last command.
	out engine.Output
	// from is the first position written by the last command.
	from int64
}

func newHarness(t testing.TB) *harness { return newPartitionHarness(t, 1, 1) }

// newPartitionHarness drives partition id of a cluster of count partitions.
func newPartitionHarness(t testing.TB, id, count int32) *harness {
	t.Helper()
	db, err := state.Open("", state.Options{PartitionID: id, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return &harness{t: t, db: db, eng: engine.NewPartitioned(id, count), now: 1_700_000_000_000}
}

// exec processes one command and returns the response to it (nil if none).
func (h *harness) exec(cmd *recordpb.Record) *recordpb.Record {
	h.t.Helper()
	h.nextID++
	id := h.nextID
	h.out = engine.Output{}
	h.from = h.db.LastPosition() + 1
	tx := h.db.Begin()
	tx.SetBrokerVersion("8.3.0")
	h.eng.Process(tx, h.now, engine.Command{RequestID: id, Record: cmd}, &h.out)
	require.NoError(h.t, tx.Commit(false))
	for _, r := range h.out.Responses {
		if r.RequestID == id {
			return r.Record
		}
	}
	return nil
}

// records returns the records the last command wrote.
func (h *harness) records() []*recordpb.Record {
	h.t.Helper()
	rs, err := h.db.Records(h.from, h.db.LastPosition())
	require.NoError(h.t, err)
	return rs
}

// all returns every record of the log.
func (h *harness) all() []*recordpb.Record {
	h.t.Helper()
	rs, err := h.db.Records(1, h.db.LastPosition())
	require.NoError(h.t, err)
	return rs
}

// summary renders records one per line: type, value type, intent, and the element id
// or job type where there is one.
func summary(rs []*recordpb.Record) string {
	var b strings.Builder
	for _, r := range rs {
		rt := map[recordpb.RecordType]string{recordpb.RecordType_COMMAND: "C", recordpb.RecordType_EVENT: "E", recordpb.RecordType_COMMAND_REJECTION: "R"}[r.GetRecordType()]
		fmt.Fprintf(&b, "%s %s %s", rt, r.GetValueType(), r.GetIntent())
		switch v := r.GetValue().(type) {
		case *recordpb.Record_ProcessInstance:
			if v.ProcessInstance.GetElementId() != "" {
				fmt.Fprintf(&b, " %s", v.ProcessInstance.GetElementId())
			}
		case *recordpb.Record_Job:
			if v.Job.GetType() != "" {
				fmt.Fprintf(&b, " %s", v.Job.GetType())
			}
		case *recordpb.Record_Variable:
			fmt.Fprintf(&b, " %s=%s", v.Variable.GetName(), v.Variable.GetValue())
		case *recordpb.Record_Process:
			fmt.Fprintf(&b, " %s v%d", v.Process.GetBpmnProcessId(), v.Process.GetVersion())
		case *recordpb.Record_Deployment:
			for _, m := range v.Deployment.GetProcessesMetadata() {
				fmt.Fprintf(&b, " %s:v%d", m.GetBpmnProcessId(), m.GetVersion())
				if m.GetIsDuplicate() {
					b.WriteString("(duplicate)")
				}
			}
		case *recordpb.Record_MessageSubscription:
			fmt.Fprintf(&b, " %s[%s]", v.MessageSubscription.GetMessageName(), v.MessageSubscription.GetCorrelationKey())
			if mk := v.MessageSubscription.GetMessageKey(); mk > 0 {
				fmt.Fprintf(&b, " message=%d", mk&(1<<51-1))
			}
		case *recordpb.Record_ProcessMessageSubscription:
			fmt.Fprintf(&b, " %s[%s]", v.ProcessMessageSubscription.GetMessageName(), v.ProcessMessageSubscription.GetCorrelationKey())
			if mk := v.ProcessMessageSubscription.GetMessageKey(); mk > 0 {
				fmt.Fprintf(&b, " message=%d", mk&(1<<51-1))
			}
		case *recordpb.Record_CompensationSubscription:
			fmt.Fprintf(&b, " %s->%s", v.CompensationSubscription.GetCompensableActivityId(), v.CompensationSubscription.GetCompensationHandlerId())
		case *recordpb.Record_Timer:
			if v.Timer.GetTargetElementId() == "" {
				break
			}
			fmt.Fprintf(&b, " %s due=+%ds reps=%d", v.Timer.GetTargetElementId(), (v.Timer.GetDueDate()-1_700_000_000_000)/1000, v.Timer.GetRepetitions())
		case *recordpb.Record_ProcessEvent:
			fmt.Fprintf(&b, " %s %s", v.ProcessEvent.GetTargetElementId(), v.ProcessEvent.GetVariables())
		case *recordpb.Record_Signal:
			fmt.Fprintf(&b, " %s %s", v.Signal.GetSignalName(), v.Signal.GetVariables())
		case *recordpb.Record_SignalSubscription:
			fmt.Fprintf(&b, " %s %s/%s", v.SignalSubscription.GetSignalName(), v.SignalSubscription.GetBpmnProcessId(), v.SignalSubscription.GetCatchEventId())
		case *recordpb.Record_Incident:
			if v.Incident.GetErrorType() != "" {
				fmt.Fprintf(&b, " %s: %s", v.Incident.GetErrorType(), v.Incident.GetErrorMessage())
			}
		}
		if r.GetRecordType() == recordpb.RecordType_COMMAND_REJECTION {
			fmt.Fprintf(&b, " %s: %s", r.GetRejectionType(), r.GetRejectionReason())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func dump(r *recordpb.Record) string {
	return protojson.MarshalOptions{}.Format(r)
}

func deployCmd(name, xml string) *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE",
		Value: &recordpb.Record_Deployment{Deployment: &recordpb.DeploymentRecord{
			Resources: []*recordpb.DeploymentResource{{ResourceName: name, Resource: []byte(xml)}}}}}
}

func createCmd(processID, vars string) *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_CREATION, Intent: "CREATE",
		Value: &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: &recordpb.ProcessInstanceCreationRecord{
			BpmnProcessId: processID, Version: -1, Variables: []byte(vars)}}}
}

func activateCmd(jobType string, max int32, timeout int64, fetch ...string) *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_JOB_BATCH, Intent: "ACTIVATE",
		Value: &recordpb.Record_JobBatch{JobBatch: &recordpb.JobBatchRecord{
			Type: jobType, Worker: "w", MaxJobsToActivate: max, Timeout: timeout, Variables: fetch}}}
}

func jobCmd(intent string, key int64, job *recordpb.JobRecord) *recordpb.Record {
	if job == nil {
		job = &recordpb.JobRecord{}
	}
	return &recordpb.Record{ValueType: recordpb.ValueType_JOB, Intent: intent, Key: key,
		Value: &recordpb.Record_Job{Job: job}}
}

// oneTask is a process with one service task of type "work".
const oneTask = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="work" retries="2"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>`

// deliver plays the leaders' part between partitions: it delivers every pending
// subscription command of the harnesses to its target and processes the follow-up on
// its origin, until none is pending. A command is delivered once; only when nothing new
// is pending are the waiting ones delivered again, as a leader repeats them after a
// while. It returns the records written, each block headed by the partition that wrote
// it when there are several.
func deliver(t testing.TB, rounds int, hs ...*harness) string {
	t.Helper()
	byID := map[int32]*harness{}
	for _, h := range hs {
		byID[h.eng.PartitionID()] = h
	}
	var b strings.Builder
	write := func(h *harness) {
		if len(hs) > 1 {
			fmt.Fprintf(&b, "partition %d:\n", h.eng.PartitionID())
		}
		b.WriteString(summary(h.records()))
	}
	type sendID struct {
		origin int32
		owner  int64
		cmd    string
	}
	done := map[sendID]bool{}
	for range rounds {
		type pending struct {
			from *harness
			send state.PendingSend
			id   sendID
		}
		var all, fresh []pending
		for _, h := range hs {
			sends, err := h.db.PendingSends(100)
			require.NoError(t, err)
			for _, s := range sends {
				id := sendID{h.eng.PartitionID(), s.Owner, s.Send.GetCommand().GetValueType().String() + " " + s.Send.GetCommand().GetIntent()}
				all = append(all, pending{h, s, id})
				if !done[id] {
					fresh = append(fresh, pending{h, s, id})
				}
			}
		}
		if len(all) == 0 {
			return b.String()
		}
		if len(fresh) == 0 {
			fresh = all // only waiting ones: repeat them
			b.WriteString("(repeated)\n")
		}
		for _, p := range fresh {
			done[p.id] = true
			to := byID[p.send.Send.GetPartition()]
			require.NotNil(t, to, "a send to unknown partition %d", p.send.Send.GetPartition())
			resp := to.exec(proto.Clone(p.send.Send.GetCommand()).(*recordpb.Record))
			write(to)
			if follow := engine.AfterSend(p.send.Send, resp); follow != nil {
				p.from.exec(follow)
				write(p.from)
			}
		}
	}
	t.Fatalf("subscription commands still pending after %d rounds", rounds)
	return ""
}
