package bpmn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds real models written for Zeebe by other people. It lives
// beside the repository, not in it: read it in place, never copy it.
const corpusDir = "../../../shared/corpus"

// corpusDeviations are models whose Zeebe 8.3 verdict Parse knowingly does
// not reproduce, with the reason.
var corpusDeviations = map[string]string{
	"camunda__zeebe__engine__src__test__resources__processes__saxexception-error-8026.bpmn": "Zeebe rejects it by XML schema validation of the diagram (stroke/fill attributes on BPMNPlane); the diagram part is not read",
}

// corpusEntry is one line of the corpus' SOURCES.tsv.
type corpusEntry struct {
	file, expect, note string
}

func readCorpus(t *testing.T) []corpusEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, "SOURCES.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus of real Zeebe models not found at %s (expected beside the repository, at ../shared/corpus)", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	header := strings.Split(lines[0], "\t")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range []string{"file", "expect", "note"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("SOURCES.tsv has no %q column: %q", c, lines[0])
		}
	}
	var entries []corpusEntry
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		get := func(c string) string {
			if col[c] < len(f) {
				return f[col[c]]
			}
			return ""
		}
		if strings.HasSuffix(get("file"), ".bpmn") {
			entries = append(entries, corpusEntry{file: get("file"), expect: get("expect"), note: get("note")})
		}
	}
	return entries
}

// parseNoPanic turns a panic into a test failure naming the model.
func parseNoPanic(t *testing.T, name string, data []byte) (defs *Definitions, err error, ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Parse panicked: %v", name, r)
			ok = false
		}
	}()
	defs, err = Parse(name, data)
	return defs, err, true
}

// onlyUnsupported reports whether err rejects a model only for what the
// engine does not run yet: kinds of element, or FEEL features that the
// expression compiler rejects as not supported yet (feelGap).
func onlyUnsupported(err error) (ok, feelGap bool) {
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return false, false
	}
	for _, p := range ve.Problems {
		switch {
		case strings.HasSuffix(p.Message, "is not supported yet"):
		case strings.HasPrefix(p.Message, "invalid ") && strings.Contains(p.Message, "not supported yet"):
			feelGap = true
		default:
			return false, false
		}
	}
	return true, feelGap
}

func TestCorpus(t *testing.T) {
	entries := readCorpus(t)
	files, err := filepath.Glob(filepath.Join(corpusDir, "models", "*.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(entries) {
		t.Errorf("corpus has %d .bpmn models but SOURCES.tsv lists %d", len(files), len(entries))
	}
	var parsed, accepted, unsupported, feelGaps, rejected, newer int
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(corpusDir, "models", e.file))
		if err != nil {
			t.Errorf("%s: %v", e.file, err)
			continue
		}
		_, perr, ok := parseNoPanic(t, e.file, data)
		if !ok {
			continue
		}
		parsed++
		if reason, ok := corpusDeviations[e.file]; ok {
			t.Logf("%s: known deviation (%s): %v", e.file, reason, perr)
			continue
		}
		switch e.expect {
		case "deploy-ok":
			ok, feelGap := onlyUnsupported(perr)
			switch {
			case perr == nil:
				accepted++
			case ok:
				unsupported++
				if feelGap {
					feelGaps++
					t.Logf("%s: rejected for FEEL not supported yet:\n%v", e.file, perr)
				}
			default:
				t.Errorf("%s: Zeebe 8.3 accepts this model, but Parse rejects it:\n%v", e.file, perr)
			}
		case "deploy-reject":
			if perr == nil {
				t.Errorf("%s: Zeebe 8.3 rejects this model (%s), but Parse accepts it", e.file, e.note)
				continue
			}
			rejected++
		case "needs-8.4+":
			newer++
		default:
			t.Errorf("%s: unknown expect %q", e.file, e.expect)
		}
	}
	t.Logf("corpus: %d parsed; Zeebe 8.3 accepts: %d accepted, %d rejected as not supported yet (%d of them for FEEL); Zeebe 8.3 rejects: %d rejected; %d need Zeebe 8.4+; %d known deviations",
		parsed, accepted, unsupported, feelGaps, rejected, newer, len(corpusDeviations))
}
