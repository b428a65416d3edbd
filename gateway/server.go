// Package gateway serves Zeebe's gateway gRPC API (gateway_protocol, Zeebe 8.3) on top of a
// Broker: it validates each request, turns it into one command record for the right
// partition, and turns the broker's answer (an event or a rejection) into the gRPC response
// or status that Zeebe clients expect. It keeps no state of its own between requests.
package gateway

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

const (
	// DefaultLongPollTimeout is how long ActivateJobs waits for jobs when the request's
	// requestTimeout is 0.
	DefaultLongPollTimeout = 10 * time.Second
	// DefaultMaxMessageSize is the largest gRPC message the gateway receives or sends, as
	// in Zeebe (4 MiB).
	DefaultMaxMessageSize = 4 << 20
	// DefaultRequestTimeout is how long CreateProcessInstanceWithResult waits for the
	// instance when the request's requestTimeout is 0 or less, as Zeebe's gateway does.
	DefaultRequestTimeout = 15 * time.Second
	// MinKeepAliveInterval is the shortest interval between client keep-alive pings the
	// gateway accepts. Zeebe's clients ping every 45 s on idle streams (long polls,
	// result waits); a stricter server would close those connections.
	MinKeepAliveInterval = 30 * time.Second
)

// Options configure a Server and its gRPC server. The zero value is usable: zero fields
// take the defaults documented on each.
type Options struct {
	// Logger receives the gateway's logs; nil uses slog.Default().
	Logger *slog.Logger
	// Version is reported as gatewayVersion by the Topology RPC.
	Version string
	// DefaultLongPollTimeout is how long ActivateJobs waits for jobs when requestTimeout
	// is 0; zero or negative uses DefaultLongPollTimeout (10s).
	DefaultLongPollTimeout time.Duration
	// MaxMessageSize bounds each received and sent gRPC message in bytes; zero or negative
	// uses DefaultMaxMessageSize (4 MiB). Larger requests fail with RESOURCE_EXHAUSTED.
	MaxMessageSize int
	// DefaultRequestTimeout is how long CreateProcessInstanceWithResult waits when its
	// requestTimeout is 0 or less; zero or negative uses DefaultRequestTimeout (15s).
	DefaultRequestTimeout time.Duration
	// ActivationPartitionTimeout bounds how long one activation round waits for one
	// partition (one with no leader, say) before it goes on to the others; zero or
	// negative uses DefaultActivationPartitionTimeout (5s).
	ActivationPartitionTimeout time.Duration
}

// DefaultActivationPartitionTimeout is Options.ActivationPartitionTimeout's default.
const DefaultActivationPartitionTimeout = 5 * time.Second

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DefaultLongPollTimeout <= 0 {
		o.DefaultLongPollTimeout = DefaultLongPollTimeout
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.DefaultRequestTimeout <= 0 {
		o.DefaultRequestTimeout = DefaultRequestTimeout
	}
	if o.ActivationPartitionTimeout <= 0 {
		o.ActivationPartitionTimeout = DefaultActivationPartitionTimeout
	}
	return o
}

// Server implements gatewaypb.GatewayServer on top of a Broker. It is stateless apart
// from round-robin counters, and safe for concurrent use.
type Server struct {
	// UnimplementedGatewayServer is embedded by value as the generated code requires; every
	// RPC of gateway_protocol is nevertheless implemented on Server itself.
	gatewaypb.UnimplementedGatewayServer

	broker Broker
	opts   Options
	log    *slog.Logger

	// nextCreate spreads process instance creations over the partitions.
	nextCreate atomic.Uint64
	// nextSignal spreads signal broadcasts over the partitions.
	nextSignal atomic.Uint64
	// nextActivate rotates the partition where a job activation round starts, so that
	// workers do not all drain partition 1 first.
	nextActivate atomic.Uint64

	// closing is closed by Shutdown: waiting long polls end at once.
	closing   chan struct{}
	closeOnce sync.Once
}

// New returns a Server that sends its commands to b.
func New(b Broker, opts Options) *Server {
	opts = opts.withDefaults()
	return &Server{broker: b, opts: opts, log: opts.Logger, closing: make(chan struct{})}
}

// Shutdown ends the requests that wait without work to do: long-polling ActivateJobs
// requests end with no jobs (workers poll again, elsewhere). Call it before the gRPC
// server's GracefulStop, which otherwise waits for each long poll's timeout.
func (s *Server) Shutdown() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// Register registers s as the gateway_protocol.Gateway service of g. Create g with
// ServerOptions so that message sizes are bounded and panics are recovered.
func (s *Server) Register(g *grpc.Server) {
	gatewaypb.RegisterGatewayServer(g, s)
}

// ServerOptions returns the gRPC server options the gateway needs: message size limits
// (MaxMessageSize for both directions, so larger requests are refused with
// RESOURCE_EXHAUSTED), a keep-alive policy that accepts the official clients' pings, and
// interceptors that turn a panic in any handler into an INTERNAL
// status, logging its stack, instead of crashing the process.
func ServerOptions(opts Options) []grpc.ServerOption {
	opts = opts.withDefaults()
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(opts.MaxMessageSize),
		grpc.MaxSendMsgSize(opts.MaxMessageSize),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: MinKeepAliveInterval, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(recoverUnary(opts.Logger)),
		grpc.ChainStreamInterceptor(recoverStream(opts.Logger)),
	}
}

var _ gatewaypb.GatewayServer = (*Server)(nil)
