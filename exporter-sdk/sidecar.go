package exportersdk

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/exporterpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// The sidecar exporter's own settings; every other setting is passed to the sidecar in
// the Hello.
const (
	sidecarAddr           = "addr"
	sidecarWindow         = "window"
	sidecarTLS            = "tls"
	sidecarCAFile         = "ca-file"
	sidecarServerName     = "server-name"
	sidecarConnectTimeout = "connect-timeout"
	sidecarAckTimeout     = "ack-timeout"
)

var sidecarOwnSettings = map[string]bool{
	sidecarAddr: true, sidecarWindow: true, sidecarTLS: true, sidecarCAFile: true,
	sidecarServerName: true, sidecarConnectTimeout: true, sidecarAckTimeout: true,
}

const (
	// maxBatchBytes bounds the records of one Records message (at least one record is
	// always sent), well below the 64 MiB a sidecar built with Serve accepts.
	maxBatchBytes = 1 << 20
	// maxMessageBytes is the largest message either side of the stream accepts.
	maxMessageBytes = 64 << 20

	minReconnectDelay = 100 * time.Millisecond
	maxReconnectDelay = 10 * time.Second
)

// NewSidecar returns the exporter of type sidecar: it streams the partition's records
// to an out-of-process exporter (a program built with Serve, or any server of
// PROTOCOL.md) and forwards the positions that the sidecar acknowledges.
//
// Settings: addr (host:port, required), window (most records sent and not yet
// acknowledged, default 1000), tls (default false), ca-file (PEM roots; implies tls),
// server-name (TLS name to verify, default the host of addr), connect-timeout (for
// connecting and the Hello, default 5s), ack-timeout (how long Export waits for room in
// a full window while the sidecar is connected, default 30s). Every other setting is
// passed to the sidecar, whose exporter reads it in Configure.
//
// Open connects and fails when the sidecar is unreachable or refuses the exporter, so
// that the broker retries with back-off and reports why. Afterwards a broken stream is
// reconnected in the background, with back-off, and every record not yet acknowledged
// is sent again, in order, before newer ones. Export keeps each record until it is
// acknowledged; while the stream is down it accepts records until window of them wait,
// then returns an error (the broker retries the record later).
func NewSidecar() Exporter { return &sidecar{} }

type sidecar struct {
	// Set by Configure.
	id             string
	addr           string
	window         int
	creds          credentials.TransportCredentials
	connectTimeout time.Duration
	ackTimeout     time.Duration
	settings       map[string]string
	log            *slog.Logger

	// Set by Open.
	ctl    Controller
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
	more   chan struct{} // capacity 1: Export took a record

	mu sync.Mutex
	// buf holds the records taken and not acknowledged, in position order; at most
	// window of them.
	buf   []*recordpb.Record
	taken int64 // position of the last record Export took
	acked int64 // last position the sidecar acknowledged (or the Controller's at Open)
	sent  int64 // last position handed to the current stream
	up    bool  // a stream is established
	err   error // why the last stream ended or could not start
	// changed is closed and replaced whenever acked, up or err change.
	changed chan struct{}
}

func (s *sidecar) Configure(cfg *Config) error {
	st := cfg.Settings
	s.id = cfg.ID
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	s.addr = st.Required(sidecarAddr)
	s.window = st.Int(sidecarWindow, 1000)
	if s.window < 1 {
		st.Fail(sidecarWindow, fmt.Errorf("%d is not a positive number of records", s.window))
	}
	useTLS := st.Bool(sidecarTLS, false)
	roots := st.CertPool(sidecarCAFile)
	serverName := st.String(sidecarServerName, "")
	s.connectTimeout = st.Duration(sidecarConnectTimeout, 5*time.Second)
	if s.connectTimeout <= 0 {
		st.Fail(sidecarConnectTimeout, errors.New("must be positive"))
	}
	s.ackTimeout = st.Duration(sidecarAckTimeout, 30*time.Second)
	if s.ackTimeout <= 0 {
		st.Fail(sidecarAckTimeout, errors.New("must be positive"))
	}
	s.settings = map[string]string{}
	for _, k := range st.Keys() {
		if !sidecarOwnSettings[k] {
			s.settings[k] = st.String(k, "")
		}
	}
	s.creds = insecure.NewCredentials()
	if useTLS || st.Has(sidecarCAFile) || serverName != "" {
		s.creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, RootCAs: roots})
	}
	return nil
}

func (s *sidecar) Open(ctx context.Context, c Controller) error {
	s.ctl = c
	s.acked = c.LastExportedPosition()
	s.taken = s.acked
	s.changed = make(chan struct{})
	s.more = make(chan struct{}, 1)
	// The stream outlives Open's ctx, which only bounds the first connection.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	sess, err := s.connect(runCtx)
	if !stop() {
		if err == nil {
			sess.close()
		}
		err = fmt.Errorf("sidecar %s: %w", s.addr, ctx.Err())
	}
	if err != nil {
		cancel()
		s.setDown(err)
		return err
	}
	s.cancel = cancel
	s.done = make(chan struct{})
	go s.run(runCtx, sess)
	return nil
}

