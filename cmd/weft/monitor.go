package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the Postgres read model
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/weftlabs/weft/exporters/postgres"
	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/exporters/sqlite"
	"github.com/weftlabs/weft/monitor"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// monitorConfig is the configuration of `weft monitor`.
type monitorConfig struct {
	monitorAddr string
	gatewayAddr string
	postgresURL string
	sqlitePath  string
	logLevel    slog.Level
}

func parseMonitorFlags(args []string, lookup func(string) (string, bool), out io.Writer) (monitorConfig, error) {
	var cfg monitorConfig
	fs := flag.NewFlagSet("weft monitor", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.monitorAddr, "monitor-addr", "0.0.0.0:8081", "address of the monitor web app")
	fs.StringVar(&cfg.gatewayAddr, "gateway", "127.0.0.1:26500", "the gateway the monitor's actions go through (gRPC)")
	fs.StringVar(&cfg.postgresURL, "postgres-url", "", "PostgreSQL URL of the read model (the postgres exporter's url)")
	fs.StringVar(&cfg.sqlitePath, "sqlite-path", "", "SQLite file of the read model (weft dev's data-dir/readmodel.db), instead of --postgres-url")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, lookup); err != nil {
		return cfg, err
	}
	if (cfg.postgresURL == "") == (cfg.sqlitePath == "") {
		return cfg, errors.New("weft monitor needs the read model: --postgres-url (or WEFT_POSTGRES_URL) or --sqlite-path (or WEFT_SQLITE_PATH)")
	}
	if _, _, err := net.SplitHostPort(cfg.monitorAddr); err != nil {
		return cfg, fmt.Errorf("--monitor-addr (or WEFT_MONITOR_ADDR) %q: %w", cfg.monitorAddr, err)
	}
	if _, _, err := net.SplitHostPort(cfg.gatewayAddr); err != nil {
		return cfg, fmt.Errorf("--gateway (or WEFT_GATEWAY) %q: %w", cfg.gatewayAddr, err)
	}
	return cfg, nil
}

// monitorServer is the monitor web app serving on its own address.
type monitorServer struct {
	db   *sql.DB
	conn *grpc.ClientConn
	http *http.Server
	lis  net.Listener
	done chan error
}

// startMonitor opens the read model (migrating it), connects to the gateway and serves
// the monitor on addr.
func startMonitor(ctx context.Context, addr, gatewayAddr, sqlitePath, postgresURL string, log *slog.Logger) (_ *monitorServer, err error) {
	m := &monitorServer{done: make(chan error, 1)}
	defer func() {
		if err != nil {
			m.closeClients()
		}
	}()
	dialect := readmodel.SQLite
	if postgresURL != "" {
		dialect = readmodel.Postgres
		conn, err := postgres.Open(ctx, postgresURL)
		if err != nil {
			return nil, fmt.Errorf("monitor: read model: %w", err)
		}
		err = postgres.Migrate(ctx, conn)
		conn.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("monitor: read model: %w", err)
		}
		if m.db, err = sql.Open("pgx", postgresURL); err != nil {
			return nil, fmt.Errorf("monitor: read model: %w", err)
		}
	} else if m.db, err = sqlite.Open(ctx, sqlitePath); err != nil {
		return nil, fmt.Errorf("monitor: read model %s: %w", sqlitePath, err)
	}
	if m.conn, err = grpc.NewClient(dialable(gatewayAddr), grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		return nil, fmt.Errorf("monitor: gateway %s: %w", gatewayAddr, err)
	}
	h, err := monitor.New(monitor.Config{DB: m.db, Dialect: dialect, Gateway: gatewaypb.NewGatewayClient(m.conn), Logger: log.With("component", "monitor")})
	if err != nil {
		return nil, err
	}
	if m.lis, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("--monitor-addr: %w", err)
	}
	m.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := m.http.Serve(m.lis)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.done <- err
	}()
	log.Info("monitor serving", "addr", m.lis.Addr().String())
	return m, nil
}

// dialable turns a listener address on every interface into one a client can dial.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// Addr is the monitor's listening address.
func (m *monitorServer) Addr() string { return m.lis.Addr().String() }

func (m *monitorServer) closeClients() error {
	var errs []error
	if m.conn != nil {
		errs = append(errs, m.conn.Close())
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	return errors.Join(errs...)
}

// Close stops serving and closes the read model and the gateway connection.
func (m *monitorServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.http.Shutdown(ctx)
	if serr := <-m.done; err == nil {
		err = serr
	}
	return errors.Join(err, m.closeClients())
}

// runMonitor is `weft monitor`: the monitor alone, in front of a read model and a gateway.
func runMonitor(ctx context.Context, cfg monitorConfig, log *slog.Logger) error {
	m, err := startMonitor(ctx, cfg.monitorAddr, cfg.gatewayAddr, cfg.sqlitePath, cfg.postgresURL, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-m.done:
		m.done <- err
		log.Error("monitor stopped", "err", err)
	}
	return m.Close()
}

// startDevMonitor serves weft dev's monitor, reading its read model; nil when the read
// model is off.
func startDevMonitor(ctx context.Context, cfg devConfig, gatewayAddr string, log *slog.Logger) (*monitorServer, error) {
	switch cfg.readModel {
	case "sqlite":
		return startMonitor(ctx, cfg.monitorAddr, gatewayAddr, cfg.readModelPath(), "", log)
	case "postgres":
		return startMonitor(ctx, cfg.monitorAddr, gatewayAddr, "", cfg.postgresURL, log)
	}
	log.Info("no read model: the monitor is off")
	return nil, nil
}
