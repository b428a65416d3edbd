package dmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
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

// Parser limits. Real models nest a few dozen levels and hold some thousand
// elements; the limits keep hostile input from exhausting memory or the
// stack. encoding/xml expands no entities but the five predefined ones, so
// there is no entity expansion to bound.
const (
	maxResourceSize = 16 << 20
	maxDepth        = 256
	maxNodes        = 500_000
)

// node is one kept XML element: only elements in the DMN model namespace of
// the document are kept; diagram interchange and vendor extensions are
// read past.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     []byte
	line     int
}

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

// child returns the first child called local, or nil.
func (n *node) child(local string) *node {
	for _, c := range n.children {
		if c.name.Local == local {
			return c
		}
	}
	return nil
}

// all returns the children called local.
func (n *node) all(local string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// textOf returns the text of the child called local (a <text> element).
func (n *node) textOf(local string) string {
	c := n.child(local)
	if c == nil {
		return ""
	}
	return string(c.text)
}

// readTree reads a whole XML document into a tree of the elements in the
// root's DMN namespace.
func readTree(data []byte) (*node, error) {
	if len(data) > maxResourceSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTooLarge, len(data), maxResourceSize)
	}
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.CharsetReader = charsetReader
	var (
		root    *node
		stack   []*node
		depth   int
		skipped int
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
				return nil, errors.New("more than one root element")
			}
			if skipped > 0 {
				skipped++
				continue
			}
			if root != nil && t.Name.Space != root.name.Space {
				skipped = 1
				continue
			}
			count++
			if count > maxNodes {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, maxNodes)
			}
			l, _ := d.InputPos()
			n := &node{name: t.Name, attrs: append([]xml.Attr(nil), t.Attr...), line: l}
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
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
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

// charsetReader accepts the single-byte encodings a hand-written file may
// declare besides UTF-8.
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
