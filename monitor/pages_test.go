package monitor

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/internal/pgtest"
	"github.com/weftlabs/weft/monitor/internal/fixture"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// TestMain stops the Postgres cluster of the tests over readmodel.Postgres, then
// checks for leaked goroutines.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// eachDialect runs f as a subtest per dialect of the read model.
func eachDialect(t *testing.T, f func(t *testing.T, d readmodel.Dialect)) {
	for _, d := range fixture.Dialects {
		t.Run(d.String(), func(t *testing.T) { f(t, d) })
	}
}

// env is a monitor over the sample read model (with the running rows of
// fixture.SeedRunning) and a fake gateway, served over HTTP.
type env struct {
	gw     *fakeGateway
	srv    *httptest.Server
	client *http.Client
	db     *sql.DB // the read model
}

// newEnv serves the monitor over the sample read model in SQLite (with the running
// rows of fixture.SeedRunning) and a fake gateway. Actions do not wait for the read
// model: the fake gateway changes nothing unless a test gives it effects.
func newEnv(t *testing.T) *env { return newEnvIn(t, readmodel.SQLite) }

// newEnvIn is newEnv over a read model of dialect d.
func newEnvIn(t *testing.T, d readmodel.Dialect) *env {
	return newEnvWith(t, d, Config{SettleTimeout: -1})
}

// newEnvWith is newEnv over a read model of dialect d, with cfg's settings besides the
// read model and the gateway.
func newEnvWith(t *testing.T, d readmodel.Dialect, cfg Config) *env {
	t.Helper()
	db := fixture.SampleIn(t, d)
	fixture.SeedRunning(t, db)
	gw, client := startGateway(t)
	gw.db = db
	cfg.DB, cfg.Dialect, cfg.Gateway = db, d, client
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	t.Cleanup(c.CloseIdleConnections)
	return &env{gw: gw, srv: srv, client: c, db: db}
}

// get fetches path and returns the status and body.
func (e *env) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestPages(t *testing.T) { eachDialect(t, testPages) }

