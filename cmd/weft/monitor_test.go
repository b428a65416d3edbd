package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/internal/pgtest"
)

// `weft monitor --gateway ADDR --postgres-url URL --monitor-addr ADDR` serves the monitor
// alone: it reads the Postgres read model that weft dev's exporter writes and acts through
// the gateway.
func TestStandaloneMonitorOnPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := parseDevFlags([]string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--postgres-url", url, "--read-model", "postgres",
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer dev.Close()

	mcfg, err := parseMonitorFlags([]string{"--gateway", dev.GatewayAddr(), "--postgres-url", url, "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	m, err := startMonitor(t.Context(), mcfg.monitorAddr, mcfg.gatewayAddr, mcfg.sqlitePath, mcfg.postgresURL, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer m.Close()

	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	_, err = client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(t.Context())
	require.NoError(t, err)
	inst, err := client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(t.Context())
	require.NoError(t, err)
	key := strconv.FormatInt(inst.GetProcessInstanceKey(), 10)

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + m.Addr() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	var body string
	eventually(t, 20*time.Second, func() bool {
		var code int
		code, body = get("/instances/" + key)
		return code == http.StatusOK && strings.Contains(body, "ACTIVE")
	}, "the monitor shows the instance from the Postgres read model")
	code, dash := get("/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, dash, "8.3.0-weft-dev", "the dashboard shows the cluster from the gateway's topology")
}

// devMonitor is weft dev with its monitor, both in this process, a client of its
// gateway, and a browser without JavaScript (it keeps cookies, for the flash).
type devMonitor struct {
	t      *testing.T
	client zbc.Client
	base   string // the monitor's URL
	http   *http.Client
}

// startDevMonitorEnv starts weft dev (SQLite read model) and its monitor on free
// loopback ports; they stop when the test ends.
func startDevMonitorEnv(t *testing.T) *devMonitor {
	t.Helper()
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := parseDevFlags([]string{"--data-dir", filepath.Join(t.TempDir(), "data"),
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { dev.Close() })
	m, err := startDevMonitor(t.Context(), cfg, dev.GatewayAddr(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	t.Cleanup(browser.CloseIdleConnections)
	return &devMonitor{t: t, client: client, base: "http://" + m.Addr(), http: browser}
}

// get fetches a monitor page and returns its status and body.
func (e *devMonitor) get(path string) (int, string) {
	e.t.Helper()
	resp, err := e.http.Get(e.base + path)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, string(b)
}

// page fetches a monitor page that must answer 200 and returns its body.
func (e *devMonitor) page(path string) string {
	e.t.Helper()
	code, body := e.get(path)
	require.Equal(e.t, http.StatusOK, code, path)
	return body
}

// post sends a form as a browser without JavaScript and returns the page it is
// redirected to.
func (e *devMonitor) post(path string, form url.Values) string {
	e.t.Helper()
	resp, err := e.http.PostForm(e.base+path, form)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "page after POST %s", path)
	return string(b)
}

// deploy deploys a model of testdata and returns the process definition keys by id.
func (e *devMonitor) deploy(file string) map[string]int64 {
	e.t.Helper()
	dep, err := e.client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", file)).Send(e.t.Context())
	require.NoError(e.t, err)
	keys := map[string]int64{}
	for _, d := range dep.GetDeployments() {
		if p := d.GetProcess(); p != nil {
			keys[p.GetBpmnProcessId()] = p.GetProcessDefinitionKey()
		}
	}
	return keys
}

func TestMonitorFlags(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	_, err := parseMonitorFlags(nil, noEnv, io.Discard)
	require.ErrorContains(t, err, "weft monitor needs the read model")
	_, err = parseMonitorFlags([]string{"--sqlite-path", "a.db", "--postgres-url", "postgres://x"}, noEnv, io.Discard)
	require.ErrorContains(t, err, "weft monitor needs the read model")
	_, err = parseMonitorFlags([]string{"--sqlite-path", "a.db", "--gateway", "nohost"}, noEnv, io.Discard)
	require.ErrorContains(t, err, `--gateway (or WEFT_GATEWAY) "nohost"`)
	cfg, err := parseMonitorFlags([]string{"--sqlite-path", "a.db"}, noEnv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:26500", cfg.gatewayAddr)
	require.Equal(t, "0.0.0.0:8081", cfg.monitorAddr)
}

// A definition deleted with DeleteResource stays in the monitor, marked deleted.
func TestMonitorShowsDeletedDefinitions(t *testing.T) {
	e := startDevMonitorEnv(t)
	key := e.deploy("order.bpmn")["order"]
	_, err := e.client.NewDeleteResourceCommand().ResourceKey(key).Send(t.Context())
	require.NoError(t, err)
	eventually(t, 20*time.Second, func() bool {
		return strings.Contains(e.page("/processes"), `data-testid="process-deleted"`)
	}, "the processes page marks the deleted definition")
	page := e.page("/processes/" + strconv.FormatInt(key, 10))
	require.Contains(t, page, `data-testid="process-deleted"`)
	require.Contains(t, page, "Deleted")
}

// An action posted without JavaScript (a plain form, confirmed) comes back to a page
// that already shows its effect: the monitor waits for weft dev's read model to catch
// up with the gateway's answer before it redirects.
func TestMonitorPageAfterAnActionShowsIt(t *testing.T) {
	e := startDevMonitorEnv(t)
	e.deploy("order.bpmn")
	const notYet = "does not show it yet"

	created, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().
		VariablesFromString(`{"amount": 10}`)
	require.NoError(t, err)
	inst, err := created.Send(t.Context())
	require.NoError(t, err)
	key := strconv.FormatInt(inst.GetProcessInstanceKey(), 10)
	eventually(t, 20*time.Second, func() bool {
		code, body := e.get("/instances/" + key)
		return code == http.StatusOK && strings.Contains(body, `data-key="amount"`)
	}, "the monitor shows the instance")

	page := e.post("/instances/"+key+"/variables", url.Values{"variables": {`{"amount": 25}`}, "confirmed": {"yes"}})
	require.Contains(t, page, "Variables set on scope "+key+".")
	require.NotContains(t, page, notYet)
	require.Contains(t, page, `data-key="amount"><td>amount</td><td><pre class="json">25</pre>`)

	page = e.post("/instances/"+key+"/cancel", url.Values{"confirmed": {"yes"}})
	require.Contains(t, page, "Instance "+key+" canceled.")
	require.NotContains(t, page, notYet)
	require.Contains(t, page, `data-testid="instance-state"><span class="badge">TERMINATED<`)
}

// A process's message and signal start events show on its page once the partition
// opened them, and the message page lists the message start events waiting. An
// instance's page lists the signals its element instances wait for.
func TestMonitorShowsStartEventsAndSignalWaits(t *testing.T) {
	e := startDevMonitorEnv(t)
	fulfil := e.deploy("message_start.bpmn")["fulfil"]
	listener := e.deploy("signals.bpmn")["listener"]
	require.Positive(t, fulfil)
	require.Positive(t, listener)
	row := func(id, kind, name string) string {
		return `data-testid="start-event-row" data-key="` + id + `"><td>` + id + `</td><td>` + kind + `</td><td>` + name +
			`</td><td data-testid="start-event-waiting"><span class="badge badge-active">open</span>`
	}
	shows := func(key int64, want string) bool {
		code, body := e.get("/processes/" + strconv.FormatInt(key, 10))
		return code == http.StatusOK && strings.Contains(body, want)
	}
	eventually(t, 20*time.Second, func() bool {
		return shows(fulfil, row("placed", "message", "orderPlaced")) && shows(listener, row("onDone", "signal", "kickoff"))
	}, "the process pages list their open start events")
	require.Contains(t, e.page("/messages"), `data-testid="message-start-row" data-key="orderPlaced"><td>orderPlaced</td><td><a href="/processes/`+
		strconv.FormatInt(fulfil, 10)+`">fulfil v1</a></td><td>placed</td>`)
	// An instance of waiter waits at waitGo for the signal "go".
	inst, err := e.client.NewCreateInstanceCommand().BPMNProcessId("waiter").LatestVersion().Send(t.Context())
	require.NoError(t, err)
	instPath := "/instances/" + strconv.FormatInt(inst.GetProcessInstanceKey(), 10)
	signalRow := `data-testid="signal-row" data-key="waitGo"><td>go</td><td>waitGo</td>`
	eventually(t, 20*time.Second, func() bool {
		code, body := e.get(instPath)
		return code == http.StatusOK && strings.Contains(body, signalRow)
	}, "the instance page lists the signal its catch event waits for")
	require.Contains(t, e.page(instPath), `<span class="badge badge-active">CREATED</span>`)

	// A process without such start events has no list of them.
	order := e.deploy("order.bpmn")["order"]
	eventually(t, 20*time.Second, func() bool { return shows(order, "Instances of this version") }, "the order process's page")
	require.NotContains(t, e.page("/processes/"+strconv.FormatInt(order, 10)), "start-events-table")
}

// A SIGTERM while weft dev's monitor is still opening its read model (another process
// holds the file's lock, say) is a shutdown like any other: runDev returns no error, so
// weft dev exits with status 0.
func TestDevStoppedWhileTheMonitorOpens(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := parseDevFlags([]string{"--data-dir", filepath.Join(t.TempDir(), "data"),
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(cfg.dataDir, 0o755))
	// Another process's exclusive lock: the monitor's migration waits for it.
	locker, err := sql.Open("sqlite", cfg.readModelPath())
	require.NoError(t, err)
	defer locker.Close()
	conn, err := locker.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE")
	require.NoError(t, err)
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	started := make(chan struct{})
	log := slog.New(&onMessage{msg: "weft dev started", f: sync.OnceFunc(func() { close(started) }), next: slog.DiscardHandler})
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- runDev(ctx, cfg, log) }()
	select {
	case <-started:
	case err := <-ran:
		t.Fatalf("weft dev stopped before it started: %v", err)
	}
	stop() // SIGTERM
	select {
	case err := <-ran:
		require.NoError(t, err, "weft dev stopped while its monitor opened the read model")
	case <-time.After(time.Minute):
		t.Fatal("weft dev did not stop within a minute of SIGTERM")
	}
}

// onMessage is a slog handler that calls f for each record with the message msg.
type onMessage struct {
	msg  string
	f    func()
	next slog.Handler
}

func (h *onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h *onMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.f()
	}
	return h.next.Handle(context.Background(), r)
}
func (h *onMessage) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *onMessage) WithGroup(string) slog.Handler      { return h }
