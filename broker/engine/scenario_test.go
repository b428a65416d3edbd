package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// TestScenarios runs the scripts in testdata/scenarios: each command is fed to the pure
// engine, and the expected output lists the records it wrote and its response.
// Rewrite expectations with: go test ./broker/engine -run TestScenarios -rewrite
//
// Commands:
//
//	deploy name=FILE            the input is the resource (or file=testdata/models/X.bpmn)
//	create process=ID [vars=JSON] [version=N] [key=definition] [result] [fetch=a,b]
//	activate type=T [max=N] [timeout=MS] [fetch=a,b]
//	complete|fail|throw|retries|timeout|recur|yield job=N [vars=JSON] [retries=N] [backoff=MS] [msg=S] [code=S]
//	resolve [incident=last|KEY]
//	cancel [instance=last|KEY]
//	set-vars scope=instance|ELEMENT_ID [local] vars=JSON
//	publish name=N [key=K] [vars=JSON] [id=ID] [ttl=MS]
//	expire                      proposes EXPIRE for the oldest message still waiting
//	tick ms=N                   moves the clock
//	variables scope=instance|ELEMENT_ID   prints the variables visible in the scope
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		s := newScenario(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return s.run(t, d)
		})
	})
}

type scenario struct {
	h         *harness
	instance  int64
	jobs      []int64
	lastBatch []*recordpb.JobRecord
}

func newScenario(t testing.TB) *scenario { return &scenario{h: newHarness(t)} }

func arg(d *datadriven.TestData, name, def string) string {
	for _, a := range d.CmdArgs {
		if a.Key == name {
			if len(a.Vals) == 0 {
				return "true"
			}
			return strings.Join(a.Vals, ",")
		}
	}
	return def
}

