package exportersdk

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/exporterpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// DefaultSidecarAddr is the address a sidecar listens on when neither WithAddr nor the
// WEFT_SIDECAR_ADDR environment variable names one.
const DefaultSidecarAddr = "127.0.0.1:26510"

// SidecarAddrEnv is the environment variable that Serve reads its listen address from.
const SidecarAddrEnv = "WEFT_SIDECAR_ADDR"

// ServeOption changes how Serve runs.
type ServeOption func(*serveOptions)

type serveOptions struct {
	addr            string
	listener        net.Listener
	tls             *tls.Config
	log             *slog.Logger
	shutdownTimeout time.Duration
}

// WithAddr sets the address to listen on (host:port). An empty addr leaves the default:
// $WEFT_SIDECAR_ADDR, else DefaultSidecarAddr.
func WithAddr(addr string) ServeOption {
	return func(o *serveOptions) {
		if addr != "" {
			o.addr = addr
		}
	}
}

// WithListener serves on l instead of listening on an address. Serve closes it.
func WithListener(l net.Listener) ServeOption { return func(o *serveOptions) { o.listener = l } }

// WithTLS serves over TLS with c (its certificates, and client authentication if c asks
// for it).
func WithTLS(c *tls.Config) ServeOption { return func(o *serveOptions) { o.tls = c } }

// WithLogger sets the logger (default slog.Default()). Each stream logs with the
// exporter id and partition added.
func WithLogger(l *slog.Logger) ServeOption { return func(o *serveOptions) { o.log = l } }

// WithShutdownTimeout bounds how long a graceful shutdown waits for the exporters to
// close and their last acknowledgements to be sent (default 10s).
func WithShutdownTimeout(d time.Duration) ServeOption {
	return func(o *serveOptions) { o.shutdownTimeout = d }
}

// Serve runs a sidecar: a gRPC server (see PROTOCOL.md) that the broker's sidecar
// exporter streams records to. Each stream, one per exporter and partition, gets its
// own Exporter from newExporter and drives it as the broker would: Configure with the
// settings of the Hello (refused with INVALID_ARGUMENT and the settings' errors),
// Open with a Controller whose acknowledgements go back on the stream and whose tasks
// run on the stream's goroutine, Export for each record in position order (retried
// with back-off while it fails), Close when the stream ends. A newer stream for the
// same exporter id and partition replaces an older one, after the older one's Close.
//
// Serve listens on WithAddr's address, else $WEFT_SIDECAR_ADDR, else
// DefaultSidecarAddr. It returns when the listener fails, or after a graceful shutdown
// on SIGTERM or SIGINT (with a nil error): each exporter is closed and its last
// acknowledgements sent before the process exits.
func Serve(newExporter func() Exporter, opts ...ServeOption) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return ServeContext(ctx, newExporter, opts...)
}

// ServeContext is Serve that shuts down gracefully when ctx ends instead of on a signal.
func ServeContext(ctx context.Context, newExporter func() Exporter, opts ...ServeOption) error {
	o := serveOptions{addr: os.Getenv(SidecarAddrEnv), log: slog.Default(), shutdownTimeout: 10 * time.Second}
	if o.addr == "" {
		o.addr = DefaultSidecarAddr
	}
	for _, opt := range opts {
		opt(&o)
	}
	lis := o.listener
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", o.addr); err != nil {
			return fmt.Errorf("sidecar: %w", err)
		}
	}
	sopts := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxMessageBytes)}
	if o.tls != nil {
		sopts = append(sopts, grpc.Creds(credentials.NewTLS(o.tls)))
	}
	gs := grpc.NewServer(sopts...)
	srv := &sidecarServer{newExporter: newExporter, log: o.log, active: map[streamKey]*activeStream{}}
	exporterpb.RegisterSidecarServiceServer(gs, srv)

	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()
	o.log.Info("sidecar listening", "addr", lis.Addr().String())
	select {
	case err := <-served:
		srv.shutdown()
		return fmt.Errorf("sidecar: %w", err)
	case <-ctx.Done():
	}
	o.log.Info("sidecar shutting down")
	srv.shutdown()
	stopped := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(stopped)
	}()
	t := time.NewTimer(o.shutdownTimeout)
	defer t.Stop()
	select {
	case <-stopped:
	case <-t.C:
		o.log.Warn("sidecar shutdown timed out; closing the remaining streams", "timeout", o.shutdownTimeout)
		gs.Stop()
		<-stopped
	}
	<-served
	return nil
}

