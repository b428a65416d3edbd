package dmn

import (
	"reflect"
	"strings"
	"testing"

	"github.com/weftlabs/weft/web"
)

const dinner = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dinner" name="Dinner" namespace="http://weft.dev/dmn">
  <decision id="season" name="Season">
    <literalExpression><text>if month &lt;= 2 or month = 12 then "Winter" else "Summer"</text></literalExpression>
  </decision>
  <decision id="dish" name="Dish">
    <decisionTable id="dishTable" hitPolicy="FIRST">
      <input id="inSeason" label="Season"><inputExpression typeRef="string"><text>season</text></inputExpression></input>
      <input id="inGuests"><inputExpression typeRef="number"><text>guests</text></inputExpression></input>
      <output id="outDish" name="dish" typeRef="string" />
      <rule id="winterSmall"><description>cosy</description><inputEntry><text>"Winter"</text></inputEntry><inputEntry><text>&lt;= 4</text></inputEntry><outputEntry><text>"Roastbeef"</text></outputEntry></rule>
      <rule id="summer"><inputEntry><text>"Summer"</text></inputEntry><inputEntry><text></text></inputEntry><outputEntry><text>"Salad"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="other" name="Other"><invocation/></decision>
</definitions>`

func TestDecisionTable(t *testing.T) {
	got, err := Logic([]byte(dinner), "dish")
	if err != nil {
		t.Fatal(err)
	}
	want := web.DecisionLogic{Kind: "decisionTable", Table: &web.DecisionTable{
		HitPolicy: "FIRST",
		Inputs: []web.TableColumn{{ID: "inSeason", Label: "Season", Expression: "season", TypeRef: "string"},
			{ID: "inGuests", Expression: "guests", TypeRef: "number"}},
		Outputs: []web.TableColumn{{ID: "outDish", Expression: "dish", TypeRef: "string"}},
		Rules: []web.TableRule{
			{ID: "winterSmall", Inputs: []string{`"Winter"`, "<= 4"}, Outputs: []string{`"Roastbeef"`}, Description: "cosy"},
			{ID: "summer", Inputs: []string{`"Summer"`, "-"}, Outputs: []string{`"Salad"`}},
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got.Table, want.Table)
	}
}

func TestLiteralExpressionAndOthers(t *testing.T) {
	got, err := Logic([]byte(dinner), "season")
	if err != nil || got.Kind != "literalExpression" || got.Expression != `if month <= 2 or month = 12 then "Winter" else "Summer"` {
		t.Fatalf("season: %+v, %v", got, err)
	}
	if got, err := Logic([]byte(dinner), "other"); err != nil || got.Kind != "" {
		t.Fatalf("other: %+v, %v", got, err)
	}
	if _, err := Logic([]byte(dinner), "missing"); err == nil || !strings.Contains(err.Error(), "no decision") {
		t.Fatalf("missing: %v", err)
	}
	if _, err := Logic([]byte("<definitions><decision"), "x"); err == nil {
		t.Fatal("broken XML read without error")
	}
}

func FuzzLogic(f *testing.F) {
	f.Add([]byte(dinner), "dish")
	f.Add([]byte(dinner), "season")
	f.Add([]byte(`<definitions><decision id="a"><decisionTable><rule><inputEntry/></rule></decisionTable></decision></definitions>`), "a")
	f.Fuzz(func(t *testing.T, doc []byte, id string) {
		l, err := Logic(doc, id)
		if err != nil {
			return
		}
		if l.Table != nil {
			for _, r := range l.Table.Rules {
				if len(r.Inputs) != len(l.Table.Inputs) || len(r.Outputs) != len(l.Table.Outputs) {
					t.Fatalf("rule %q has %d/%d entries for %d/%d columns", r.ID, len(r.Inputs), len(r.Outputs),
						len(l.Table.Inputs), len(l.Table.Outputs))
				}
			}
		}
	})
}
