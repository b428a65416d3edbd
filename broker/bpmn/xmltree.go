package bpmn

import (
	"encoding/xml"

	"github.com/weftlabs/weft/internal/xmltree"
)

// Namespaces the parser reads. Prefixes vary between files (bpmn:, bpmn2:,
// none, zeebe:...), so elements are matched by namespace URI, never by prefix.
const (
	nsBPMN  = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	nsZeebe = "http://camunda.org/schema/zeebe/1.0"
)

// Parser limits, the same for every XML model.
const (
	maxResourceSize = xmltree.MaxSize
	maxNodes        = xmltree.MaxNodes
)

// node is one kept XML element. Only elements in the BPMN model and Zeebe
// namespaces are kept; the diagram interchange part and other vendors'
// extensions are read past, since nothing executable lives there.
type node = xmltree.Node

// readTree reads a whole XML document into a tree of kept elements.
func readTree(data []byte) (*node, error) {
	return xmltree.Read(data, ErrTooLarge, func(_ *node, el xml.Name) bool {
		return el.Space == nsBPMN || el.Space == nsZeebe
	})
}
