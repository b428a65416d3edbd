package bpmn

import (
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// process wraps flow elements in an executable process "p" inside a
// definitions element using the bpmn: and zeebe: prefixes the Modeler writes.
func process(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="p" name="Order" isExecutable="true">
` + body + `
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="plane" bpmnElement="p"/></bpmndi:BPMNDiagram>
</bpmn:definitions>`)
}

// startEnd is the smallest valid process body.
const startEnd = `
<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
<bpmn:endEvent id="end"/>`

func mustParse(t *testing.T, data []byte) *Definitions {
	t.Helper()
	defs, err := Parse("test.bpmn", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return defs
}

// model parses without rejecting, to inspect elements the engine does not run.
func model(t *testing.T, data []byte) (*Process, []Problem) {
	t.Helper()
	defs, problems, err := parse("test.bpmn", data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(defs.Processes) != 1 {
		t.Fatalf("got %d processes, want 1", len(defs.Processes))
	}
	return defs.Processes[0], problems
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func flowIDs(fs []*SequenceFlow) []string {
	return ids(fs, func(f *SequenceFlow) string { return f.ID })
}

func elementIDs(es []*Element) []string {
	return ids(es, func(e *Element) string { return e.ID })
}

func TestParseServiceTaskProcess(t *testing.T) {
	defs := mustParse(t, process(`
<bpmn:startEvent id="start" name="Order placed">
  <bpmn:outgoing>bogus</bpmn:outgoing>
</bpmn:startEvent>
<bpmn:sequenceFlow id="f1" name="go" sourceRef="start" targetRef="task"/>
<bpmn:serviceTask id="task" name="Charge">
  <bpmn:extensionElements>
    <zeebe:taskDefinition type="payment" retries="=retries + 1"/>
    <zeebe:taskHeaders>
      <zeebe:header key="b" value="2"/>
      <zeebe:header key="a" value="1"/>
    </zeebe:taskHeaders>
    <zeebe:ioMapping>
      <zeebe:input source="=order.total" target="amount"/>
      <zeebe:input source="EUR" target="payment.currency"/>
      <zeebe:output source="=receipt" target="order.receipt"/>
    </zeebe:ioMapping>
  </bpmn:extensionElements>
  <bpmn:incoming>f1</bpmn:incoming>
</bpmn:serviceTask>
<bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
<bpmn:endEvent id="end"/>`))
	if len(defs.Processes) != 1 {
		t.Fatalf("got %d processes", len(defs.Processes))
	}
	p := defs.Processes[0]
	if p.ID != "p" || p.Name != "Order" {
		t.Errorf("process = %q %q", p.ID, p.Name)
	}
	if got, want := elementIDs(p.Elements), []string{"start", "task", "end"}; !reflect.DeepEqual(got, want) {
		t.Errorf("elements = %v, want %v", got, want)
	}
	if got, want := flowIDs(p.Flows), []string{"f1", "f2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("flows = %v, want %v", got, want)
	}
	start, task, end := p.Element("start"), p.Element("task"), p.Element("end")
	if p.NoneStart != start || start.Name != "Order placed" {
		t.Errorf("NoneStart = %+v", p.NoneStart)
	}
	for _, c := range []struct {
		el *Element
		t  ElementType
		e  EventType
	}{{start, ElementStartEvent, EventNone}, {task, ElementServiceTask, EventUnspecified}, {end, ElementEndEvent, EventNone}} {
		if c.el.Type != c.t || c.el.EventType != c.e || c.el.Parent != nil {
			t.Errorf("%s: type %s/%s parent %v, want %s/%s", c.el.ID, c.el.Type, c.el.EventType, c.el.Parent, c.t, c.e)
		}
	}
	f1, f2 := p.Flow("f1"), p.Flow("f2")
	if f1.Source != start || f1.Target != task || f1.Name != "go" || f1.Condition != nil {
		t.Errorf("f1 = %+v", f1)
	}
	if !reflect.DeepEqual(start.Outgoing, []*SequenceFlow{f1}) || len(start.Incoming) != 0 {
		t.Errorf("start flows: in %v out %v", flowIDs(start.Incoming), flowIDs(start.Outgoing))
	}
	if !reflect.DeepEqual(task.Incoming, []*SequenceFlow{f1}) || !reflect.DeepEqual(task.Outgoing, []*SequenceFlow{f2}) {
		t.Errorf("task flows: in %v out %v", flowIDs(task.Incoming), flowIDs(task.Outgoing))
	}
	if task.JobType.IsExpression() || task.JobType.Static != "payment" {
		t.Errorf("job type = %+v", task.JobType)
	}
	if !task.JobRetries.IsExpression() || task.JobRetries.Raw != "=retries + 1" {
		t.Errorf("job retries = %+v", task.JobRetries)
	}
	if want := []Header{{"b", "2"}, {"a", "1"}}; !reflect.DeepEqual(task.Headers, want) {
		t.Errorf("headers = %v, want %v", task.Headers, want)
	}
	if len(task.Inputs) != 2 || len(task.Outputs) != 1 {
		t.Fatalf("mappings: %d inputs, %d outputs", len(task.Inputs), len(task.Outputs))
	}
	if in := task.Inputs[0]; !in.Source.IsExpression() || in.Source.Raw != "=order.total" || in.Target != "amount" {
		t.Errorf("input 0 = %+v", in)
	}
	if in := task.Inputs[1]; in.Source.IsExpression() || in.Source.Static != "EUR" || in.Target != "payment.currency" {
		t.Errorf("input 1 = %+v", in)
	}
	if out := task.Outputs[0]; !out.Source.IsExpression() || out.Target != "order.receipt" {
		t.Errorf("output 0 = %+v", out)
	}
	if p.Element("nope") != nil || p.Flow("nope") != nil || p.Element("f1") != nil {
		t.Error("lookup of unknown ids must return nil")
	}
}

func TestParseDefaultRetries(t *testing.T) {
	p := mustParse(t, process(`
<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
<bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="=kind"/></bpmn:extensionElements></bpmn:serviceTask>`)).Processes[0]
	task := p.Element("task")
	if task.JobRetries.IsExpression() || task.JobRetries.Static != "3" {
		t.Errorf("default retries = %+v, want static 3", task.JobRetries)
	}
	if !task.JobType.IsExpression() || task.JobType.Raw != "=kind" {
		t.Errorf("job type = %+v", task.JobType)
	}
	if len(task.Outgoing) != 0 {
		t.Errorf("a task without outgoing flows is an implicit end; got %v", flowIDs(task.Outgoing))
	}
}

// TestParsePrefixes reads the same process written with different prefixes:
// elements are matched by namespace, never by prefix.
func TestParsePrefixes(t *testing.T) {
	body := func(b, z string) string {
		return fmt.Sprintf(`
<%[1]sprocess id="p" isExecutable="true">
  <%[1]sstartEvent id="start"/>
  <%[1]ssequenceFlow id="f1" sourceRef="start" targetRef="task"/>
  <%[1]sserviceTask id="task">
    <%[1]sextensionElements><%[2]staskDefinition type="work"/></%[1]sextensionElements>
  </%[1]sserviceTask>
</%[1]sprocess>`, b, z)
	}
	docs := map[string]string{
		"bpmn":    `<bpmn:definitions xmlns:bpmn="` + nsBPMN + `" xmlns:zeebe="` + nsZeebe + `">` + body("bpmn:", "zeebe:") + `</bpmn:definitions>`,
		"bpmn2":   `<bpmn2:definitions xmlns:bpmn2="` + nsBPMN + `" xmlns:zeebe="` + nsZeebe + `">` + body("bpmn2:", "zeebe:") + `</bpmn2:definitions>`,
		"default": `<definitions xmlns="` + nsBPMN + `" xmlns:z="` + nsZeebe + `">` + body("", "z:") + `</definitions>`,
		"odd":     `<x:definitions xmlns:x="` + nsBPMN + `"><x:process id="p" isExecutable="true"><x:startEvent id="start"/><x:sequenceFlow id="f1" sourceRef="start" targetRef="task"/><x:serviceTask id="task"><x:extensionElements><taskDefinition xmlns="` + nsZeebe + `" type="work"/></x:extensionElements></x:serviceTask></x:process></x:definitions>`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, []byte(doc)).Processes[0]
			task := p.Element("task")
			if task == nil || task.Type != ElementServiceTask || task.JobType.Static != "work" || p.NoneStart == nil {
				t.Errorf("unexpected model: %+v", task)
			}
		})
	}
}

func TestParseEncodings(t *testing.T) {
	bom := append([]byte("\xef\xbb\xbf"), process(startEnd)...)
	mustParse(t, bom)

	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<definitions xmlns=\"" + nsBPMN + "\"><process id=\"p\" name=\"Caf\xe9\" isExecutable=\"true\"><startEvent id=\"start\"/></process></definitions>")
	p := mustParse(t, latin1).Processes[0]
	if p.Name != "Café" {
		t.Errorf("name = %q, want Café", p.Name)
	}

	_, err := Parse("x.bpmn", []byte("<?xml version=\"1.0\" encoding=\"EBCDIC\"?><definitions/>"))
	if err == nil || !strings.Contains(err.Error(), "EBCDIC") {
		t.Errorf("unknown encoding: err = %v", err)
	}
}

func TestParseElementTypes(t *testing.T) {
	cases := []struct {
		xml   string
		typ   ElementType
		event EventType
	}{
		{`<bpmn:startEvent id="x"/>`, ElementStartEvent, EventNone},
		{`<bpmn:startEvent id="x"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>`, ElementStartEvent, EventMessage},
		{`<bpmn:startEvent id="x"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>`, ElementStartEvent, EventTimer},
		{`<bpmn:startEvent id="x"><bpmn:signalEventDefinition/></bpmn:startEvent>`, ElementStartEvent, EventSignal},
		{`<bpmn:startEvent id="x"><bpmn:conditionalEventDefinition/></bpmn:startEvent>`, ElementStartEvent, EventConditional},
		{`<bpmn:endEvent id="x"/>`, ElementEndEvent, EventNone},
		{`<bpmn:endEvent id="x"><bpmn:terminateEventDefinition/></bpmn:endEvent>`, ElementEndEvent, EventTerminate},
		{`<bpmn:endEvent id="x"><bpmn:errorEventDefinition errorRef="e"/></bpmn:endEvent>`, ElementEndEvent, EventError},
		{`<bpmn:endEvent id="x"><bpmn:escalationEventDefinition/></bpmn:endEvent>`, ElementEndEvent, EventEscalation},
		{`<bpmn:endEvent id="x"><bpmn:compensateEventDefinition/></bpmn:endEvent>`, ElementEndEvent, EventCompensation},
		{`<bpmn:endEvent id="x"><bpmn:cancelEventDefinition/></bpmn:endEvent>`, ElementEndEvent, EventCancel},
		{`<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>`, ElementIntermediateCatchEvent, EventTimer},
		{`<bpmn:intermediateCatchEvent id="x"><bpmn:linkEventDefinition name="a"/></bpmn:intermediateCatchEvent>`, ElementIntermediateCatchEvent, EventLink},
		{`<bpmn:intermediateThrowEvent id="x"/>`, ElementIntermediateThrowEvent, EventNone},
		{`<bpmn:boundaryEvent id="x" attachedToRef="start"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>`, ElementBoundaryEvent, EventError},
		{`<bpmn:task id="x"/>`, ElementTask, EventUnspecified},
		{`<bpmn:serviceTask id="x"/>`, ElementServiceTask, EventUnspecified},
		{`<bpmn:userTask id="x"/>`, ElementUserTask, EventUnspecified},
		{`<bpmn:manualTask id="x"/>`, ElementManualTask, EventUnspecified},
		{`<bpmn:receiveTask id="x"/>`, ElementReceiveTask, EventUnspecified},
		{`<bpmn:scriptTask id="x"/>`, ElementScriptTask, EventUnspecified},
		{`<bpmn:sendTask id="x"/>`, ElementSendTask, EventUnspecified},
		{`<bpmn:businessRuleTask id="x"/>`, ElementBusinessRuleTask, EventUnspecified},
		{`<bpmn:callActivity id="x"/>`, ElementCallActivity, EventUnspecified},
		{`<bpmn:subProcess id="x"/>`, ElementSubProcess, EventUnspecified},
		{`<bpmn:subProcess id="x" triggeredByEvent="true"/>`, ElementEventSubProcess, EventUnspecified},
		{`<bpmn:adHocSubProcess id="x"/>`, ElementAdHocSubProcess, EventUnspecified},
		{`<bpmn:transaction id="x"/>`, ElementTransaction, EventUnspecified},
		{`<bpmn:exclusiveGateway id="x"/>`, ElementExclusiveGateway, EventUnspecified},
		{`<bpmn:parallelGateway id="x"/>`, ElementParallelGateway, EventUnspecified},
		{`<bpmn:inclusiveGateway id="x"/>`, ElementInclusiveGateway, EventUnspecified},
		{`<bpmn:eventBasedGateway id="x"/>`, ElementEventBasedGateway, EventUnspecified},
		{`<bpmn:complexGateway id="x"/>`, ElementComplexGateway, EventUnspecified},
	}
	for _, c := range cases {
		t.Run(string(c.typ)+"/"+string(c.event), func(t *testing.T) {
			p, _ := model(t, process(`<bpmn:startEvent id="start"/>`+c.xml))
			el := p.Element("x")
			if el == nil {
				t.Fatalf("element x not parsed from %s", c.xml)
			}
			if el.Type != c.typ || el.EventType != c.event {
				t.Errorf("got %s/%s, want %s/%s", el.Type, el.EventType, c.typ, c.event)
			}
		})
	}
}

// TestParseNested checks document order, parents and flows inside a
// sub-process, which the engine does not run yet but must be modelled.
func TestParseNested(t *testing.T) {
	p, problems := model(t, process(`
<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
<bpmn:subProcess id="sub">
  <bpmn:startEvent id="subStart"/>
  <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="inner"/>
  <bpmn:subProcess id="inner">
    <bpmn:startEvent id="innerStart"/>
  </bpmn:subProcess>
  <bpmn:laneSet id="ls"/>
</bpmn:subProcess>
<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end"/>
<bpmn:endEvent id="end"/>
<bpmn:textAnnotation id="note"><bpmn:text>hi</bpmn:text></bpmn:textAnnotation>`))
	if got, want := elementIDs(p.Elements), []string{"start", "sub", "subStart", "inner", "innerStart", "end"}; !reflect.DeepEqual(got, want) {
		t.Errorf("elements = %v, want %v", got, want)
	}
	if got, want := flowIDs(p.Flows), []string{"f1", "s1", "f2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("flows = %v, want %v", got, want)
	}
	sub, inner := p.Element("sub"), p.Element("inner")
	if p.Element("subStart").Parent != sub || inner.Parent != sub || p.Element("innerStart").Parent != inner || sub.Parent != nil {
		t.Error("wrong parents")
	}
	if p.NoneStart != p.Element("start") {
		t.Errorf("NoneStart = %v, want the process-level start", p.NoneStart)
	}
	if got := flowIDs(inner.Incoming); !reflect.DeepEqual(got, []string{"s1"}) {
		t.Errorf("inner incoming = %v", got)
	}
	if len(problems) != 0 {
		t.Errorf("problems = %v, want none", problems)
	}
	if sub.Start != p.Element("subStart") || inner.Start != p.Element("innerStart") {
		t.Errorf("sub-process starts = %v, %v", sub.Start, inner.Start)
	}
}

func TestParseGateways(t *testing.T) {
	p := mustParse(t, process(`
<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="xor"/>
<bpmn:exclusiveGateway id="xor" default="fDefault"/>
<bpmn:sequenceFlow id="fA" sourceRef="xor" targetRef="fork">
  <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">= amount &gt; 100</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="fB" sourceRef="xor" targetRef="join">
  <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
    amount &lt; 0
  </bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="fDefault" sourceRef="xor" targetRef="end"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:sequenceFlow id="p1" sourceRef="fork" targetRef="join"/>
<bpmn:sequenceFlow id="p2" sourceRef="fork" targetRef="join"/>
<bpmn:parallelGateway id="join"/>
<bpmn:sequenceFlow id="j" sourceRef="join" targetRef="end"/>
<bpmn:endEvent id="end"/>
<bpmn:exclusiveGateway id="deadEnd"/>
<bpmn:sequenceFlow id="d" sourceRef="join" targetRef="deadEnd"/>`)).Processes[0]
	xor, join := p.Element("xor"), p.Element("join")
	if xor.Default != p.Flow("fDefault") {
		t.Errorf("default = %v", xor.Default)
	}
	if got, want := flowIDs(xor.Outgoing), []string{"fA", "fB", "fDefault"}; !reflect.DeepEqual(got, want) {
		t.Errorf("xor outgoing = %v, want %v", got, want)
	}
	if c := p.Flow("fA").Condition; c == nil || !c.IsExpression() || c.Raw != "= amount > 100" {
		t.Errorf("fA condition = %+v", c)
	}
	if c := p.Flow("fB").Condition; c == nil || !c.IsExpression() || c.Raw != "=amount < 0" {
		t.Errorf("a condition without '=' is an expression too; got %+v", c)
	}
	if got, want := flowIDs(join.Incoming), []string{"fB", "p1", "p2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("join incoming = %v, want %v", got, want)
	}
	if got, want := flowIDs(p.Element("end").Incoming), []string{"fDefault", "j"}; !reflect.DeepEqual(got, want) {
		t.Errorf("end incoming = %v, want %v", got, want)
	}
}

// TestParseMultipleProcesses deploys the executable processes only; a
// non-executable one (another participant's pool) is neither returned nor
// validated.
func TestParseMultipleProcesses(t *testing.T) {
	doc := `<definitions xmlns="` + nsBPMN + `">
  <collaboration id="c"><participant id="x" processRef="a"/></collaboration>
  <process id="a" isExecutable="true"><startEvent id="s1"/></process>
  <process id="pool" isExecutable="false"><userTask id="u"/><serviceTask id="st"/></process>
  <process id="b" isExecutable="true"><startEvent id="s2"/></process>
</definitions>`
	defs := mustParse(t, []byte(doc))
	if got := ids(defs.Processes, func(p *Process) string { return p.ID }); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("processes = %v, want [a b]", got)
	}
}

func TestParseMalformed(t *testing.T) {
	for name, doc := range map[string]string{
		"unclosed":      `<bpmn:definitions xmlns:bpmn="` + nsBPMN + `"><bpmn:process id="p">`,
		"mismatched":    `<definitions xmlns="` + nsBPMN + `"><process></definitions>`,
		"entity":        `<!DOCTYPE d [<!ENTITY a "aaaa">]><definitions xmlns="` + nsBPMN + `">&a;</definitions>`,
		"garbage":       `not xml at all <`,
		"bad attribute": `<definitions xmlns="` + nsBPMN + `" id=x/>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("bad.bpmn", []byte(doc))
			var ve *ValidationError
			var se *xml.SyntaxError
			if err == nil || errors.As(err, &ve) {
				t.Fatalf("err = %v, want a plain error", err)
			}
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "bad.bpmn") || !strings.Contains(err.Error(), "malformed XML") {
				t.Errorf("err = %v, want a wrapped *xml.SyntaxError naming the resource", err)
			}
		})
	}
	for name, doc := range map[string]string{
		"empty":      ``,
		"blank":      "  \n ",
		"two roots":  `<definitions xmlns="` + nsBPMN + `"/><definitions xmlns="` + nsBPMN + `"/>`,
		"only a pi":  `<?xml version="1.0"?>`,
		"comment":    `<!-- nothing -->`,
		"bad encode": `<?xml version="1.0" encoding="klingon"?><a/>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("bad.bpmn", []byte(doc))
			var ve *ValidationError
			if err == nil || errors.As(err, &ve) {
				t.Errorf("err = %v, want a plain error", err)
			}
		})
	}
}

func TestParseNotBPMN(t *testing.T) {
	for name, doc := range map[string]string{
		"other root":      `<project><name>x</name></project>`,
		"no namespace":    `<definitions><process id="p" isExecutable="true"><startEvent id="s"/></process></definitions>`,
		"wrong namespace": `<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd"/>`,
		"bpmn child":      `<wrapper xmlns:bpmn="` + nsBPMN + `"><bpmn:definitions/></wrapper>`,
		"undeclared":      `<bpmn:definitions><bpmn:process/></bpmn:definitions>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x.xml", []byte(doc))
			if !errors.Is(err, ErrNotBPMN) {
				t.Errorf("err = %v, want ErrNotBPMN", err)
			}
			if err != nil && !strings.Contains(err.Error(), "x.xml") {
				t.Errorf("err = %v, want the resource named", err)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	deep := `<definitions xmlns="` + nsBPMN + `">` + strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + `</definitions>`
	deepForeign := `<definitions xmlns="` + nsBPMN + `"><x:a xmlns:x="urn:x">` + strings.Repeat("<x:a>", 10000) + strings.Repeat("</x:a>", 10000) + `</x:a></definitions>`
	unclosed := `<definitions xmlns="` + nsBPMN + `">` + strings.Repeat("<subProcess>", 1_000_000)
	wide := `<definitions xmlns="` + nsBPMN + `">` + strings.Repeat("<a/>", maxNodes+1) + `</definitions>`
	huge := make([]byte, maxResourceSize+1)
	for name, doc := range map[string][]byte{
		"deep":         []byte(deep),
		"deep foreign": []byte(deepForeign),
		"unclosed":     []byte(unclosed),
		"wide":         []byte(wide),
		"huge":         huge,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("big.bpmn", doc)
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestValidationErrorFormat(t *testing.T) {
	e := &ValidationError{Resource: "order.bpmn", Problems: []Problem{
		{ElementID: "task", Message: "a service task must have a zeebe:taskDefinition with a job type"},
		{Message: "the resource has no executable process"},
	}}
	want := "resource 'order.bpmn' is not a valid process:\n" +
		"- element 'task': a service task must have a zeebe:taskDefinition with a job type\n" +
		"- the resource has no executable process"
	if e.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", e.Error(), want)
	}
}
