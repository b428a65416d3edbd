package feel

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

func TestEveryKnownFunctionIsImplemented(t *testing.T) {
	for _, name := range knownFunctions {
		if !isImplemented(name) {
			t.Errorf("built-in %q is listed but not implemented", name)
		}
	}
}

func TestMoreBuiltins(t *testing.T) {
	runEvalCases(t, []evalCase{
		{`stddev([2, 4, 7, 5])`, `2.0816659994661326`},
		{`stddev(2, 4, 7, 5)`, `2.0816659994661326`},
		{`stddev(list: [1, 1])`, `0`},
		{`stddev([47])`, `null`},
		{`stddev([])`, `null`},
		{`stddev([1, "a"])`, `null`},
		{`stddev(null)`, `null`},
		{`mode([6, 3, 9, 6, 6])`, `[6]`},
		{`mode([3, 6, 1, 9, 6, 1, 3])`, `[1,3,6]`},
		{`mode([2.5, 1, 2.5, 3])`, `[2.5]`},
		{`mode(6, 3, 6)`, `[6]`},
		{`mode([])`, `[]`},
		{`mode(["b", "a", "b", "a"])`, `["a","b"]`},
		{`mode([1, 2, "foo"])`, `null`},
		{`mode(null)`, `null`},
		{`duplicate values([1, 2, 3, 2, 1, 1])`, `[2,1]`},
		{`duplicate values([1, 2, 3])`, `[]`},
		{`duplicate values([[1], [1], {a: 1}, {a: 1.0}])`, `[[1],{"a":1}]`},
		{`duplicate values("a")`, `null`},
		{`is empty([])`, `true`},
		{`is empty([null])`, `false`},
		{`is empty("")`, `null`},
		{`partition([1, 2, 3, 4, 5], 2)`, `[[1,2],[3,4],[5]]`},
		{`partition([], 2)`, `[]`},
		{`partition([1, 2], 0)`, `null`},
		{`partition([1, 2], "2")`, `null`},
		{`extract("references are 1234, 1256, 1378", "12[0-9]*")`, `["1234","1256"]`},
		{`extract("abc", "[0-9]+")`, `[]`},
		{`extract("abc", "(")`, `null`},
		{`extract(1, "a")`, `null`},
		{`trim("  hello world \t\n")`, `"hello world"`},
		{`trim("\u00a0x")`, "\"\u00a0x\""}, // Java's trim keeps a no-break space
		{`trim(1)`, `null`},
		{`to base64("FEEL")`, `"RkVFTA=="`},
		{`to base64("é")`, `"w6k="`},
		{`to base64(1)`, `null`},
		{`abs(-1)`, `1`},
		{`abs(@"-P1D")`, `"PT24H"`},
		{`abs(@"PT5M")`, `"PT5M"`},
		{`abs(@"-P1Y2M")`, `"P1Y2M"`},
		{`abs(@"P3M")`, `"P3M"`},
		{`abs("a")`, `null`},
	})
}

func TestRandomBuiltinsUseTheSource(t *testing.T) {
	uuidForm := regexp.MustCompile(`^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$`)
	seeded := func() Variables { return WithRandom(nil, rand.New(rand.NewPCG(7, 9))) }
	a := evalJSON(t, `[uuid(), uuid(), random number()]`, seeded())
	b := evalJSON(t, `[uuid(), uuid(), random number()]`, seeded())
	if a != b {
		t.Errorf("the same seed gave %s and %s", a, b)
	}
	for _, src := range []string{`uuid()`} {
		for _, vars := range []Variables{nil, seeded()} {
			if got := evalJSON(t, src, vars); !uuidForm.MatchString(got) {
				t.Errorf("%s = %s, not a version 4 UUID", src, got)
			}
		}
	}
	if evalJSON(t, `uuid() = uuid()`, nil) != `false` {
		t.Error("two uuid() calls are equal")
	}
	for range 100 {
		if got := evalJSON(t, `random number() >= 0 and random number() < 1`, nil); got != `true` {
			t.Fatalf("random number() out of [0, 1)")
		}
	}
}
