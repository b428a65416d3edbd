package feel

import (
	"bytes"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, raw := range []string{
		`null`,
		`true`,
		`false`,
		`0`,
		`-1`,
		`2251799813685249`,
		`9223372036854775807`,
		`9223372036854775808`,
		`-9223372036854775809`,
		`123456789012345678901234567890123456789`,
		`0.5`,
		`-2.25`,
		`0.1`,
		`1e-7`,
		`""`,
		`"plain"`,
		`"quote \" backslash \\ newline \n tab \t"`,
		`"\u0001\u001f"`,
		`"<html> & é 😀"`,
		`[]`,
		`{}`,
		`[1,"two",[3,[4]],{"five":5},null,true]`,
		`{"z":1,"a":2,"m":{"y":[1,2],"b":{"c":null}}}`,
		`{"key":2251799813685249,"nested":{"list":[{"a":1},{"b":[2.5,"x"]}]}}`,
	} {
		t.Run(raw, func(t *testing.T) {
			v, err := FromJSON([]byte(raw))
			if err != nil {
				t.Fatalf("FromJSON: %v", err)
			}
			out, err := ToJSON(v)
			if err != nil {
				t.Fatalf("ToJSON: %v", err)
			}
			if string(out) != raw {
				t.Fatalf("round trip: got %s, want %s", out, raw)
			}
		})
	}
}

func TestJSONNormalisesNumbersAndWhitespace(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{` { "a" : 1 , "b" : [ 1 , 2 ] } `, `{"a":1,"b":[1,2]}`},
		{`3.0`, `3`},
		{`3.000`, `3`},
		{`1E3`, `1000`},
		{`1.5e3`, `1500`},
		{`-0`, `0`},
		{`-0.0`, `0`},
		{`0.30000000000000004`, `0.30000000000000004`},
		{`0.1000000000000000055511151231257827`, `0.1`}, // nearest double
		{`1.00000000000000000001`, `1`},                 // nearest double of a non-whole number
		{`1e-400`, `0`},
		{`12345678901234567890.5`, `12345678901234567000`},
		{`"\u00e9"`, `"é"`},
		{`"\/"`, `"/"`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			v, err := FromJSON([]byte(tc.raw))
			if err != nil {
				t.Fatalf("FromJSON: %v", err)
			}
			out, _ := ToJSON(v)
			if string(out) != tc.want {
				t.Fatalf("got %s, want %s", out, tc.want)
			}
		})
	}
}

func TestFromJSONKeepsExactNumbers(t *testing.T) {
	v, err := FromJSON([]byte(`{"key": 2251799813685249, "price": 0.1}`))
	if err != nil {
		t.Fatal(err)
	}
	c := v.(*Context)
	key, _ := c.Get("key")
	if i, ok := key.(Number).Int64(); !ok || i != 2251799813685249 {
		t.Fatalf("key = %v", key)
	}
	price, _ := c.Get("price")
	sum := arithmetic(tokPlus, price, mustNumber(t, "0.2"))
	if sum.String() != "0.3" {
		t.Fatalf("0.1 + 0.2 = %v", sum)
	}
	if got := c.Keys(); strings.Join(got, ",") != "key,price" {
		t.Fatalf("keys = %v", got)
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, raw := range []string{
		``,
		`   `,
		`{`,
		`[1,]`,
		`{"a" 1}`,
		`{"a":1}}`,
		`1 2`,
		`nul`,
		`'a'`,
		`01`,
		`1e99999`,
		strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	} {
		if v, err := FromJSON([]byte(raw)); err == nil {
			t.Errorf("FromJSON(%.40q) = %v, want an error", raw, v)
		}
	}
}

func TestToJSONIsDeterministic(t *testing.T) {
	expr := mustCompile(t, `{b: 1, a: [x, {d: 1, c: 2}], c: "x" + "y", z: 0.1 + 0.2}`)
	var first []byte
	for i := 0; i < 50; i++ {
		v, err := expr.Evaluate(MapVariables{"x": []byte(`{"q": 1, "p": 2, "o": 3}`)})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := ToJSON(v)
		if first == nil {
			first = out
			continue
		}
		if !bytes.Equal(first, out) {
			t.Fatalf("run %d: %s differs from %s", i, out, first)
		}
	}
	want := `{"b":1,"a":[{"q":1,"p":2,"o":3},{"d":1,"c":2}],"c":"xy","z":0.3}`
	if string(first) != want {
		t.Fatalf("got %s, want %s", first, want)
	}
}

func TestToJSONOfBuiltValues(t *testing.T) {
	c := NewContext(
		Entry{Key: "s", Value: String("line\nbreak\x00")},
		Entry{Key: "l", Value: List{Bool(true), Null{}, IntNumber(-3)}},
		Entry{Key: "n", Value: nil},
		Entry{Key: "s", Value: String("again")},
	)
	out, _ := ToJSON(c)
	want := `{"s":"again","l":[true,null,-3],"n":null}`
	if string(out) != want {
		t.Fatalf("got %s, want %s", out, want)
	}
	if out, _ := ToJSON(String("bad \xff utf8")); string(out) != `"bad \ufffd utf8"` {
		t.Fatalf("got %s", out)
	}
	if out, _ := ToJSON(nil); string(out) != `null` {
		t.Fatalf("got %s", out)
	}
	var empty *Context
	if out, _ := ToJSON(empty); string(out) != `{}` {
		t.Fatalf("got %s", out)
	}
}

func mustNumber(t testing.TB, s string) Number {
	t.Helper()
	n, err := ParseNumber(s)
	if err != nil {
		t.Fatalf("ParseNumber(%q): %v", s, err)
	}
	return n
}