var (
	errShuttingDown = errors.New("the sidecar is shutting down")
	errSuperseded   = errors.New("a newer stream for the same exporter and partition replaced this one")
)

type streamKey struct {
	id        string
	partition int32
}

type activeStream struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

type sidecarServer struct {
	exporterpb.UnimplementedSidecarServiceServer
	newExporter func() Exporter
	log         *slog.Logger

	mu      sync.Mutex
	closing bool
	active  map[streamKey]*activeStream
}

// shutdown ends every stream and refuses new ones.
func (srv *sidecarServer) shutdown() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.closing = true
	for _, a := range srv.active {
		a.cancel(errShuttingDown)
	}
}

// acquire registers a stream for key, after ending and waiting for the stream that
// held it. The returned release must be called when the stream is over.
func (srv *sidecarServer) acquire(ctx context.Context, key streamKey, cancel context.CancelCauseFunc) (release func(), err error) {
	for {
		srv.mu.Lock()
		if srv.closing {
			srv.mu.Unlock()
			return nil, errShuttingDown
		}
		old := srv.active[key]
		if old == nil {
			me := &activeStream{cancel: cancel, done: make(chan struct{})}
			srv.active[key] = me
			srv.mu.Unlock()
			return func() {
				srv.mu.Lock()
				if srv.active[key] == me {
					delete(srv.active, key)
				}
				srv.mu.Unlock()
				close(me.done)
			}, nil
		}
		srv.mu.Unlock()
		old.cancel(errSuperseded)
		select {
		case <-old.done:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// Export serves one stream.
func (srv *sidecarServer) Export(stream exporterpb.SidecarService_ExportServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	hello := first.GetHello()
	switch {
	case hello == nil:
		return status.Error(codes.InvalidArgument, "protocol: the first message of a stream must be a Hello")
	case hello.GetExporterId() == "":
		return status.Error(codes.InvalidArgument, "protocol: Hello without exporter_id")
	case hello.GetPartitionId() < 1:
		return status.Errorf(codes.InvalidArgument, "protocol: Hello with partition_id %d, want 1 or more", hello.GetPartitionId())
	case hello.GetAcknowledgedPosition() < 0:
		return status.Errorf(codes.InvalidArgument, "protocol: Hello with acknowledged_position %d, want 0 or more", hello.GetAcknowledgedPosition())
	}
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(context.Canceled)
	release, err := srv.acquire(ctx, streamKey{hello.GetExporterId(), hello.GetPartitionId()}, cancel)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	defer release()
	st := newExportStream(srv, stream, hello)
	return st.serve(ctx)
}

// exportStream runs one exporter instance for one stream. (Lock order: none. No two of
// this package's mutexes, sidecarServer.mu, exportStream.mu, streamTask.mu and
// sidecar.mu, are ever held at once.) The goroutine that calls
// serve is the exporter's goroutine: it calls every Exporter method and runs the
// scheduled tasks. A receiving goroutine feeds it records; a sending goroutine sends
// the acknowledgements, which the exporter may make from any goroutine.
type exportStream struct {
	stream exporterpb.SidecarService_ExportServer
	hello  *exporterpb.Hello
	exp    Exporter
	cfg    *Config
	log    *slog.Logger

	records chan []*recordpb.Record // from the receiving goroutine
	recvErr chan error              // capacity 1: why receiving stopped
	tasks   chan func()             // scheduled tasks due
	done    chan struct{}           // closed when the exporter's goroutine stops running tasks

	ackc     chan struct{} // capacity 1: an acknowledgement waits to be sent
	stopAcks chan struct{} // closed to make the sending goroutine send the last one and stop
	acksDone chan error    // capacity 1: the sending goroutine's end

	mu sync.Mutex
	// acked is the position the stream acknowledges: the exporter's own
	// acknowledgement, or beyond it across records that its filter skipped.
	acked     int64
	expAcked  int64 // the exporter's last acknowledged position
	given     int64 // position of the last record Export took
	skipped   int64 // last position skipped by the filter while records given were unacknowledged
	metadata  []byte
	metaDirty bool  // metadata changed since the last Ack sent
	sentAck   int64 // position of the last Ack sent
}

func newExportStream(srv *sidecarServer, stream exporterpb.SidecarService_ExportServer, hello *exporterpb.Hello) *exportStream {
	pos := hello.GetAcknowledgedPosition()
	log := srv.log.With("exporter", hello.GetExporterId(), "partition", hello.GetPartitionId())
	return &exportStream{
		stream:   stream,
		hello:    hello,
		exp:      srv.newExporter(),
		log:      log,
		records:  make(chan []*recordpb.Record),
		recvErr:  make(chan error, 1),
		tasks:    make(chan func()),
		done:     make(chan struct{}),
		ackc:     make(chan struct{}, 1),
		stopAcks: make(chan struct{}),
		acksDone: make(chan error, 1),
		acked:    pos, expAcked: pos, given: pos, sentAck: pos,
		metadata: hello.GetMetadata(),
		cfg: &Config{
			ID:          hello.GetExporterId(),
			Type:        "sidecar",
			PartitionID: hello.GetPartitionId(),
			Settings:    NewSettings(hello.GetSettings()),
			Logger:      log,
		},
	}
}

// errPanic wraps a panic of the exporter.
type errPanic struct{ v any }

func (e errPanic) Error() string { return fmt.Sprintf("exporter panicked: %v", e.v) }

// call runs f, turning a panic into an error.
func (st *exportStream) call(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			st.log.Error("exporter panicked", "panic", v, "stack", string(debug.Stack()))
			err = errPanic{v}
		}
	}()
	return f()
}

func (st *exportStream) serve(ctx context.Context) error {
	defer close(st.done)
	if err := st.call(func() error { return st.exp.Configure(st.cfg) }); err != nil {
		return status.Errorf(codes.InvalidArgument, "configure exporter %s: %v", st.cfg.ID, err)
	}
	if err := st.cfg.Settings.Err(); err != nil {
		return status.Errorf(codes.InvalidArgument, "exporter %s settings: %v", st.cfg.ID, err)
	}
	if err := st.call(func() error { return st.exp.Open(ctx, st) }); err != nil {
		st.log.Warn("exporter failed to open", "err", err)
		if errors.As(err, new(errPanic)) {
			return status.Errorf(codes.Internal, "open exporter %s: %v", st.cfg.ID, err)
		}
		return status.Errorf(codes.Unavailable, "open exporter %s: %v", st.cfg.ID, err)
	}
	st.log.Info("exporter open", "acknowledged_position", st.hello.GetAcknowledgedPosition())
	if err := st.stream.Send(&exporterpb.ExportResponse{Kind: &exporterpb.ExportResponse_Ready{Ready: &exporterpb.Ready{}}}); err != nil {
		st.closeExporter()
		return err
	}
	go st.receive(ctx)
	go st.sendAcks()
	err := st.loop(ctx)
	st.closeExporter()
	close(st.stopAcks)
	<-st.acksDone
	if err != nil {
		return err
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errShuttingDown):
		return status.Error(codes.Unavailable, cause.Error())
	case errors.Is(cause, errSuperseded):
		return status.Error(codes.Aborted, cause.Error())
	default:
		return status.FromContextError(ctx.Err()).Err()
	}
}

