package monitor

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/monitor/internal/fixture"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

var errUnavailable = status.Error(codes.Unavailable, "no leader yet")

// post sends a form as a browser without JavaScript would (following the redirect)
// and returns the final status and body.
func (e *env) post(t *testing.T, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	return resp, string(body)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// readModelAfter is what the exporter writes after each action of TestActions, by the
// gateway method that causes it, and what the page after the action then shows.
var readModelAfter = map[string]struct {
	effects map[string][]string
	// shows is in the page after the action, lacks is not.
	shows, lacks string
}{
	"cancel": {map[string][]string{"CancelProcessInstance": {
		`UPDATE process_instances SET state = 'TERMINATED', end_time = 1700000200000 WHERE key = 9000000000000001`,
	}}, `data-testid="instance-state"><span class="badge">TERMINATED<`, `data-testid="cancel-instance"`},
	"set variables": {map[string][]string{"SetVariables": {
		`UPDATE variables SET value = '3', value_prefix = '3' WHERE scope_key = 9000000000000002 AND name = 'attempt'`,
	}}, `data-key="attempt"><td>attempt</td><td><pre class="json">3<`, ""},
	"modify": {map[string][]string{"ModifyProcessInstance": {
		`UPDATE element_instances SET state = 'TERMINATED' WHERE key = 9000000000000002`,
		`INSERT INTO element_instances (key, process_instance_key, process_definition_key, bpmn_process_id, element_id,
			element_type, event_type, flow_scope_key, state, start_time, tenant_id) VALUES
			(9000000000000012, 9000000000000001, 2251799813685254, 'shop', 'paid', 'END_EVENT', 'NONE', 9000000000000001,
			'ACTIVE', 1700000200000, '<default>')`,
	}}, `data-testid="element-instance-row" data-key="9000000000000012"`, ""},
	"resolve incident": {map[string][]string{"ResolveIncident": {
		`UPDATE incidents SET state = 'RESOLVED', resolve_time = 1700000200000 WHERE key = 9000000000000004`,
	}}, `<h1>Incidents`, `data-key="9000000000000004"`},
	"bulk retry": {map[string][]string{"ResolveIncident": {
		`UPDATE incidents SET state = 'RESOLVED', resolve_time = 1700000200000 WHERE key IN (9000000000000004, 2251799813685264)`,
	}}, `<h1>Incidents`, `data-key="9000000000000004"`},
	"complete job": {map[string][]string{"CompleteJob": {
		`UPDATE jobs SET state = 'COMPLETED', update_time = 1700000200000 WHERE key = 9000000000000003`,
	}}, `data-testid="job-state"><span class="badge badge-done">COMPLETED<`, ""},
	"fail job": {map[string][]string{"FailJob": {
		`UPDATE jobs SET state = 'FAILED', retries = 2, error_message = 'later', update_time = 1700000200000 WHERE key = 9000000000000003`,
	}}, `Retries</dt><dd>2<`, ""},
	"throw error": {map[string][]string{"ThrowError": {
		`UPDATE jobs SET state = 'ERROR_THROWN', error_code = 'declined', update_time = 1700000200000 WHERE key = 9000000000000003`,
	}}, `data-testid="job-state"><span class="badge badge-incident">ERROR_THROWN<`, ""},
	"update retries": {map[string][]string{"UpdateJobRetries": {
		`UPDATE jobs SET state = 'RETRIES_UPDATED', retries = 5, update_time = 1700000200000 WHERE key = 9000000000000003`,
	}}, `Retries</dt><dd>5<`, ""},
	"publish message": {map[string][]string{"PublishMessage": {
		`INSERT INTO messages (key, name, correlation_key, message_id, state, variables, time_to_live, deadline, tenant_id,
			publish_time) VALUES (2251799813690000, 'paid', 'o-9', 'm1', 'PUBLISHED', '{"amount":1}', 60000, 1700000260000,
			'<default>', 1700000200000)`,
	}}, `data-testid="message-row" data-key="2251799813690000"`, ""},
}

// Every action: its confirmation step, the gateway requests, and the page after it,
// which shows the action's effect: the monitor waits until the read model has it.
func TestActions(t *testing.T) {
	const inst, job, inc = "9000000000000001", "9000000000000003", "9000000000000004"
	for _, tc := range []struct {
		name    string
		path    string
		form    url.Values
		confirm bool // asks for confirmation first
		calls   []call
		back    string
		flash   string
	}{
		{"cancel", "/instances/" + inst + "/cancel", form(), true,
			[]call{{"CancelProcessInstance", &gatewaypb.CancelProcessInstanceRequest{ProcessInstanceKey: fixture.RunningInstance}}},
			"/instances/" + inst, "Instance " + inst + " canceled."},
		{"set variables", "/instances/" + inst + "/variables", form("scope", "9000000000000002", "variables", `{"attempt": 3}`, "local", "true"), true,
			[]call{{"SetVariables", &gatewaypb.SetVariablesRequest{ElementInstanceKey: fixture.ChargeElement, Variables: `{"attempt": 3}`, Local: true}}},
			"/instances/" + inst, "Variables set on scope 9000000000000002."},
		{"modify", "/instances/" + inst + "/modify", form("terminate", "9000000000000002", "activate", "paid", "variables", `{"x":1}`), true,
			[]call{{"ModifyProcessInstance", &gatewaypb.ModifyProcessInstanceRequest{ProcessInstanceKey: fixture.RunningInstance,
				TerminateInstructions: []*gatewaypb.ModifyProcessInstanceRequest_TerminateInstruction{{ElementInstanceKey: fixture.ChargeElement}},
				ActivateInstructions: []*gatewaypb.ModifyProcessInstanceRequest_ActivateInstruction{{ElementId: "paid",
					VariableInstructions: []*gatewaypb.ModifyProcessInstanceRequest_VariableInstruction{{Variables: `{"x":1}`}}}}}}},
			"/instances/" + inst, "Instance " + inst + " modified."},
		{"resolve incident", "/incidents/" + inc + "/resolve", form("retries", "3"), true,
			[]call{{"UpdateJobRetries", &gatewaypb.UpdateJobRetriesRequest{JobKey: fixture.FailedJob, Retries: 3}},
				{"ResolveIncident", &gatewaypb.ResolveIncidentRequest{IncidentKey: fixture.OpenIncident}}},
			"/incidents", "Incident " + inc + " resolved."},
		{"bulk retry", "/incidents/resolve", form("key", inc, "key", "2251799813685264", "retries", "2"), true,
			[]call{{"UpdateJobRetries", &gatewaypb.UpdateJobRetriesRequest{JobKey: fixture.FailedJob, Retries: 2}},
				{"ResolveIncident", &gatewaypb.ResolveIncidentRequest{IncidentKey: fixture.OpenIncident}},
				{"UpdateJobRetries", &gatewaypb.UpdateJobRetriesRequest{JobKey: 2251799813685262, Retries: 2}},
				{"ResolveIncident", &gatewaypb.ResolveIncidentRequest{IncidentKey: 2251799813685264}}},
			"/incidents", "2 incident(s) resolved."},
		{"complete job", "/jobs/" + job + "/complete", form("variables", `{"paid": true}`), true,
			[]call{{"CompleteJob", &gatewaypb.CompleteJobRequest{JobKey: fixture.FailedJob, Variables: `{"paid": true}`}}},
			"/jobs/" + job, "Job " + job + " completed."},
		{"fail job", "/jobs/" + job + "/fail", form("retries", "2", "message", "later", "backoff", "30s"), true,
			[]call{{"FailJob", &gatewaypb.FailJobRequest{JobKey: fixture.FailedJob, Retries: 2, ErrorMessage: "later", RetryBackOff: 30_000}}},
			"/jobs/" + job, "Job " + job + " failed."},
		{"throw error", "/jobs/" + job + "/error", form("code", "declined", "message", "no money"), true,
			[]call{{"ThrowError", &gatewaypb.ThrowErrorRequest{JobKey: fixture.FailedJob, ErrorCode: "declined", ErrorMessage: "no money"}}},
			"/jobs/" + job, "Error declined thrown on job " + job + "."},
		{"update retries", "/jobs/" + job + "/retries", form("retries", "5"), true,
			[]call{{"UpdateJobRetries", &gatewaypb.UpdateJobRetriesRequest{JobKey: fixture.FailedJob, Retries: 5}}},
			"/jobs/" + job, "Job " + job + " has 5 retries."},
		{"publish message", "/messages/publish", form("name", "paid", "correlationKey", "o-9", "ttl", "1m", "messageId", "m1", "variables", `{"amount": 1}`), false,
			[]call{{"PublishMessage", &gatewaypb.PublishMessageRequest{Name: "paid", CorrelationKey: "o-9", TimeToLive: 60_000,
				MessageId: "m1", Variables: `{"amount": 1}`}}},
			"/messages", "Message paid published with key 2251799813690000."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after, ok := readModelAfter[tc.name]
			if !ok {
				t.Fatalf("no read model effects for %q", tc.name)
			}
			// Long enough for any machine: the wait ends when the effects show.
			e := newEnvWith(t, readmodel.SQLite, Config{SettleTimeout: time.Minute})
			e.gw.setEffects(after.effects)
			if tc.confirm {
				// Without JavaScript: a confirmation page first, and no request yet.
				resp, body := e.post(t, tc.path, tc.form)
				if resp.StatusCode != 200 || !strings.Contains(body, `id="confirm-form"`) {
					t.Fatalf("first post: %d\n%s", resp.StatusCode, body)
				}
				if calls := e.gw.takeCalls(); len(calls) != 0 {
					t.Fatalf("requests before confirmation: %v", calls)
				}
				for name, vals := range tc.form {
					for _, v := range vals {
						field := `<input type="hidden" name="` + name + `" value="` + htmlEscape(v) + `">`
						if !strings.Contains(body, field) {
							t.Errorf("confirmation page lacks %s", field)
						}
					}
				}
				tc.form.Set("confirmed", "yes")
			}
			resp, body := e.post(t, tc.path, tc.form)
			if resp.Request.URL.Path != tc.back {
				t.Errorf("redirected to %s, want %s", resp.Request.URL, tc.back)
			}
			if !strings.Contains(body, `data-testid="flash" class="flash flash-success" role="status">`+htmlEscape(tc.flash)+`<`) {
				t.Errorf("page lacks the flash %q:\n%s", tc.flash, body)
			}
			if !strings.Contains(body, after.shows) {
				t.Errorf("the page after the action lacks %s", after.shows)
			}
			if after.lacks != "" && strings.Contains(body, after.lacks) {
				t.Errorf("the page after the action still has %s", after.lacks)
			}
			assertCalls(t, e.gw.takeCalls(), tc.calls)
			// The flash shows once.
			if _, again := e.get(t, tc.back); strings.Contains(again, `data-testid="flash"`) {
				t.Error("the flash shows again on the next page")
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `"`, "&#34;", `<`, "&lt;", `>`, "&gt;", `'`, "&#39;").Replace(s)
}

func assertCalls(t *testing.T, got, want []call) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d requests %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i].method != want[i].method || !proto.Equal(got[i].req, want[i].req) {
			t.Errorf("request %d: got %s %v, want %s %v", i, got[i].method, got[i].req, want[i].method, want[i].req)
		}
	}
}

