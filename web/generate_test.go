package web

import (
	"io/fs"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestGeneratedCodeIsCurrent fails when a .templ file changed without its generated
// *_templ.go: it runs web/generate.sh --check, which generates into a temporary copy.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "bash", "generate.sh", "--check")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("generate.sh --check: %v\n%s", err, out)
	}
}

// TestStaticAssets checks that the vendored assets that the pages load are embedded.
func TestStaticAssets(t *testing.T) {
	for _, p := range []string{
		"favicon.svg", "css/monitor.css", "js/monitor.js",
		"vendor/htmx/htmx.min.js", "vendor/htmx/LICENSE",
		"vendor/bpmn-js/bpmn-viewer.production.min.js", "vendor/bpmn-js/LICENSE",
		"vendor/bpmn-js/assets/diagram-js.css", "vendor/bpmn-js/assets/bpmn-js.css",
		"vendor/bpmn-js/assets/bpmn-font/css/bpmn.css", "vendor/bpmn-js/assets/bpmn-font/font/bpmn.woff2",
		"vendor/VERSIONS.md",
	} {
		b, err := fs.ReadFile(Static, p)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", p, err, len(b))
		}
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if Key(2251799813685255) != "2251799813685255" || Key(-1) != "-" {
		t.Error("Key")
	}
	if got := ShortDuration(26*3600e9 + 61e9); got != "1d 2h" {
		t.Errorf("ShortDuration = %q", got)
	}
	if got := ShortDuration(61e9); got != "1m 1s" {
		t.Errorf("ShortDuration = %q", got)
	}
	if got := ShortDuration(820e6); got != "820ms" {
		t.Errorf("ShortDuration = %q", got)
	}
	if !strings.HasSuffix(Time(mustTime(t)), "UTC") {
		t.Error("Time has no zone")
	}
}

func mustTime(t *testing.T) time.Time {
	t.Helper()
	return time.UnixMilli(1700000000000)
}
