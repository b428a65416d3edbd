package bpmn

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseBPMN checks that Parse never panics, and that what it accepts is
// a consistent model and what it rejects comes with a reason.
func FuzzParseBPMN(f *testing.F) {
	seeds := [][]byte{
		process(startEnd),
		process(start + flow("f", "start", "g") + `<bpmn:exclusiveGateway id="g" default="d"/>` +
			condFlow("c", "g", "t", "= a &gt; 1") + flow("d", "g", "e") + task("t") + `<bpmn:endEvent id="e"/>`),
		process(start + `<bpmn:parallelGateway id="g"/>` + flow("f", "start", "g") + flow("a", "g", "t") + flow("b", "g", "t") + task("t")),
		process(start + taskWith("t", `<zeebe:taskDefinition type="=x" retries="5"/><zeebe:taskHeaders><zeebe:header key="k" value="v"/></zeebe:taskHeaders>`+
			`<zeebe:ioMapping><zeebe:input source="=a.b" target="c.d"/><zeebe:output source="=r" target="out"/></zeebe:ioMapping>`)),
		process(start + `<bpmn:subProcess id="s"><bpmn:startEvent id="ss"/><bpmn:sequenceFlow id="sf" sourceRef="ss" targetRef="st"/>` + task("st") + `</bpmn:subProcess>`),
		process(`<bpmn:startEvent id="x"><bpmn:timerEventDefinition/></bpmn:startEvent><bpmn:boundaryEvent id="b" attachedToRef="x"/>`),
		[]byte(`<definitions xmlns="` + nsBPMN + `"><process id="p" isExecutable="true"><startEvent id="s"/></process></definitions>`),
		[]byte(`<bpmn2:definitions xmlns:bpmn2="` + nsBPMN + `"><bpmn2:process id="p" isExecutable="1"/></bpmn2:definitions>`),
		[]byte(`<definitions/>`),
		[]byte(``),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// A few real models, when the corpus is beside the repository.
	if files, _ := filepath.Glob(filepath.Join(corpusDir, "models", "*.bpmn")); len(files) > 0 {
		for i := 0; i < len(files); i += 40 {
			if data, err := os.ReadFile(files[i]); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := Parse("fuzz.bpmn", data)
		if err != nil {
			if defs != nil {
				t.Fatal("Parse returned both a model and an error")
			}
			var ve *ValidationError
			if errors.As(err, &ve) && len(ve.Problems) == 0 {
				t.Fatal("a ValidationError without problems")
			}
			return
		}
		checkModel(t, defs)
	})
}

// checkModel checks the invariants of an accepted model.
func checkModel(t *testing.T, defs *Definitions) {
	t.Helper()
	if len(defs.Processes) == 0 {
		t.Fatal("accepted a resource without processes")
	}
	for _, p := range defs.Processes {
		if p.NoneStart == nil && len(p.MessageStarts)+len(p.TimerStarts)+len(p.SignalStarts) == 0 {
			t.Fatalf("process %q: accepted without a start event", p.ID)
		}
		if p.NoneStart != nil && (p.NoneStart.Type != ElementStartEvent || p.NoneStart.EventType != EventNone) {
			t.Fatalf("process %q: NoneStart = %+v", p.ID, p.NoneStart)
		}
		for _, el := range p.Elements {
			if p.Element(el.ID) != el {
				t.Fatalf("process %q: Element(%q) is not the listed element", p.ID, el.ID)
			}
			if support[kind{el.Type, el.EventType}] != runs {
				t.Fatalf("process %q: accepted %s/%s", p.ID, el.Type, el.EventType)
			}
			for _, f := range el.Outgoing {
				if f.Source != el {
					t.Fatalf("flow %q is outgoing of %q but starts at %v", f.ID, el.ID, f.Source)
				}
			}
			for _, f := range el.Incoming {
				if f.Target != el {
					t.Fatalf("flow %q is incoming of %q but ends at %v", f.ID, el.ID, f.Target)
				}
			}
		}
		for _, f := range p.Flows {
			if f.Source == nil || f.Target == nil || p.Flow(f.ID) != f {
				t.Fatalf("process %q: flow %+v not resolved", p.ID, f)
			}
		}
	}
}
