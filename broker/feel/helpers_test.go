package feel

import "testing"

func mustCompile(t testing.TB, src string) *Expression {
	t.Helper()
	expr, err := Compile(src)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return expr
}

// evalJSON compiles and evaluates src and returns the result as JSON.
func evalJSON(t testing.TB, src string, vars Variables) string {
	t.Helper()
	v, err := mustCompile(t, src).Evaluate(vars)
	if err != nil {
		t.Fatalf("Evaluate(%q): %v", src, err)
	}
	out, err := ToJSON(v)
	if err != nil {
		t.Fatalf("ToJSON(%v): %v", v, err)
	}
	return string(out)
}
