// Package dmn reads the decisions of a DMN 1.x document for display: decision tables
// and literal expressions, nothing else. It does not evaluate anything.
package dmn

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/weftlabs/weft/web"
)

// The XML shapes, matched by local name so that every DMN namespace version reads.
type definitions struct {
	Decisions []decision `xml:"decision"`
}

type decision struct {
	ID                string             `xml:"id,attr"`
	Name              string             `xml:"name,attr"`
	DecisionTable     *decisionTable     `xml:"decisionTable"`
	LiteralExpression *literalExpression `xml:"literalExpression"`
}

type literalExpression struct {
	Text string `xml:"text"`
}

type decisionTable struct {
	HitPolicy   string   `xml:"hitPolicy,attr"`
	Aggregation string   `xml:"aggregation,attr"`
	Inputs      []input  `xml:"input"`
	Outputs     []output `xml:"output"`
	Rules       []rule   `xml:"rule"`
}

type input struct {
	ID              string `xml:"id,attr"`
	Label           string `xml:"label,attr"`
	InputExpression struct {
		TypeRef string `xml:"typeRef,attr"`
		Text    string `xml:"text"`
	} `xml:"inputExpression"`
}

type output struct {
	ID      string `xml:"id,attr"`
	Label   string `xml:"label,attr"`
	Name    string `xml:"name,attr"`
	TypeRef string `xml:"typeRef,attr"`
}

type rule struct {
	ID          string  `xml:"id,attr"`
	Description string  `xml:"description"`
	InputEntry  []entry `xml:"inputEntry"`
	OutputEntry []entry `xml:"outputEntry"`
}

type entry struct {
	Text string `xml:"text"`
}

// maxSize bounds the documents Logic reads; a deployed resource is far smaller.
const maxSize = 8 << 20

// Logic returns how the decision with the id decides in the DMN document. A decision
// that is neither a table nor a literal expression has Kind "". A document that does
// not parse, or lacks the decision, gives an error.
func Logic(doc []byte, decisionID string) (web.DecisionLogic, error) {
	if len(doc) > maxSize {
		return web.DecisionLogic{}, fmt.Errorf("dmn: document of %d bytes is over %d", len(doc), maxSize)
	}
	var defs definitions
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	if err := dec.Decode(&defs); err != nil {
		return web.DecisionLogic{}, fmt.Errorf("dmn: %w", err)
	}
	for _, d := range defs.Decisions {
		if d.ID != decisionID {
			continue
		}
		switch {
		case d.DecisionTable != nil:
			return web.DecisionLogic{Kind: "decisionTable", Table: table(d.DecisionTable)}, nil
		case d.LiteralExpression != nil:
			return web.DecisionLogic{Kind: "literalExpression", Expression: strings.TrimSpace(d.LiteralExpression.Text)}, nil
		}
		return web.DecisionLogic{}, nil
	}
	return web.DecisionLogic{}, fmt.Errorf("dmn: no decision %q in the document", decisionID)
}

func table(t *decisionTable) *web.DecisionTable {
	out := &web.DecisionTable{HitPolicy: t.HitPolicy, Aggregation: t.Aggregation}
	if out.HitPolicy == "" {
		out.HitPolicy = "UNIQUE" // the DMN default
	}
	for _, in := range t.Inputs {
		out.Inputs = append(out.Inputs, web.TableColumn{ID: in.ID, Label: in.Label,
			Expression: strings.TrimSpace(in.InputExpression.Text), TypeRef: in.InputExpression.TypeRef})
	}
	for _, o := range t.Outputs {
		out.Outputs = append(out.Outputs, web.TableColumn{ID: o.ID, Label: o.Label, Expression: o.Name, TypeRef: o.TypeRef})
	}
	for _, r := range t.Rules {
		tr := web.TableRule{ID: r.ID, Description: strings.TrimSpace(r.Description)}
		for i := range t.Inputs {
			tr.Inputs = append(tr.Inputs, entryText(r.InputEntry, i))
		}
		for i := range t.Outputs {
			tr.Outputs = append(tr.Outputs, entryText(r.OutputEntry, i))
		}
		out.Rules = append(out.Rules, tr)
	}
	return out
}

// entryText returns the i-th entry's text; a missing or empty entry matches anything,
// which DMN writes as "-".
func entryText(es []entry, i int) string {
	if i >= len(es) {
		return "-"
	}
	t := strings.TrimSpace(es[i].Text)
	if t == "" {
		return "-"
	}
	return t
}
