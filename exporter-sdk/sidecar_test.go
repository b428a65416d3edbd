package exportersdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weftlabs/weft/examples/audit-sidecar/audit"
	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// childEnv makes the test binary a sidecar process: its value names the exporter the
// sidecar serves (see runChild).
const childEnv = "EXPORTERSDK_TEST_SIDECAR"

func TestMain(m *testing.M) {
	if kind := os.Getenv(childEnv); kind != "" {
		os.Exit(runChild(kind))
	}
	goleak.VerifyTestMain(m)
}

// runChild serves one of the test exporters on $WEFT_SIDECAR_ADDR until SIGTERM.
func runChild(kind string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var newExporter func() exportersdk.Exporter
	switch kind {
	case "audit":
		// No default folder: the tests pass it as the dir setting through the Hello.
		newExporter = func() exportersdk.Exporter { return audit.New("") }
	case "window":
		newExporter = func() exportersdk.Exporter { return &windowProbe{} }
	case "hold":
		newExporter = func() exportersdk.Exporter { return &holdProbe{} }
	case "discard":
		newExporter = func() exportersdk.Exporter { return &discard{} }
	default:
		log.Error("unknown test sidecar", "kind", kind)
		return 2
	}
	if err := exportersdk.Serve(newExporter, exportersdk.WithLogger(log)); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// windowProbe acknowledges on a timer, and reports in the metadata of each
// acknowledgement the most records it ever received without acknowledging them.
type windowProbe struct {
	every    time.Duration
	ctl      exportersdk.Controller
	last     int64
	unacked  int
	most     int
	schedule exportersdk.ScheduledTask
}

func (p *windowProbe) Configure(cfg *exportersdk.Config) error {
	p.every = cfg.Settings.Duration("ack-every", 30*time.Millisecond)
	return nil
}

func (p *windowProbe) Open(_ context.Context, c exportersdk.Controller) error {
	p.ctl = c
	return nil
}

func (p *windowProbe) Export(_ context.Context, r *exportersdk.Record) error {
	p.last = r.Position
	p.unacked++
	p.most = max(p.most, p.unacked)
	if p.schedule == nil {
		p.schedule = p.ctl.ScheduleCancellableTask(p.every, p.ack)
	}
	return nil
}

func (p *windowProbe) ack() {
	p.schedule = nil
	p.unacked = 0
	p.ctl.UpdateLastExportedPositionWithMetadata(p.last, []byte(strconv.Itoa(p.most)))
}

func (p *windowProbe) Close() error { return nil }

// holdProbe acknowledges nothing until Close. After each record it stores, at position
// 0, the metadata "received N".
type holdProbe struct {
	ctl      exportersdk.Controller
	last     int64
	received int
}

func (p *holdProbe) Configure(*exportersdk.Config) error { return nil }

func (p *holdProbe) Open(_ context.Context, c exportersdk.Controller) error {
	p.ctl = c
	return nil
}

func (p *holdProbe) Export(_ context.Context, r *exportersdk.Record) error {
	p.last = r.Position
	p.received++
	p.ctl.UpdateLastExportedPositionWithMetadata(0, []byte(fmt.Sprintf("received %d", p.received)))
	return nil
}

func (p *holdProbe) Close() error {
	p.ctl.UpdateLastExportedPositionWithMetadata(p.last, []byte("closed"))
	return nil
}

// sidecarProcess is a sidecar running as a separate process: the test binary in child
// mode, or a program built from examples/.
type sidecarProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited and been waited for
	err  error         // the process's exit status, once done
}

// startTestSidecar starts the test binary as a sidecar serving kind on addr, and waits
// until it listens.
func startTestSidecar(t *testing.T, kind, addr string) *sidecarProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+kind, exportersdk.SidecarAddrEnv+"="+addr)
	return startProcess(t, cmd, addr)
}

