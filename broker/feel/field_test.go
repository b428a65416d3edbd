package feel

import (
	"errors"
	"testing"
)

func TestParseField(t *testing.T) {
	vars := MapVariables{"type": []byte(`"payment"`), "retries": []byte(`3`)}
	for _, tc := range []struct {
		raw        string
		expression bool
		want       string // the value as JSON
	}{
		{`payment-service`, false, `"payment-service"`},
		{`3`, false, `"3"`},
		{``, false, `""`},
		{` =x`, false, `" =x"`},
		{`=type`, true, `"payment"`},
		{`= type + "-v2"`, true, `"payment-v2"`},
		{`=retries + 1`, true, `4`},
		{`=missing`, true, `null`},
		{`==1`, false, ``}, // a syntax error, checked below
	} {
		t.Run(tc.raw, func(t *testing.T) {
			f, err := ParseField(tc.raw)
			if tc.raw == "==1" {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("got %v, want a *SyntaxError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Raw != tc.raw {
				t.Errorf("Raw = %q", f.Raw)
			}
			if f.IsExpression() != tc.expression {
				t.Errorf("IsExpression = %v", f.IsExpression())
			}
			v, err := f.Evaluate(vars)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := ToJSON(v)
			if string(out) != tc.want {
				t.Errorf("got %s, want %s", out, tc.want)
			}
		})
	}
}

func TestParseFieldEmptyExpression(t *testing.T) {
	for _, raw := range []string{"=", "=  "} {
		if _, err := ParseField(raw); err == nil {
			t.Errorf("ParseField(%q) succeeded", raw)
		}
	}
}

func TestZeroField(t *testing.T) {
	var f Field
	v, err := f.Evaluate(nil)
	if err != nil || v != String("") {
		t.Fatalf("got %v, %v", v, err)
	}
}
