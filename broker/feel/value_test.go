package feel

import (
	"strings"
	"testing"
)

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		kind Kind
		name string
	}{
		{Null{}, KindNull, "null"},
		{Bool(true), KindBoolean, "boolean"},
		{IntNumber(1), KindNumber, "number"},
		{String("s"), KindString, "string"},
		{List{}, KindList, "list"},
		{NewContext(), KindContext, "context"},
	} {
		if tc.v.Kind() != tc.kind || tc.kind.String() != tc.name {
			t.Errorf("%v: kind %v (%s)", tc.v, tc.v.Kind(), tc.kind)
		}
	}
	if Kind(200).String() != "unknown" {
		t.Error("unknown kind name")
	}
}

func TestValueStrings(t *testing.T) {
	c := NewContext(Entry{Key: "a", Value: IntNumber(1)}, Entry{Key: "b c", Value: List{String("x\"y"), Null{}}})
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{Null{}, `null`},
		{Bool(false), `false`},
		{mustNumber(t, "1.50"), `1.50`},
		{String("a\"b\\c\n"), `"a\"b\\c\n"`},
		{List{IntNumber(1), String("a")}, `[1, "a"]`},
		{c, `{a:1, b c:["x\"y", null]}`},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

func TestContextAPI(t *testing.T) {
	c := NewContext(
		Entry{Key: "z", Value: IntNumber(1)},
		Entry{Key: "a", Value: IntNumber(2)},
		Entry{Key: "z", Value: IntNumber(3)},
	)
	if c.Len() != 2 || strings.Join(c.Keys(), ",") != "z,a" {
		t.Fatalf("keys %v", c.Keys())
	}
	if v, ok := c.Get("z"); !ok || v.String() != "3" {
		t.Fatalf("z = %v", v)
	}
	if _, ok := c.Get("missing"); ok {
		t.Fatal("missing key found")
	}
	entries := c.Entries()
	entries[0].Value = Null{}
	if v, _ := c.Get("z"); v.String() != "3" {
		t.Fatal("Entries exposed the context's storage")
	}
	var nilCtx *Context
	if nilCtx.Len() != 0 || len(nilCtx.Keys()) != 0 || nilCtx.Entries() != nil {
		t.Fatal("nil context is not empty")
	}
	if _, ok := nilCtx.Get("a"); ok {
		t.Fatal("nil context has a key")
	}
}