func startProcess(t *testing.T, cmd *exec.Cmd, addr string) *sidecarProcess {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "sidecar-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &sidecarProcess{t: t, cmd: cmd, log: logf.Name(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		out, _ := os.ReadFile(p.log)
		if bytes.Contains(out, []byte("WARNING: DATA RACE")) {
			t.Errorf("data race in the sidecar process:\n%s", out)
		} else if t.Failed() {
			t.Logf("sidecar process log:\n%s", out)
		}
	})
	waitListening(t, addr, p)
	return p
}

// kill ends the process with SIGKILL: no shutdown, no last acknowledgement.
func (p *sidecarProcess) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// terminate sends SIGTERM and returns the exit status, killing the process if it has
// not exited within timeout.
func (p *sidecarProcess) terminate(timeout time.Duration) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err
	case <-t.C:
		p.kill()
		return fmt.Errorf("sidecar did not exit within %s of SIGTERM", timeout)
	}
}

func waitListening(t *testing.T, addr string, p *sidecarProcess) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("sidecar exited before listening on %s: %v", addr, p.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sidecar not listening on %s after 30s: %v", addr, err)
		}
		wait(t.Context(), 20*time.Millisecond)
	}
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// freeAddr returns a loopback address that nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// records returns the sample records followed by copies of them, positions 1 to n.
func records(n int) []*exportersdk.Record {
	sample := exportertest.SampleRecords()
	out := make([]*exportersdk.Record, 0, n)
	for i := range n {
		if i < len(sample) {
			out = append(out, sample[i])
			continue
		}
		out = append(out, withPosition(sample[i%len(sample)].Proto(), int64(i+1)))
	}
	return out
}

// withPosition returns a record like tmpl at position pos, sharing tmpl's value.
func withPosition(tmpl *recordpb.Record, pos int64) *exportersdk.Record {
	return exportersdk.FromProto(&recordpb.Record{
		PartitionId: tmpl.GetPartitionId(), Position: pos, SourceRecordPosition: tmpl.GetSourceRecordPosition(),
		Key: tmpl.GetKey(), Timestamp: tmpl.GetTimestamp(), RecordType: tmpl.GetRecordType(),
		ValueType: tmpl.GetValueType(), Intent: tmpl.GetIntent(), RejectionType: tmpl.GetRejectionType(),
		RejectionReason: tmpl.GetRejectionReason(), BrokerVersion: tmpl.GetBrokerVersion(), Value: tmpl.Value,
	})
}

// exportAll exports rs as the broker does: a record that fails is exported again
// after a pause, and no record is skipped.
func exportAll(ctx context.Context, h *exportertest.Harness, rs []*exportersdk.Record) error {
	for _, r := range rs {
		for attempt := 0; ; attempt++ {
			err := h.Export(ctx, r)
			if err == nil {
				break
			}
			if attempt == 3000 || ctx.Err() != nil {
				return fmt.Errorf("record %d: %w", r.Position, err)
			}
			wait(ctx, 10*time.Millisecond)
		}
	}
	return nil
}

// auditPositions reads the positions of the audit file's complete lines, in file
// order. A sidecar killed while writing leaves a last line without its newline; the
// restarted sidecar cuts it off, so it is not counted here either.
func auditPositions(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	var out []int64
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var line struct {
			Position  int64  `json:"position"`
			ValueType string `json:"valueType"`
		}
		if err := json.Unmarshal(l, &line); err != nil {
			t.Fatalf("audit line %d: %v: %.200s", len(out)+1, err, l)
		}
		out = append(out, line.Position)
	}
	return out
}

func auditPath(dir string) string { return filepath.Join(dir, "test-partition-1.jsonl") }

