package bpmn

import (
	"reflect"
	"testing"

	"github.com/weftlabs/weft/web"
)

const shop = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="defs">
  <bpmn:process id="shop" name="Shop order" isExecutable="true">
    <bpmn:startEvent id="start" name="Order placed"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge"/>
    <bpmn:serviceTask id="charge" name="Charge card">
      <bpmn:extensionElements><zeebe:taskDefinition type="payment"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
  </bpmn:process>
  <bpmn:message id="msgPaid" name="paid"/>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="plane" bpmnElement="shop"/></bpmndi:BPMNDiagram>
</bpmn:definitions>`

func TestElements(t *testing.T) {
	got, err := Elements([]byte(shop))
	if err != nil {
		t.Fatal(err)
	}
	want := []web.Element{
		{ID: "start", Name: "Order placed", Type: "startEvent"},
		{ID: "f1", Type: "sequenceFlow"},
		{ID: "charge", Name: "Charge card", Type: "serviceTask"},
		{ID: "wait", Type: "intermediateCatchEvent"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if _, err := Elements([]byte(`<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:task id="a"`)); err == nil {
		t.Fatal("broken XML read without error")
	}
}

func FuzzElements(f *testing.F) {
	f.Add([]byte(shop))
	f.Fuzz(func(t *testing.T, doc []byte) {
		els, _ := Elements(doc)
		for _, e := range els {
			if e.ID == "" {
				t.Fatalf("element without id: %+v", e)
			}
		}
	})
}
