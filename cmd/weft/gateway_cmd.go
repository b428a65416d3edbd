package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/weftlabs/weft/broker/cluster/brokerapi"
	"github.com/weftlabs/weft/broker/cluster/membership"
	"github.com/weftlabs/weft/gateway"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// gatewayConfig is the configuration of `weft gateway`, a standalone gateway.
type gatewayConfig struct {
	gatewayAddr string
	httpAddr    string
	gossipAddr  string
	join        string
	logLevel    slog.Level
}

func parseGatewayFlags(args []string, lookup func(string) (string, bool), out io.Writer) (gatewayConfig, error) {
	var cfg gatewayConfig
	fs := flag.NewFlagSet("weft gateway", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.gatewayAddr, "gateway-addr", "0.0.0.0:26500", "address of the Zeebe gateway gRPC API")
	fs.StringVar(&cfg.httpAddr, "http-addr", "0.0.0.0:8080", "address of the gateway's REST/JSON API (under /v1/)")
	fs.StringVar(&cfg.gossipAddr, "gossip-addr", "0.0.0.0:26503", "address for membership gossip")
	fs.StringVar(&cfg.join, "join", "", "gossip addresses of brokers, comma separated")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, lookup); err != nil {
		return cfg, err
	}
	if len(splitList(cfg.join)) == 0 {
		return cfg, errors.New("--join (or WEFT_JOIN) must name at least one broker's gossip address")
	}
	if _, _, err := net.SplitHostPort(cfg.httpAddr); err != nil {
		return cfg, fmt.Errorf("--http-addr (or %s) %q: %w", envName("http-addr"), cfg.httpAddr, err)
	}
	return cfg, nil
}

// memberResolver is the membership view as the broker client needs it. It is the one
// reader of its node's Changes channel (a change wakes one reader only), so a process
// has one resolver per node and shares it.
type memberResolver struct {
	node *membership.Node

	mu      sync.Mutex
	changed chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func newMemberResolver(node *membership.Node) *memberResolver {
	r := &memberResolver{node: node, changed: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			select {
			case <-r.stop:
				return
			case <-node.Changes():
				r.mu.Lock()
				close(r.changed)
				r.changed = make(chan struct{})
				r.mu.Unlock()
			}
		}
	}()
	return r
}

func (r *memberResolver) close() {
	close(r.stop)
	<-r.done
}

// Leader returns the internal address of the partition's leader.
func (r *memberResolver) Leader(partition int32) (string, bool) {
	m, ok := r.node.Leader(partition)
	if !ok || m.InternalAddr == "" {
		return "", false
	}
	return m.InternalAddr, true
}

// Brokers returns the internal addresses of the live brokers.
func (r *memberResolver) Brokers() []string {
	var out []string
	for _, m := range r.node.Members() {
		if m.Kind == membership.Broker && m.Alive && m.InternalAddr != "" {
			out = append(out, m.InternalAddr)
		}
	}
	return out
}

// Changed returns a channel closed at the next change of the view.
func (r *memberResolver) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// InternalAddrOf returns the internal address of the alive broker named name (a
// broker's name is also its Raft server id).
func (r *memberResolver) InternalAddrOf(name string) (string, bool) {
	for _, m := range r.node.Members() {
		if m.Kind == membership.Broker && m.Alive && m.Name == name && m.InternalAddr != "" {
			return m.InternalAddr, true
		}
	}
	return "", false
}

// clusterBroker is the gateway's view of a cluster: leaders from gossip, commands over
// the brokers' internal API.
type clusterBroker struct {
	node   *membership.Node
	client *brokerapi.Client
}

// Execute sends a command to the partition's leader.
func (c *clusterBroker) Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	rec, err := c.client.Execute(ctx, partition, cmd)
	if brokerapi.Reason(err) == brokerapi.ReasonBackpressure {
		return nil, gateway.ErrBackpressure // the gateway words it as for one process
	}
	return rec, err
}

// Partitions lists the partitions the brokers announce.
func (c *clusterBroker) Partitions() []int32 {
	var n int32
	for _, m := range c.node.Members() {
		if m.Kind == membership.Broker {
			n = max(n, m.PartitionsCount)
		}
	}
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	return ids
}