// TestSidecarDeliversEveryRecordAcrossKills exports a few thousand records through
// the audit sidecar, killing it twice with SIGKILL and restarting it on the same
// address: the file ends up with every record, in order, and duplicates only of
// records after the position acknowledged before a kill.
func TestSidecarDeliversEveryRecordAcrossKills(t *testing.T) {
	const n = 3000
	addr, dir := freeAddr(t), t.TempDir()
	sc := startTestSidecar(t, "audit", addr)
	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{
		"addr": addr, "window": "200", "dir": dir, "batch-size": "50", "flush-interval": "5ms",
	})
	rs := records(n)
	exported := make(chan error, 1)
	go func() { exported <- exportAll(t.Context(), h, rs) }()

	// lineCounts[i] is the number of complete lines when the i-th process died;
	// ackedAt[i] the position the broker side held as acknowledged then.
	var lineCounts []int
	var ackedAt []int64
	for _, at := range []int64{600, 1800} {
		h.WaitAcked(at, time.Minute)
		sc.kill()
		ackedAt = append(ackedAt, h.Acked())
		lineCounts = append(lineCounts, len(auditPositions(t, auditPath(dir))))
		sc = startTestSidecar(t, "audit", addr)
	}
	if err := <-exported; err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(n, time.Minute)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.terminate(30 * time.Second); err != nil {
		t.Fatalf("sidecar exit: %v", err)
	}

	got := auditPositions(t, auditPath(dir))
	checkAtLeastOnce(t, got, n, lineCounts, ackedAt)
	if h.Acked() != n {
		t.Fatalf("acknowledged %d, want %d", h.Acked(), n)
	}
}

// checkAtLeastOnce checks that got holds positions 1 to n: each line continues the
// previous one, except that the first line written by a restarted sidecar (after
// lineCounts[i] lines) may go back, though never to the position acknowledged before
// the restart (ackedAt[i]) or below.
func checkAtLeastOnce(t *testing.T, got []int64, n int64, lineCounts []int, ackedAt []int64) {
	t.Helper()
	restart := map[int]int64{}
	for i, c := range lineCounts {
		restart[c] = ackedAt[i]
	}
	var prev, dups int64
	for i, p := range got {
		acked, restarted := restart[i]
		switch {
		case p == prev+1:
		case restarted && p <= prev && p > acked:
			dups += prev - p + 1
		case restarted:
			t.Fatalf("line %d: position %d after %d, when the sidecar restarted with %d acknowledged", i+1, p, prev, acked)
		default:
			t.Fatalf("line %d: position %d after %d", i+1, p, prev)
		}
		prev = p
	}
	if prev != n {
		t.Fatalf("last position %d, want %d", prev, n)
	}
	t.Logf("%d lines, %d of them repeated after a restart", len(got), dups)
}

// TestSidecarResumesAfterBrokerRestart closes the broker side halfway and starts a new
// one from the acknowledged position and metadata, as a new partition leader would:
// the sidecar receives only the records after it.
func TestSidecarResumesAfterBrokerRestart(t *testing.T) {
	addr, dir := freeAddr(t), t.TempDir()
	startTestSidecar(t, "audit", addr)
	settings := map[string]string{"addr": addr, "dir": dir, "batch-size": "7", "flush-interval": "5ms"}
	rs := exportertest.SampleRecords()

	h1 := exportertest.Start(t, exportersdk.NewSidecar(), settings)
	if err := exportAll(t.Context(), h1, rs[:60]); err != nil {
		t.Fatal(err)
	}
	h1.WaitAcked(60, 30*time.Second)
	if err := h1.Close(); err != nil {
		t.Fatal(err)
	}
	pos, meta := h1.Acked(), h1.Metadata()
	if !bytes.Contains(meta, []byte(`"offset"`)) {
		t.Fatalf("metadata %q, want the audit file's offset", meta)
	}

	h2 := exportertest.Start(t, exportersdk.NewSidecar(), settings, exportertest.Options{Position: pos, Metadata: meta})
	// The broker sends the records after the acknowledged position; the sidecar
	// exporter skips any before it too.
	if err := exportAll(t.Context(), h2, rs); err != nil {
		t.Fatal(err)
	}
	h2.WaitAcked(int64(len(rs)), 30*time.Second)
	if err := h2.Close(); err != nil {
		t.Fatal(err)
	}
	got := auditPositions(t, auditPath(dir))
	if len(got) != len(rs) {
		t.Fatalf("audit file holds %d lines, want %d (one per record)", len(got), len(rs))
	}
	checkAtLeastOnce(t, got, int64(len(rs)), nil, nil)

	// The metadata reaches the sidecar's exporter in the Hello: the audit exporter
	// refuses to open on a file shorter than the acknowledged offset.
	var m struct {
		File   string `json:"file"`
		Offset int64  `json:"offset"`
	}
	if err := json.Unmarshal(h2.Metadata(), &m); err != nil {
		t.Fatal(err)
	}
	m.Offset += 1000
	bad, _ := json.Marshal(m)
	_, err := exportertest.TryStart(t, exportersdk.NewSidecar(), settings, exportertest.Options{Position: int64(len(rs)), Metadata: bad})
	if err == nil || !strings.Contains(err.Error(), "fewer than the") {
		t.Fatalf("open with metadata beyond the file: %v, want the audit exporter's refusal", err)
	}
}

