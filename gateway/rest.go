package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/openapi"
)

// RESTPrefix is the path under which REST serves every route; mount REST there.
const RESTPrefix = "/v1/"

// restOpenAPIPath is where REST serves its OpenAPI document.
const restOpenAPIPath = "/v1/openapi.json"

// REST serves the gateway API as REST/JSON: every RPC of gateway_protocol.Gateway on a
// resource-style route under /v1/ (proto/gateway_protocol/gateway_rest.yaml), and the
// OpenAPI document of those routes at GET /v1/openapi.json.
//
// Requests reach the Server through a gRPC server of REST's own on an in-memory
// listener, with the gateway's ServerOptions: a REST call is validated, bounded, and
// recovered from panics exactly as a gRPC call is, and server-streaming ActivateJobs
// keeps its long-poll semantics (grpc-gateway's in-process mode cannot stream).
//
// Request and response bodies are protobuf JSON (protojson): int64 fields such as keys
// are written as strings and read from strings or numbers; bytes are base64; unknown
// fields are refused. Errors are JSON objects with the gRPC code and its name (see
// writeRESTError).
type REST struct {
	log     *slog.Logger
	mux     *runtime.ServeMux
	grpc    *grpc.Server
	lis     *bufconn.Listener
	conn    *grpc.ClientConn
	client  gatewaypb.GatewayClient
	maxBody int64
	served  chan error
}

// restBufferSize is the in-memory connection's buffer in each direction.
const restBufferSize = 1 << 20

// NewREST returns the REST/JSON face of s. It serves s on its own in-memory gRPC server
// until Close. Mount it under RESTPrefix on an HTTP server; stop that server first, then
// call Close. s.Shutdown, called before, ends REST long polls as it ends gRPC ones.
func NewREST(s *Server) (*REST, error) {
	r := &REST{
		log:     s.log,
		lis:     bufconn.Listen(restBufferSize),
		maxBody: 2 * int64(s.opts.MaxMessageSize),
		served:  make(chan error, 1),
	}
	// WaitForHandlers makes Close wait until every call has returned, so that no handler
	// outlives the REST value.
	r.grpc = grpc.NewServer(append(ServerOptions(s.opts), grpc.WaitForHandlers(true))...)
	s.Register(r.grpc)
	go func() { r.served <- r.grpc.Serve(r.lis) }()

	conn, err := grpc.NewClient("passthrough:///weft-gateway-rest",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return r.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(s.opts.MaxMessageSize)),
	)
	if err != nil {
		r.grpc.Stop()
		<-r.served
		return nil, fmt.Errorf("connect the REST gateway to the gateway: %w", err)
	}
	r.conn = conn
	r.client = gatewaypb.NewGatewayClient(conn)

	r.mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, restJSON{&runtime.JSONPb{
			// Every field is written, zero or not, so that responses keep one shape.
			MarshalOptions: protojson.MarshalOptions{EmitUnpopulated: true},
			// A misspelt field would otherwise be dropped without a word.
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithErrorHandler(restErrorHandler),
		runtime.WithRoutingErrorHandler(restRoutingErrorHandler),
		// POST with X-HTTP-Method-Override would let a POST reach the PATCH route; the
		// API does not need it.
		runtime.WithDisableHTTPMethodOverride(),
	)
	// The context passed here only outlives registration for client-side streams, which
	// the gateway API does not have.
	if err := gatewaypb.RegisterGatewayHandlerClient(context.Background(), r.mux, r.client); err != nil {
		r.Close()
		return nil, fmt.Errorf("register the REST routes: %w", err)
	}
	// The ServeMux tries the routes registered last first, so these two replace the
	// generated handler of the same route (ActivateJobs) or add one.
	for _, h := range []struct {
		method, path string
		handle       runtime.HandlerFunc
	}{
		{http.MethodPost, "/v1/jobs/activation", r.activateJobs},
		{http.MethodGet, restOpenAPIPath, serveOpenAPI},
	} {
		if err := r.mux.HandlePath(h.method, h.path, h.handle); err != nil {
			r.Close()
			return nil, fmt.Errorf("register %s %s: %w", h.method, h.path, err)
		}
	}
	return r, nil
}

// ServeHTTP serves one REST request. Bodies larger than twice the gateway's
// MaxMessageSize are refused before they are read (base64 and JSON make a body larger
// than its protobuf message; the gRPC limit still applies to the message).
func (r *REST) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.ContentLength > r.maxBody {
		writeRESTError(w, http.StatusRequestEntityTooLarge, status.Newf(codes.ResourceExhausted,
			"Expected a request body of at most %d bytes, but it has %d", r.maxBody, req.ContentLength))
		return
	}
	if req.Body != nil {
		req.Body = http.MaxBytesReader(w, req.Body, r.maxBody)
	}
	r.mux.ServeHTTP(w, req)
}

// Close stops REST's gRPC server, waiting for the calls in flight, and closes its
// connection to it.
func (r *REST) Close() error {
	var err error
	if r.conn != nil {
		err = r.conn.Close()
	}
	r.grpc.Stop()
	if serr := <-r.served; serr != nil && !errors.Is(serr, grpc.ErrServerStopped) {
		err = errors.Join(err, serr)
	}
	return err
}

