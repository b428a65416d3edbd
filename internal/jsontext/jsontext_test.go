package jsontext_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/weftlabs/weft/internal/jsontext"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\", "\n\r\t\x00\x1f", "<a&b>", "ünï €", "\u2028\u2029", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := jsontext.AppendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, b, err)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // invalid bytes read as U+FFFD
		}
		if got != want {
			t.Fatalf("%q: round trip gave %q", s, got)
		}
	})
}