func testPages(t *testing.T, d readmodel.Dialect) {
	e := newEnvIn(t, d)
	e.gw.topology = &gatewaypb.TopologyResponse{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1, GatewayVersion: "8.3.0",
		Brokers: []*gatewaypb.BrokerInfo{{NodeId: 0, Host: "broker-0", Port: 26501, Version: "8.3.0",
			Partitions: []*gatewaypb.Partition{{PartitionId: 1, Role: gatewaypb.Partition_LEADER, Health: gatewaypb.Partition_HEALTHY}}}}}
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{`id="count-running" data-testid="count-running">2<`, `id="count-incidents" data-testid="count-incidents">1<`,
			`broker-0:26501`, `1: LEADER`, `data-testid="incident-row" data-key="9000000000000004"`, `hx-trigger="every 5s`}},
		{"/processes", 200, []string{`data-testid="process-row" data-key="2251799813685254"`, `href="/processes/2251799813685254"`,
			`>2</a>`}},
		{"/processes/2251799813685254", 200, []string{`data-xml-url="/processes/2251799813685254/xml"`,
			`bpmn-viewer.production.min.js`, `<script id="diagram-state" type="application/json">{"elements":{"charge":{"active":1,"incidents":1}},"flows":[]}`,
			`data-testid="element-row" data-key="charge" class="row-incident"`, `Charge card`}},
		{"/processes/2251799813685254/xml", 200, []string{`<bpmn:process id="shop"`}},
		{"/instances", 200, []string{`data-key="9000000000000005"`, `data-key="9000000000000001"`, `data-key="2251799813685282"`,
			`data-key="2251799813685255"`, `<option value="shop">shop</option>`}},
		{"/instances?state=INCIDENT", 200, []string{`data-key="9000000000000001"`, `1 incident</span>`}},
		{"/instances?var=orderId&value=o-1", 200, []string{`data-testid="instance-row" data-key="2251799813685255"`}},
		{"/instances?version=x&from=yesterday", 200, []string{`Filter not applied: version &#34;x&#34; is not a positive number; &#34;yesterday&#34; is not a date`}},
		{"/instances/9000000000000001", 200, []string{`data-testid="instance-state"`, `"flows":["f1"]`,
			`"charge":{"active":1,"incidents":1}`, `"start":{"completed":1}`, `data-testid="variable-row" data-key="orderId"`,
			`Scope charge`, `data-testid="job-row" data-key="9000000000000003"`, `data-testid="timer-row"`,
			`data-testid="subscription-row"`, `cancelOrder`, `id="children-table"`, `data-key="9000000000000005"`,
			`id="cancel-instance"`, `hx-confirm="Cancel instance 9000000000000001?"`, `id="modify-instance"`,
			`<option value="charge">Charge card (charge)</option>`, `id="resolve-9000000000000004"`}},
		{"/instances/9000000000000005", 200, []string{`data-testid="parent-instance"`, `href="/instances/9000000000000001"`}},
		{"/instances/2251799813685255", 200, []string{`"flows":["f1","f2","f3","f4","f5"]`, `data-testid="history-row" data-key="1.10"`,
			`data-testid="evaluation-row" data-key="2251799813685278"`, `COMPLETED`}},
		{"/incidents", 200, []string{`data-testid="incident-row" data-key="9000000000000004"`, `form="bulk-resolve"`}},
		{"/incidents?state=RESOLVED", 200, []string{`data-key="2251799813685264"`}},
		{"/incidents?state=", 200, []string{`data-key="2251799813685264"`, `data-key="9000000000000004"`}},
		{"/jobs", 200, []string{`data-key="9000000000000003"`, `data-key="2251799813685262"`}},
		{"/jobs?type=payment&state=COMPLETED", 200, []string{`data-key="2251799813685262"`}},
		{"/jobs/9000000000000003", 200, []string{`card declined`, `id="complete-job"`, `id="fail-job"`, `id="throw-error"`, `id="update-retries"`}},
		{"/messages", 200, []string{`data-testid="message-row" data-key="2251799813685271"`, `id="publish-message"`, `{&#34;amount&#34;:42.5}`}},
		{"/decisions", 200, []string{`data-key="2251799813685252"`, `data-key="2251799813685251"`}},
		{"/decisions/2251799813685252", 200, []string{`id="decision-table"`, `Hit policy: UNIQUE`,
			`<td class="dmn-input"><code>&lt;= 4</code></td>`, `<td class="dmn-output"><code>&#34;Stew&#34;</code></td>`,
			`data-testid="evaluation-row"`}},
		{"/decisions/2251799813685251", 200, []string{`data-testid="decision-expression"`, `then &#34;Winter&#34;`}},
		{"/evaluations/2251799813685278", 200, []string{`&#34;Roastbeef&#34;`, `&#34;decisionId&#34;: &#34;season&#34;`}},
		{"/static/vendor/htmx/htmx.min.js", 200, []string{`htmx`}},
		{"/static/css/monitor.css", 200, []string{`.weft-badge`}},
		{"/instances/42", 404, []string{`process instance 42: not found`}},
		{"/instances/abc", 404, nil},
		{"/processes/42/xml", 404, nil},
		{"/jobs/1", 404, nil},
		{"/decisions/1", 404, nil},
		{"/nowhere", 404, []string{`There is no page at /nowhere.`}},
		{"/static/", 404, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, body := e.get(t, tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d; body:\n%s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s", w)
				}
			}
			if t.Failed() {
				t.Logf("body:\n%s", body)
			}
		})
	}
}

func TestDashboardShowsGatewayError(t *testing.T) {
	e := newEnv(t)
	e.gw.failWith("Topology", errUnavailable)
	_, body := e.get(t, "/")
	if !strings.Contains(body, `data-testid="topology-error">Gateway unavailable: no leader yet (Unavailable)`) {
		t.Fatalf("dashboard:\n%s", body)
	}
}

var olderLink = regexp.MustCompile(`href="([^"]*)" rel="next"`)

func TestInstanceListPagesThroughEveryInstance(t *testing.T) {
	eachDialect(t, testInstanceListPagesThroughEveryInstance)
}