func (s *sidecar) Export(ctx context.Context, r *Record) error {
	s.mu.Lock()
	if r.Position <= s.taken {
		// Already taken (or acknowledged before Open): the sidecar has it or will.
		s.mu.Unlock()
		return nil
	}
	var timeout <-chan time.Time
	for len(s.buf) >= s.window {
		if !s.up {
			err := fmt.Errorf("%d records wait for acknowledgement (window %d) and the stream is down: %w",
				len(s.buf), s.window, s.err)
			s.mu.Unlock()
			return err
		}
		changed := s.changed
		s.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(s.ackTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sidecar %s: waiting for room in the window: %w", s.addr, ctx.Err())
		case <-timeout:
			return fmt.Errorf("sidecar %s: no acknowledgement for %s while the window of %d records is full",
				s.addr, s.ackTimeout, s.window)
		}
		s.mu.Lock()
	}
	s.buf = append(s.buf, r.Proto())
	s.taken = r.Position
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
	return nil
}

func (s *sidecar) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	return nil
}

// broadcast wakes everything waiting on changed. Call with mu held.
func (s *sidecar) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *sidecar) setDown(err error) {
	s.mu.Lock()
	s.up, s.err = false, err
	s.broadcast()
	s.mu.Unlock()
}

// session is one Export stream, on its own connection: a new connection per stream
// lets the back-off here, not gRPC's own reconnect back-off, decide when to retry.
type session struct {
	conn   *grpc.ClientConn
	stream exporterpb.SidecarService_ExportClient
	cancel context.CancelFunc
}

func (ss *session) close() {
	ss.cancel()
	_ = ss.conn.Close()
}

// connect opens a stream, says Hello and waits for Ready, within connect-timeout.
// On success the stream is up, and the records after the acknowledged position are
// due to be sent.
func (s *sidecar) connect(ctx context.Context) (*session, error) {
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(s.creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes)))
	if err != nil {
		return nil, fmt.Errorf("sidecar %s: %w", s.addr, err)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	ss := &session{conn: conn, cancel: func() { cancel(context.Canceled) }}
	errTimeout := fmt.Errorf("no Ready within connect-timeout %s", s.connectTimeout)
	timer := time.AfterFunc(s.connectTimeout, func() { cancel(errTimeout) })
	defer timer.Stop()

	// No acknowledgement is applied between these two reads: the previous stream's
	// receiving goroutine has returned, and the next one has not started.
	metadata := s.ctl.ReadMetadata()
	s.mu.Lock()
	hello := &exporterpb.Hello{
		ExporterId:           s.id,
		PartitionId:          s.ctl.PartitionID(),
		AcknowledgedPosition: s.acked,
		Metadata:             metadata,
		Settings:             s.settings,
		Window:               int32(min(s.window, 1<<30)),
	}
	s.mu.Unlock()

	fail := func(err error) (*session, error) {
		if cause := context.Cause(sctx); errors.Is(cause, errTimeout) {
			err = cause
		}
		ss.close()
		return nil, describeSidecarError(s.addr, err)
	}
	ss.stream, err = exporterpb.NewSidecarServiceClient(conn).Export(sctx)
	if err != nil {
		return fail(err)
	}
	if err := ss.stream.Send(&exporterpb.ExportRequest{Kind: &exporterpb.ExportRequest_Hello{Hello: hello}}); err != nil {
		// The stream's status, if any, comes from Recv.
		if _, rerr := ss.stream.Recv(); rerr != nil {
			err = rerr
		}
		return fail(err)
	}
	resp, err := ss.stream.Recv()
	if err != nil {
		return fail(err)
	}
	if resp.GetReady() == nil {
		return fail(status.Errorf(codes.FailedPrecondition, "protocol: the sidecar answered the Hello with %T, want Ready", resp.GetKind()))
	}
	if !timer.Stop() {
		return fail(errTimeout)
	}
	s.mu.Lock()
	s.up, s.err = true, nil
	s.sent = s.acked
	s.broadcast()
	s.mu.Unlock()
	return ss, nil
}

// describeSidecarError turns a stream's status into an error that says what the
// sidecar answered.
func describeSidecarError(addr string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("sidecar %s: %w", addr, err)
	}
	switch st.Code() {
	case codes.InvalidArgument:
		return fmt.Errorf("sidecar %s refused the exporter: %s", addr, st.Message())
	case codes.Unavailable:
		return fmt.Errorf("sidecar %s is unavailable: %s", addr, st.Message())
	default:
		return fmt.Errorf("sidecar %s: %s: %s", addr, st.Code(), st.Message())
	}
}

