// Package monitor is Weft's operations web app, in the manner of Camunda Operate and
// zeebe-simple-monitor: it shows process definitions, instances, incidents, jobs,
// messages and decisions from the read model (package query), and acts on them
// through the gateway's gRPC API (it never writes the read model).
//
// Pages are rendered on the server (package web/components) and work without
// JavaScript: actions are plain forms with a confirmation step and
// POST/redirect/GET with a flash message. With JavaScript, htmx refreshes running
// work every few seconds and asks before destructive actions, and the vendored
// bpmn-js viewer draws the diagrams.
package monitor

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/a-h/templ"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/monitor/query"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/web"
	"github.com/weftlabs/weft/web/components"
)

// Defaults of Config.
const (
	DefaultRequestTimeout  = 10 * time.Second
	DefaultTopologyTimeout = 2 * time.Second
)

// Config is the monitor's configuration.
type Config struct {
	// DB is the read model, opened by the caller (and migrated: for SQLite,
	// exporters/sqlite.Open; for Postgres, exporters/postgres.Migrate, then
	// sql.Open("pgx", url) with github.com/jackc/pgx/v5/stdlib).
	DB *sql.DB
	// Dialect is the read model's SQL dialect: readmodel.SQLite or readmodel.Postgres.
	Dialect readmodel.Dialect
	// Gateway is the client of the gateway that actions go through. When nil the
	// monitor is read-only: actions answer with an error and the dashboard shows no
	// cluster.
	Gateway gatewaypb.GatewayClient
	// Logger logs failed requests; nil discards.
	Logger *slog.Logger
	// RequestTimeout bounds each read model query set and gateway call of a request
	// (DefaultRequestTimeout when zero); TopologyTimeout bounds the dashboard's
	// topology request (DefaultTopologyTimeout when zero).
	RequestTimeout  time.Duration
	TopologyTimeout time.Duration
	// SettleTimeout bounds how long an action waits, after the gateway accepted it,
	// for the read model to show its effect, so that the page after it shows it too
	// (DefaultSettleTimeout when zero; negative does not wait).
	SettleTimeout time.Duration
	// TrustedOrigins are origins ("https://ops.example.com") besides the monitor's
	// own host from which forms may be posted, as behind a proxy that rewrites Host.
	TrustedOrigins []string
}

// server holds what the handlers share; its fields do not change after New.
type server struct {
	q               *query.Store
	gw              gatewaypb.GatewayClient
	log             *slog.Logger
	timeout         time.Duration
	topologyTimeout time.Duration
	settleTimeout   time.Duration
}

// New returns the monitor's HTTP handler: the pages, the actions (POST, guarded against
// cross-origin requests), and the static assets under /static/.
func New(cfg Config) (http.Handler, error) {
	if cfg.DB == nil {
		return nil, errors.New("monitor: Config.DB is required")
	}
	q, err := query.New(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	s := &server{q: q, gw: cfg.Gateway, log: cfg.Logger, timeout: cfg.RequestTimeout, topologyTimeout: cfg.TopologyTimeout,
		settleTimeout: cfg.SettleTimeout}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	if s.topologyTimeout <= 0 {
		s.topologyTimeout = DefaultTopologyTimeout
	}
	if s.settleTimeout == 0 {
		s.settleTimeout = DefaultSettleTimeout
	}
	csrf := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := csrf.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("monitor: trusted origin %q: %w", o, err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static", web.StaticHandler()))
	mux.HandleFunc("GET /{$}", s.dashboard)
	mux.HandleFunc("GET /processes", s.processes)
	mux.HandleFunc("GET /processes/{key}", s.process)
	mux.HandleFunc("GET /processes/{key}/xml", s.processXML)
	mux.HandleFunc("GET /instances", s.instances)
	mux.HandleFunc("GET /instances/{key}", s.instance)
	mux.HandleFunc("GET /incidents", s.incidents)
	mux.HandleFunc("GET /jobs", s.jobs)
	mux.HandleFunc("GET /jobs/{key}", s.job)
	mux.HandleFunc("GET /messages", s.messages)
	mux.HandleFunc("GET /decisions", s.decisions)
	mux.HandleFunc("GET /decisions/{key}", s.decision)
	mux.HandleFunc("GET /evaluations/{key}", s.evaluation)

	mux.HandleFunc("POST /instances/{key}/cancel", s.cancelInstance)
	mux.HandleFunc("POST /instances/{key}/variables", s.setVariables)
	mux.HandleFunc("POST /instances/{key}/modify", s.modifyInstance)
	mux.HandleFunc("POST /incidents/{key}/resolve", s.resolveIncident)
	mux.HandleFunc("POST /incidents/resolve", s.resolveIncidents)
	mux.HandleFunc("POST /jobs/{key}/complete", s.completeJob)
	mux.HandleFunc("POST /jobs/{key}/fail", s.failJob)
	mux.HandleFunc("POST /jobs/{key}/error", s.throwError)
	mux.HandleFunc("POST /jobs/{key}/retries", s.updateRetries)
	mux.HandleFunc("POST /messages/publish", s.publishMessage)
	mux.HandleFunc("/", s.notFound)
	return securityHeaders(csrf.Handler(mux)), nil
}

// securityHeaders sets the headers every response carries: no framing, no sniffing,
// no referrer to other sites.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// render writes a component with the status; it renders into a buffer first so that
// a failure mid-page becomes a 500 rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.Error("render page", "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page returns the frame of a page, taking the pending flash message.
func (s *server) page(w http.ResponseWriter, r *http.Request, title, section string) components.Page {
	return components.Page{Title: title, Section: section, Flash: takeFlash(w, r), Path: r.URL.RequestURI()}
}

// fail shows an error page: 404 for what does not exist, 500 (logged) otherwise.
func (s *server) fail(w http.ResponseWriter, r *http.Request, section string, err error) {
	status, title, msg := http.StatusInternalServerError, "Error", "The read model could not be read: "+err.Error()
	if errors.Is(err, query.ErrNotFound) {
		status, title, msg = http.StatusNotFound, "Not found", err.Error()
	} else if errors.Is(err, context.DeadlineExceeded) {
		status, msg = http.StatusGatewayTimeout, "The read model took too long to answer."
	}
	if status >= 500 {
		s.log.Error("monitor request failed", "path", r.URL.Path, "error", err)
	}
	s.render(w, r, status, components.ErrorPage(s.page(w, r, title, section), status, msg))
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, components.ErrorPage(s.page(w, r, "Not found", ""), http.StatusNotFound,
		"There is no page at "+r.URL.Path+"."))
}

func (s *server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.timeout)
}