func testInstanceListPagesThroughEveryInstance(t *testing.T, d readmodel.Dialect) {
	db := fixture.EmptyIn(t, d)
	const n = 130
	fixture.SeedInstances(t, db, n)
	h, err := New(Config{DB: db, Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	path := "/instances?state=&process="
	for pages := 0; path != ""; pages++ {
		if pages > n {
			t.Fatal("the older links do not end")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		body := rec.Body.String()
		for _, m := range regexp.MustCompile(`data-testid="instance-row" data-key="(\d+)"`).FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("instance %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := olderLink.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(path, "after=") {
				t.Fatalf("older link %s has no cursor", path)
			}
		}
	}
	if len(seen) != n {
		t.Fatalf("saw %d instances, want %d", len(seen), n)
	}
}

func httptestPost(t *testing.T, h http.Handler, path string, f url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStartEvents(t *testing.T) { eachDialect(t, testStartEvents) }

// The process page lists its message and signal start events and where they wait; the
// message page lists the message start events that wait for a message; an instance's
// page lists the signals its element instances wait for.
func testStartEvents(t *testing.T, d readmodel.Dialect) {
	e := newEnvIn(t, d)
	for _, q := range []string{
		// The shop definition's message start event waits on both partitions, its
		// signal start event only on partition 1 so far; a closed one of an older
		// version does not wait.
		`INSERT INTO start_subscriptions (process_definition_key, partition_id, start_event_id, kind, name, bpmn_process_id,
			tenant_id, state, create_time) VALUES
			(2251799813685254, 1, 'ordered', 'MESSAGE', 'order-placed', 'shop', '<default>', 'CREATED', 1700000000000),
			(2251799813685254, 2, 'ordered', 'MESSAGE', 'order-placed', 'shop', '<default>', 'CREATED', 1700000000000),
			(2251799813685254, 1, 'recalled', 'SIGNAL', 'recall', 'shop', '<default>', 'CREATED', 1700000000000),
			(2251799813685254, 2, 'recalled', 'SIGNAL', 'recall', 'shop', '<default>', 'DELETED', 1700000000000),
			(2251799813685111, 1, 'ordered', 'MESSAGE', 'order-placed-v0', 'shop', '<default>', 'DELETED', 1600000000000)`,
	} {
		if _, err := e.db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	_, body := e.get(t, "/processes/2251799813685254")
	for _, want := range []string{
		`data-testid="start-event-row" data-key="ordered"><td>ordered</td><td>message</td><td>order-placed</td><td data-testid="start-event-waiting"><span class="badge badge-active">open</span>`,
		`data-testid="start-event-row" data-key="recalled"><td>recalled</td><td>signal</td><td>recall</td><td data-testid="start-event-waiting"><span class="badge badge-active">open on 1 of 2 partitions</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("process page lacks %s", want)
		}
	}
	_, body = e.get(t, "/messages")
	want := `data-testid="message-start-row" data-key="order-placed"><td>order-placed</td><td><a href="/processes/2251799813685254">shop v1</a></td><td>ordered</td>`
	if !strings.Contains(body, want) {
		t.Errorf("message page lacks %s", want)
	}
	if strings.Contains(body, "order-placed-v0") || strings.Contains(body, "recall") {
		t.Error("message page lists a closed or a signal start event")
	}
	if !strings.Contains(body, "Message start events waiting (1)") {
		t.Error("message page does not count the waiting message start events")
	}

	// The running instance's charge task has a signal boundary event that waits.
	if _, err := e.db.ExecContext(t.Context(), `INSERT INTO signal_subscriptions (element_instance_key, catch_event_id,
		signal_name, process_definition_key, bpmn_process_id, tenant_id, state, create_time, update_time) VALUES
		(9000000000000002, 'recalled', 'recall', 2251799813685254, 'shop', '<default>', 'CREATED', 1700000100000, 1700000100000)`); err != nil {
		t.Fatalf("seed: %v", err)
	}
	_, body = e.get(t, "/instances/9000000000000001")
	want = `data-testid="signal-row" data-key="recalled"><td>recall</td><td>recalled</td><td class="key">9000000000000002</td><td><span class="badge badge-active">CREATED</span>`
	if !strings.Contains(body, want) {
		t.Errorf("instance page lacks %s", want)
	}
	if _, body = e.get(t, "/instances/9000000000000005"); strings.Contains(body, "signals-table") {
		t.Error("the page of an instance without signal waits lists signal subscriptions")
	}
}
