package gateway

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startGateway serves a gateway for b on a loopback port and returns a client of it. The
// server and client stop when the test ends; the server waits for its handlers, so no
// handler outlives the test.
func startGateway(t *testing.T, b Broker, opts Options) gatewaypb.GatewayClient {
	t.Helper()
	client, _ := startGatewayServer(t, b, opts)
	return client
}

// startGatewayServer is startGateway that also returns the gateway's Server.
func startGatewayServer(t *testing.T, b Broker, opts Options) (gatewaypb.GatewayClient, *Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	noError(t, err)
	g := grpc.NewServer(append(ServerOptions(opts), grpc.WaitForHandlers(true))...)
	srv := New(b, opts)
	srv.Register(g)
	served := make(chan error, 1)
	go func() { served <- g.Serve(lis) }()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	noError(t, err)
	t.Cleanup(func() {
		_ = conn.Close()
		g.Stop()
		noError(t, <-served)
	})
	return gatewaypb.NewGatewayClient(conn), srv
}

// keyOn returns the n-th key of a partition, laid out as Zeebe lays keys out.
func keyOn(partition int32, n int64) int64 { return int64(partition)<<51 + n }

// requireStatus asserts that err is a gRPC status with code and a message that contains
// every one of parts.
func requireStatus(t *testing.T, err error, code codes.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want status %v", code)
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("not a gRPC status: %v", err)
	}
	if st.Code() != code {
		t.Fatalf("got status %v (%q), want code %v", st.Code(), st.Message(), code)
	}
	for _, p := range parts {
		if !strings.Contains(st.Message(), p) {
			t.Fatalf("status message %q does not contain %q", st.Message(), p)
		}
	}
}

// The module's go.sum lacks what testify's assert package imports, so these few helpers
// stand in for it.

func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func equal[T comparable](t *testing.T, want, got T) {
	t.Helper()
	if want != got {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func protoEqual(t *testing.T, want, got proto.Message) {
	t.Helper()
	if !proto.Equal(want, got) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

// receive returns the next value of ch, failing the test after 10 seconds.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
	}
	t.Fatal("timed out waiting for a value")
	var zero T
	return zero
}

// eventually polls cond until it holds, failing the test after 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		<-tick.C
	}
}

// logBuffer is a concurrency-safe log sink for tests that look at the logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