// Topology describes the live brokers and their partitions.
func (c *clusterBroker) Topology(context.Context) (*gateway.Topology, error) {
	t := &gateway.Topology{}
	for _, m := range c.node.Members() {
		if m.Kind != membership.Broker || !m.Alive {
			continue
		}
		t.ClusterSize, t.PartitionsCount, t.ReplicationFactor = m.ClusterSize, m.PartitionsCount, m.ReplicationFactor
		host, port := m.InternalAddr, int32(0)
		if m.GatewayAddr != "" {
			host = m.GatewayAddr
		}
		if h, p, err := net.SplitHostPort(host); err == nil {
			n, _ := strconv.Atoi(p)
			host, port = h, int32(n)
		}
		info := gateway.BrokerInfo{NodeID: m.NodeID, Host: host, Port: port, Version: m.Version}
		for _, p := range m.Partitions {
			// A broker that still claims an older term's leadership is not the leader.
			leader, ok := c.node.Leader(p.ID)
			isLeader := p.Role == membership.Leader && ok && leader.Name == m.Name
			info.Partitions = append(info.Partitions, gateway.PartitionInfo{PartitionID: p.ID, Leader: isLeader, Healthy: p.Healthy})
		}
		t.Brokers = append(t.Brokers, info)
	}
	return t, nil
}

// WatchJobs watches every live broker for jobs of the type.
func (c *clusterBroker) WatchJobs(jobType string) (<-chan struct{}, func()) {
	return c.client.WatchJobs(jobType)
}

// gatewayServer is a gateway in front of a cluster, with its REST/JSON face for the
// caller to mount on an HTTP server.
type gatewayServer struct {
	client  *brokerapi.Client
	gateway *gateway.Server
	rest    *gateway.REST
	grpc    *grpc.Server
	lis     net.Listener
	served  chan error
}

// startGateway serves a gateway on addr that routes through the node's view; the caller
// owns the resolver and closes it after the gateway.
func startGateway(addr string, node *membership.Node, resolver *memberResolver, log *slog.Logger) (*gatewayServer, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--gateway-addr: %w", err)
	}
	g := &gatewayServer{lis: lis, served: make(chan error, 1)}
	g.client = brokerapi.NewClient(resolver, log.With("component", "broker-client"))
	opts := gateway.Options{Logger: log.With("component", "gateway"), Version: version}
	g.gateway = gateway.New(&clusterBroker{node: node, client: g.client}, opts)
	g.grpc = grpc.NewServer(gateway.ServerOptions(opts)...)
	g.gateway.Register(g.grpc)
	if g.rest, err = gateway.NewREST(g.gateway); err != nil {
		lis.Close()
		g.client.Close()
		return nil, err
	}
	go func() { g.served <- g.grpc.Serve(lis) }()
	return g, nil
}

// Addr returns the gateway's address.
func (g *gatewayServer) Addr() string { return g.lis.Addr().String() }

// Close ends long polls, stops serving and closes the broker connections.
func (g *gatewayServer) Close() error {
	g.gateway.Shutdown()
	stopped := make(chan struct{})
	go func() {
		g.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		g.grpc.Stop()
		<-stopped
	}
	<-g.served
	rerr := g.rest.Close()
	return errors.Join(rerr, g.client.Close())
}

func runGateway(ctx context.Context, cfg gatewayConfig, log *slog.Logger) error {
	node, err := membership.Join(ctx, membership.Config{
		Name: "gateway-" + cfg.gatewayAddr, Kind: membership.Gateway, NodeID: -1, Version: version,
		BindAddr: cfg.gossipAddr, Seeds: splitList(cfg.join), GatewayAddr: cfg.gatewayAddr,
		Logger: log.With("component", "membership"),
	})
	if err != nil {
		return fmt.Errorf("join the cluster: %w", err)
	}
	httpLis, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		node.Close()
		return fmt.Errorf("--http-addr: %w", err)
	}
	resolver := newMemberResolver(node)
	g, err := startGateway(cfg.gatewayAddr, node, resolver, log)
	if err != nil {
		httpLis.Close()
		resolver.close()
		node.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(gateway.RESTPrefix, g.rest)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	httpDone := make(chan error, 1)
	go func() { httpDone <- hs.Serve(httpLis) }()
	log.Info("weft gateway started", "gateway", g.Addr(), "http", httpLis.Addr().String(), "gossip", node.Addr())
	<-ctx.Done()
	log.Info("shutting down")
	// Long polls end first, so that the HTTP server's Shutdown does not wait for them.
	g.gateway.Shutdown()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	herr := hs.Shutdown(shutdownCtx)
	cancel()
	<-httpDone
	err = errors.Join(herr, g.Close())
	resolver.close()
	node.Leave(2 * time.Second)
	return errors.Join(err, node.Close())
}
