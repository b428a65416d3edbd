package dmn

import (
	"encoding/xml"

	"github.com/weftlabs/weft/internal/xmltree"
)

// The DMN model namespaces the parser reads, one per DMN version. Prefixes
// vary between files, so elements are matched by namespace URI.
var dmnNamespaces = map[string]string{
	"http://www.omg.org/spec/DMN/20151101/dmn.xsd":  "1.1",
	"http://www.omg.org/spec/DMN/20180521/MODEL/":   "1.2",
	"https://www.omg.org/spec/DMN/20191111/MODEL/":  "1.3",
	"https://www.omg.org/spec/DMN/20211108/MODEL/":  "1.4",
	"https://www.omg.org/spec/DMN/20230324/MODEL/":  "1.5",
	"http://www.omg.org/spec/DMN/20191111/MODEL/":   "1.3",
	"http://www.omg.org/spec/DMN/20211108/MODEL/":   "1.4",
	"http://www.omg.org/spec/DMN/20230324/MODEL/":   "1.5",
	"https://www.omg.org/spec/DMN/20180521/MODEL/":  "1.2",
	"https://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
}

// node is one kept XML element: only elements in the DMN model namespace of
// the document are kept; diagram interchange and vendor extensions are
// read past.
type node = xmltree.Node

// readTree reads a whole XML document into a tree of the elements in the
// root's DMN namespace.
func readTree(data []byte) (*node, error) {
	return xmltree.Read(data, ErrTooLarge, func(root *node, el xml.Name) bool {
		return el.Space == root.Name.Space
	})
}
