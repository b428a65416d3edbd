package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserStepTimeout bounds each step in the browser: a navigation, a wait for an
// element, a confirmation.
const browserStepTimeout = 15 * time.Second

// monitorBrowser is a headless Chromium, driven by chromedp through one tab, in front
// of a monitor. It collects the page's JavaScript errors (uncaught exceptions,
// console.error and the browser's error log, such as failed loads) and writes
// screenshots under screenshotDir.
type monitorBrowser struct {
	// ctx is the tab's chromedp context. It does not end with the test's context, so
	// that the browser can still be closed gracefully in the test's cleanup.
	ctx  context.Context
	base string // the monitor's URL: http://host:port
	// shots is where the screenshots go; shot numbers them in the order taken.
	shots string
	shot  int

	mu     sync.Mutex
	errors []string // the page's errors since the last requireNoJSErrors
}

// chromiumPath returns the Chromium the tests drive: $WEFT_CHROMIUM or
// /usr/bin/chromium. A missing browser fails the test: the browser tests never skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("WEFT_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	found, err := exec.LookPath(p)
	if err != nil {
		t.Fatalf("no Chromium for the monitor's browser tests (%v): run scripts/install-chromium, or set WEFT_CHROMIUM to a Chromium or Chrome binary", err)
	}
	return found
}

// screenshotDir is where the screenshots of the browser tests go:
// $WEFT_ARTIFACTS/screenshots, or a directory of the test when WEFT_ARTIFACTS is unset.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if a := os.Getenv("WEFT_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// startBrowser starts a headless Chromium (exe, from chromiumPath) with a fresh
// profile and opens a tab on base. The browser is closed, and no process of it is
// left, when the test ends.
func startBrowser(t *testing.T, exe, base string) *monitorBrowser {
	t.Helper()
	profile := t.TempDir()
	shots := screenshotDir(t)
	output := &syncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// The machine's network is closed: Chromium must not try to reach Google's
		// services (its connections would be refused, slowly).
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Nothing is written outside the test's directories: Debian's Chromium always
		// starts its crash handler, with its database under XDG_CONFIG_HOME (not under
		// --user-data-dir), and dconf keeps its cache under XDG_CACHE_HOME.
		chromedp.Env("XDG_CONFIG_HOME="+filepath.Join(profile, "config"), "XDG_CACHE_HOME="+filepath.Join(profile, "cache")),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(output),
	)
	// The browser outlives the test's context (which ends before the cleanups run) so
	// that the cleanup below can close it gracefully; the cleanup always ends it.
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()), opts...)
	cdpLog := &syncBuffer{}
	logf := func(format string, args ...any) { fmt.Fprintf(cdpLog, format+"\n", args...) }
	ctx, tabCancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	b := &monitorBrowser{ctx: ctx, base: base, shots: shots}

	t.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- chromedp.Cancel(ctx) }()
		timer := time.NewTimer(10 * time.Second)
		defer timer.Stop()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("close Chromium: %v", err)
			}
		case <-timer.C:
			t.Errorf("Chromium did not close within 10s; killing it")
			allocCancel() // kills the browser
			<-closed
		}
		tabCancel()
		allocCancel() // waits for the allocator's goroutines
		requireNoChromiumLeft(t, profile)
		if t.Failed() {
			t.Logf("Chromium output:\n%s\nchromedp:\n%s", output.tail(16<<10), cdpLog.tail(16<<10))
		}
	})

	// The first action starts the browser; it must not carry a deadline, which would
	// bound the browser's life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	if err := chromedp.Listen(ctx, b.collectError); err != nil {
		t.Fatalf("listen to the page's errors: %v", err)
	}
	return b
}

// collectError keeps the page's errors. It runs in the tab's event loop: it only
// appends.
func (b *monitorBrowser) collectError(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = d.Text // "Uncaught"
		if d.Exception != nil && d.Exception.Description != "" {
			msg += ": " + d.Exception.Description
		}
		msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var args []string
		for _, a := range ev.Args {
			if a.Description != "" {
				args = append(args, a.Description)
			} else {
				args = append(args, string(a.Value))
			}
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = "browser log: " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, msg)
}

