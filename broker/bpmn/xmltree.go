package bpmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Namespaces the parser reads. Prefixes vary between files (bpmn:, bpmn2:,
// none, zeebe:...), so elements are matched by namespace URI, never by prefix.
const (
	nsBPMN  = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	nsZeebe = "http://camunda.org/schema/zeebe/1.0"
)

// Parser limits. Modeler files nest a few dozen levels at most and hold a few
// thousand elements; the limits keep hostile input from exhausting memory or
// the stack while leaving real models far inside them.
const (
	maxResourceSize = 16 << 20
	maxDepth        = 256
	maxNodes        = 500_000
)

// node is one kept XML element. Only elements in the BPMN model and Zeebe
// namespaces are kept; the diagram interchange part and other vendors'
// extensions are read past, since nothing executable lives there.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     []byte
}

// attr returns the value of the unqualified attribute local, as BPMN and
// Zeebe write their attributes.
func (n *node) attr(local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// get returns the unqualified attribute local, or "" when absent.
func (n *node) get(local string) string {
	v, _ := n.attr(local)
	return v
}

func (n *node) is(space, local string) bool {
	return n.name.Space == space && n.name.Local == local
}

// readTree reads a whole XML document into a tree of kept elements.
func readTree(data []byte) (*node, error) {
	if len(data) > maxResourceSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTooLarge, len(data), maxResourceSize)
	}
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.CharsetReader = charsetReader
	var (
		root    *node
		stack   []*node
		depth   int // open elements, kept or not
		skipped int // open elements inside a subtree that is not kept
		count   int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d levels", ErrTooLarge, maxDepth)
			}
			if depth == 1 && root != nil {
				return nil, fmt.Errorf("line %d: more than one root element", line(d))
			}
			if skipped > 0 {
				skipped++
				continue
			}
			if root != nil && t.Name.Space != nsBPMN && t.Name.Space != nsZeebe {
				skipped = 1
				continue
			}
			count++
			if count > maxNodes {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, maxNodes)
			}
			n := &node{name: t.Name, attrs: append([]xml.Attr(nil), t.Attr...)}
			if root == nil {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			depth--
			if skipped > 0 {
				skipped--
				continue
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if skipped == 0 && len(stack) > 0 {
				top := stack[len(stack)-1]
				top.text = append(top.text, t...)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

func line(d *xml.Decoder) int {
	l, _ := d.InputPos()
	return l
}

// charsetReader accepts the single-byte encodings a hand-written file may
// declare besides UTF-8; encoding/xml reads UTF-8 itself.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		b, err := io.ReadAll(io.LimitReader(input, maxResourceSize+1))
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: use UTF-8", label)
}
