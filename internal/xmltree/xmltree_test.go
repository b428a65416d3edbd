package xmltree

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

var errBig = errors.New("too large")

func keepSpace(root *Node, el xml.Name) bool { return el.Space == root.Name.Space }

func TestReadKeepsOnlyWhatKeepAccepts(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<m:root xmlns:m="urn:m" xmlns:o="urn:o" id="r">
  <m:a name="x">caf` + "\xe9" + `</m:a>
  <o:ext><m:a name="hidden"/></o:ext>
  <m:a name="y"/>
</m:root>`
	root, err := Read([]byte(doc), errBig, keepSpace)
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Get("id"); got != "r" {
		t.Fatalf("root id = %q", got)
	}
	as := root.All("a")
	if len(as) != 2 || as[0].Get("name") != "x" || as[1].Get("name") != "y" {
		t.Fatalf("kept children: %+v", as)
	}
	if got := root.TextOf("a"); got != "café" {
		t.Fatalf("text = %q, want the Latin-1 text decoded", got)
	}
	if !as[0].Is("urn:m", "a") || root.Child("ext") != nil {
		t.Fatal("an element keep rejects was kept")
	}
}

func TestReadLimits(t *testing.T) {
	for name, doc := range map[string]string{
		"size":  strings.Repeat(" ", MaxSize+1),
		"depth": strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
		"nodes": "<r>" + strings.Repeat("<a/>", MaxNodes) + "</r>",
	} {
		if _, err := Read([]byte(doc), errBig, keepSpace); !errors.Is(err, errBig) {
			t.Errorf("%s: err = %v, want one wrapping the caller's limit error", name, err)
		}
	}
}

func TestReadRejectsTwoRoots(t *testing.T) {
	_, err := Read([]byte("<a/>\n<b/>"), errBig, keepSpace)
	if err == nil || !strings.Contains(err.Error(), "line 2: more than one root element") {
		t.Fatalf("err = %v", err)
	}
}