func (st *exportStream) closeExporter() {
	if err := st.call(st.exp.Close); err != nil {
		st.log.Warn("exporter close failed", "err", err)
	}
}

// loop exports the records received and runs the due tasks until the stream ends. It
// returns the error to end the stream with, or nil when ctx ended.
func (st *exportStream) loop(ctx context.Context) error {
	var queue []*recordpb.Record
	var retry *time.Timer
	var retryC <-chan time.Time
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	delay := time.Duration(0)
	last := st.hello.GetAcknowledgedPosition() // last position received
	for {
		for len(queue) > 0 && retryC == nil {
			err := st.export(ctx, queue[0])
			if errors.As(err, new(errPanic)) {
				return status.Error(codes.Internal, err.Error())
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				delay = min(max(2*delay, 50*time.Millisecond), 5*time.Second)
				st.log.Warn("export failed; retrying", "position", queue[0].GetPosition(), "err", err, "retry_in", delay)
				retry = time.NewTimer(delay)
				retryC = retry.C
				break
			}
			delay = 0
			queue[0] = nil
			queue = queue[1:]
			// A long batch does not hold up a due task (a flush timer, say).
			select {
			case f := <-st.tasks:
				if err := st.call(func() error { f(); return nil }); err != nil {
					return status.Error(codes.Internal, err.Error())
				}
			default:
			}
		}
		var in chan []*recordpb.Record
		if len(queue) == 0 {
			in = st.records
		}
		select {
		case rs := <-in:
			for _, r := range rs {
				// The broker sends each position once per stream, after the Hello's; a
				// repeated one would be exported twice.
				if r.GetPosition() <= last {
					continue
				}
				last = r.GetPosition()
				queue = append(queue, r)
			}
		case <-retryC:
			retryC = nil
		case f := <-st.tasks:
			if err := st.call(func() error { f(); return nil }); err != nil {
				return status.Error(codes.Internal, err.Error())
			}
		case err := <-st.recvErr:
			if errors.Is(err, io.EOF) {
				// The broker closed its side: the stream is over.
				return nil
			}
			return err
		case err := <-st.acksDone:
			// Sending failed: the stream is broken. Keep the result for serve.
			st.acksDone <- err
			return err
		case <-ctx.Done():
			return nil
		}
	}
}

