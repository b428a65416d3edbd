package dmn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const head = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="n">`

func TestValidationErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"duplicate id", `<decision id="a" name="A"><literalExpression><text>1</text></literalExpression></decision>
			<decision id="a" name="B"><literalExpression><text>1</text></literalExpression></decision>`,
			"element 'a': the id is used by more than one element"},
		{"missing id", `<decision name="A"><literalExpression><text>1</text></literalExpression></decision>`,
			"element 'A': decision has no id"},
		{"unknown required decision", `<decision id="a" name="A"><informationRequirement><requiredDecision href="#zz"/></informationRequirement>
			<literalExpression><text>1</text></literalExpression></decision>`,
			"element 'a': required decision 'zz' does not exist"},
		{"cycle", `<decision id="a" name="A"><informationRequirement><requiredDecision href="#b"/></informationRequirement><literalExpression><text>1</text></literalExpression></decision>
			<decision id="b" name="B"><informationRequirement><requiredDecision href="#a"/></informationRequirement><literalExpression><text>1</text></literalExpression></decision>`,
			"decision requirements form a cycle"},
		{"bad FEEL", `<decision id="a" name="A"><literalExpression id="le"><text>1 +</text></literalExpression></decision>`,
			"element 'le': decision 'a': expression '1 +' does not compile"},
		{"bad input entry", `<decision id="a" name="A"><decisionTable id="t"><input id="i"><inputExpression><text>x</text></inputExpression></input>
			<output id="o"/><rule id="r"><inputEntry id="ie"><text>&gt;&gt;</text></inputEntry><outputEntry><text>1</text></outputEntry></rule></decisionTable></decision>`,
			"element 'ie': decision 'a': unary tests '>>' do not compile"},
		{"wrong entry count", `<decision id="a" name="A"><decisionTable id="t"><input id="i"><inputExpression><text>x</text></inputExpression></input>
			<output id="o"/><rule id="r"><outputEntry><text>1</text></outputEntry></rule></decisionTable></decision>`,
			"element 'r': decision 'a': rule has 0 input entries for 1 inputs"},
		{"bad hit policy", `<decision id="a" name="A"><decisionTable id="t" hitPolicy="SOMETIMES"><output id="o"/></decisionTable></decision>`,
			"unknown hit policy 'SOMETIMES'"},
		{"aggregation without collect", `<decision id="a" name="A"><decisionTable id="t" hitPolicy="FIRST" aggregation="SUM"><output id="o"/></decisionTable></decision>`,
			"aggregation SUM needs hit policy COLLECT"},
		{"unknown knowledge", `<decision id="a" name="A"><knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement><literalExpression><text>1</text></literalExpression></decision>`,
			"required knowledge 'k' does not exist"},
		{"other language", `<decision id="a" name="A"><literalExpression id="le" expressionLanguage="javascript"><text>1</text></literalExpression></decision>`,
			"expression language 'javascript' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.dmn", []byte(head+tt.body+`</definitions>`))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v, want a ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	if _, err := Parse("x", []byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>`)); !errors.Is(err, ErrNotDMN) {
		t.Fatalf("BPMN: %v", err)
	}
	if _, err := Parse("x", []byte(`<definitions`)); err == nil || !strings.Contains(err.Error(), "malformed XML") {
		t.Fatalf("malformed: %v", err)
	}
	deep := strings.Repeat("<context>", 300) + strings.Repeat("</context>", 300)
	if _, err := Parse("x", []byte(head+deep+`</definitions>`)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("deep: %v", err)
	}
	entity := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>` + head +
		`<decision id="a" name="A"><literalExpression><text>"&b;"</text></literalExpression></decision></definitions>`
	if _, err := Parse("x", []byte(entity)); err == nil {
		t.Fatal("entity expansion: accepted")
	}
}

func TestDMNVersions(t *testing.T) {
	for ns, version := range dmnNamespaces {
		src := `<definitions xmlns="` + ns + `" id="d" name="d" namespace="n"><decision id="a" name="A"><literalExpression><text>1 + 1</text></literalExpression></decision></definitions>`
		defs, err := Parse("x", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", ns, err)
		}
		if defs.Version != version {
			t.Fatalf("%s: version %s", ns, defs.Version)
		}
		res, err := defs.Evaluate("a", nil)
		if err != nil || res.OutputJSON != "2" {
			t.Fatalf("%s: %v %v", ns, res, err)
		}
	}
}

func FuzzParseDMN(f *testing.F) {
	f.Add([]byte(head + `<decision id="a" name="A"><literalExpression><text>1</text></literalExpression></decision></definitions>`))
	f.Add([]byte(head + `<decision id="a" name="A"><decisionTable><input><inputExpression><text>x</text></inputExpression></input><output/><rule><inputEntry><text>-</text></inputEntry><outputEntry><text>1</text></outputEntry></rule></decisionTable></decision></definitions>`))
	f.Add([]byte(head + `<itemDefinition name="t"><typeRef>number</typeRef></itemDefinition><businessKnowledgeModel id="k" name="f k"><encapsulatedLogic><formalParameter name="a b"/><literalExpression><text>a b instance of t</text></literalExpression></encapsulatedLogic></businessKnowledgeModel><decision id="a" name="A"><knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement><literalExpression><text>f k(1)</text></literalExpression></decision></definitions>`))
	for _, name := range []string{"hitpolicies.dmn", "boxed.dmn", "dinner.dmn"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, d := range defs.Decisions {
			_, _ = defs.Evaluate(d.ID, nil)
		}
	})
}

// BKMs that each require the two before them: their FEEL forms would grow
// exponentially; parsing stays fast and evaluation correct.
func TestBKMChainStaysBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(`<businessKnowledgeModel id="k0" name="f0"><encapsulatedLogic><formalParameter name="x"/><literalExpression><text>x</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>`)
	b.WriteString(`<businessKnowledgeModel id="k1" name="f1"><encapsulatedLogic><formalParameter name="x"/><literalExpression><text>x</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>`)
	const n = 60
	for i := 2; i <= n; i++ {
		fmt.Fprintf(&b, `<businessKnowledgeModel id="k%d" name="f%d"><knowledgeRequirement><requiredKnowledge href="#k%d"/></knowledgeRequirement><knowledgeRequirement><requiredKnowledge href="#k%d"/></knowledgeRequirement><encapsulatedLogic><formalParameter name="x"/><literalExpression><text>f%d(x) + f%d(x)</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>`, i, i, i-1, i-2, i-1, i-2)
	}
	fmt.Fprintf(&b, `<decision id="d" name="D"><knowledgeRequirement><requiredKnowledge href="#k%d"/></knowledgeRequirement><literalExpression><text>f%d(1)</text></literalExpression></decision>`, 12, 12)
	b.WriteString(`</definitions>`)
	start := time.Now()
	defs, err := Parse("chain.dmn", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("parse took %v", d)
	}
	res, err := defs.Evaluate("d", nil)
	if err != nil || res.OutputJSON != "233" {
		t.Fatalf("%v %v", res, err)
	}
}

// Many decisions with multi-word names: quoting stays linear.
func TestManyNamesParseFast(t *testing.T) {
	var b strings.Builder
	b.WriteString(head)
	const n = 5000
	for i := 0; i < n; i++ {
		req := ""
		text := "1"
		if i > 0 {
			req = fmt.Sprintf(`<informationRequirement><requiredDecision href="#d%d"/></informationRequirement>`, i-1)
			text = fmt.Sprintf("decision number %d + 1", i-1)
		}
		fmt.Fprintf(&b, `<decision id="d%d" name="decision number %d">%s<literalExpression><text>%s</text></literalExpression></decision>`, i, i, req, text)
	}
	b.WriteString(`</definitions>`)
	start := time.Now()
	defs, err := Parse("many.dmn", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("parse took %v", d)
	}
	res, err := defs.Evaluate(fmt.Sprintf("d%d", n-1), nil)
	if err != nil || res.OutputJSON != fmt.Sprint(n) || len(res.Evaluated) != n {
		t.Fatalf("%v %v", res.OutputJSON, err)
	}
}

func TestDeepTypeRefIsBounded(t *testing.T) {
	typeRef := strings.Repeat("list&lt;", 100000) + "number" + strings.Repeat("&gt;", 100000)
	src := head + `<decision id="a" name="A"><variable name="A" typeRef="` + typeRef + `"/><literalExpression><text>[[1]]</text></literalExpression></decision></definitions>`
	defs, err := Parse("deep.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := defs.Evaluate("a", nil); err != nil {
		t.Fatal(err)
	}
}
