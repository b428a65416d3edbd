package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/weftlabs/weft/broker/cluster/brokerapi"
	"github.com/weftlabs/weft/broker/cluster/membership"
	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/broker/cluster/raftnet"
	"github.com/weftlabs/weft/broker/cluster/rebalance"
	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/gateway"
)

// brokerConfig is the configuration of `weft broker`.
type brokerConfig struct {
	nodeID            int
	clusterSize       int
	partitions        int
	replicationFactor int
	dataDir           string
	internalAddr      string
	raftAddr          string
	gossipAddr        string
	gatewayAddr       string
	httpAddr          string
	join              string
	snapshotThreshold uint64
	autoRebalance     bool
	partitionFlags
	logLevel slog.Level
}

func parseBrokerFlags(args []string, lookup func(string) (string, bool), out io.Writer) (brokerConfig, error) {
	var cfg brokerConfig
	fs := flag.NewFlagSet("weft broker", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.IntVar(&cfg.nodeID, "node-id", 0, "this broker's id, 0 to cluster-size-1")
	fs.IntVar(&cfg.clusterSize, "cluster-size", 1, "number of brokers in the cluster")
	fs.IntVar(&cfg.partitions, "partitions", 1, "number of partitions")
	fs.IntVar(&cfg.replicationFactor, "replication-factor", 1, "replicas of each partition")
	fs.StringVar(&cfg.dataDir, "data-dir", "./weft-data", "directory for this broker's partitions")
	fs.StringVar(&cfg.internalAddr, "internal-addr", "0.0.0.0:26501", "address of the broker's internal API (gateways and brokers)")
	fs.StringVar(&cfg.raftAddr, "raft-addr", "0.0.0.0:26502", "address of the Raft transport of all partitions")
	fs.StringVar(&cfg.gossipAddr, "gossip-addr", "0.0.0.0:26503", "address for membership gossip")
	fs.StringVar(&cfg.gatewayAddr, "gateway-addr", "", "serve an embedded Zeebe gateway on this address (empty: none)")
	fs.StringVar(&cfg.httpAddr, "http-addr", "0.0.0.0:9600", "address of health, readiness, /admin/partitions and, with --gateway-addr, the gateway's REST/JSON API under /v1/")
	fs.StringVar(&cfg.join, "join", "", "gossip addresses of other nodes, comma separated")
	fs.Uint64Var(&cfg.snapshotThreshold, "snapshot-threshold", 0, "Raft entries between snapshots of a partition (0: 8192); the log keeps half as many after one")
	cfg.partitionFlags.register(fs)
	fs.BoolVar(&cfg.autoRebalance, "auto-rebalance", true, "hand each partition this broker leads back to its primary once the primary is healthy and caught up")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, lookup); err != nil {
		return cfg, err
	}
	if _, err := placement.Distribute(cfg.clusterSize, cfg.partitions, cfg.replicationFactor); err != nil {
		return cfg, err
	}
	if err := cfg.partitionFlags.validate(); err != nil {
		return cfg, err
	}
	if cfg.nodeID < 0 || cfg.nodeID >= cfg.clusterSize {
		return cfg, fmt.Errorf("--node-id (or WEFT_NODE_ID) %d must be in 0..%d for --cluster-size %d", cfg.nodeID, cfg.clusterSize-1, cfg.clusterSize)
	}
	for _, a := range []struct{ flag, addr string }{{"internal-addr", cfg.internalAddr}, {"raft-addr", cfg.raftAddr}, {"gossip-addr", cfg.gossipAddr}, {"http-addr", cfg.httpAddr}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return cfg, fmt.Errorf("--%s (or %s) %q: %w", a.flag, envName(a.flag), a.addr, err)
		}
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// advertise turns a listening address into one peers can dial.
func advertise(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	return net.JoinHostPort(advertisedHost(tcp), fmt.Sprint(tcp.Port))
}

// brokerServer is a running `weft broker`.
type brokerServer struct {
	log        *slog.Logger
	cfg        brokerConfig
	mux        *raftnet.Mux
	members    *membership.Node
	partitions []*partition.Partition
	transports map[int32]*raftnet.Transport
	resolver   *memberResolver
	sender     *brokerapi.Client
	internal   *grpc.Server
	internalL  net.Listener
	http       *http.Server
	httpL      net.Listener
	gateway    *gatewayServer
	stop       context.CancelFunc
	wg         sync.WaitGroup
}

// partitionByID returns this broker's replica of a partition, or nil.
func (b *brokerServer) partitionByID(id int32) *partition.Partition {
	for _, p := range b.partitions {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

func brokerName(id int) string { return fmt.Sprintf("broker-%d", id) }

// startBroker joins the cluster, opens this broker's partition replicas and serves the
// internal API (and an embedded gateway, if configured).
func startBroker(ctx context.Context, cfg brokerConfig, log *slog.Logger) (_ *brokerServer, err error) {
	place, err := placement.Distribute(cfg.clusterSize, cfg.partitions, cfg.replicationFactor)
	if err != nil {
		return nil, err
	}
	b := &brokerServer{log: log, cfg: cfg, transports: map[int32]*raftnet.Transport{}}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.internalL, err = net.Listen("tcp", cfg.internalAddr); err != nil {
		return nil, fmt.Errorf("--internal-addr: %w", err)
	}
	if b.httpL, err = net.Listen("tcp", cfg.httpAddr); err != nil {
		return nil, fmt.Errorf("--http-addr: %w", err)
	}
	// Resolve the address first (port 0 picks one), so that the mux listens where it
	// advertises.
	rl, err := net.Listen("tcp", cfg.raftAddr)
	if err != nil {
		return nil, fmt.Errorf("--raft-addr: %w", err)
	}
	raftListen, raftAdvertise := rl.Addr().String(), advertise(rl.Addr())
	rl.Close()
	if b.mux, err = raftnet.Listen(raftListen, raftnet.Options{Logger: log.With("component", "raftnet"), AdvertiseAddr: raftAdvertise}); err != nil {
		return nil, fmt.Errorf("--raft-addr: %w", err)
	}
	b.members, err = membership.Join(ctx, membership.Config{
		Name: brokerName(cfg.nodeID), Kind: membership.Broker, NodeID: int32(cfg.nodeID), Version: version,
		BindAddr: cfg.gossipAddr, Seeds: splitList(cfg.join),
		InternalAddr: advertise(b.internalL.Addr()), RaftAddr: b.mux.Addr().String(), GatewayAddr: cfg.gatewayAddr,
		ClusterSize: int32(cfg.clusterSize), PartitionsCount: int32(cfg.partitions), ReplicationFactor: int32(cfg.replicationFactor),
		Logger: log.With("component", "membership"),
	})
	if err != nil {
		return nil, fmt.Errorf("join the cluster: %w", err)
	}

	// Deployments are distributed from partition 1 to the others through the same client
	// the gateway uses.
	b.resolver = newMemberResolver(b.members)
	b.sender = brokerapi.NewClient(b.resolver, log.With("component", "broker-client"))
	for _, pid := range place.PartitionsOf(int32(cfg.nodeID)) {
		dir := filepath.Join(cfg.dataDir, "partitions", fmt.Sprint(pid))
		servers, err := b.raftServers(ctx, place.Members(pid), dir)
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", pid, err)
		}
		trans, err := b.mux.Transport(uint32(pid), raftnet.TransportOptions{})
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", pid, err)
		}
		p, err := partition.Open(partition.Config{
			ID: pid, Dir: dir, Logger: log, LocalID: brokerName(cfg.nodeID), Transport: trans, Servers: servers,
			PartitionCount: int32(cfg.partitions), Sender: b.sender,
			SnapshotThreshold: cfg.snapshotThreshold, TrailingLogs: cfg.snapshotThreshold / 2,
			Limit: cfg.limit, MinFreeDisk: cfg.minFreeDisk, FreeDisk: cfg.freeDisk,
			Exporting: cfg.exporters.config(), Version: version,
		})
		if err != nil {
			trans.Close()
			return nil, err
		}
		b.partitions = append(b.partitions, p)
		b.transports[pid] = trans
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"UP"}`)
	})
	// Ready once every replica of this broker takes part in its Raft group.
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for _, p := range b.partitions {
			if st, err := p.Status(false); err != nil || (st.Role != "Leader" && st.Role != "Follower") {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"status":"DOWN"}`)
				return
			}
		}
		io.WriteString(w, `{"status":"UP"}`)
	})
	mux.HandleFunc("GET /admin/partitions", adminHandler(func() []*partition.Partition { return b.partitions }))
	mux.HandleFunc("POST /admin/rebalance", func(w http.ResponseWriter, r *http.Request) {
		moved, err := b.rebalance(place)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]any{"moved": moved, "error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"moved": moved})
	})
	b.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go b.http.Serve(b.httpL)

	b.internal = grpc.NewServer(grpc.MaxRecvMsgSize(8<<20), grpc.MaxSendMsgSize(8<<20))
	brokerapi.NewServer(b.partitions, log).HintLeaders(b.resolver.InternalAddrOf).Register(b.internal)
	go b.internal.Serve(b.internalL)

	announceCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.announceRoles(announceCtx)
	}()
	if cfg.autoRebalance {
		var reps []rebalance.Replica
		for _, p := range b.partitions {
			reps = append(reps, rebalanceReplica{p: p, t: b.transports[p.ID()]})
		}
		r := rebalance.New(rebalance.Config{
			Replicas: reps,
			Primary:  func(pid int32) (rebalance.Primary, bool) { return b.primary(place, pid) },
			Logger:   log.With("component", "rebalance"),
		})
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			r.Run(announceCtx)
		}()
	}

	if cfg.gatewayAddr != "" {
		if b.gateway, err = startGateway(cfg.gatewayAddr, b.members, b.resolver, log); err != nil {
			return nil, err
		}
		// The embedded gateway's REST/JSON API is served beside the broker's health
		// endpoints; a ServeMux takes routes while it serves.
		mux.Handle(gateway.RESTPrefix, b.gateway.rest)
	}
	log.Info("weft broker started", "node", cfg.nodeID, "partitions", place.PartitionsOf(int32(cfg.nodeID)),
		"internal", b.internalL.Addr().String(), "raft", b.mux.Addr().String(), "gossip", b.members.Addr(), "http", b.httpL.Addr().String())
	return b, nil
}

