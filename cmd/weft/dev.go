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
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/weftlabs/weft/broker/exporting"
	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/gateway"
)

// devConfig is the configuration of `weft dev`. Its flag names are a public interface.
type devConfig struct {
	dataDir     string
	gatewayAddr string
	httpAddr    string
	monitorAddr string
	logLevel    slog.Level
	partitions  int
	// brokers above 1 runs a cluster in this process (with replicationFactor).
	brokers           int
	replicationFactor int
	// snapshotThreshold, with brokers, is Raft entries between snapshots (0: Raft's).
	snapshotThreshold uint64
	// autoRebalance, with brokers, hands leadership back to each partition's primary.
	autoRebalance bool
	partitionFlags
	// readModel is where the read model the monitor reads lives: sqlite (a file in the
	// data directory), postgres (postgresURL) or none. Empty is none.
	readModel   string
	postgresURL string
	// noSync skips fsync of the Raft log (benchmarks only; not a flag).
	noSync bool
}

func parseDevFlags(args []string, lookup func(string) (string, bool), out io.Writer) (devConfig, error) {
	var cfg devConfig
	fs := flag.NewFlagSet("weft dev", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.dataDir, "data-dir", "./weft-data", "directory for the partition's log and state")
	fs.StringVar(&cfg.gatewayAddr, "gateway-addr", "0.0.0.0:26500", "address of the Zeebe gateway gRPC API")
	fs.StringVar(&cfg.httpAddr, "http-addr", "0.0.0.0:8080", "address of the HTTP API: the gateway's REST/JSON API under /v1/, health, readiness and metrics")
	fs.StringVar(&cfg.monitorAddr, "monitor-addr", "0.0.0.0:8081", "address of the monitor web app (with a read model)")
	fs.StringVar(&cfg.readModel, "read-model", "sqlite", "the read model the monitor reads: sqlite (readmodel.db in the data directory), postgres (needs --postgres-url) or none")
	fs.StringVar(&cfg.postgresURL, "postgres-url", "", "PostgreSQL URL of the read model (postgres://user:pass@host/db); given, --read-model is postgres")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.IntVar(&cfg.partitions, "partitions", 1, "number of partitions (deployments are distributed to all of them)")
	fs.IntVar(&cfg.brokers, "brokers", 1, "brokers in this process; above 1, a cluster on loopback ports with the gateway in broker 0")
	fs.IntVar(&cfg.replicationFactor, "replication-factor", 1, "replicas of each partition (with --brokers)")
	cfg.partitionFlags.register(fs)
	fs.BoolVar(&cfg.autoRebalance, "auto-rebalance", true, "with --brokers: hand each partition's leadership back to its primary broker once it is healthy and caught up")
	if err := parseFlags(fs, args, lookup); err != nil {
		return cfg, err
	}
	for _, a := range []struct{ flag, addr string }{{"gateway-addr", cfg.gatewayAddr}, {"http-addr", cfg.httpAddr}, {"monitor-addr", cfg.monitorAddr}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return cfg, fmt.Errorf("--%s (or %s) %q: %w", a.flag, envName(a.flag), a.addr, err)
		}
	}
	if cfg.dataDir == "" {
		return cfg, errors.New("--data-dir (or WEFT_DATA_DIR) must not be empty")
	}
	if cfg.postgresURL != "" && cfg.readModel == "sqlite" {
		cfg.readModel = "postgres"
	}
	switch cfg.readModel {
	case "sqlite", "none":
	case "postgres":
		if cfg.postgresURL == "" {
			return cfg, errors.New("--read-model postgres needs --postgres-url (or WEFT_POSTGRES_URL)")
		}
	default:
		return cfg, fmt.Errorf("--read-model (or WEFT_READ_MODEL) %q: want sqlite, postgres or none", cfg.readModel)
	}
	if err := cfg.partitionFlags.validate(); err != nil {
		return cfg, err
	}
	if cfg.partitions < 1 || cfg.partitions > 64 {
		return cfg, fmt.Errorf("--partitions (or WEFT_PARTITIONS) must be in 1..64 for weft dev, got %d", cfg.partitions)
	}
	if cfg.brokers < 1 || cfg.brokers > 16 {
		return cfg, fmt.Errorf("--brokers (or WEFT_BROKERS) must be in 1..16 for weft dev, got %d", cfg.brokers)
	}
	if cfg.replicationFactor < 1 || cfg.replicationFactor > cfg.brokers {
		return cfg, fmt.Errorf("--replication-factor (or WEFT_REPLICATION_FACTOR) must be in 1..%d (the brokers), got %d", cfg.brokers, cfg.replicationFactor)
	}
	return cfg, nil
}

