package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// fakeGateway is a gateway on loopback that records the requests it gets and answers
// with the error set for a method, if any.
type fakeGateway struct {
	gatewaypb.UnimplementedGatewayServer

	mu       sync.Mutex
	calls    []call
	errs     map[string]error
	topology *gatewaypb.TopologyResponse

	// db is the read model; effects are the statements that a successful call of a
	// method runs on it a moment after the answer, as the exporter would write the
	// records the command produced.
	db      *sql.DB
	effects map[string][]string
	pending sync.WaitGroup
	failed  []error
}

// exporterLag is how long after answering the fake gateway changes the read model.
const exporterLag = 50 * time.Millisecond

// afterAnswer runs the effects of method on the read model after exporterLag.
func (g *fakeGateway) afterAnswer(method string) {
	stmts := g.effects[method]
	if len(stmts) == 0 {
		return
	}
	g.pending.Add(1)
	time.AfterFunc(exporterLag, func() {
		defer g.pending.Done()
		for _, q := range stmts {
			if _, err := g.db.Exec(q); err != nil {
				g.mu.Lock()
				g.failed = append(g.failed, fmt.Errorf("effect of %s: %w\n%s", method, err, q))
				g.mu.Unlock()
			}
		}
	})
}

// setEffects sets the statements each method's successful call runs on the read
// model.
func (g *fakeGateway) setEffects(effects map[string][]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.effects = effects
}

// call is one request the fake gateway got.
type call struct {
	method string
	req    proto.Message
}

func (g *fakeGateway) record(method string, req proto.Message) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, call{method, proto.Clone(req)})
	err := g.errs[method]
	if err == nil {
		g.afterAnswer(method)
	}
	return err
}

func (g *fakeGateway) failWith(method string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.errs[method] = err
}

func (g *fakeGateway) takeCalls() []call {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.calls
	g.calls = nil
	return out
}

// startGateway serves a fake gateway on loopback and returns it with a client of it.
func startGateway(t *testing.T) (*fakeGateway, gatewaypb.GatewayClient) {
	t.Helper()
	g := &fakeGateway{errs: map[string]error{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	gatewaypb.RegisterGatewayServer(srv, g)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(lis)
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-served
		g.pending.Wait()
		for _, err := range g.failed {
			t.Error(err)
		}
	})
	return g, gatewaypb.NewGatewayClient(conn)
}

func (g *fakeGateway) Topology(_ context.Context, r *gatewaypb.TopologyRequest) (*gatewaypb.TopologyResponse, error) {
	if err := g.record("Topology", r); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.topology != nil {
		return g.topology, nil
	}
	return &gatewaypb.TopologyResponse{}, nil
}

func (g *fakeGateway) CancelProcessInstance(_ context.Context, r *gatewaypb.CancelProcessInstanceRequest) (*gatewaypb.CancelProcessInstanceResponse, error) {
	return &gatewaypb.CancelProcessInstanceResponse{}, g.record("CancelProcessInstance", r)
}

func (g *fakeGateway) SetVariables(_ context.Context, r *gatewaypb.SetVariablesRequest) (*gatewaypb.SetVariablesResponse, error) {
	return &gatewaypb.SetVariablesResponse{Key: 77}, g.record("SetVariables", r)
}

func (g *fakeGateway) ModifyProcessInstance(_ context.Context, r *gatewaypb.ModifyProcessInstanceRequest) (*gatewaypb.ModifyProcessInstanceResponse, error) {
	return &gatewaypb.ModifyProcessInstanceResponse{}, g.record("ModifyProcessInstance", r)
}

func (g *fakeGateway) UpdateJobRetries(_ context.Context, r *gatewaypb.UpdateJobRetriesRequest) (*gatewaypb.UpdateJobRetriesResponse, error) {
	return &gatewaypb.UpdateJobRetriesResponse{}, g.record("UpdateJobRetries", r)
}

func (g *fakeGateway) ResolveIncident(_ context.Context, r *gatewaypb.ResolveIncidentRequest) (*gatewaypb.ResolveIncidentResponse, error) {
	return &gatewaypb.ResolveIncidentResponse{}, g.record("ResolveIncident", r)
}

func (g *fakeGateway) CompleteJob(_ context.Context, r *gatewaypb.CompleteJobRequest) (*gatewaypb.CompleteJobResponse, error) {
	return &gatewaypb.CompleteJobResponse{}, g.record("CompleteJob", r)
}

func (g *fakeGateway) FailJob(_ context.Context, r *gatewaypb.FailJobRequest) (*gatewaypb.FailJobResponse, error) {
	return &gatewaypb.FailJobResponse{}, g.record("FailJob", r)
}

func (g *fakeGateway) ThrowError(_ context.Context, r *gatewaypb.ThrowErrorRequest) (*gatewaypb.ThrowErrorResponse, error) {
	return &gatewaypb.ThrowErrorResponse{}, g.record("ThrowError", r)
}

func (g *fakeGateway) PublishMessage(_ context.Context, r *gatewaypb.PublishMessageRequest) (*gatewaypb.PublishMessageResponse, error) {
	if err := g.record("PublishMessage", r); err != nil {
		return nil, err
	}
	return &gatewaypb.PublishMessageResponse{Key: 2251799813690000}, nil
}