// TestSidecarWindow has a sidecar that acknowledges only every 30ms: it never holds
// more than window unacknowledged records, and the broker side fills the window.
func TestSidecarWindow(t *testing.T) {
	const window = 16
	addr := freeAddr(t)
	startTestSidecar(t, "window", addr)
	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{"addr": addr, "window": strconv.Itoa(window)})
	rs := records(200)
	if err := exportAll(t.Context(), h, rs); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(int64(len(rs)), 30*time.Second)
	most, err := strconv.Atoi(string(h.Metadata()))
	if err != nil {
		t.Fatalf("metadata %q: %v", h.Metadata(), err)
	}
	if most > window || most < window/2 {
		t.Fatalf("the sidecar held up to %d unacknowledged records, want at most the window (%d) and at least half of it", most, window)
	}
	t.Logf("most unacknowledged records at the sidecar: %d (window %d)", most, window)
}

// TestSidecarExportWhileDown kills the sidecar: Export keeps taking records until the
// window is full, then fails, and after a restart every record arrives.
func TestSidecarExportWhileDown(t *testing.T) {
	const window = 10
	addr, dir := freeAddr(t), t.TempDir()
	sc := startTestSidecar(t, "audit", addr)
	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{
		"addr": addr, "window": strconv.Itoa(window), "dir": dir, "batch-size": "1",
	})
	rs := exportertest.SampleRecords()
	if err := exportAll(t.Context(), h, rs[:5]); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(5, 30*time.Second)
	sc.kill()

	for _, r := range rs[5 : 5+window] {
		if err := h.Export(t.Context(), r); err != nil {
			t.Fatalf("record %d within the window: %v", r.Position, err)
		}
	}
	err := h.Export(t.Context(), rs[5+window])
	if err == nil || !strings.Contains(err.Error(), "stream is down") {
		t.Fatalf("record %d beyond a full window with the sidecar down: %v, want an error", rs[5+window].Position, err)
	}
	t.Logf("export with a full window: %v", err)
	if h.Acked() != 5 {
		t.Fatalf("acknowledged %d with the sidecar down, want 5", h.Acked())
	}

	sc = startTestSidecar(t, "audit", addr)
	if err := exportAll(t.Context(), h, rs); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(int64(len(rs)), 30*time.Second)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.terminate(30 * time.Second); err != nil {
		t.Fatalf("sidecar exit: %v", err)
	}
	got := auditPositions(t, auditPath(dir))
	if len(got) != len(rs) {
		t.Fatalf("audit file holds %d lines, want %d: with batch-size 1 every line written was acknowledged", len(got), len(rs))
	}
	checkAtLeastOnce(t, got, int64(len(rs)), nil, nil)
}