// run keeps a stream up until ctx ends: it pumps sess, and after a broken stream
// reconnects with back-off.
func (s *sidecar) run(ctx context.Context, sess *session) {
	defer close(s.done)
	delay := minReconnectDelay
	for {
		if sess != nil {
			progressed, err := s.pump(ctx, sess)
			sess.close()
			sess = nil
			if ctx.Err() != nil {
				s.setDown(errors.New("exporter closed"))
				return
			}
			err = describeSidecarError(s.addr, err)
			s.setDown(err)
			s.log.Warn("sidecar stream ended; reconnecting", "addr", s.addr, "err", err)
			if progressed {
				delay = minReconnectDelay
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(2*delay, maxReconnectDelay)
		var err error
		if sess, err = s.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.setDown(err)
			s.log.Warn("sidecar unreachable", "addr", s.addr, "err", err, "retry_in", delay)
			continue
		}
		s.log.Info("sidecar stream reconnected", "addr", s.addr)
	}
}

// pump sends records and receives acknowledgements on sess until the stream ends. It
// reports whether an acknowledgement moved the position forward.
func (s *sidecar) pump(ctx context.Context, sess *session) (progressed bool, err error) {
	type result struct {
		progressed bool
		err        error
	}
	recvDone := make(chan result, 1)
	go func() {
		p, err := s.receive(sess)
		recvDone <- result{p, err}
	}()
	sendErr := s.send(ctx, sess)
	if ctx.Err() != nil {
		sess.cancel()
	}
	// A failed Send means the stream is over; its status comes from Recv.
	r := <-recvDone
	if r.err == nil {
		r.err = sendErr
	}
	return r.progressed, r.err
}

// send sends the records after s.sent, batched, until the stream or ctx ends. It
// returns nil when the receiving side ended first.
func (s *sidecar) send(ctx context.Context, sess *session) error {
	streamDone := sess.stream.Context().Done()
	for {
		batch := s.nextBatch()
		if len(batch) == 0 {
			select {
			case <-s.more:
				continue
			case <-ctx.Done():
				return ctx.Err()
			case <-streamDone:
				return nil
			}
		}
		req := &exporterpb.ExportRequest{Kind: &exporterpb.ExportRequest_Records{Records: &exporterpb.Records{Records: batch}}}
		if err := sess.stream.Send(req); err != nil {
			return err
		}
	}
}

// nextBatch returns the records after s.sent, at most maxBatchBytes of them (one at
// least), and moves s.sent past them.
func (s *sidecar) nextBatch() []*recordpb.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.buf), func(i int) bool { return s.buf[i].GetPosition() > s.sent })
	var batch []*recordpb.Record
	size := 0
	for ; i < len(s.buf); i++ {
		n := proto.Size(s.buf[i])
		if len(batch) > 0 && size+n > maxBatchBytes {
			break
		}
		batch = append(batch, s.buf[i])
		size += n
	}
	if len(batch) > 0 {
		s.sent = batch[len(batch)-1].GetPosition()
	}
	return batch
}

// receive applies the sidecar's acknowledgements until the stream ends.
func (s *sidecar) receive(sess *session) (progressed bool, err error) {
	// Ending the session's context stops send too.
	defer sess.cancel()
	for {
		resp, err := sess.stream.Recv()
		if err != nil {
			return progressed, err
		}
		switch kind := resp.GetKind().(type) {
		case *exporterpb.ExportResponse_Ack:
			p, err := s.ack(kind.Ack)
			if err != nil {
				return progressed, err
			}
			progressed = progressed || p
		case nil:
			// A message kind from a newer protocol: ignored.
		default:
			return progressed, status.Errorf(codes.FailedPrecondition, "protocol: unexpected %T after Ready", kind)
		}
	}
}

// ack applies one acknowledgement: drops the records it covers and forwards it to the
// Controller. It reports whether the position moved forward.
func (s *sidecar) ack(a *exporterpb.Ack) (bool, error) {
	pos, meta := a.GetPosition(), a.GetMetadata()
	s.mu.Lock()
	if pos > s.sent {
		sent := s.sent
		s.mu.Unlock()
		return false, status.Errorf(codes.FailedPrecondition,
			"protocol: the sidecar acknowledged position %d, beyond the last record sent (%d)", pos, sent)
	}
	if pos < s.acked || pos == s.acked && meta == nil {
		s.mu.Unlock()
		return false, nil
	}
	advanced := pos > s.acked
	s.acked = pos
	i := sort.Search(len(s.buf), func(i int) bool { return s.buf[i].GetPosition() > pos })
	clear(s.buf[:i])
	s.buf = s.buf[i:]
	s.broadcast()
	s.mu.Unlock()
	// Acknowledgements come from one goroutine at a time (one stream at a time), so
	// the Controller sees them in order.
	if meta != nil {
		s.ctl.UpdateLastExportedPositionWithMetadata(pos, meta)
	} else {
		s.ctl.UpdateLastExportedPosition(pos)
	}
	return advanced, nil
}
