package bpmn

import (
	"errors"
	"strings"
	"testing"
)

// task is a valid service task with the given id.
func task(id string) string {
	return `<bpmn:serviceTask id="` + id + `"><bpmn:extensionElements><zeebe:taskDefinition type="work"/></bpmn:extensionElements></bpmn:serviceTask>`
}

// taskWith is a service task whose extension elements are ext.
func taskWith(id, ext string) string {
	return `<bpmn:serviceTask id="` + id + `"><bpmn:extensionElements>` + ext + `</bpmn:extensionElements></bpmn:serviceTask>`
}

// flow is a sequence flow from source to target.
func flow(id, source, target string) string {
	return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + source + `" targetRef="` + target + `"/>`
}

// condFlow is a sequence flow with a condition body.
func condFlow(id, source, target, cond string) string {
	return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + source + `" targetRef="` + target + `"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">` + cond + `</bpmn:conditionExpression></bpmn:sequenceFlow>`
}

const start = `<bpmn:startEvent id="start"/>`

// withRoot puts root-level elements (messages, signals) before the process.
func withRoot(doc []byte, root string) []byte {
	s := string(doc)
	i := strings.Index(s, "<bpmn:process")
	return []byte(s[:i] + root + s[i:])
}

// messageProcess is a process whose catch event 'c' references message 'm', defined by msg.
func messageProcess(msg string) []byte {
	doc := string(process(start + `<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>` + flow("f", "start", "c")))
	i := strings.Index(doc, "<bpmn:process")
	return []byte(doc[:i] + msg + doc[i:])
}