// raftServers returns the Raft voters of a partition for its first start: every member
// broker by name, at the Raft address it gossips. A replica that has state already knows
// its group and needs none, so it does not wait for its peers.
func (b *brokerServer) raftServers(ctx context.Context, members []int32, dir string) ([]raft.Server, error) {
	if _, err := os.Stat(filepath.Join(dir, "state")); err == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		addrs := map[int32]string{}
		for _, m := range b.members.Members() {
			if m.Kind == membership.Broker && m.Alive && m.RaftAddr != "" {
				addrs[m.NodeID] = m.RaftAddr
			}
		}
		var servers []raft.Server
		for _, id := range members {
			if a, ok := addrs[id]; ok {
				servers = append(servers, raft.Server{ID: raft.ServerID(brokerName(int(id))), Address: raft.ServerAddress(a)})
			}
		}
		if len(servers) == len(members) {
			return servers, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for brokers %v to join: %w", members, ctx.Err())
		case <-b.resolver.Changed():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// primary returns the primary broker of a partition (the first of its placement) when
// that is another broker and the view shows it alive.
func (b *brokerServer) primary(place placement.Placement, pid int32) (rebalance.Primary, bool) {
	prio := place.Priority(pid)
	if prio == int32(b.cfg.nodeID) {
		return rebalance.Primary{}, false
	}
	for _, m := range b.members.Members() {
		if m.Kind == membership.Broker && m.NodeID == prio && m.Alive && m.RaftAddr != "" {
			return rebalance.Primary{ServerID: brokerName(int(prio)), RaftAddr: m.RaftAddr}, true
		}
	}
	return rebalance.Primary{}, false
}

// rebalanceReplica is a partition replica and its Raft transport as the rebalancer
// needs them.
type rebalanceReplica struct {
	p *partition.Partition
	t *raftnet.Transport
}

func (r rebalanceReplica) Partition() int32 { return r.p.ID() }
func (r rebalanceReplica) IsLeader() bool   { return r.p.IsLeader() }
func (r rebalanceReplica) Term() uint64     { return r.p.Term() }

func (r rebalanceReplica) CommitIndex() uint64 {
	st, err := r.p.Status(false)
	if err != nil {
		return ^uint64(0) // no primary can be caught up with an unknown index
	}
	return st.CommitIndex
}

func (r rebalanceReplica) PeerProgress(addr string) (term, lastLog uint64, at time.Time, ok bool) {
	pr, ok := r.t.Progress(raft.ServerAddress(addr))
	return pr.Term, pr.LastLog, pr.At, ok
}

func (r rebalanceReplica) TransferLeadership(id, addr string) error {
	return r.p.TransferLeadership(id, addr)
}

// rebalance hands the leadership of every partition this broker leads, but that
// another broker has priority for, to that broker (Zeebe's round robin spreads the
// priorities evenly, so after restarts this spreads the leaders again), at once and
// without the checks of the automatic rebalancer. It returns the partitions it moved.
func (b *brokerServer) rebalance(place placement.Placement) ([]int32, error) {
	var moved []int32
	var errs []error
	for _, p := range b.partitions {
		if !p.IsLeader() {
			continue
		}
		prim, ok := b.primary(place, p.ID())
		if !ok {
			continue // this broker is the primary, or the primary is not there; keep leading
		}
		if err := p.TransferLeadership(prim.ServerID, prim.RaftAddr); err != nil {
			errs = append(errs, fmt.Errorf("partition %d: %w", p.ID(), err))
			continue
		}
		moved = append(moved, p.ID())
	}
	return moved, errors.Join(errs...)
}

// announceRoles gossips this broker's role in each partition whenever it changes.
func (b *brokerServer) announceRoles(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var last []membership.PartitionState
	for {
		var states []membership.PartitionState
		for _, p := range b.partitions {
			role := membership.Follower
			if p.IsLeader() {
				role = membership.Leader
			}
			states = append(states, membership.PartitionState{ID: p.ID(), Role: role, Term: p.Term(), Healthy: p.Healthy()})
		}
		if !slices.Equal(states, last) {
			b.members.SetPartitions(states)
			last = states
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close leaves the cluster and stops everything.
func (b *brokerServer) Close() error {
	var errs []error
	if b.gateway != nil {
		errs = append(errs, b.gateway.Close())
	}
	if b.stop != nil {
		b.stop()
		b.wg.Wait()
	}
	if b.internal != nil {
		b.internal.Stop()
	}
	if b.http != nil {
		b.http.Close()
	} else if b.httpL != nil {
		b.httpL.Close()
	}
	if b.internalL != nil {
		b.internalL.Close()
	}
	for _, p := range b.partitions {
		errs = append(errs, p.Close())
	}
	if b.sender != nil {
		b.sender.Close()
	}
	if b.resolver != nil {
		b.resolver.close()
	}
	if b.members != nil {
		b.members.Leave(2 * time.Second)
		errs = append(errs, b.members.Close())
	}
	if b.mux != nil {
		errs = append(errs, b.mux.Close())
	}
	return errors.Join(errs...)
}

func runBroker(ctx context.Context, cfg brokerConfig, log *slog.Logger) error {
	b, err := startBroker(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	return b.Close()
}

var _ gateway.Broker = (*clusterBroker)(nil)