// activateJobs serves POST /v1/jobs/activation. Over gRPC, ActivateJobs streams batches
// of jobs; here the whole stream is collected and answered as one ActivateJobsResponse,
// which a curl user or a plain HTTP client reads at once. The stream ends once a round
// activated jobs or the long poll ran out, so the wait is the one a gRPC worker sees.
func (r *REST) activateJobs(w http.ResponseWriter, req *http.Request, _ map[string]string) {
	const method = "/gateway_protocol.Gateway/ActivateJobs"
	inbound, outbound := runtime.MarshalerForRequest(r.mux, req)
	ctx, err := runtime.AnnotateContext(req.Context(), r.mux, req, method,
		runtime.WithHTTPPathPattern("/v1/jobs/activation"))
	if err != nil {
		runtime.HTTPError(ctx, r.mux, outbound, w, req, err)
		return
	}
	var in gatewaypb.ActivateJobsRequest
	if err := inbound.NewDecoder(req.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		runtime.HTTPError(ctx, r.mux, outbound, w, req, status.Errorf(codes.InvalidArgument, "%v", err))
		return
	}
	stream, err := r.client.ActivateJobs(ctx, &in)
	if err != nil {
		runtime.HTTPError(ctx, r.mux, outbound, w, req, err)
		return
	}
	out := &gatewaypb.ActivateJobsResponse{Jobs: []*gatewaypb.ActivatedJob{}}
	for {
		batch, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(out.Jobs) == 0 {
				runtime.HTTPError(ctx, r.mux, outbound, w, req, err)
				return
			}
			// The jobs received are activated, locked to this worker until their
			// timeout: hand them over rather than an error that would strand them.
			r.log.Warn("job activation stream failed after jobs were activated; answering those jobs",
				"type", in.GetType(), "worker", in.GetWorker(), "jobs", len(out.Jobs), "err", err)
			break
		}
		out.Jobs = append(out.Jobs, batch.GetJobs()...)
	}
	runtime.ForwardResponseMessage(ctx, r.mux, outbound, w, req, out)
}

// serveOpenAPI serves the OpenAPI (Swagger 2.0) document of the REST routes, generated
// from the same route config as the handlers (proto/gateway_protocol/gateway_rest.yaml).
func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapi.Gateway)
}

// restJSON is grpc-gateway's protobuf JSON marshaler with request-body errors that say
// what was expected: the generated handlers pass a decoding error on as the whole
// message of an INVALID_ARGUMENT, and "unexpected EOF" alone does not tell a curl user
// that the body is at fault.
type restJSON struct{ *runtime.JSONPb }

// NewDecoder returns the JSONPb decoder, its errors (but io.EOF, an empty body, which
// the handlers accept) wrapped with the name of the message expected.
func (m restJSON) NewDecoder(r io.Reader) runtime.Decoder {
	d := m.JSONPb.NewDecoder(r)
	return runtime.DecoderFunc(func(v any) error {
		err := d.Decode(v)
		if err == nil || errors.Is(err, io.EOF) {
			return err
		}
		what := "object"
		if msg, ok := v.(proto.Message); ok {
			what = string(msg.ProtoReflect().Descriptor().Name())
		}
		return fmt.Errorf("Expected the request body to be a JSON %s, but it is not: %w", what, err)
	})
}

// restError is the body of every REST error: the gRPC status a gRPC client would get,
// with the name of its code.
type restError struct {
	// Code is the gRPC status code, e.g. 3.
	Code int32 `json:"code"`
	// CodeName is the code's canonical name, e.g. "INVALID_ARGUMENT".
	CodeName string `json:"codeName"`
	// Message is the status message.
	Message string `json:"message"`
	// Details are the status details in protobuf JSON; empty when there are none.
	Details []json.RawMessage `json:"details"`
}

// restErrorHandler answers err (a gRPC status, or a runtime.HTTPStatusError around one)
// with its code's HTTP status and a restError body. It is the ServeMux's error handler,
// so rejections, validation failures and malformed bodies all take this shape.
func restErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	httpStatus := 0
	var custom *runtime.HTTPStatusError
	if errors.As(err, &custom) {
		httpStatus, err = custom.HTTPStatus, custom.Err
	}
	st := status.Convert(err)
	if httpStatus == 0 {
		httpStatus = runtime.HTTPStatusFromCode(st.Code())
	}
	writeRESTError(w, httpStatus, st)
}

// restRoutingErrorHandler answers a request that matches no route: 404 NOT_FOUND for an
// unknown path, 405 UNIMPLEMENTED for a known path with another method.
func restRoutingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, req *http.Request, httpStatus int) {
	var st *status.Status
	switch httpStatus {
	case http.StatusNotFound:
		st = status.Newf(codes.NotFound, "Expected a REST route for %s %s, but there is none", req.Method, req.URL.Path)
	case http.StatusMethodNotAllowed:
		st = status.Newf(codes.Unimplemented, "Expected a REST route for %s %s, but the path takes another method", req.Method, req.URL.Path)
	case http.StatusBadRequest:
		st = status.Newf(codes.InvalidArgument, "Expected a request path starting with '/', but got %q", req.URL.Path)
	default:
		st = status.Newf(codes.Internal, "Unexpected routing error %d for %s %s", httpStatus, req.Method, req.URL.Path)
	}
	writeRESTError(w, httpStatus, st)
}

// writeRESTError writes st as a restError with the given HTTP status.
func writeRESTError(w http.ResponseWriter, httpStatus int, st *status.Status) {
	body := restError{
		Code:     int32(st.Code()),
		CodeName: codeName(st.Code()),
		Message:  st.Message(),
		Details:  []json.RawMessage{},
	}
	for _, d := range st.Proto().GetDetails() {
		if b, err := protojson.Marshal(d); err == nil {
			body.Details = append(body.Details, b)
		}
	}
	h := w.Header()
	h.Del("Trailer")
	h.Del("Transfer-Encoding")
	h.Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(body)
}

// codeName returns the canonical name of a gRPC code, as in google.rpc.Code
// ("INVALID_ARGUMENT"), or "UNKNOWN" for a code that has none.
func codeName(c codes.Code) string {
	if name, ok := code.Code_name[int32(c)]; ok {
		return name
	}
	return code.Code_UNKNOWN.String()
}
