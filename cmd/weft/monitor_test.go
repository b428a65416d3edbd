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
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := parseDevFlags([]string{"--data-dir", filepath.Join(t.TempDir(), "data"),
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer dev.Close()
	m, err := startDevMonitor(t.Context(), cfg, dev.GatewayAddr(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer m.Close()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()

	dep, err := client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(t.Context())
	require.NoError(t, err)
	key := dep.GetDeployments()[0].GetProcess().GetProcessDefinitionKey()
	_, err = client.NewDeleteResourceCommand().ResourceKey(key).Send(t.Context())
	require.NoError(t, err)

	get := func(path string) string {
		resp, err := http.Get("http://" + m.Addr() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		return string(b)
	}
	eventually(t, 20*time.Second, func() bool {
		return strings.Contains(get("/processes"), `data-testid="process-deleted"`)
	}, "the processes page marks the deleted definition")
	page := get("/processes/" + strconv.FormatInt(key, 10))
	require.Contains(t, page, `data-testid="process-deleted"`)
	require.Contains(t, page, "Deleted")
}

// An action posted without JavaScript (a plain form, confirmed) comes back to a page
// that already shows its effect: the monitor waits for weft dev's read model to catch
// up with the gateway's answer before it redirects.
func TestMonitorPageAfterAnActionShowsIt(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := parseDevFlags([]string{"--data-dir", filepath.Join(t.TempDir(), "data"),
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, noEnv, io.Discard)
	require.NoError(t, err)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer dev.Close()
	m, err := startDevMonitor(t.Context(), cfg, dev.GatewayAddr(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer m.Close()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	_, err = client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(t.Context())
	require.NoError(t, err)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	defer browser.CloseIdleConnections()
	base := "http://" + m.Addr()
	get := func(path string) (int, string) {
		resp, err := browser.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	post := func(path string, form url.Values) string {
		resp, err := browser.PostForm(base+path, form)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "page after POST %s", path)
		return string(b)
	}
	const notYet = "does not show it yet"

	inst, err := client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().
		VariablesFromString(`{"amount": 10}`)
	require.NoError(t, err)
	created, err := inst.Send(t.Context())
	require.NoError(t, err)
	key := strconv.FormatInt(created.GetProcessInstanceKey(), 10)
	eventually(t, 20*time.Second, func() bool {
		code, body := get("/instances/" + key)
		return code == http.StatusOK && strings.Contains(body, `data-key="amount"`)
	}, "the monitor shows the instance")

	page := post("/instances/"+key+"/variables", url.Values{"variables": {`{"amount": 25}`}, "confirmed": {"yes"}})
	require.Contains(t, page, "Variables set on scope "+key+".")
	require.NotContains(t, page, notYet)
	require.Contains(t, page, `data-key="amount"><td>amount</td><td><pre class="json">25</pre>`)

	page = post("/instances/"+key+"/cancel", url.Values{"confirmed": {"yes"}})
	require.Contains(t, page, "Instance "+key+" canceled.")
	require.NotContains(t, page, notYet)
	require.Contains(t, page, `data-testid="instance-state"><span class="badge">TERMINATED<`)
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