// requireNoJSErrors fails the test with the page's errors since the last call.
func (b *monitorBrowser) requireNoJSErrors(t *testing.T, where string) {
	t.Helper()
	b.mu.Lock()
	errs := b.errors
	b.errors = nil
	b.mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("%s: JavaScript errors:\n%s", where, strings.Join(errs, "\n"))
	}
}

// do runs steps in the tab within browserStepTimeout; on failure it takes a
// screenshot and fails the test.
func (b *monitorBrowser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.failed(t, what, err)
	}
}

// browse runs one action that returns a value, as do does.
func browse[T any](t *testing.T, b *monitorBrowser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.failed(t, what, err)
	}
	return v
}

// failed takes a screenshot of the page as it is and fails the test.
func (b *monitorBrowser) failed(t *testing.T, what string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	where := "(no URL)"
	if loc, lerr := chromedp.Run(ctx, chromedp.Location()); lerr == nil {
		where = loc
	}
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		b.write(t, "FAILED-"+what, png)
	}
	t.Fatalf("browser: %s at %s: %v", what, where, err)
}

// open navigates to a path of the monitor and requires a 200 answer.
func (b *monitorBrowser) open(t *testing.T, path string) {
	t.Helper()
	resp := browse(t, b, "open "+path, chromedp.NavigateResponse(b.base+path))
	if resp.Status != 200 {
		b.failed(t, "open "+path, fmt.Errorf("HTTP status %d", resp.Status))
	}
	b.do(t, "page of "+path, chromedp.WaitVisible(chromedp.ID("main")))
}

// text returns the text of the first element that matches a CSS selector, once it is
// visible, with its spaces trimmed.
func (b *monitorBrowser) text(t *testing.T, css string) string {
	t.Helper()
	b.do(t, "wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
	return strings.TrimSpace(browse(t, b, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

// clickConfirm clicks an element whose action asks for confirmation (htmx's
// hx-confirm opens the browser's confirm dialog), checks the question, and accepts.
func (b *monitorBrowser) clickConfirm(t *testing.T, css, question string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
	defer cancel()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	// The dialog blocks the page, and with it the click, until it is answered.
	clicked := make(chan error, 1)
	go func() { clicked <- chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css))) }()
	var asked string
	var err error
	for ev, derr := range dialogs {
		asked, err = ev.Message, derr
		break
	}
	if err == nil {
		_, err = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
	}
	if err != nil {
		cancel()
		<-clicked
		b.failed(t, "confirm "+css, err)
	}
	if err := <-clicked; err != nil {
		b.failed(t, "click "+css, err)
	}
	if asked != question {
		t.Errorf("confirmation of %s asked %q, want %q", css, asked, question)
	}
}

// screenshot writes a full-page PNG of the tab, named by its order and name.
func (b *monitorBrowser) screenshot(t *testing.T, name string) {
	t.Helper()
	b.write(t, name, browse(t, b, "screenshot "+name, chromedp.FullScreenshot(100)))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (b *monitorBrowser) write(t *testing.T, name string, png []byte) {
	t.Helper()
	b.mu.Lock()
	b.shot++
	n := b.shot
	b.mu.Unlock()
	file := filepath.Join(b.shots, fmt.Sprintf("%s-%02d-%s.png", unsafeName.ReplaceAllString(t.Name(), "_"), n,
		unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Errorf("write screenshot: %v", err)
		return
	}
	t.Logf("screenshot %s", file)
}

// requireNoChromiumLeft waits a few seconds for every process that ran with the
// profile to end (Chromium passes --user-data-dir to its helpers, and its crash
// handler gets a path under XDG_CONFIG_HOME, in the profile too), then kills the ones
// left and fails the test.
func requireNoChromiumLeft(t *testing.T, profile string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		pids := processesUsing(profile)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("Chromium processes %v outlived the browser; killed them", pids)
			return
		}
		<-tick.C
	}
}

// processesUsing lists the processes with the directory dir, or a path under it, in
// an argument of their command line.
func processesUsing(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for a := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Contains(a, []byte(dir)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