// TestValidationProblems checks that each rule rejects the resource with a
// problem naming the offending element.
func TestValidationProblems(t *testing.T) {
	cases := []struct {
		name string
		doc  []byte
		id   string // the element the problem must name
		msg  string // a part of the problem's message
	}{
		{
			name: "no executable process",
			doc:  []byte(`<definitions xmlns="` + nsBPMN + `" id="defs"><process id="p" isExecutable="false"><startEvent id="s"/></process></definitions>`),
			id:   "defs", msg: "no executable process",
		},
		{
			name: "isExecutable missing",
			doc:  []byte(`<definitions xmlns="` + nsBPMN + `" id="defs"><process id="p"><startEvent id="s"/></process></definitions>`),
			id:   "defs", msg: "no executable process",
		},
		{
			name: "no process at all",
			doc:  []byte(`<definitions xmlns="` + nsBPMN + `" id="defs"/>`),
			id:   "defs", msg: "no executable process",
		},
		{
			name: "no start event",
			doc:  process(task("t")),
			id:   "p", msg: "no none start event",
		},
		{
			name: "only a nested start event",
			doc:  process(`<bpmn:subProcess id="sub"><bpmn:startEvent id="inner"/></bpmn:subProcess>`),
			id:   "p", msg: "no none start event",
		},
		{
			name: "two none start events",
			doc:  process(start + `<bpmn:startEvent id="start2"/>`),
			id:   "start2", msg: "only one none start event",
		},
		{
			name: "start event with incoming flow",
			doc:  process(start + task("t") + flow("f1", "start", "t") + flow("back", "t", "start")),
			id:   "start", msg: "must not have incoming",
		},
		{
			name: "message catch event without messageRef",
			doc:  process(start + `<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`),
			id:   "c", msg: "must reference a message",
		},
		{
			name: "receive task referencing an unknown message",
			doc:  process(start + `<bpmn:receiveTask id="r" messageRef="nope"/>`),
			id:   "r", msg: "message 'nope' is not defined",
		},
		{
			name: "message without a name",
			doc:  messageProcess(`<bpmn:message id="m"><bpmn:extensionElements><zeebe:subscription correlationKey="=k"/></bpmn:extensionElements></bpmn:message>`),
			id:   "c", msg: "message 'm' must have a name",
		},
		{
			name: "message without a correlation key",
			doc:  messageProcess(`<bpmn:message id="m" name="paid"/>`),
			id:   "c", msg: "must have a correlation key",
		},
		{
			name: "invalid correlation key expression",
			doc:  messageProcess(`<bpmn:message id="m" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=a +"/></bpmn:extensionElements></bpmn:message>`),
			id:   "c", msg: "invalid correlation key",
		},
		{
			name: "signal catch event without signalRef",
			doc:  process(start + `<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>`),
			id:   "c", msg: "must reference a signal",
		},
		{
			name: "signal start event with an expression name",
			doc:  withRoot(process(start+`<bpmn:startEvent id="s2"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:startEvent>`), `<bpmn:signal id="sig" name="=a"/>`),
			id:   "s2", msg: "must be static on a start event",
		},
		{
			name: "signal without a name",
			doc:  withRoot(process(start+`<bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateThrowEvent>`), `<bpmn:signal id="sig"/>`),
			id:   "t", msg: "signal 'sig' must have a name",
		},
		{
			name: "script task without script or task definition",
			doc:  process(start + `<bpmn:scriptTask id="s"/>`),
			id:   "s", msg: "must have a zeebe:script or a zeebe:taskDefinition",
		},
		{
			name: "script without result variable",
			doc:  process(start + `<bpmn:scriptTask id="s"><bpmn:extensionElements><zeebe:script expression="=1"/></bpmn:extensionElements></bpmn:scriptTask>`),
			id:   "s", msg: "must name a resultVariable",
		},
		{
			name: "send task without task definition",
			doc:  process(start + `<bpmn:sendTask id="s"/>`),
			id:   "s", msg: "send task must have a zeebe:taskDefinition",
		},
		{
			name: "straight-through loop",
			doc:  process(start + `<bpmn:task id="a"/><bpmn:manualTask id="b"/>` + flow("f0", "start", "a") + flow("f1", "a", "b") + flow("f2", "b", "a")),
			id:   "a", msg: "straight-through processing loop: a -> b -> a",
		},
		{
			name: "sub-process without start event",
			doc:  process(start + `<bpmn:subProcess id="sub"/>`),
			id:   "sub", msg: "sub-process must have a none start event",
		},
		{
			name: "sub-process with a timer start event",
			doc:  process(start + `<bpmn:subProcess id="sub"><bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>`),
			id:   "s", msg: "sub-process can only have a none start event",
		},
		{
			name: "throw link without a catch",
			doc:  process(start + `<bpmn:intermediateThrowEvent id="t"><bpmn:linkEventDefinition name="go"/></bpmn:intermediateThrowEvent>` + flow("f0", "start", "t")),
			id:   "t", msg: "no catch link event named 'go'",
		},
		{
			name: "error end event without error",
			doc:  process(start + `<bpmn:endEvent id="e"><bpmn:errorEventDefinition/></bpmn:endEvent>` + flow("f0", "start", "e")),
			id:   "e", msg: "must reference an error",
		},
		{
			name: "compensation boundary event without handler",
			doc: process(start + task("t") + flow("f0", "start", "t") +
				`<bpmn:boundaryEvent id="c" attachedToRef="t"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>`),
			id: "c", msg: "must be associated with a compensation handler",
		},
		{
			name: "service task without task definition",
			doc:  process(start + `<bpmn:serviceTask id="t"/>`),
			id:   "t", msg: "must have a zeebe:taskDefinition",
		},
		{
			name: "service task with other extensions only",
			doc:  process(start + taskWith("t", `<zeebe:taskHeaders/>`)),
			id:   "t", msg: "must have a zeebe:taskDefinition",
		},
		{
			name: "empty job type",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type=""/>`)),
			id:   "t", msg: "empty job type",
		},
		{
			name: "blank job type",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="  "/>`)),
			id:   "t", msg: "empty job type",
		},
		{
			name: "missing job type",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition retries="5"/>`)),
			id:   "t", msg: "empty job type",
		},
		{
			name: "two task definitions",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:taskDefinition type="b"/>`)),
			id:   "t", msg: "2 zeebe:taskDefinition",
		},
		{
			name: "two io mappings",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping/><zeebe:ioMapping/>`)),
			id:   "t", msg: "2 zeebe:ioMapping",
		},
		{
			name: "FEEL error in job type",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="=?!"/>`)),
			id:   "t", msg: "invalid job type '=?!'",
		},
		{
			name: "FEEL error in job retries",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a" retries="=(1"/>`)),
			id:   "t", msg: "invalid job retries '=(1'",
		},
		{
			name: "FEEL error in input source",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:input source="=f(" target="x"/></zeebe:ioMapping>`)),
			id:   "t", msg: "invalid input mapping source '=f('",
		},
		{
			name: "FEEL error in output source",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:output source="=1 +" target="x"/></zeebe:ioMapping>`)),
			id:   "t", msg: "invalid output mapping source '=1 +'",
		},
		{
			name: "FEEL error in mapping of an end event",
			doc:  process(start + `<bpmn:endEvent id="e"><bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=[1," target="x"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:endEvent>`),
			id:   "e", msg: "invalid output mapping source",
		},
		{
			name: "static output source",
			doc:  process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:output source="$.foo" target="bar"/></zeebe:ioMapping>`)),
			id:   "t", msg: "output mapping source '$.foo' must be an expression",
		},
		{
			name: "FEEL error in condition",
			doc: process(start + `<bpmn:exclusiveGateway id="g" default="f2"/>` + flow("f0", "start", "g") +
				condFlow("f1", "g", "e", "=?!") + flow("f2", "g", "e") + `<bpmn:endEvent id="e"/>`),
			id: "f1", msg: "invalid condition '=?!'",
		},
		{
			name: "FEEL error in condition without '='",
			doc: process(start + `<bpmn:exclusiveGateway id="g"/>` + flow("f0", "start", "g") +
				condFlow("f1", "g", "e", "a &gt; (1")),
			id: "f1", msg: "invalid condition 'a > (1'",
		},
		{
			name: "empty condition",
			doc: process(start + `<bpmn:exclusiveGateway id="g"/>` + flow("f0", "start", "g") +
				condFlow("f1", "g", "e", "  ") + `<bpmn:endEvent id="e"/>`),
			id: "f1", msg: "condition expression is empty",
		},
		{
			name: "flow without sourceRef",
			doc:  process(start + `<bpmn:sequenceFlow id="f" targetRef="start"/>`),
			id:   "f", msg: "no sourceRef",
		},
		{
			name: "flow without targetRef",
			doc:  process(start + `<bpmn:sequenceFlow id="f" sourceRef="start" targetRef=""/>`),
			id:   "f", msg: "no targetRef",
		},
		{
			name: "flow from unknown element",
			doc:  process(start + flow("f", "ghost", "start")),
			id:   "f", msg: "sourceRef 'ghost' is not a flow node",
		},
		{
			name: "flow to unknown element",
			doc:  process(start + flow("f", "start", "ghost")),
			id:   "f", msg: "targetRef 'ghost' is not a flow node",
		},
		{
			name: "flow to a sequence flow",
			doc:  process(start + flow("f", "start", "f")),
			id:   "f", msg: "targetRef 'f' is not a flow node",
		},
		{
			name: "flow to an element of another process",
			doc: []byte(`<definitions xmlns="` + nsBPMN + `"><process id="a" isExecutable="true"><startEvent id="s1"/><sequenceFlow id="f" sourceRef="s1" targetRef="s2"/></process>` +
				`<process id="b" isExecutable="true"><startEvent id="s2"/></process></definitions>`),
			id: "f", msg: "targetRef 's2' is not a flow node of process 'a'",
		},
		{
			name: "flow into a sub-process",
			doc:  process(start + flow("f", "start", "inner") + `<bpmn:subProcess id="sub"><bpmn:endEvent id="inner"/></bpmn:subProcess>`),
			id:   "f", msg: "cannot cross a sub-process boundary",
		},
		{
			name: "default flow not leaving the gateway",
			doc: process(start + `<bpmn:exclusiveGateway id="g" default="f0"/>` + flow("f0", "start", "g") +
				flow("f1", "g", "e") + `<bpmn:endEvent id="e"/>`),
			id: "g", msg: "default flow 'f0' must start at the gateway",
		},
		{
			name: "default flow unknown",
			doc:  process(start + `<bpmn:exclusiveGateway id="g" default="nope"/>` + flow("f0", "start", "g")),
			id:   "g", msg: "default flow 'nope' is not a sequence flow",
		},
		{
			name: "exclusive gateway flow without condition",
			doc: process(start + `<bpmn:exclusiveGateway id="g"/>` + flow("f0", "start", "g") +
				condFlow("f1", "g", "e", "=x") + flow("f2", "g", "e") + `<bpmn:endEvent id="e"/>`),
			id: "f2", msg: "must have a condition or be the gateway's default flow",
		},
		{
			name: "condition on a flow leaving a parallel gateway",
			doc: process(start + `<bpmn:parallelGateway id="g"/>` + flow("f0", "start", "g") +
				condFlow("f1", "g", "e", "=x") + `<bpmn:endEvent id="e"/>`),
			id: "f1", msg: "leaves parallel gateway 'g' and must not have a condition",
		},
		{
			name: "condition on a flow leaving a task",
			doc:  process(start + task("t") + flow("f0", "start", "t") + condFlow("f1", "t", "e", "=x") + `<bpmn:endEvent id="e"/>`),
			id:   "f1", msg: "leaves service task 't' and must not have a condition",
		},
		{
			name: "end event with outgoing flow",
			doc:  process(start + flow("f0", "start", "e") + `<bpmn:endEvent id="e"/>` + flow("f1", "e", "t") + task("t")),
			id:   "e", msg: "end event must not have outgoing",
		},
		{
			name: "duplicate element ids",
			doc:  process(start + task("t") + task("t")),
			id:   "t", msg: "used by 2 elements",
		},
		{
			name: "element and flow share an id",
			doc:  process(start + flow("start", "start", "start")),
			id:   "start", msg: "used by 2 elements",
		},
		{
			name: "ids repeated across processes",
			doc: []byte(`<definitions xmlns="` + nsBPMN + `"><process id="a" isExecutable="true"><startEvent id="s"/></process>` +
				`<process id="b" isExecutable="true"><startEvent id="s"/></process></definitions>`),
			id: "s", msg: "used by 2 elements",
		},
		{
			name: "process id used by an element",
			doc:  process(start + task("p")),
			id:   "p", msg: "used by 2 elements",
		},
		{
			name: "id that is not an XML id",
			doc:  process(start + task("1 task")),
			id:   "1 task", msg: "not a valid XML id",
		},
		{
			name: "element without id",
			doc:  process(start + `<bpmn:serviceTask name="nameless"/>`),
			id:   "", msg: "a serviceTask in process 'p' has no id",
		},
		{
			name: "flow without id",
			doc:  process(start + `<bpmn:sequenceFlow sourceRef="start" targetRef="start"/>`),
			id:   "", msg: "a sequenceFlow in process 'p' has no id",
		},
		{
			name: "form definition without a form",
			doc:  process(`<bpmn:startEvent id="start"><bpmn:extensionElements><zeebe:formDefinition/></bpmn:extensionElements></bpmn:startEvent>`),
			id:   "start", msg: "exactly one of formKey and formId",
		},
		{
			name: "event with two definitions",
			doc:  process(start + `<bpmn:endEvent id="e"><bpmn:terminateEventDefinition/><bpmn:errorEventDefinition/></bpmn:endEvent>`),
			id:   "e", msg: "more than one event definition",
		},
		{
			name: "event definition by reference",
			doc:  process(start + `<bpmn:endEvent id="e"><bpmn:eventDefinitionRef>ed</bpmn:eventDefinitionRef></bpmn:endEvent>`),
			id:   "e", msg: "eventDefinitionRef are not supported",
		},
		{
			name: "standard loop",
			doc:  process(start + `<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="a"/></bpmn:extensionElements><bpmn:standardLoopCharacteristics/></bpmn:serviceTask>`),
			id:   "t", msg: "standard loop characteristics are not supported",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertProblem(t, c.doc, c.id, c.msg)
		})
	}
}

// TestMappingTargets checks which variable names and paths a mapping may write.
func TestMappingTargets(t *testing.T) {
	valid := []string{"a", "order", "order.id", "_x", "a1.b_2.c", "größe", "camelCase.nested.deep"}
	invalid := []string{"", "1a", "$.foo", "a..b", ".a", "a.", "a b", "a-b", "null", "order.for", "a[1]", "=a", " a"}
	for _, target := range valid {
		doc := process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:input source="=1" target="`+target+`"/><zeebe:output source="=1" target="`+target+`"/></zeebe:ioMapping>`))
		if _, err := Parse("m.bpmn", doc); err != nil {
			t.Errorf("target %q: %v", target, err)
		}
	}
	for _, target := range invalid {
		for _, dir := range []string{"input", "output"} {
			doc := process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:`+dir+` source="=1" target="`+target+`"/></zeebe:ioMapping>`))
			assertProblem(t, doc, "t", dir+" mapping target '"+target+"' is not a variable name or path")
		}
	}
}

// TestUnsupported checks that every element the engine does not run yet is
// rejected with one problem per element, saying so.
func TestUnsupported(t *testing.T) {
	cases := []struct {
		xml, msg string
	}{
		// Kinds that Zeebe 8.3 does not run either.
		{`<bpmn:complexGateway id="x"/>`, "complex gateway is not supported"},
		{`<bpmn:transaction id="x"/>`, "transaction is not supported"},
		{`<bpmn:adHocSubProcess id="x"/>`, "ad-hoc sub-process is not supported"},
		{`<bpmn:intermediateCatchEvent id="x"/>`, "none intermediate catch event is not supported"},
		{`<bpmn:startEvent id="x"><bpmn:conditionalEventDefinition/></bpmn:startEvent>`, "conditional start event is not supported"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			_, err := Parse("u.bpmn", process(start+c.xml))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if len(ve.Problems) != 1 {
				t.Fatalf("problems = %v, want exactly one", ve.Problems)
			}
			if p := ve.Problems[0]; p.ElementID != "x" || p.Message != c.msg {
				t.Errorf("problem = %v, want element 'x': %s", p, c.msg)
			}
			if !strings.Contains(err.Error(), "element 'x': "+c.msg) {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestSupportTable keeps the table consistent with what the package models.
func TestSupportTable(t *testing.T) {
	runsKinds := 0
	for k, l := range support {
		if l == runs {
			runsKinds++
		}
		if unsupported(k) == "" && l != runs {
			t.Errorf("%v: empty message for a kind that does not run", k)
		}
	}
	if runsKinds != 45 {
		t.Errorf("%d kinds run; update the package's README and this test when the engine runs more", runsKinds)
	}
	known := map[ElementType]bool{ElementMultiInstanceBody: true, ElementEventSubProcess: true}
	for _, typ := range elementTypes {
		known[typ] = true
	}
	for k := range support {
		if !known[k.Type] {
			t.Errorf("support lists %s, which the parser never produces", k.Type)
		}
	}
}

// TestAllProblemsReported checks that one resource reports every problem,
// not only the first, in a stable order.
func TestAllProblemsReported(t *testing.T) {
	doc := process(start + `<bpmn:serviceTask id="t1"/>` + `<bpmn:complexGateway id="u"/>` +
		flow("f1", "start", "ghost") + `<bpmn:endEvent id="e"/>` + flow("f2", "e", "t1"))
	want := []Problem{
		{"f1", "the sequence flow's targetRef 'ghost' is not a flow node of process 'p'"},
		{"t1", "a service task must have a zeebe:taskDefinition with a job type"},
		{"u", "complex gateway is not supported"},
		{"e", "an end event must not have outgoing sequence flows"},
	}
	for range 3 {
		_, err := Parse("all.bpmn", doc)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want *ValidationError", err)
		}
		if len(ve.Problems) != len(want) {
			t.Fatalf("problems =\n%v\nwant\n%v", ve.Problems, want)
		}
		for i := range want {
			if ve.Problems[i] != want[i] {
				t.Errorf("problem %d = %v, want %v", i, ve.Problems[i], want[i])
			}
		}
	}
}

// TestValidModels lists models Zeebe accepts that the engine runs.
func TestValidModels(t *testing.T) {
	cases := map[string][]byte{
		"start only":                  process(start),
		"implicit end after task":     process(start + flow("f", "start", "t") + task("t")),
		"gateway without outgoing":    process(start + flow("f", "start", "g") + `<bpmn:exclusiveGateway id="g"/>`),
		"single unconditional branch": process(start + flow("f", "start", "g") + `<bpmn:exclusiveGateway id="g"/>` + flow("f2", "g", "t") + task("t")),
		"single conditional branch":   process(start + flow("f", "start", "g") + `<bpmn:exclusiveGateway id="g"/>` + condFlow("f2", "g", "t", "=a") + task("t")),
		"default flow with condition": process(start + flow("f", "start", "g") + `<bpmn:exclusiveGateway id="g" default="f3"/>` +
			condFlow("f2", "g", "t", "=a") + condFlow("f3", "g", "t", "=b") + task("t")),
		"loop back to a task": process(start + flow("f", "start", "t") + task("t") + flow("f2", "t", "g") + `<bpmn:exclusiveGateway id="g" default="back"/>` +
			flow("back", "g", "t") + condFlow("out", "g", "e", "=done") + `<bpmn:endEvent id="e"/>`),
		"empty retries":          process(start + taskWith("t", `<zeebe:taskDefinition type="a" retries=""/>`)),
		"static input source":    process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:ioMapping><zeebe:input source="text" target="x"/><zeebe:input target="y"/></zeebe:ioMapping>`)),
		"unknown extensions":     process(start + taskWith("t", `<zeebe:taskDefinition type="a"/><zeebe:properties><zeebe:property name="n" value="v"/></zeebe:properties><other:thing xmlns:other="urn:o"/>`)),
		"form key on start":      process(`<bpmn:startEvent id="start"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:f"/></bpmn:extensionElements></bpmn:startEvent>`),
		"lanes and data objects": process(start + `<bpmn:laneSet id="ls"><bpmn:lane id="l"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet><bpmn:dataObject id="do"/><bpmn:association id="as" sourceRef="start" targetRef="do"/>`),
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("ok.bpmn", doc); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// TestMessageStartOnly checks that a process started only by a message is valid, as
// in Zeebe, and that its start event needs a message with a static name.
func TestMessageStartOnly(t *testing.T) {
	defs, err := Parse("m.bpmn", withRoot(process(`<bpmn:startEvent id="m"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:startEvent>`), `<bpmn:message id="msg" name="go"/>`))
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	if p := defs.Processes[0]; p.NoneStart != nil || len(p.MessageStarts) != 1 || p.MessageStarts[0].Message.Name.Static != "go" {
		t.Errorf("message starts = %v", p.MessageStarts)
	}
	assertProblem(t, process(`<bpmn:startEvent id="m"><bpmn:messageEventDefinition/></bpmn:startEvent>`), "m", "must reference a message")
	assertProblem(t, withRoot(process(`<bpmn:startEvent id="m"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:startEvent>`), `<bpmn:message id="msg" name="=x"/>`), "m", "must be static on a start event")
}

// assertProblem checks that doc is rejected with a problem naming id whose
// message contains msg, and that Error() shows it as "element 'id': ...".
func assertProblem(t *testing.T, doc []byte, id, msg string) {
	t.Helper()
	_, err := Parse("v.bpmn", doc)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *ValidationError", err)
	}
	if ve.Resource != "v.bpmn" {
		t.Errorf("Resource = %q", ve.Resource)
	}
	for _, p := range ve.Problems {
		if p.ElementID == id && strings.Contains(p.Message, msg) {
			if !strings.Contains(err.Error(), p.String()) || (id != "" && !strings.Contains(err.Error(), "element '"+id+"': "+p.Message)) {
				t.Errorf("Error() = %q does not show the problem", err.Error())
			}
			return
		}
	}
	t.Errorf("no problem for element '%s' containing %q in:\n%v", id, msg, err)
}