// export hands one record to the exporter, or skips it when the exporter's filter does
// not accept it.
func (st *exportStream) export(ctx context.Context, pb *recordpb.Record) error {
	r := FromProto(pb)
	if !st.cfg.Filter.Accepts(r) {
		st.skip(r.Position)
		return nil
	}
	if err := st.call(func() error { return st.exp.Export(ctx, r) }); err != nil {
		return err
	}
	st.mu.Lock()
	st.given = r.Position
	st.mu.Unlock()
	return nil
}

// receive feeds the records of the stream to the loop until the stream ends.
func (st *exportStream) receive(ctx context.Context) {
	for {
		req, err := st.stream.Recv()
		if err != nil {
			st.recvErr <- err
			return
		}
		var rs []*recordpb.Record
		switch kind := req.GetKind().(type) {
		case *exporterpb.ExportRequest_Records:
			rs = kind.Records.GetRecords()
		case *exporterpb.ExportRequest_Hello:
			st.recvErr <- status.Error(codes.InvalidArgument, "protocol: a second Hello on the stream")
			return
		default:
			// A message kind from a newer protocol: ignored.
			continue
		}
		select {
		case st.records <- rs:
		case <-ctx.Done():
			return
		case <-st.done:
			return
		}
	}
}

// sendAcks sends the acknowledgements until stopAcks, then the last one.
func (st *exportStream) sendAcks() {
	for {
		select {
		case <-st.ackc:
			if err := st.sendAck(); err != nil {
				st.acksDone <- err
				return
			}
		case <-st.stopAcks:
			st.acksDone <- st.sendAck()
			return
		}
	}
}

// sendAck sends the acknowledgement due, if any. Acknowledgements are cumulative, so
// the latest stands for every one made since the last Ack sent.
func (st *exportStream) sendAck() error {
	st.mu.Lock()
	if st.acked == st.sentAck && !st.metaDirty {
		st.mu.Unlock()
		return nil
	}
	ack := &exporterpb.Ack{Position: st.acked}
	if st.metaDirty {
		ack.Metadata = st.metadata
		if ack.Metadata == nil {
			ack.Metadata = []byte{}
		}
	}
	st.sentAck, st.metaDirty = st.acked, false
	st.mu.Unlock()
	return st.stream.Send(&exporterpb.ExportResponse{Kind: &exporterpb.ExportResponse_Ack{Ack: ack}})
}

func (st *exportStream) signalAck() {
	select {
	case st.ackc <- struct{}{}:
	default:
	}
}

// skip acknowledges a record the exporter's filter left out: at once when the
// exporter has acknowledged every record it took, else with its next acknowledgement
// that covers them.
func (st *exportStream) skip(pos int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.expAcked >= st.given {
		st.acked = max(st.acked, pos)
		st.signalAck()
		return
	}
	st.skipped = pos
}

// The Controller of the stream's exporter.

func (st *exportStream) PartitionID() int32 { return st.hello.GetPartitionId() }

func (st *exportStream) UpdateLastExportedPosition(position int64) {
	st.update(position, nil, false)
}

func (st *exportStream) UpdateLastExportedPositionWithMetadata(position int64, metadata []byte) {
	st.update(position, metadata, true)
}

func (st *exportStream) update(pos int64, metadata []byte, withMeta bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if pos < st.expAcked || pos == st.expAcked && !withMeta {
		return
	}
	st.expAcked = pos
	if withMeta {
		st.metadata = append([]byte(nil), metadata...)
		st.metaDirty = true
	}
	acked := max(st.acked, pos)
	if pos >= st.given && st.skipped > acked {
		acked = st.skipped
	}
	st.acked = acked
	st.signalAck()
}

func (st *exportStream) LastExportedPosition() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.acked
}

func (st *exportStream) ReadMetadata() []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]byte(nil), st.metadata...)
}

func (st *exportStream) ScheduleCancellableTask(delay time.Duration, task func()) ScheduledTask {
	return ScheduleTask(delay, task, func(run func()) {
		select {
		case st.tasks <- run:
		case <-st.done:
		}
	})
}