func TestActionWithHTMX(t *testing.T) {
	e := newEnv(t)
	resp, _ := func() (*http.Response, string) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/instances/9000000000000001/cancel", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Referer", e.srv.URL+"/instances?state=ACTIVE")
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, ""
	}()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("HX-Redirect") != "/instances?state=ACTIVE" {
		t.Fatalf("htmx answer: %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
	assertCalls(t, e.gw.takeCalls(), []call{{"CancelProcessInstance", &gatewaypb.CancelProcessInstanceRequest{ProcessInstanceKey: fixture.RunningInstance}}})
	// htmx's polling leaves the flash for the page it redirects to.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/instances?state=ACTIVE", nil)
	req.Header.Set("HX-Request", "true")
	poll, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	poll.Body.Close()
	if _, body := e.get(t, "/instances?state=ACTIVE"); !strings.Contains(body, "Instance 9000000000000001 canceled.") {
		t.Fatalf("no flash after the htmx redirect:\n%s", body)
	}
}

// When the read model does not show an action's effect within the settle timeout (its
// exporter is behind, say), the flash says so and the page comes anyway.
func TestActionNotShownYet(t *testing.T) {
	e := newEnvWith(t, readmodel.SQLite, Config{SettleTimeout: 100 * time.Millisecond})
	start := time.Now()
	resp, body := e.post(t, "/instances/9000000000000001/cancel", form("confirmed", "yes"))
	if resp.Request.URL.Path != "/instances/9000000000000001" {
		t.Fatalf("redirected to %s", resp.Request.URL)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("answered after %v, before the settle timeout", waited)
	}
	want := "Instance 9000000000000001 canceled." + notShownYet
	if !strings.Contains(body, `role="status">`+htmlEscape(want)+`<`) {
		t.Fatalf("page lacks the flash %q:\n%s", want, body)
	}
	if !strings.Contains(body, `data-testid="instance-state"><span class="badge badge-active">ACTIVE<`) {
		t.Errorf("the page shows another state than the read model's:\n%s", body)
	}
}

func TestActionShowsGatewayError(t *testing.T) {
	e := newEnv(t)
	e.gw.failWith("ResolveIncident", status.Error(codes.NotFound,
		"Expected to resolve incident with key '9000000000000004', but no such incident was found"))
	_, body := e.post(t, "/incidents/9000000000000004/resolve", form("retries", "1", "confirmed", "yes"))
	want := `flash-error" role="alert">Resolve incident 9000000000000004 failed: Expected to resolve incident with key &#39;9000000000000004&#39;, but no such incident was found (NotFound)<`
	if !strings.Contains(body, want) {
		t.Fatalf("page lacks %s:\n%s", want, body)
	}
	calls := e.gw.takeCalls()
	if len(calls) != 2 || calls[0].method != "UpdateJobRetries" {
		t.Fatalf("requests %v", calls)
	}

	e.gw.failWith("UpdateJobRetries", errUnavailable)
	_, body = e.post(t, "/incidents/resolve", form("key", "9000000000000004", "confirmed", "yes"))
	want = `1 of 1 incidents not resolved: 9000000000000004: update retries of job 9000000000000003: no leader yet (Unavailable)`
	if !strings.Contains(body, want) {
		t.Fatalf("page lacks %s:\n%s", want, body)
	}
	if calls := e.gw.takeCalls(); len(calls) != 1 {
		t.Fatalf("resolved after the retries failed: %v", calls)
	}
}

func TestActionValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/instances/9000000000000001/variables", form("variables", `{"a":`), "Variables must be a JSON object"},
		{"/instances/9000000000000001/variables", form("variables", `[1]`), "Variables must be a JSON object"},
		{"/instances/9000000000000001/variables", form("variables", ``), "Variables are required"},
		{"/instances/9000000000000001/modify", form(), "Choose an element instance to terminate"},
		{"/instances/9000000000000001/modify", form("terminate", "x"), "Element instance &#34;x&#34; is not a key."},
		{"/jobs/9000000000000003/fail", form("retries", "-1"), "Retries &#34;-1&#34; is not a number of 0 or more."},
		{"/jobs/9000000000000003/fail", form("backoff", "soon"), "Back-off &#34;soon&#34; is not a duration"},
		{"/jobs/9000000000000003/error", form("code", " "), "An error code is required."},
		{"/jobs/9000000000000003/retries", form("retries", "0"), "Retries must be at least 1"},
		{"/incidents/resolve", form(), "Select at least one incident."},
		{"/incidents/42/resolve", form(), "Incident 42 is not in the read model."},
		{"/messages/publish", form("name", ""), "A message name is required."},
	} {
		tc.form.Set("confirmed", "yes")
		_, body := e.post(t, tc.path, tc.form)
		if !strings.Contains(body, `flash-error`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s %v: page lacks %q", tc.path, tc.form, tc.want)
		}
	}
	if calls := e.gw.takeCalls(); len(calls) != 0 {
		t.Fatalf("invalid input reached the gateway: %v", calls)
	}
}