// TestSidecarRefusesBadSettings passes settings the sidecar's exporter rejects: the
// broker side's Open fails with the exporter's own messages.
func TestSidecarRefusesBadSettings(t *testing.T) {
	addr := freeAddr(t)
	startTestSidecar(t, "audit", addr)
	_, err := exportertest.TryStart(t, exportersdk.NewSidecar(), map[string]string{
		"addr": addr, "dir": t.TempDir(), "bogus": "1", "batch-size": "many",
	})
	if err == nil {
		t.Fatal("open succeeded with bad settings")
	}
	for _, want := range []string{"refused", `unknown setting "bogus"`, `setting batch-size: "many" is not an integer`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestSidecarShutdownAcknowledges stops the sidecar with SIGTERM while its exporter
// holds records it has not acknowledged: Serve closes the exporter, and the
// acknowledgement Close makes reaches the broker before the process exits.
func TestSidecarShutdownAcknowledges(t *testing.T) {
	addr := freeAddr(t)
	sc := startTestSidecar(t, "hold", addr)
	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{"addr": addr})
	rs := exportertest.SampleRecords()
	if err := exportAll(t.Context(), h, rs); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("received %d", len(rs))
	deadline := time.Now().Add(30 * time.Second)
	for string(h.Metadata()) != want {
		if time.Now().After(deadline) {
			t.Fatalf("metadata %q after 30s, want %q", h.Metadata(), want)
		}
		wait(t.Context(), 5*time.Millisecond)
	}
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d before the shutdown, want 0", h.Acked())
	}
	if err := sc.terminate(30 * time.Second); err != nil {
		t.Fatalf("sidecar exit after SIGTERM: %v", err)
	}
	h.WaitAcked(int64(len(rs)), 30*time.Second)
	if got := string(h.Metadata()); got != "closed" {
		t.Fatalf("metadata %q after the shutdown, want the one Close stored", got)
	}
}

// TestSidecarUnreachable opens the broker side with no sidecar listening.
func TestSidecarUnreachable(t *testing.T) {
	addr := freeAddr(t)
	_, err := exportertest.TryStart(t, exportersdk.NewSidecar(), map[string]string{"addr": addr, "connect-timeout": "2s"})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("open with no sidecar: %v, want an error naming %s", err, addr)
	}
}

// TestSidecarSettings checks the broker side's own settings.
func TestSidecarSettings(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting addr: is required"},
		{map[string]string{"addr": "x:1", "window": "0"}, "setting window: 0 is not a positive"},
		{map[string]string{"addr": "x:1", "connect-timeout": "soon"}, "setting connect-timeout"},
		{map[string]string{"addr": "x:1", "ca-file": filepath.Join(t.TempDir(), "missing.pem")}, "setting ca-file"},
	} {
		_, err := exportertest.TryStart(t, exportersdk.NewSidecar(), tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: %v, want %q", tc.settings, err, tc.want)
		}
	}
}

// TestAuditSidecarExample builds examples/audit-sidecar and runs it as its README
// says, with its -dir flag.
func TestAuditSidecarExample(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building the example needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "audit-sidecar")
	build := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, "../examples/audit-sidecar")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr, dir := freeAddr(t), t.TempDir()
	sc := startProcess(t, exec.Command(bin, "-addr", addr, "-dir", dir), addr)
	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{"addr": addr})
	rs := exportertest.SampleRecords()
	if err := exportAll(t.Context(), h, rs); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(int64(len(rs)), 30*time.Second)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.terminate(30 * time.Second); err != nil {
		t.Fatalf("sidecar exit: %v", err)
	}
	got := auditPositions(t, auditPath(dir))
	if len(got) != len(rs) {
		t.Fatalf("audit file holds %d lines, want %d", len(got), len(rs))
	}
	checkAtLeastOnce(t, got, int64(len(rs)), nil, nil)
}

// BenchmarkSidecarProcess streams records to a sidecar in another process, on
// loopback, whose exporter acknowledges each record.
func BenchmarkSidecarProcess(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"=discard", exportersdk.SidecarAddrEnv+"="+addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("sidecar not listening: %v", err)
		}
		wait(b.Context(), 20*time.Millisecond)
	}
	h := exportertest.Start(b, exportersdk.NewSidecar(), map[string]string{"addr": addr})
	sample := exportertest.SampleRecords()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := h.Export(b.Context(), withPosition(sample[i%len(sample)].Proto(), int64(i+1))); err != nil {
			b.Fatal(err)
		}
	}
	h.WaitAcked(int64(b.N), time.Minute)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
	if err := h.Close(); err != nil {
		b.Fatal(err)
	}
}