// devServer is a running `weft dev`: its partitions, the gateway in front of them, and
// the HTTP API (the gateway's REST/JSON face and the health endpoints).
type devServer struct {
	log       *slog.Logger
	parts     []*partition.Partition
	gateway   *gateway.Server
	rest      *gateway.REST
	grpc      *grpc.Server
	http      *http.Server
	grpcLis   net.Listener
	httpLis   net.Listener
	serveDone chan error
}

// readModelPath is the SQLite read model's file under the data directory.
func (cfg devConfig) readModelPath() string { return filepath.Join(cfg.dataDir, "readmodel.db") }

// withReadModel adds the read model's exporter (id "readmodel") to the exporters.
func (cfg devConfig) withReadModel() (devConfig, error) {
	var s string
	switch cfg.readModel {
	case "sqlite":
		s = "sqlite:id=readmodel,path=" + cfg.readModelPath()
	case "postgres":
		s = "postgres:id=readmodel,url=" + cfg.postgresURL
	default:
		return cfg, nil
	}
	spec, err := exporting.ParseSpec(s, exporterRegistry())
	if err != nil {
		return cfg, fmt.Errorf("read model: %w", err)
	}
	cfg.exporters.specs = append(slices.Clone(cfg.exporters.specs), spec)
	if err := exporting.ValidateSpecs(cfg.exporters.specs); err != nil {
		return cfg, fmt.Errorf("read model: %w", err)
	}
	return cfg, nil
}

// startDev opens the partitions, waits until each leads, and starts serving.
func startDev(ctx context.Context, cfg devConfig, log *slog.Logger) (_ *devServer, err error) {
	if cfg, err = cfg.withReadModel(); err != nil {
		return nil, err
	}
	if cfg.partitions < 1 {
		cfg.partitions = 1
	}
	local := &localBroker{}
	var parts []*partition.Partition
	closeParts := func() {
		for _, p := range parts {
			p.Close()
		}
	}
	for id := int32(1); id <= int32(cfg.partitions); id++ {
		p, err := partition.Open(partition.Config{
			ID: id, Dir: filepath.Join(cfg.dataDir, "partitions", fmt.Sprint(id)), Logger: log, NoSync: cfg.noSync,
			PartitionCount: int32(cfg.partitions), Sender: local,
			Limit: cfg.limit, MinFreeDisk: cfg.minFreeDisk, FreeDisk: cfg.freeDisk,
			Exporting: cfg.exporters.config(), Version: version,
		})
		if err != nil {
			closeParts()
			return nil, err
		}
		parts = append(parts, p)
	}
	local.partitions = parts
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, p := range parts {
		if err := p.WaitLeader(waitCtx); err != nil {
			closeParts()
			return nil, fmt.Errorf("partition %d did not become leader: %w", p.ID(), err)
		}
	}
	grpcLis, err := net.Listen("tcp", cfg.gatewayAddr)
	if err != nil {
		closeParts()
		return nil, fmt.Errorf("--gateway-addr: %w", err)
	}
	httpLis, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		grpcLis.Close()
		closeParts()
		return nil, fmt.Errorf("--http-addr: %w", err)
	}

	gopts := gateway.Options{Logger: log.With("component", "gateway"), Version: version}
	gs := grpc.NewServer(gateway.ServerOptions(gopts)...)
	local.host = advertisedHost(grpcLis.Addr().(*net.TCPAddr))
	local.port = int32(grpcLis.Addr().(*net.TCPAddr).Port)
	gw := gateway.New(local, gopts)
	gw.Register(gs)
	rest, err := gateway.NewREST(gw)
	if err != nil {
		httpLis.Close()
		grpcLis.Close()
		closeParts()
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle(gateway.RESTPrefix, rest)
	live := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"UP"}`)
	}
	ready := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if slices.ContainsFunc(parts, func(p *partition.Partition) bool { return !p.IsLeader() }) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"DOWN"}`)
			return
		}
		io.WriteString(w, `{"status":"UP"}`)
	}
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /health", live)
	mux.HandleFunc("GET /ready", ready)
	mux.HandleFunc("GET /actuator/health/liveness", live)
	mux.HandleFunc("GET /actuator/health/readiness", ready)
	mux.HandleFunc("GET /admin/partitions", adminHandler(func() []*partition.Partition { return parts }))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	d := &devServer{log: log, parts: parts, gateway: gw, rest: rest, grpc: gs, http: hs, grpcLis: grpcLis, httpLis: httpLis, serveDone: make(chan error, 2)}
	go func() { d.serveDone <- gs.Serve(grpcLis) }()
	go func() {
		err := hs.Serve(httpLis)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		d.serveDone <- err
	}()
	log.Info("weft dev started", "gateway", grpcLis.Addr().String(), "http", httpLis.Addr().String(), "data", cfg.dataDir)
	return d, nil
}

