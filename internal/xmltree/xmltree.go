// Package xmltree reads an XML model (BPMN, DMN) into a small tree of the
// elements a parser needs, within limits that keep hostile input from
// exhausting memory or the stack.
//
// Prefixes vary between files (bpmn:, bpmn2:, none...), so callers match
// elements by namespace URI, never by prefix. encoding/xml expands no entities
// but the five predefined ones, so there is no entity expansion to bound.
package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits on a document. Modeler files nest a few dozen levels at most and hold
// a few thousand elements; real models stay far inside these.
const (
	MaxSize  = 16 << 20
	MaxDepth = 256
	MaxNodes = 500_000
)

// Node is one kept XML element.
type Node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*Node
	Text     []byte
}

// Attr returns the value of the unqualified attribute local, as BPMN, DMN and
// Zeebe write their attributes.
func (n *Node) Attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Get returns the unqualified attribute local, or "" when absent.
func (n *Node) Get(local string) string {
	v, _ := n.Attr(local)
	return v
}

// Is reports whether the element is space:local.
func (n *Node) Is(space, local string) bool {
	return n.Name.Space == space && n.Name.Local == local
}

// Child returns the first child called local, or nil.
func (n *Node) Child(local string) *Node {
	for _, c := range n.Children {
		if c.Name.Local == local {
			return c
		}
	}
	return nil
}

// All returns the children called local.
func (n *Node) All(local string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// TextOf returns the text of the child called local (a <text> element).
func (n *Node) TextOf(local string) string {
	c := n.Child(local)
	if c == nil {
		return ""
	}
	return string(c.Text)
}

// Read reads a whole XML document into a tree. The root element is always
// kept; below it, keep decides which elements are kept, and an element it
// rejects is read past with everything inside it. Errors about the limits wrap
// tooLarge.
func Read(data []byte, tooLarge error, keep func(root *Node, el xml.Name) bool) (*Node, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", tooLarge, len(data), MaxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.CharsetReader = charsetReader
	var (
		root    *Node
		stack   []*Node
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
			if depth > MaxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d levels", tooLarge, MaxDepth)
			}
			if depth == 1 && root != nil {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("line %d: more than one root element", line)
			}
			if skipped > 0 {
				skipped++
				continue
			}
			if root != nil && !keep(root, t.Name) {
				skipped = 1
				continue
			}
			count++
			if count > MaxNodes {
				return nil, fmt.Errorf("%w: more than %d elements", tooLarge, MaxNodes)
			}
			n := &Node{Name: t.Name, Attrs: append([]xml.Attr(nil), t.Attr...)}
			if root == nil {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
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
				top.Text = append(top.Text, t...)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// charsetReader accepts the single-byte encodings a hand-written file may
// declare besides UTF-8; encoding/xml reads UTF-8 itself.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		b, err := io.ReadAll(io.LimitReader(input, MaxSize+1))
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