func TestCrossOriginPostIsRejected(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.post(t, "/instances/9000000000000001/cancel", form("confirmed", "yes"), "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", resp.StatusCode)
	}
	resp, _ = e.post(t, "/instances/9000000000000001/cancel", form("confirmed", "yes"), "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", resp.StatusCode)
	}
	if calls := e.gw.takeCalls(); len(calls) != 0 {
		t.Fatalf("cross-origin posts reached the gateway: %v", calls)
	}
	resp, _ = e.post(t, "/instances/9000000000000001/cancel", form("confirmed", "yes"), "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != 200 || len(e.gw.takeCalls()) != 1 {
		t.Fatalf("same-origin post: %d", resp.StatusCode)
	}
}

func TestRedirectStaysOnSite(t *testing.T) {
	e := newEnv(t)
	for _, back := range []string{"https://evil.example/", "//evil.example/x", "/\\evil"} {
		resp, _ := e.post(t, "/messages/publish", form("name", "n", "back", back))
		if resp.Request.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") || resp.Request.URL.Path != "/messages" {
			t.Errorf("back %q led to %s", back, resp.Request.URL)
		}
	}
	resp, _ := e.post(t, "/messages/publish", form("name", "n", "back", "/messages?name=n"))
	if resp.Request.URL.RequestURI() != "/messages?name=n" {
		t.Errorf("local back led to %s", resp.Request.URL)
	}
}

func TestReadOnlyWithoutGateway(t *testing.T) {
	db := fixture.Sample(t)
	h, err := New(Config{DB: db, Dialect: readmodel.SQLite})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptestPost(t, h, "/messages/publish", form("name", "n"))
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Set-Cookie"), "read-only") {
		t.Fatalf("read-only publish: %d %v", rec.Code, rec.Header())
	}
	if _, err := New(Config{Dialect: readmodel.SQLite}); err == nil {
		t.Fatal("New without a DB succeeded")
	}
	if _, err := New(Config{DB: db}); err == nil {
		t.Fatal("New without a dialect succeeded")
	}
}