func argInt(t *testing.T, d *datadriven.TestData, name string, def int64) int64 {
	v := arg(d, name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %s=%q is not a number", d.Pos, name, v)
	}
	return n
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	h := s.h
	var cmd *recordpb.Record
	switch d.Cmd {
	case "deploy":
		content := d.Input
		if f := arg(d, "file", ""); f != "" {
			b, err := os.ReadFile(filepath.Join("testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			content = string(b)
		}
		cmd = deployCmd(arg(d, "name", "process.bpmn"), content)
	case "create":
		c := createCmd(arg(d, "process", ""), arg(d, "vars", ""))
		v := c.GetProcessInstanceCreation()
		v.Version = int32(argInt(t, d, "version", -1))
		v.AwaitResult = arg(d, "result", "") != ""
		v.FetchVariables = list(arg(d, "fetch", ""))
		for _, id := range list(arg(d, "start", "")) {
			v.StartInstructions = append(v.StartInstructions, &recordpb.StartInstruction{ElementId: id})
		}
		cmd = c
	case "activate":
		cmd = activateCmd(arg(d, "type", ""), int32(argInt(t, d, "max", 10)), argInt(t, d, "timeout", 60_000), list(arg(d, "fetch", ""))...)
	case "complete", "fail", "throw", "retries", "timeout", "recur", "yield":
		intent := map[string]string{"complete": "COMPLETE", "fail": "FAIL", "throw": "THROW_ERROR", "retries": "UPDATE_RETRIES", "timeout": "TIME_OUT", "recur": "RECUR_AFTER_BACKOFF", "yield": "YIELD"}[d.Cmd]
		job := &recordpb.JobRecord{
			Variables: []byte(arg(d, "vars", "")), Retries: int32(argInt(t, d, "retries", 0)),
			RetryBackoff: argInt(t, d, "backoff", 0), ErrorMessage: arg(d, "msg", ""), ErrorCode: arg(d, "code", ""),
		}
		cmd = jobCmd(intent, s.jobKey(t, d), job)
	case "resolve":
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_INCIDENT, Intent: "RESOLVE", Key: s.incidentKey(t, d),
			Value: &recordpb.Record_Incident{Incident: &recordpb.IncidentRecord{}}}
	case "cancel":
		key := s.instance
		switch k := arg(d, "instance", "last"); k {
		case "last":
		case "child": // the last instance a call activity created
			for _, r := range h.all() {
				if pi := r.GetProcessInstance(); r.GetIntent() == "ELEMENT_ACTIVATING" && pi.GetBpmnElementType() == "PROCESS" && pi.GetParentProcessInstanceKey() > 0 {
					key = r.GetKey()
				}
			}
		default:
			key, _ = strconv.ParseInt(k, 10, 64)
		}
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE, Intent: "CANCEL", Key: key,
			Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{ProcessInstanceKey: key}}}
	case "set-vars":
		sem := "PROPAGATE"
		if arg(d, "local", "") != "" {
			sem = "LOCAL"
		}
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_VARIABLE_DOCUMENT, Intent: "UPDATE",
			Value: &recordpb.Record_VariableDocument{VariableDocument: &recordpb.VariableDocumentRecord{
				ScopeKey: s.scopeKey(t, d), UpdateSemantics: sem, Variables: []byte(arg(d, "vars", ""))}}}
	case "publish":
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_MESSAGE, Intent: "PUBLISH",
			Value: &recordpb.Record_Message{Message: &recordpb.MessageRecord{
				Name: arg(d, "name", ""), CorrelationKey: arg(d, "key", ""), Variables: []byte(arg(d, "vars", "")),
				MessageId: arg(d, "id", ""), TimeToLive: argInt(t, d, "ttl", 60_000)}}}
	case "modify":
		// activate=<element ids> (with vars= set on the activated element), terminate=<element ids>
		// (their active instances), in=<ancestor element id> (its active instance).
		rec := &recordpb.ProcessInstanceModificationRecord{}
		active := func(id string) int64 {
			live := map[int64]bool{}
			for _, r := range h.all() {
				pi := r.GetProcessInstance()
				if r.GetRecordType() != recordpb.RecordType_EVENT || pi.GetElementId() != id || pi.GetProcessInstanceKey() != s.instance {
					continue
				}
				switch r.GetIntent() {
				case "ELEMENT_ACTIVATED":
					live[r.GetKey()] = true
				case "ELEMENT_COMPLETED", "ELEMENT_TERMINATED":
					delete(live, r.GetKey())
				}
			}
			for k := range live {
				return k
			}
			return 0
		}
		for _, id := range list(arg(d, "activate", "")) {
			in := &recordpb.ModificationActivateInstruction{ElementId: id, AncestorScopeKey: -1}
			if anc := arg(d, "in", ""); anc != "" {
				in.AncestorScopeKey = active(anc)
			}
			if v := arg(d, "vars", ""); v != "" {
				in.VariableInstructions = []*recordpb.ModificationVariableInstruction{{ElementId: arg(d, "scope", id), Variables: []byte(v)}}
			}
			rec.ActivateInstructions = append(rec.ActivateInstructions, in)
		}
		for _, id := range list(arg(d, "terminate", "")) {
			k := active(id)
			if k == 0 {
				k = 42 // no such instance: the engine refuses the key
			}
			rec.TerminateInstructions = append(rec.TerminateInstructions, k)
		}
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION, Intent: "MODIFY", Key: s.instance,
			Value: &recordpb.Record_ProcessInstanceModification{ProcessInstanceModification: rec}}
	case "signal":
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_SIGNAL, Intent: "BROADCAST",
			Value: &recordpb.Record_Signal{Signal: &recordpb.SignalRecord{SignalName: arg(d, "name", ""), Variables: []byte(arg(d, "vars", ""))}}}
	case "expire":
		// The oldest message that has not expired.
		var waiting []int64
		for _, r := range s.h.all() {
			if r.GetValueType() != recordpb.ValueType_MESSAGE || r.GetRecordType() != recordpb.RecordType_EVENT {
				continue
			}
			if r.GetIntent() == "PUBLISHED" {
				waiting = append(waiting, r.GetKey())
			} else if r.GetIntent() == "EXPIRED" {
				waiting = slices.DeleteFunc(waiting, func(k int64) bool { return k == r.GetKey() })
			}
		}
		if len(waiting) == 0 {
			t.Fatalf("%s: no message waiting", d.Pos)
		}
		key := waiting[0]
		cmd = &recordpb.Record{ValueType: recordpb.ValueType_MESSAGE, Intent: "EXPIRE", Key: key,
			Value: &recordpb.Record_Message{Message: &recordpb.MessageRecord{}}}
	case "tick":
		h.now += argInt(t, d, "ms", 0)
		return "ok\n"
	case "timers":
		// The due-date checker's part: every timer due now is triggered.
		due, err := h.db.DueTimers(0, h.now, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			return "no timer due\n"
		}
		var b strings.Builder
		for _, d := range due {
			h.exec(&recordpb.Record{ValueType: recordpb.ValueType_TIMER, Intent: "TRIGGER", Key: d.Key,
				Value: &recordpb.Record_Timer{Timer: &recordpb.TimerRecord{}}})
			b.WriteString(summary(h.records()))
		}
		return b.String()
	case "deliver":
		out := deliver(t, 10, h)
		if out == "" {
			return "nothing to deliver\n"
		}
		return out
	case "variables":
		return s.variables(t, d)
	default:
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
	resp := h.exec(cmd)
	var b strings.Builder
	b.WriteString(summary(h.records()))
	switch {
	case resp == nil:
		b.WriteString("-> no response\n")
	case resp.GetRecordType() == recordpb.RecordType_COMMAND_REJECTION:
		fmt.Fprintf(&b, "-> rejected %s\n", resp.GetRejectionType())
	default:
		fmt.Fprintf(&b, "-> %s %s", resp.GetValueType(), resp.GetIntent())
		if d.Cmd == "create" {
			if pi := resp.GetProcessInstanceCreation(); pi != nil {
				s.instance = pi.GetProcessInstanceKey()
			}
			if res := resp.GetProcessInstanceResult(); res != nil {
				fmt.Fprintf(&b, " %s", res.GetVariables())
			}
		}
		if jb := resp.GetJobBatch(); jb != nil {
			s.jobs = jb.GetJobKeys()
			for _, j := range jb.GetJobs() {
				fmt.Fprintf(&b, "\n   job %s retries=%d vars=%s headers=%v", j.GetElementId(), j.GetRetries(), j.GetVariables(), headers(j))
			}
		}
		b.WriteByte('\n')
	}
	if d.Cmd == "create" && resp.GetProcessInstanceCreation() == nil && resp.GetRecordType() != recordpb.RecordType_COMMAND_REJECTION {
		for _, r := range h.records() {
			if r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE_CREATION && r.GetIntent() == "CREATED" {
				s.instance = r.GetKey()
			}
		}
	}
	for _, r := range h.out.Responses {
		if res := r.Record.GetProcessInstanceResult(); res != nil && d.Cmd != "create" {
			fmt.Fprintf(&b, "-> result for instance: %s\n", res.GetVariables())
		}
	}
	if len(h.out.JobTypes) > 0 {
		fmt.Fprintf(&b, "-> jobs available: %s\n", strings.Join(h.out.JobTypes, ","))
	}
	return b.String()
}

