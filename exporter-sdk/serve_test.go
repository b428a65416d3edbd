package exportersdk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/exporterpb"
)

// serveInProcess runs ServeContext on a loopback port until the test ends, and returns
// the address.
func serveInProcess(tb testing.TB, newExporter func() exportersdk.Exporter, opts ...exportersdk.ServeOption) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(tb.Context()))
	served := make(chan error, 1)
	go func() {
		served <- exportersdk.ServeContext(ctx, newExporter, append([]exportersdk.ServeOption{exportersdk.WithListener(l),
			exportersdk.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	}()
	tb.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return l.Addr().String()
}

// rawStream is a broker side written against the protocol directly.
type rawStream struct {
	t      *testing.T
	stream exporterpb.SidecarService_ExportClient
}

func openRaw(t *testing.T, addr string) *rawStream {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	// No test here takes long: a stream that hangs fails the test instead.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(func() {
		cancel()
		_ = conn.Close()
	})
	stream, err := exporterpb.NewSidecarServiceClient(conn).Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &rawStream{t: t, stream: stream}
}

func (r *rawStream) send(req *exporterpb.ExportRequest) {
	r.t.Helper()
	if err := r.stream.Send(req); err != nil {
		r.t.Fatalf("send: %v", err)
	}
}

func (r *rawStream) hello(acked int64) {
	r.t.Helper()
	r.send(&exporterpb.ExportRequest{Kind: &exporterpb.ExportRequest_Hello{Hello: &exporterpb.Hello{
		ExporterId: "raw", PartitionId: 1, AcknowledgedPosition: acked, Window: 1000,
	}}})
	resp, err := r.stream.Recv()
	if err != nil {
		r.t.Fatalf("hello: %v", err)
	}
	if resp.GetReady() == nil {
		r.t.Fatalf("answer to the Hello: %v, want Ready", resp)
	}
}

func (r *rawStream) records(rs ...*exportersdk.Record) {
	r.t.Helper()
	batch := &exporterpb.Records{}
	for _, x := range rs {
		batch.Records = append(batch.Records, x.Proto())
	}
	r.send(&exporterpb.ExportRequest{Kind: &exporterpb.ExportRequest_Records{Records: batch}})
}

// waitAck receives Acks until one reaches position, and returns the last.
func (r *rawStream) waitAck(position int64) *exporterpb.Ack {
	r.t.Helper()
	for {
		resp, err := r.stream.Recv()
		if err != nil {
			r.t.Fatalf("waiting for an Ack of %d: %v", position, err)
		}
		if a := resp.GetAck(); a != nil && a.GetPosition() >= position {
			return a
		}
	}
}

// recorder remembers the positions it receives, and acknowledges each at once unless
// fail says otherwise.
type recorder struct {
	mu        sync.Mutex
	positions []int64
	filter    exportersdk.Filter
	// fail, if set, returns the error for an attempt to export r.
	fail func(r *exportersdk.Record) error
	// lazy acknowledges in a task 1ms after Export rather than in Export.
	lazy bool
	ctl  exportersdk.Controller
}

func (e *recorder) Configure(cfg *exportersdk.Config) error {
	cfg.Filter = e.filter
	return nil
}

func (e *recorder) Open(_ context.Context, c exportersdk.Controller) error {
	e.ctl = c
	return nil
}

func (e *recorder) Export(_ context.Context, r *exportersdk.Record) error {
	if e.fail != nil {
		if err := e.fail(r); err != nil {
			return err
		}
	}
	e.mu.Lock()
	e.positions = append(e.positions, r.Position)
	e.mu.Unlock()
	if e.lazy {
		e.ctl.ScheduleCancellableTask(time.Millisecond, func() { e.ctl.UpdateLastExportedPosition(r.Position) })
	} else {
		e.ctl.UpdateLastExportedPosition(r.Position)
	}
	return nil
}

func (e *recorder) Close() error { return nil }

func (e *recorder) got() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.positions)
}

func TestServeFirstMessageMustBeHello(t *testing.T) {
	addr := serveInProcess(t, func() exportersdk.Exporter { return &recorder{} })
	r := openRaw(t, addr)
	r.records(exportertest.SampleRecords()[0])
	_, err := r.stream.Recv()
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("records before a Hello: %v, want INVALID_ARGUMENT", err)
	}
}

// TestServeSkipsFilteredRecords has an exporter that takes DEPLOYMENT records only: the
// records its filter leaves out are acknowledged too, so the stream's position reaches
// the last record, whether the exporter acknowledges in Export or later.
func TestServeSkipsFilteredRecords(t *testing.T) {
	rs := exportertest.SampleRecords()
	vt := rs[0].ValueType
	var want []int64
	for _, x := range rs {
		if x.ValueType == vt {
			want = append(want, x.Position)
		}
	}
	if want[len(want)-1] == rs[len(rs)-1].Position {
		t.Fatalf("the sample needs records after the last %s one", vt)
	}
	for _, lazy := range []bool{false, true} {
		e := &recorder{filter: exportersdk.Filter{ValueTypes: []exportersdk.ValueType{vt}}, lazy: lazy}
		addr := serveInProcess(t, func() exportersdk.Exporter { return e })
		r := openRaw(t, addr)
		r.hello(0)
		r.records(rs...)
		r.waitAck(rs[len(rs)-1].Position)
		if got := e.got(); !slices.Equal(got, want) {
			t.Fatalf("lazy %v: exported %v, want the %s records %v", lazy, got, vt, want)
		}
	}
}

