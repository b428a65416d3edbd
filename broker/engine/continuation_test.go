package engine_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func continueCmd() *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE_BATCH, Intent: "CONTINUE",
		Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{}}}
}

// A step that causes more than engine.StepBudget commands (a multi-instance activity
// over thousands of items) leaves the rest for CONTINUE commands; together they do
// exactly the work one unbounded step would have done.
func TestLargeStepsContinue(t *testing.T) {
	h := newHarness(t)
	model, err := os.ReadFile("testdata/models/multi_instance.bpmn")
	require.NoError(t, err)
	require.NotNil(t, h.exec(deployCmd("mi.bpmn", string(model))))
	items := make([]string, 12000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	h.exec(createCmd("fanout", `{"items":[`+strings.Join(items, ",")+`]}`))
	require.True(t, h.out.Continue, "a 12000-item fan-out needs more than one step")
	steps := 1
	for h.out.Continue {
		require.Less(t, steps, 100, "the continuation does not end")
		h.exec(continueCmd())
		steps++
	}
	jobs := 0
	for _, r := range h.all() {
		if r.GetValueType() == recordpb.ValueType_JOB && r.GetIntent() == "CREATED" {
			jobs++
		}
	}
	require.Equal(t, 12000, jobs, "every inner instance got its job")
	t.Logf("12000 inner instances in %d steps of at most %d commands", steps, engine.StepBudget)
}

// An instance that forks for ever does not hold its partition: each step stops at the
// budget, and cancelling the instance ends it.
func TestForkBombCanBeCancelled(t *testing.T) {
	h := newHarness(t)
	bomb := `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="bomb" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="merge" />
    <bpmn:exclusiveGateway id="merge" />
    <bpmn:sequenceFlow id="f1" sourceRef="merge" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="merge" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="merge" />
  </bpmn:process>
</bpmn:definitions>`
	require.NotNil(t, h.exec(deployCmd("bomb.bpmn", bomb)))
	created := h.exec(createCmd("bomb", ""))
	key := created.GetProcessInstanceCreation().GetProcessInstanceKey()
	require.True(t, h.out.Continue)
	h.exec(continueCmd())
	require.True(t, h.out.Continue, "it still forks")

	r := h.exec(&recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE, Intent: "CANCEL", Key: key,
		Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{ProcessInstanceKey: key}}})
	require.Equal(t, recordpb.RecordType_EVENT, r.GetRecordType(), dump(r))
	for steps := 0; h.out.Continue; steps++ {
		require.Less(t, steps, 100, "the left-over tokens do not drain after the cancellation")
		h.exec(continueCmd())
	}
	terminated := false
	for _, rec := range h.all() {
		if rec.GetKey() == key && rec.GetIntent() == "ELEMENT_TERMINATED" {
			terminated = true
		}
	}
	require.True(t, terminated, "the cancelled instance is terminated")
}