// GatewayAddr returns the address the gateway listens on.
func (d *devServer) GatewayAddr() string { return d.grpcLis.Addr().String() }

// HTTPAddr returns the address of the HTTP API (REST/JSON gateway, health endpoints).
func (d *devServer) HTTPAddr() string { return d.httpLis.Addr().String() }

// Close stops serving, lets running calls end, and closes the partition.
func (d *devServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.gateway.Shutdown()
	stopped := make(chan struct{})
	go func() {
		d.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
		d.grpc.Stop() // long polls and result waits that outlive the grace period
		<-stopped
	}
	herr := d.http.Shutdown(ctx)
	for range 2 {
		<-d.serveDone
	}
	errs := []error{herr, d.rest.Close()}
	for _, p := range d.parts {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// runDev runs `weft dev` until ctx ends (SIGINT or SIGTERM), then shuts down cleanly.
func runDev(ctx context.Context, cfg devConfig, log *slog.Logger) error {
	if cfg.brokers > 1 {
		c, err := startDevCluster(ctx, cfg, log)
		if err != nil {
			return err
		}
		m, err := startDevMonitor(ctx, cfg, c.GatewayAddr(), log)
		if err != nil {
			if ctx.Err() != nil {
				// Stopped while starting: a shutdown, not a failure.
				log.Info("shutting down")
				return c.Close()
			}
			return errors.Join(err, c.Close())
		}
		<-ctx.Done()
		log.Info("shutting down")
		return errors.Join(closeMonitor(m), c.Close())
	}
	d, err := startDev(ctx, cfg, log)
	if err != nil {
		return err
	}
	m, err := startDevMonitor(ctx, cfg, d.GatewayAddr(), log)
	if err != nil {
		if ctx.Err() != nil {
			// Stopped while starting: a shutdown, not a failure.
			log.Info("shutting down")
			return d.Close()
		}
		return errors.Join(err, d.Close())
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-d.serveDone:
		log.Error("server stopped", "err", err)
	}
	return errors.Join(closeMonitor(m), d.Close())
}

func closeMonitor(m *monitorServer) error {
	if m == nil {
		return nil
	}
	return m.Close()
}

// advertisedHost is the host that Topology reports for a listener: its IP, or the
// machine's host name when it listens on every interface.
func advertisedHost(a *net.TCPAddr) string {
	if !a.IP.IsUnspecified() {
		return a.IP.String()
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}
