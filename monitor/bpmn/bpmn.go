// Package bpmn lists the flow elements of a BPMN 2.0 document for display: ids, names
// and kinds, in document order. The monitor shows them beside the diagram and, where
// the browser runs no script, instead of it. It validates nothing.
package bpmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/weftlabs/weft/web"
)

// maxSize bounds the documents Elements reads.
const maxSize = 16 << 20

// skipped are BPMN elements with an id that are not flow elements of a process.
var skipped = map[string]bool{
	"definitions": true, "process": true, "message": true, "signal": true, "error": true, "escalation": true,
	"collaboration": true, "participant": true, "messageFlow": true, "laneSet": true, "lane": true,
	"dataObject": true, "dataStoreReference": true, "dataObjectReference": true, "textAnnotation": true,
	"association": true, "group": true, "category": true, "categoryValue": true, "itemDefinition": true,
	"extensionElements": true,
}

// bpmnNS is the namespace of BPMN's model elements; diagram interchange (bpmndi, dc,
// di) and extensions (zeebe) live in others.
const bpmnNS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

// Elements returns the flow elements (events, tasks, gateways, sub-processes, sequence
// flows, boundary events...) of every process in the document, in document order.
func Elements(doc []byte) ([]web.Element, error) {
	if len(doc) > maxSize {
		return nil, fmt.Errorf("bpmn: document of %d bytes is over %d", len(doc), maxSize)
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []web.Element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("bpmn: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Space != bpmnNS || skipped[se.Name.Local] || definitionSuffix(se.Name.Local) {
			continue
		}
		var id, name string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "id":
				if a.Name.Space == "" {
					id = a.Value
				}
			case "name":
				if a.Name.Space == "" {
					name = a.Value
				}
			}
		}
		if id != "" {
			out = append(out, web.Element{ID: id, Name: name, Type: se.Name.Local})
		}
	}
}

// definitionSuffix reports event definitions (timerEventDefinition...), which carry
// ids but belong to their event.
func definitionSuffix(local string) bool {
	const s = "EventDefinition"
	return len(local) > len(s) && local[len(local)-len(s):] == s
}
