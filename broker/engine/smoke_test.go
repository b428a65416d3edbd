package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

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

func TestSmoke(t *testing.T) {
	h := newHarness(t)
	r := h.exec(deployCmd("p.bpmn", oneTask))
	require.Equal(t, recordpb.RecordType_EVENT, r.GetRecordType(), dump(r))
	r = h.exec(createCmd("p", `{"a":1}`))
	require.Equal(t, recordpb.RecordType_EVENT, r.GetRecordType(), dump(r))
	t.Log("\n" + summary(h.records()))
	r = h.exec(activateCmd("work", 10, 1000))
	require.Len(t, r.GetJobBatch().GetJobs(), 1, dump(r))
	key := r.GetJobBatch().GetJobKeys()[0]
	r = h.exec(jobCmd("COMPLETE", key, &recordpb.JobRecord{Variables: []byte(`{"b":2}`)}))
	require.Equal(t, recordpb.RecordType_EVENT, r.GetRecordType(), dump(r))
	t.Log("\n" + summary(h.records()))
}
