package dmn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weftlabs/weft/broker/feel"
)

func loadModel(t *testing.T, name string) *Definitions {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defs, err := Parse(name, data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return defs
}

func evalJSON(t *testing.T, defs *Definitions, id, vars string) (*Result, error) {
	t.Helper()
	v := feel.MapVariables{}
	if vars != "" {
		val, err := feel.FromJSON([]byte(vars))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range val.(*feel.Context).Entries() {
			raw, _ := feel.ToJSON(e.Value)
			v[e.Key] = raw
		}
	}
	return defs.Evaluate(id, v)
}

func TestHitPolicies(t *testing.T) {
	defs := loadModel(t, "hitpolicies.dmn")
	tests := []struct {
		decision, vars, want string
		rules                []string
	}{
		{"unique", `{"score": 10}`, `"low"`, []string{"u1"}},
		{"unique", `{"score": 60}`, `"mid"`, []string{"u2"}},
		{"unique", `{"score": null}`, `null`, nil},
		{"first", `{"score": 20}`, `"above 10"`, []string{"f1"}},
		{"first", `{"score": 7}`, `"above 5"`, []string{"f2"}},
		{"first", `{"score": 1}`, `"any"`, []string{"f3"}},
		{"priority", `{"score": 60}`, `"high"`, []string{"p2"}},
		{"priority", `{"score": 30}`, `"medium"`, []string{"p3"}},
		{"priority", `{"score": 0}`, `null`, nil},
		{"outputOrder", `{"score": 60}`, `["high","medium","low"]`, []string{"oo2", "oo3", "oo1"}},
		{"ruleOrder", `{"score": 60}`, `["low","high","medium"]`, []string{"ro1", "ro2", "ro3"}},
		{"ruleOrder", `{"score": -1}`, `[]`, nil},
		{"any", `{"score": 50}`, `true`, []string{"a1"}},
		{"collect", `{"score": 60}`, `[10,5,7]`, []string{"c1", "c2", "c3"}},
		{"collectSum", `{"score": 60}`, `22`, []string{"cs1", "cs2", "cs3"}},
		{"collectSum", `{"score": 0}`, `null`, nil},
		{"collectMin", `{"score": 60}`, `5`, []string{"cmin1", "cmin2", "cmin3"}},
		{"collectMax", `{"score": 60}`, `50`, []string{"cmax1", "cmax2"}},
		{"collectCount", `{"score": 60}`, `2`, []string{"cc1", "cc2"}},
		{"collectCount", `{"score": 0}`, `0`, nil},
		{"collectMaxDefault", `{"score": 5}`, `10`, []string{"cmd1"}},
		{"collectMaxDefault", `{"score": -5}`, `-1`, nil},
		{"multiOutput", `{"score": 70}`, `{"grade":"pass","pass":true}`, []string{"mo1"}},
		{"multiOutput", `{"score": -5}`, `{"grade":"none","pass":false}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.decision+" "+tt.vars, func(t *testing.T) {
			res, err := evalJSON(t, defs, tt.decision, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if res.OutputJSON != tt.want {
				t.Fatalf("output %s, want %s", res.OutputJSON, tt.want)
			}
			last := res.Evaluated[len(res.Evaluated)-1]
			if last.DecisionType != "DECISION_TABLE" || last.DecisionID != tt.decision {
				t.Fatalf("evaluated %+v", last)
			}
			var rules []string
			for _, r := range last.MatchedRules {
				rules = append(rules, r.ID)
			}
			if strings.Join(rules, ",") != strings.Join(tt.rules, ",") {
				t.Fatalf("matched rules %v, want %v", rules, tt.rules)
			}
			if len(last.Inputs) != 1 {
				t.Fatalf("inputs %+v", last.Inputs)
			}
		})
	}
}

func TestHitPolicyViolations(t *testing.T) {
	defs := loadModel(t, "hitpolicies.dmn")
	for _, tt := range []struct{ decision, vars, msg string }{
		{"unique", `{"score": 80}`, "hit policy UNIQUE: 2 rules match ('u2', 'u3')"},
		{"any", `{"score": 95}`, "hit policy ANY"},
	} {
		res, err := evalJSON(t, defs, tt.decision, tt.vars)
		var ee *EvalError
		if !errors.As(err, &ee) || ee.DecisionID != tt.decision || !strings.Contains(err.Error(), tt.msg) {
			t.Fatalf("%s: error %v, want an EvalError naming the decision and %q", tt.decision, err, tt.msg)
		}
		if res == nil || res.FailedDecisionID != tt.decision {
			t.Fatalf("%s: result %+v", tt.decision, res)
		}
	}
}

func TestMatchedRuleDetails(t *testing.T) {
	defs := loadModel(t, "hitpolicies.dmn")
	res, err := evalJSON(t, defs, "multiOutput", `{"score": 70}`)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Evaluated[0]
	if d.Inputs[0].ID != "i12" || d.Inputs[0].Name != "Score" || d.Inputs[0].Value.String() != "70" {
		t.Fatalf("inputs %+v", d.Inputs)
	}
	r := d.MatchedRules[0]
	if r.ID != "mo1" || r.Index != 1 || len(r.Outputs) != 2 || r.Outputs[1].ID != "o12b" || r.Outputs[1].Name != "pass" || r.Outputs[1].Value.String() != "true" {
		t.Fatalf("rule %+v", r)
	}
}

func TestBoxedExpressions(t *testing.T) {
	defs := loadModel(t, "boxed.dmn")
	tests := []struct{ decision, vars, want string }{
		{"interest", `{"Loan Request": {"amount": 1000, "rate": 5}}`, `50`},
		{"summary", `{"Loan Request": {"amount": 1000, "rate": 5}}`, `{"Total Due":1050,"double":null,"Twice":2100,"Label":"big"}`},
		{"finalEntry", ``, `42`},
		{"relation", ``, `[{"term":12,"rate":1.5},{"term":24,"rate":2.5}]`},
		{"list", ``, `[2,"two"]`},
		{"colorOK", `{"color": "red"}`, `"red"`},
		{"colorOK", `{"color": "blue"}`, `null`},
		{"wrongType", ``, `null`},
		{"singleton", ``, `"only"`},
		{"nameCount", `{"names": "solo"}`, `1`},
		{"nameCount", `{"names": ["a", "b"]}`, `2`},
		{"interest", `{"Loan Request": {"amount": "x", "rate": 5}}`, `null`},
		{"cond", `{"Loan Request": {"amount": 1000, "rate": 5}}`, `"large"`},
		{"forEach", ``, `[1,4,9]`},
		{"filtered", ``, `[5,10]`},
		{"every", ``, `true`},
	}
	for _, tt := range tests {
		t.Run(tt.decision+" "+tt.vars, func(t *testing.T) {
			res, err := evalJSON(t, defs, tt.decision, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if res.OutputJSON != tt.want {
				t.Fatalf("output %s, want %s", res.OutputJSON, tt.want)
			}
		})
	}
}

func TestEvaluatedDecisionsInOrder(t *testing.T) {
	defs := loadModel(t, "boxed.dmn")
	res, err := evalJSON(t, defs, "summary", `{"Loan Request": {"amount": 10, "rate": 10}}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Evaluated {
		got = append(got, d.DecisionID+":"+d.DecisionType+":"+d.OutputJSON)
	}
	want := []string{"interest:INVOCATION:1", `summary:CONTEXT:{"Total Due":11,"double":null,"Twice":22,"Label":"small"}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("evaluated %v, want %v", got, want)
	}
	if res.DecisionID != "summary" || res.DecisionName != "Loan Summary" {
		t.Fatalf("result %+v", res)
	}
}

func TestConcurrentEvaluation(t *testing.T) {
	defs := loadModel(t, "hitpolicies.dmn")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				res, err := defs.Evaluate("collectSum", feel.MapVariables{"score": []byte("60")})
				if err != nil {
					errs <- err
					return
				}
				if res.OutputJSON != "22" {
					errs <- errors.New("output " + res.OutputJSON)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestUnknownDecision(t *testing.T) {
	defs := loadModel(t, "hitpolicies.dmn")
	if _, err := defs.Evaluate("nope", nil); !errors.Is(err, ErrNoSuchDecision) {
		t.Fatalf("error %v", err)
	}
}

// A model as the Camunda Modeler writes it: no input data, no variables;
// a required decision's result is known by the decision's id.
func TestCamundaStyleModel(t *testing.T) {
	defs := loadModel(t, "dinner.dmn")
	res, err := defs.Evaluate("dish", feel.MapVariables{"month": []byte("1"), "guestCount": []byte("10")})
	if err != nil {
		t.Fatal(err)
	}
	if res.OutputJSON != `"Stew"` {
		t.Fatalf("output %s", res.OutputJSON)
	}
	if len(res.Evaluated) != 2 || res.Evaluated[0].DecisionID != "season" || res.Evaluated[0].OutputJSON != `"Winter"` ||
		res.Evaluated[0].MatchedRules[0].ID != "winter" || res.Evaluated[1].Inputs[1].Name != "Guests" {
		t.Fatalf("evaluated %+v", res.Evaluated)
	}
	res, err = defs.Evaluate("dish", feel.MapVariables{"month": []byte("7"), "guestCount": []byte("2")})
	if err != nil || res.OutputJSON != `"Salad"` {
		t.Fatalf("summer: %v %v", res, err)
	}
}

func TestClockFromVariables(t *testing.T) {
	src := head + `<decision id="d" name="D"><literalExpression><text>string(today())</text></literalExpression></decision></definitions>`
	defs, err := Parse("clock.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	res, err := defs.Evaluate("d", feel.WithClock(nil, now))
	if err != nil {
		t.Fatal(err)
	}
	if res.OutputJSON != `"2024-02-29"` {
		t.Fatalf("output %s", res.OutputJSON)
	}
}

func TestWorkLimit(t *testing.T) {
	src := head + `<decision id="d" name="D"><for iteratorVariable="i">
		<in><literalExpression><text>for x in 1..2000 return x</text></literalExpression></in>
		<return><literalExpression><text>i</text></literalExpression></return></for></decision></definitions>`
	defs, err := Parse("loop.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	saved := maxFEELEvaluations
	maxFEELEvaluations = 1000
	defer func() { maxFEELEvaluations = saved }()
	if _, err := defs.Evaluate("d", nil); err == nil || !strings.Contains(err.Error(), "FEEL evaluations") {
		t.Fatalf("error %v", err)
	}
}

func TestInstanceOfModelTypes(t *testing.T) {
	src := head + `<itemDefinition name="tPoint"><itemComponent name="x"><typeRef>number</typeRef></itemComponent><itemComponent name="y"><typeRef>number</typeRef></itemComponent></itemDefinition>
		<itemDefinition name="tPoints" isCollection="true"><typeRef>tPoint</typeRef></itemDefinition>
		<decision id="a" name="A"><literalExpression><text>{x: 1, y: 2} instance of tPoint</text></literalExpression></decision>
		<decision id="b" name="B"><literalExpression><text>[{x: 1, y: 2}] instance of tPoints and not({x: 1} instance of tPoint)</text></literalExpression></decision>
		<decision id="c" name="C"><literalExpression><text>@"P1D" instance of days and time duration and {tPoint: 1} instance of context&lt;tPoint: number&gt;</text></literalExpression></decision>
		</definitions>`
	defs, err := Parse("types.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		res, err := defs.Evaluate(id, nil)
		if err != nil || res.OutputJSON != "true" {
			t.Errorf("%s: %v %v", id, res, err)
		}
	}
}

func TestBKMCalledFromFEEL(t *testing.T) {
	src := head + `
		<businessKnowledgeModel id="k1" name="Monthly Rate"><encapsulatedLogic><formalParameter name="yearly rate"/><literalExpression><text>yearly rate / 12</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>
		<businessKnowledgeModel id="k2" name="Payment">
			<knowledgeRequirement><requiredKnowledge href="#k1"/></knowledgeRequirement>
			<encapsulatedLogic><formalParameter name="p"/><formalParameter name="r"/><formalParameter name="n"/>
				<context>
					<contextEntry><variable name="m"/><literalExpression><text>Monthly Rate(r)</text></literalExpression></contextEntry>
					<contextEntry><literalExpression><text>p * m / (1 - (1 + m) ** -n)</text></literalExpression></contextEntry>
				</context>
			</encapsulatedLogic></businessKnowledgeModel>
		<decision id="d" name="D"><variable name="D" typeRef="number"/>
			<knowledgeRequirement><requiredKnowledge href="#k2"/></knowledgeRequirement>
			<literalExpression><text>decimal(Payment(10000, 0.12, 12), 2)</text></literalExpression></decision>
		<decision id="named" name="Named">
			<knowledgeRequirement><requiredKnowledge href="#k1"/></knowledgeRequirement>
			<literalExpression><text>Monthly Rate(yearly rate: 24)</text></literalExpression></decision>
		</definitions>`
	defs, err := Parse("bkm.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"d": "888.49", "named": "2"} {
		res, err := defs.Evaluate(id, nil)
		if err != nil || res.OutputJSON != want {
			t.Errorf("%s: %v %v, want %s", id, res, err, want)
		}
	}
}

func TestFunctionValuesInContexts(t *testing.T) {
	src := head + `<decision id="d" name="D"><context>
		<contextEntry><variable name="add"/><literalExpression><text>function(a, b) a + b</text></literalExpression></contextEntry>
		<contextEntry><variable name="twice"/><functionDefinition><formalParameter name="x"/><literalExpression><text>x * 2</text></literalExpression></functionDefinition></contextEntry>
		<contextEntry><variable name="sum"/><invocation><literalExpression><text>add</text></literalExpression>
			<binding><parameter name="a"/><literalExpression><text>1</text></literalExpression></binding>
			<binding><parameter name="b"/><literalExpression><text>2</text></literalExpression></binding></invocation></contextEntry>
		<contextEntry><variable name="doubled"/><invocation><literalExpression><text>twice</text></literalExpression>
			<binding><parameter name="x"/><literalExpression><text>sum</text></literalExpression></binding></invocation></contextEntry>
		<contextEntry><literalExpression><text>[sum, doubled]</text></literalExpression></contextEntry>
		</context></decision></definitions>`
	defs, err := Parse("fn.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := defs.Evaluate("d", nil)
	if err != nil || res.OutputJSON != "[3,6]" {
		t.Fatalf("%v %v", res, err)
	}
}

func TestDecisionServiceCalledFromFEEL(t *testing.T) {
	src := head + `
		<decisionService id="s" name="Greet"><outputDecision href="#greeting"/><inputData href="#who"/><inputDecision href="#salutation"/></decisionService>
		<inputData id="who" name="who"><variable name="who" typeRef="string"/></inputData>
		<decision id="salutation" name="salutation"><variable name="salutation" typeRef="string"/><literalExpression><text>"Hello"</text></literalExpression></decision>
		<decision id="greeting" name="greeting"><variable name="greeting" typeRef="string"/>
			<informationRequirement><requiredDecision href="#salutation"/></informationRequirement>
			<informationRequirement><requiredInput href="#who"/></informationRequirement>
			<literalExpression><text>salutation + " " + who</text></literalExpression></decision>
		<decision id="d" name="D"><knowledgeRequirement><requiredKnowledge href="#s"/></knowledgeRequirement>
			<literalExpression><text>Greet("Ann", "Hi") + ", " + Greet(salutation: "Bye", who: "Bob")</text></literalExpression></decision>
		<decision id="boxed" name="Boxed"><knowledgeRequirement><requiredKnowledge href="#s"/></knowledgeRequirement>
			<invocation><literalExpression><text>Greet</text></literalExpression>
				<binding><parameter name="who"/><literalExpression><text>"Cy"</text></literalExpression></binding></invocation></decision>
		</definitions>`
	defs, err := Parse("svc.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"d": `"Hi Ann, Bye Bob"`, "boxed": `null`} {
		res, err := defs.Evaluate(id, nil)
		if err != nil || res.OutputJSON != want {
			t.Errorf("%s: %v %v, want %s", id, res, err, want)
		}
	}
	v, err := defs.EvaluateService("Greet", map[string]feel.Value{"who": feel.String("Dee"), "salutation": feel.String("Yo")})
	if err != nil || v.String() != `"Yo Dee"` {
		t.Fatalf("service: %v %v", v, err)
	}
}

// A name that reads as an expression ("Person.Age", "a-b") is a name only
// where it is defined; elsewhere the text is a path or a difference.
func TestScopedExpressionLikeNames(t *testing.T) {
	src := head + `
		<inputData id="p" name="Person"><variable name="Person"/></inputData>
		<inputData id="a" name="a"><variable name="a" typeRef="number"/></inputData>
		<inputData id="b" name="b"><variable name="b" typeRef="number"/></inputData>
		<inputData id="ab" name="a-b"><variable name="a-b" typeRef="number"/></inputData>
		<businessKnowledgeModel id="k" name="Describe"><encapsulatedLogic><formalParameter name="Person.Age"/>
			<literalExpression><text>Person.Age + 1</text></literalExpression></encapsulatedLogic></businessKnowledgeModel>
		<decision id="d" name="D"><informationRequirement><requiredInput href="#p"/></informationRequirement>
			<knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement>
			<invocation><literalExpression><text>Describe</text></literalExpression>
				<binding><parameter name="Person.Age"/><literalExpression><text>Person.Age</text></literalExpression></binding></invocation></decision>
		<decision id="diff" name="Diff"><informationRequirement><requiredInput href="#a"/></informationRequirement>
			<informationRequirement><requiredInput href="#b"/></informationRequirement>
			<literalExpression><text>a-b</text></literalExpression></decision>
		<decision id="named" name="Named"><informationRequirement><requiredInput href="#ab"/></informationRequirement>
			<literalExpression><text>a-b</text></literalExpression></decision>
		</definitions>`
	defs, err := Parse("scope.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	vars := feel.MapVariables{"Person": []byte(`{"Age": 41}`), "a": []byte("5"), "b": []byte("3"), "a-b": []byte("100")}
	for id, want := range map[string]string{"d": "42", "diff": "2", "named": "100"} {
		res, err := defs.Evaluate(id, vars)
		if err != nil || res.OutputJSON != want {
			t.Errorf("%s: %v %v, want %s", id, res, err, want)
		}
	}
}

// A BKM whose logic is a decision table, called from FEEL (through its FEEL
// form) and by a boxed invocation (natively), gives the same results.
func TestDecisionTableBKMFromFEEL(t *testing.T) {
	table := func(policy, agg, defaults string) string {
		return `<decisionTable hitPolicy="` + policy + `" aggregation="` + agg + `">
			<input><inputExpression typeRef="number"><text>n</text></inputExpression></input>
			<input><inputExpression typeRef="string"><text>s</text></inputExpression></input>
			<output name="v" typeRef="number">` + defaults + `</output>
			<rule><inputEntry><text>[1..5]</text></inputEntry><inputEntry><text>"a", "b"</text></inputEntry><outputEntry><text>n * 10</text></outputEntry></rule>
			<rule><inputEntry><text>&gt; 3</text></inputEntry><inputEntry><text>not("a")</text></inputEntry><outputEntry><text>7</text></outputEntry></rule>
			<rule><inputEntry><text>-</text></inputEntry><inputEntry><text>"z"</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
			</decisionTable>`
	}
	var bkms, decisions string
	policies := []struct{ id, policy, agg, defaults string }{
		{"first", "FIRST", "", ""},
		{"first_d", "FIRST", "", `<defaultOutputEntry><text>-1</text></defaultOutputEntry>`},
		{"collect", "COLLECT", "", ""},
		{"sum", "COLLECT", "SUM", ""},
		{"count", "COLLECT", "COUNT", ""},
		{"max", "COLLECT", "MAX", `<defaultOutputEntry><text>0</text></defaultOutputEntry>`},
		{"ruleorder", "RULE ORDER", "", ""},
	}
	for _, p := range policies {
		bkms += `<businessKnowledgeModel id="k_` + p.id + `" name="t_` + p.id + `"><encapsulatedLogic>
			<formalParameter name="n" typeRef="number"/><formalParameter name="s" typeRef="string"/>` + table(p.policy, p.agg, p.defaults) + `</encapsulatedLogic></businessKnowledgeModel>`
		req := `<informationRequirement><requiredInput href="#in_n"/></informationRequirement><informationRequirement><requiredInput href="#in_s"/></informationRequirement>
			<knowledgeRequirement><requiredKnowledge href="#k_` + p.id + `"/></knowledgeRequirement>`
		decisions += `<decision id="feel_` + p.id + `" name="feel_` + p.id + `">` + req + `<literalExpression><text>t_` + p.id + `(n, s)</text></literalExpression></decision>`
		decisions += `<decision id="boxed_` + p.id + `" name="boxed_` + p.id + `">` + req + `<invocation><literalExpression><text>t_` + p.id + `</text></literalExpression>
			<binding><parameter name="n"/><literalExpression><text>n</text></literalExpression></binding>
			<binding><parameter name="s"/><literalExpression><text>s</text></literalExpression></binding></invocation></decision>`
	}
	src := head + `<inputData id="in_n" name="n"><variable name="n" typeRef="number"/></inputData>
		<inputData id="in_s" name="s"><variable name="s" typeRef="string"/></inputData>` + bkms + decisions + `</definitions>`
	defs, err := Parse("tables.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct{ n, s string }{{"2", `"a"`}, {"4", `"b"`}, {"9", `"z"`}, {"0", `"q"`}, {"null", `"a"`}, {"4", `["b"]`}} {
		vars := feel.MapVariables{"n": []byte(in.n), "s": []byte(in.s)}
		for _, p := range policies {
			viaFEEL, err1 := defs.Evaluate("feel_"+p.id, vars)
			native, err2 := defs.Evaluate("boxed_"+p.id, vars)
			if err1 != nil || err2 != nil || viaFEEL.OutputJSON != native.OutputJSON {
				t.Errorf("%s n=%s s=%s: FEEL %v %v, boxed %v %v", p.id, in.n, in.s, viaFEEL, err1, native, err2)
			}
		}
	}
	res, err := defs.Evaluate("feel_sum", feel.MapVariables{"n": []byte("4"), "s": []byte(`"b"`)})
	if err != nil || res.OutputJSON != "47" {
		t.Fatalf("sum: %v %v", res, err)
	}
	res, err = defs.Evaluate("feel_collect", feel.MapVariables{"n": []byte("4"), "s": []byte(`"b"`)})
	if err != nil || res.OutputJSON != "[40,7]" {
		t.Fatalf("collect: %v %v", res, err)
	}
}

// FEEL calls a BKM natively: a UNIQUE table with two matching rules fails
// the calling decision as a boxed invocation does, and PRIORITY tables,
// which have no FEEL form, are callable from FEEL.
func TestFEELCallsKeepHitPolicies(t *testing.T) {
	src := head + `
		<businessKnowledgeModel id="u" name="grade"><encapsulatedLogic><formalParameter name="n" typeRef="number"/>
			<decisionTable hitPolicy="UNIQUE">
				<input><inputExpression typeRef="number"><text>n</text></inputExpression></input>
				<output name="g" typeRef="string"/>
				<rule><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
				<rule><inputEntry><text>&lt; 5</text></inputEntry><outputEntry><text>"very low"</text></outputEntry></rule>
			</decisionTable></encapsulatedLogic></businessKnowledgeModel>
		<businessKnowledgeModel id="p" name="level"><encapsulatedLogic><formalParameter name="n" typeRef="number"/>
			<decisionTable hitPolicy="PRIORITY">
				<input><inputExpression typeRef="number"><text>n</text></inputExpression></input>
				<output name="l" typeRef="string"><outputValues><text>"high", "low"</text></outputValues></output>
				<rule><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
				<rule><inputEntry><text>&lt; 5</text></inputEntry><outputEntry><text>"high"</text></outputEntry></rule>
			</decisionTable></encapsulatedLogic></businessKnowledgeModel>
		<decision id="ok" name="ok"><knowledgeRequirement><requiredKnowledge href="#u"/></knowledgeRequirement>
			<literalExpression><text>grade(7)</text></literalExpression></decision>
		<decision id="conflict" name="conflict"><knowledgeRequirement><requiredKnowledge href="#u"/></knowledgeRequirement>
			<literalExpression><text>grade(3)</text></literalExpression></decision>
		<decision id="priority" name="priority"><knowledgeRequirement><requiredKnowledge href="#p"/></knowledgeRequirement>
			<literalExpression><text>[level(3), level(n: 7)]</text></literalExpression></decision>
		</definitions>`
	defs, err := Parse("policies.dmn", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := defs.Evaluate("ok", nil); err != nil || res.OutputJSON != `"low"` {
		t.Errorf("ok: %v %v", res, err)
	}
	if res, err := defs.Evaluate("conflict", nil); err == nil {
		t.Errorf("conflict: %v, want an error", res.OutputJSON)
	}
	if res, err := defs.Evaluate("priority", nil); err != nil || res.OutputJSON != `["high","low"]` {
		t.Errorf("priority: %v %v", res, err)
	}
}