func headers(j *recordpb.JobRecord) []string {
	var out []string
	for _, h := range j.GetCustomHeaders() {
		out = append(out, h.GetKey()+"="+h.GetValue())
	}
	return out
}

func (s *scenario) jobKey(t *testing.T, d *datadriven.TestData) int64 {
	v := arg(d, "job", "1")
	if strings.HasPrefix(v, "key:") {
		n, _ := strconv.ParseInt(v[4:], 10, 64)
		return n
	}
	if v == "created" { // the last created job, activated or not
		var key int64
		for _, r := range s.h.all() {
			if r.GetValueType() == recordpb.ValueType_JOB && r.GetIntent() == "CREATED" {
				key = r.GetKey()
			}
		}
		return key
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > len(s.jobs) {
		t.Fatalf("%s: job=%s: the last activation got %d jobs", d.Pos, v, len(s.jobs))
	}
	return s.jobs[n-1]
}

func (s *scenario) incidentKey(t *testing.T, d *datadriven.TestData) int64 {
	v := arg(d, "incident", "last")
	if v != "last" {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	var key int64
	for _, r := range s.h.all() {
		if r.GetValueType() == recordpb.ValueType_INCIDENT && r.GetIntent() == "CREATED" {
			key = r.GetKey()
		}
	}
	if key == 0 {
		t.Fatalf("%s: no incident yet", d.Pos)
	}
	return key
}

func (s *scenario) scopeKey(t *testing.T, d *datadriven.TestData) int64 {
	v := arg(d, "scope", "instance")
	if v == "instance" {
		return s.instance
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	var key int64
	for _, r := range s.h.all() {
		if pi := r.GetProcessInstance(); pi != nil && r.GetIntent() == "ELEMENT_ACTIVATING" && pi.GetElementId() == v {
			key = r.GetKey()
		}
	}
	if key == 0 {
		t.Fatalf("%s: no element %q activated", d.Pos, v)
	}
	return key
}

func (s *scenario) variables(t *testing.T, d *datadriven.TestData) string {
	key := s.scopeKey(t, d)
	tx := s.h.db.Begin()
	defer tx.Discard()
	var b strings.Builder
	names := map[string]bool{}
	for k := key; k > 0; {
		tx.LocalVariables(k, func(name string, v *statepb.Variable) {
			if !names[name] {
				names[name] = true
				fmt.Fprintf(&b, "%s=%s\n", name, v.GetValue())
			}
		})
		ei := tx.ElementInstance(k)
		if ei == nil {
			break
		}
		k = ei.GetValue().GetFlowScopeKey()
	}
	if b.Len() == 0 {
		return "none\n"
	}
	return b.String()
}