// TestServeSkipsAcknowledgedRecords sends records at and below the Hello's position,
// and one twice: the exporter sees each record after the position once.
func TestServeSkipsAcknowledgedRecords(t *testing.T) {
	e := &recorder{}
	addr := serveInProcess(t, func() exportersdk.Exporter { return e })
	r := openRaw(t, addr)
	r.hello(10)
	rs := exportertest.SampleRecords()[:20]
	r.records(rs...)
	r.records(rs[15])
	r.waitAck(20)
	if got, want := e.got(), []int64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}; !slices.Equal(got, want) {
		t.Fatalf("exported %v, want %v", got, want)
	}
}

// TestServeRetriesExport fails some attempts: the record is exported again, and no
// later record overtakes it.
func TestServeRetriesExport(t *testing.T) {
	failures := 0
	e := &recorder{fail: func(r *exportersdk.Record) error {
		if r.Position == 3 && failures < 2 {
			failures++
			return errors.New("store unavailable")
		}
		return nil
	}}
	addr := serveInProcess(t, func() exportersdk.Exporter { return e })
	r := openRaw(t, addr)
	r.hello(0)
	r.records(exportertest.SampleRecords()[:6]...)
	r.waitAck(6)
	if got, want := e.got(), []int64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) || failures != 2 {
		t.Fatalf("exported %v after %d failures, want %v after 2", got, failures, want)
	}
}

// TestServeNewerStreamReplacesOlder opens a second stream for the same exporter and
// partition: the first ends with ABORTED, and its exporter is closed before the
// second one opens.
func TestServeNewerStreamReplacesOlder(t *testing.T) {
	var mu sync.Mutex
	var events []string
	newExporter := func() exportersdk.Exporter {
		return &lifecycle{log: func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }}
	}
	addr := serveInProcess(t, newExporter)
	first := openRaw(t, addr)
	first.hello(0)
	second := openRaw(t, addr)
	second.hello(0)
	_, err := first.stream.Recv()
	if status.Code(err) != codes.Aborted {
		t.Fatalf("older stream: %v, want ABORTED", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"open", "close", "open"}; !slices.Equal(events, want) {
		t.Fatalf("exporter calls %v, want %v", events, want)
	}
}

type lifecycle struct{ log func(string) }

func (l *lifecycle) Configure(*exportersdk.Config) error { return nil }
func (l *lifecycle) Open(context.Context, exportersdk.Controller) error {
	l.log("open")
	return nil
}
func (l *lifecycle) Export(context.Context, *exportersdk.Record) error { return nil }
func (l *lifecycle) Close() error {
	l.log("close")
	return nil
}

// TestServeShutdownEndsStreams cancels ServeContext with a stream open: the stream
// ends with UNAVAILABLE and ServeContext returns.
func TestServeShutdownEndsStreams(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- exportersdk.ServeContext(ctx, func() exportersdk.Exporter { return &recorder{} },
			exportersdk.WithListener(l), exportersdk.WithLogger(slog.New(slog.DiscardHandler)))
	}()
	r := openRaw(t, l.Addr().String())
	r.hello(0)
	cancel()
	if _, err := r.stream.Recv(); status.Code(err) != codes.Unavailable || errors.Is(err, io.EOF) {
		t.Fatalf("stream at shutdown: %v, want UNAVAILABLE", err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ServeContext did not return after its context ended")
	}
}

// TestSidecarTLS serves over TLS with a self-signed certificate that the broker side
// trusts through ca-file; without TLS the broker side cannot open.
func TestSidecarTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sidecar"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	addr := serveInProcess(t, func() exportersdk.Exporter { return &discard{} },
		exportersdk.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))

	h := exportertest.Start(t, exportersdk.NewSidecar(), map[string]string{"addr": addr, "ca-file": caFile})
	rs := exportertest.SampleRecords()
	if err := exportAll(t.Context(), h, rs); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(int64(len(rs)), 30*time.Second)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := exportertest.TryStart(t, exportersdk.NewSidecar(), map[string]string{"addr": addr, "connect-timeout": "2s"}); err == nil {
		t.Fatal("plain connection to a TLS sidecar opened")
	}
}

// discard acknowledges every record at once.
type discard struct{ ctl exportersdk.Controller }

func (d *discard) Configure(*exportersdk.Config) error { return nil }
func (d *discard) Open(_ context.Context, c exportersdk.Controller) error {
	d.ctl = c
	return nil
}
func (d *discard) Export(_ context.Context, r *exportersdk.Record) error {
	d.ctl.UpdateLastExportedPosition(r.Position)
	return nil
}
func (d *discard) Close() error { return nil }

// BenchmarkSidecar streams records through the sidecar exporter to a sidecar on
// loopback (in the same process) whose exporter acknowledges each record.
func BenchmarkSidecar(b *testing.B) {
	addr := serveInProcess(b, func() exportersdk.Exporter { return &discard{} })
	h := exportertest.Start(b, exportersdk.NewSidecar(), map[string]string{"addr": addr})
	sample := exportertest.SampleRecords()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		r := withPosition(sample[i%len(sample)].Proto(), int64(i+1))
		if err := h.Export(b.Context(), r); err != nil {
			b.Fatal(err)
		}
	}
	h.WaitAcked(int64(b.N), time.Minute)
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	if err := h.Close(); err != nil {
		b.Fatal(err)
	}
}
