package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/code"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// restHarness is a REST gateway in front of a fake broker, served over loopback HTTP.
type restHarness struct {
	url    string
	client *http.Client
	srv    *Server
}

// startREST serves the REST face of a gateway for b until the test ends.
func startREST(t *testing.T, b Broker, opts Options) *restHarness {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := New(b, opts)
	rest, err := NewREST(srv)
	noError(t, err)
	mux := http.NewServeMux()
	mux.Handle(RESTPrefix, rest)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Shutdown()
		hs.Close() // waits for the requests in flight
		noError(t, rest.Close())
	})
	return &restHarness{url: hs.URL, client: hs.Client(), srv: srv}
}

// do sends what `curl -X METHOD URL -H 'Content-Type: application/json' -d BODY` sends
// (no body when body is empty) and returns the status and the body.
func (h *restHarness) do(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.url+path, rd)
	noError(t, err)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	noError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	noError(t, err)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want application/json; body %s", method, path, ct, out)
	}
	return resp.StatusCode, out
}

// object sends a request that must answer 200 and returns the JSON object it answered,
// with numbers kept as json.Number so that a test sees whether a key was a string.
func (h *restHarness) object(t *testing.T, method, path, body string) map[string]any {
	t.Helper()
	code, out := h.do(t, method, path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: status %d, want 200; body %s", method, path, code, out)
	}
	return decodeObject(t, out)
}

// restFailure sends a request that must fail and returns its error body, checking the
// HTTP status, the gRPC code and its name, and that the message contains every one of parts.
func (h *restHarness) restFailure(t *testing.T, method, path, body string, httpStatus int, wantName string, parts ...string) restError {
	t.Helper()
	got, out := h.do(t, method, path, body)
	var e restError
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatalf("%s %s: error body %s is not a JSON error: %v", method, path, out, err)
	}
	if got != httpStatus || e.CodeName != wantName {
		t.Fatalf("%s %s: status %d %s, want %d %s; body %s", method, path, got, e.CodeName, httpStatus, wantName, out)
	}
	if want, ok := code.Code_value[wantName]; !ok || e.Code != want {
		t.Fatalf("%s %s: code %d does not match name %s", method, path, e.Code, e.CodeName)
	}
	if e.Details == nil {
		t.Fatalf("%s %s: details missing in %s", method, path, out)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Fatalf("%s %s: message %q does not contain %q", method, path, e.Message, p)
		}
	}
	return e
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("response %s is not a JSON object: %v", b, err)
	}
	return m
}

// field walks a decoded JSON value along keys (object fields) and indexes (array items).
func field(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("want an object with %q, got %v", p, v)
			}
			if v, ok = m[p]; !ok {
				t.Fatalf("field %q missing in %v", p, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				t.Fatalf("want an array with item %d, got %v", p, v)
			}
			v = a[p]
		}
	}
	return v
}

// requireKey asserts that a JSON value is the key written as a string, as protojson
// writes every int64.
func requireKey(t *testing.T, want int64, got any) {
	t.Helper()
	s, ok := got.(string)
	if !ok {
		t.Fatalf("key %v is a %T, want the JSON string %q", got, got, fmt.Sprint(want))
	}
	equal(t, fmt.Sprint(want), s)
}

// Keys above 2^53 (JavaScript's exact integers): partition 5's keys all are.
var (
	bigJob      = keyOn(5, 42)
	bigInstance = keyOn(5, 43)
	bigIncident = keyOn(5, 44)
	bigElement  = keyOn(5, 45)
	bigResource = keyOn(5, 46)
	bigDecision = keyOn(5, 47)
)

// restBroker answers every command the REST routes cause: deployments, creations and
// results as the gRPC tests script them, jobs from its queues, anything else with an
// event that echoes the command (with a key on the partition when it has none).
func restBroker() *fakeBroker {
	b := newFakeBroker(1, 2, 3, 4, 5)
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		switch cmd.GetValueType() {
		case recordpb.ValueType_DEPLOYMENT:
			return deployedAnswer(ctx, partition, cmd)
		case recordpb.ValueType_PROCESS_INSTANCE_CREATION:
			if !cmd.GetProcessInstanceCreation().GetAwaitResult() {
				return createdAnswer(ctx, partition, cmd)
			}
			resp := eventFor(cmd, "COMPLETED", keyOn(partition, 100))
			resp.ValueType = recordpb.ValueType_PROCESS_INSTANCE_RESULT
			resp.Value = &recordpb.Record_ProcessInstanceResult{ProcessInstanceResult: &recordpb.ProcessInstanceResultRecord{
				BpmnProcessId: "order", Version: 3, ProcessDefinitionKey: keyOn(1, 7), ProcessInstanceKey: keyOn(partition, 100),
				Variables: []byte(`{"total":12}`),
			}}
			return resp, nil
		case recordpb.ValueType_JOB_BATCH:
			return b.answer(partition, cmd), nil
		}
		key := cmd.GetKey()
		if key <= 0 {
			key = keyOn(partition, 77)
		}
		return eventFor(cmd, "DONE", key), nil
	})
	return b
}

// restRoute is one REST route, called once as curl would call it.
type restRoute struct {
	rpc          string // the RPC, as in the OpenAPI operationId "Gateway_<rpc>"
	method, path string
	body         string
	// check looks at the commands the call sent and at its JSON answer.
	check func(t *testing.T, sent []sentCommand, resp map[string]any)
}

// requireCommand asserts that the call sent exactly one command, of this value type and
// intent, to partition, and returns it.
func requireCommand(t *testing.T, sent []sentCommand, partition int32, vt recordpb.ValueType, intent string) *recordpb.Record {
	t.Helper()
	if len(sent) != 1 {
		t.Fatalf("sent %d commands, want 1: %v", len(sent), sent)
	}
	equal(t, partition, sent[0].partition)
	equal(t, vt, sent[0].cmd.GetValueType())
	equal(t, intent, sent[0].cmd.GetIntent())
	return sent[0].cmd
}

func restRoutes() []restRoute {
	bpmn := base64.StdEncoding.EncodeToString([]byte("<definitions/>"))
	return []restRoute{
		{"Topology", "GET", "/v1/topology", "", func(t *testing.T, sent []sentCommand, resp map[string]any) {
			equal(t, 0, len(sent))
			equal(t, "rest-test", field(t, resp, "gatewayVersion"))
			equal(t, "LEADER", field(t, resp, "brokers", 0, "partitions", 0, "role"))
			equal[any](t, json.Number("5"), field(t, resp, "partitionsCount"))
		}},
		{"DeployResource", "POST", "/v1/deployments", `{"resources":[{"name":"order.bpmn","content":"` + bpmn + `"}]}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 1, recordpb.ValueType_DEPLOYMENT, "CREATE")
				equal(t, "<definitions/>", string(cmd.GetDeployment().GetResources()[0].GetResource()))
				requireKey(t, keyOn(1, 10), field(t, resp, "key"))
				equal(t, "process-order.bpmn", field(t, resp, "deployments", 0, "process", "bpmnProcessId"))
				requireKey(t, keyOn(1, 11), field(t, resp, "deployments", 0, "process", "processDefinitionKey"))
			}},
		{"DeployProcess", "POST", "/v1/process-deployments", `{"processes":[{"name":"a.bpmn","definition":"` + bpmn + `"}]}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 1, recordpb.ValueType_DEPLOYMENT, "CREATE")
				equal(t, "a.bpmn", cmd.GetDeployment().GetResources()[0].GetResourceName())
				equal(t, "process-a.bpmn", field(t, resp, "processes", 0, "bpmnProcessId"))
			}},
		{"DeleteResource", "POST", fmt.Sprintf("/v1/resources/%d/deletion", bigResource), "",
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_RESOURCE_DELETION, "DELETE")
				equal(t, bigResource, cmd.GetResourceDeletion().GetResourceKey())
				equal(t, 0, len(resp))
			}},
		// A key over 2^53 given as a JSON number still arrives exactly.
		{"CreateProcessInstance", "POST", "/v1/process-instances",
			fmt.Sprintf(`{"processDefinitionKey":%d,"variables":"{\"a\":1}"}`, keyOn(5, 7)),
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_PROCESS_INSTANCE_CREATION, "CREATE")
				equal(t, keyOn(5, 7), cmd.GetProcessInstanceCreation().GetProcessDefinitionKey())
				equal(t, `{"a":1}`, string(cmd.GetProcessInstanceCreation().GetVariables()))
				requireKey(t, keyOn(5, 100), field(t, resp, "processInstanceKey"))
				equal[any](t, json.Number("3"), field(t, resp, "version"))
			}},
		{"CreateProcessInstanceWithResult", "POST", "/v1/process-instances/with-result",
			`{"request":{"bpmnProcessId":"order","version":-1},"requestTimeout":"60000","fetchVariables":["total"]}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 1, recordpb.ValueType_PROCESS_INSTANCE_CREATION, "CREATE")
				equal(t, true, cmd.GetProcessInstanceCreation().GetAwaitResult())
				equal(t, `{"total":12}`, field(t, resp, "variables"))
			}},
		{"CancelProcessInstance", "POST", fmt.Sprintf("/v1/process-instances/%d/cancellation", bigInstance), "",
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_PROCESS_INSTANCE, "CANCEL")
				equal(t, bigInstance, cmd.GetKey())
			}},
		{"ModifyProcessInstance", "POST", fmt.Sprintf("/v1/process-instances/%d/modification", bigInstance),
			fmt.Sprintf(`{"activateInstructions":[{"elementId":"task","ancestorElementInstanceKey":"-1"}],"terminateInstructions":[{"elementInstanceKey":"%d"}]}`, bigElement),
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_PROCESS_INSTANCE_MODIFICATION, "MODIFY")
				equal(t, bigInstance, cmd.GetKey())
				m := cmd.GetProcessInstanceModification()
				equal(t, "task", m.GetActivateInstructions()[0].GetElementId())
				equal(t, bigElement, m.GetTerminateInstructions()[0])
			}},
		{"SetVariables", "POST", fmt.Sprintf("/v1/element-instances/%d/variables", bigElement), `{"variables":"{\"x\":2}","local":true}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_VARIABLE_DOCUMENT, "UPDATE")
				equal(t, bigElement, cmd.GetVariableDocument().GetScopeKey())
				equal(t, `{"x":2}`, string(cmd.GetVariableDocument().GetVariables()))
				requireKey(t, keyOn(5, 77), field(t, resp, "key"))
			}},
		{"ActivateJobs", "POST", "/v1/jobs/activation", `{"type":"pay","worker":"w1","timeout":"60000","maxJobsToActivate":5,"requestTimeout":"-1"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				equal(t, 5, len(sent)) // one round over the five partitions, no job anywhere
				equal(t, recordpb.ValueType_JOB_BATCH, sent[0].cmd.GetValueType())
				equal(t, "pay", sent[0].cmd.GetJobBatch().GetType())
				equal(t, 0, len(field(t, resp, "jobs").([]any)))
			}},
		{"CompleteJob", "POST", fmt.Sprintf("/v1/jobs/%d/completion", bigJob), `{"variables":"{\"paid\":true}"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_JOB, "COMPLETE")
				equal(t, bigJob, cmd.GetKey())
				equal(t, `{"paid":true}`, string(cmd.GetJob().GetVariables()))
				equal(t, 0, len(resp))
			}},
		{"FailJob", "POST", fmt.Sprintf("/v1/jobs/%d/failure", bigJob), `{"retries":2,"errorMessage":"card declined","retryBackOff":"1000"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_JOB, "FAIL")
				equal(t, int32(2), cmd.GetJob().GetRetries())
				equal(t, "card declined", cmd.GetJob().GetErrorMessage())
			}},
		{"ThrowError", "POST", fmt.Sprintf("/v1/jobs/%d/error", bigJob), `{"errorCode":"NO_STOCK","errorMessage":"sold out"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_JOB, "THROW_ERROR")
				equal(t, "NO_STOCK", cmd.GetJob().GetErrorCode())
			}},
		{"UpdateJobRetries", "PATCH", fmt.Sprintf("/v1/jobs/%d/retries", bigJob), `{"retries":4}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_JOB, "UPDATE_RETRIES")
				equal(t, int32(4), cmd.GetJob().GetRetries())
			}},
		{"ResolveIncident", "POST", fmt.Sprintf("/v1/incidents/%d/resolution", bigIncident), "",
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_INCIDENT, "RESOLVE")
				equal(t, bigIncident, cmd.GetKey())
			}},
		{"PublishMessage", "POST", "/v1/messages/publication", `{"name":"paid","correlationKey":"order-1","timeToLive":"10000","variables":"{\"ok\":true}"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				if len(sent) != 1 {
					t.Fatalf("sent %d commands, want 1", len(sent))
				}
				equal(t, recordpb.ValueType_MESSAGE, sent[0].cmd.GetValueType())
				equal(t, "order-1", sent[0].cmd.GetMessage().GetCorrelationKey())
				equal(t, int64(10000), sent[0].cmd.GetMessage().GetTimeToLive())
				requireKey(t, keyOn(sent[0].partition, 77), field(t, resp, "key"))
			}},
		{"BroadcastSignal", "POST", "/v1/signals/broadcast", `{"signalName":"stop"}`,
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				if len(sent) == 0 {
					t.Fatal("no command sent")
				}
				cmd := requireCommand(t, sent, sent[0].partition, recordpb.ValueType_SIGNAL, "BROADCAST")
				equal(t, "stop", cmd.GetSignal().GetSignalName())
				requireKey(t, keyOn(sent[0].partition, 77), field(t, resp, "key"))
			}},
		{"EvaluateDecision", "POST", "/v1/decisions/evaluation", fmt.Sprintf(`{"decisionKey":"%d","variables":"{\"season\":\"Winter\"}"}`, bigDecision),
			func(t *testing.T, sent []sentCommand, resp map[string]any) {
				cmd := requireCommand(t, sent, 5, recordpb.ValueType_DECISION_EVALUATION, "EVALUATE")
				equal(t, bigDecision, cmd.GetDecisionEvaluation().GetDecisionKey())
				if _, ok := resp["evaluatedDecisions"]; !ok {
					t.Fatalf("evaluatedDecisions missing in %v", resp)
				}
			}},
	}
}

// Every route, once, with a body shaped as a curl user would write it: the call reaches
// the broker as the gRPC call would, and the answer is protobuf JSON with keys as strings.
func TestRESTRoutes(t *testing.T) {
	for _, r := range restRoutes() {
		t.Run(r.rpc, func(t *testing.T) {
			b := restBroker()
			b.topology = &Topology{ClusterSize: 1, PartitionsCount: 5, ReplicationFactor: 1, Brokers: []BrokerInfo{
				{NodeID: 0, Host: "localhost", Port: 26500, Partitions: []PartitionInfo{{PartitionID: 1, Leader: true, Healthy: true}}},
			}}
			h := startREST(t, b, Options{Version: "rest-test"})
			resp := h.object(t, r.method, r.path, r.body)
			r.check(t, b.sent(), resp)
		})
	}
}

// The routes tested above are all the routes there are: one per RPC of the service.
func TestRESTRoutesCoverEveryRPC(t *testing.T) {
	var rpcs []string
	for _, m := range gatewaypb.Gateway_ServiceDesc.Methods {
		rpcs = append(rpcs, m.MethodName)
	}
	for _, s := range gatewaypb.Gateway_ServiceDesc.Streams {
		rpcs = append(rpcs, s.StreamName)
	}
	var tested []string
	for _, r := range restRoutes() {
		tested = append(tested, r.rpc)
	}
	slices.Sort(rpcs)
	slices.Sort(tested)
	equal(t, strings.Join(rpcs, ","), strings.Join(tested, ","))
}

func TestRESTActivateJobsCollectsTheStream(t *testing.T) {
	b := restBroker()
	for p := int32(1); p <= 3; p++ {
		b.addJob(p, keyOn(p, 1), &recordpb.JobRecord{Type: "pay", Retries: 3, ProcessInstanceKey: keyOn(p, 2)})
	}
	b.addJob(5, bigJob, &recordpb.JobRecord{Type: "pay", Retries: 3})
	h := startREST(t, b, Options{})

	resp := h.object(t, "POST", "/v1/jobs/activation", `{"type":"pay","worker":"w1","timeout":60000,"maxJobsToActivate":10}`)
	jobs := field(t, resp, "jobs").([]any)
	equal(t, 4, len(jobs))
	var keys []string
	for i := range jobs {
		keys = append(keys, field(t, jobs, i, "key").(string))
		equal(t, "w1", field(t, jobs, i, "worker"))
	}
	if !slices.Contains(keys, fmt.Sprint(bigJob)) {
		t.Fatalf("job keys %v lack %d", keys, bigJob)
	}
}

func TestRESTActivateJobsLongPolls(t *testing.T) {
	b := restBroker()
	h := startREST(t, b, Options{})

	got := make(chan map[string]any, 1)
	go func() {
		code, out := h.do(t, "POST", "/v1/jobs/activation", `{"type":"ship","worker":"w","timeout":1000,"maxJobsToActivate":1,"requestTimeout":30000}`)
		if code != http.StatusOK {
			t.Errorf("status %d: %s", code, out)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		got <- m
	}()
	eventually(t, "the request waits for jobs", func() bool { return b.openWatches("ship") == 1 })
	b.addJob(2, keyOn(2, 9), &recordpb.JobRecord{Type: "ship"})
	resp := receive(t, got)
	requireKey(t, keyOn(2, 9), field(t, resp, "jobs", 0, "key"))
}

func TestRESTActivateJobsEndsOnShutdown(t *testing.T) {
	b := restBroker()
	h := startREST(t, b, Options{})

	got := make(chan map[string]any, 1)
	go func() {
		code, out := h.do(t, "POST", "/v1/jobs/activation", `{"type":"ship","worker":"w","timeout":1000,"maxJobsToActivate":1,"requestTimeout":60000}`)
		if code != http.StatusOK {
			t.Errorf("status %d: %s", code, out)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		got <- m
	}()
	eventually(t, "the request waits for jobs", func() bool { return b.openWatches("ship") == 1 })
	h.srv.Shutdown()
	equal(t, 0, len(field(t, receive(t, got), "jobs").([]any)))
}

// Bad input is refused with the gRPC code a gRPC client would get, its name, and the
// matching HTTP status.
func TestRESTErrors(t *testing.T) {
	b := restBroker()
	missingJob := keyOn(1, 404)
	inner := b.handler
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		if cmd.GetKey() == missingJob {
			return rejectionFor(cmd, recordpb.RejectionType_NOT_FOUND,
				fmt.Sprintf("Expected to complete job with key '%d', but no such job was found", missingJob)), nil
		}
		if cmd.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE && cmd.GetIntent() == intentCancel {
			return rejectionFor(cmd, recordpb.RejectionType_INVALID_STATE, "Expected to cancel a running instance"), nil
		}
		return inner(ctx, partition, cmd)
	})
	h := startREST(t, b, Options{MaxMessageSize: 1024})

	for _, c := range []struct {
		name, method, path, body string
		httpStatus               int
		codeName                 string
		parts                    []string
	}{
		{"malformed JSON", "POST", "/v1/process-instances", `{"bpmnProcessId":`, 400, "INVALID_ARGUMENT", nil},
		{"JSON of the wrong type", "POST", "/v1/process-instances", `["order"]`, 400, "INVALID_ARGUMENT", nil},
		{"unknown field", "POST", "/v1/process-instances", `{"bpmnProcessID":"order"}`, 400, "INVALID_ARGUMENT", []string{"bpmnProcessID"}},
		{"string for a number", "POST", "/v1/jobs/activation", `{"type":"t","worker":"w","timeout":1,"maxJobsToActivate":"many"}`, 400, "INVALID_ARGUMENT", []string{"maxJobsToActivate"}},
		{"key beyond int64", "POST", "/v1/process-instances", `{"processDefinitionKey":"99999999999999999999"}`, 400, "INVALID_ARGUMENT", nil},
		{"key in path not a number", "POST", "/v1/jobs/abc/completion", "", 400, "INVALID_ARGUMENT", []string{"jobKey"}},
		{"content not base64", "POST", "/v1/deployments", `{"resources":[{"name":"a.bpmn","content":"not base64!"}]}`, 400, "INVALID_ARGUMENT", nil},
		{"validation", "POST", "/v1/jobs/activation", `{"worker":"w","timeout":1000,"maxJobsToActivate":1}`, 400, "INVALID_ARGUMENT", []string{"type"}},
		{"variables not an object", "POST", fmt.Sprintf("/v1/jobs/%d/completion", keyOn(1, 1)), `{"variables":"[1]"}`, 400, "INVALID_ARGUMENT", []string{"variables"}},
		{"key of no partition", "POST", fmt.Sprintf("/v1/jobs/%d/completion", keyOn(9, 1)), "", 404, "NOT_FOUND", nil},
		{"rejected as not found", "POST", fmt.Sprintf("/v1/jobs/%d/completion", missingJob), `{}`, 404, "NOT_FOUND",
			[]string{"Command 'COMPLETE' rejected with code 'NOT_FOUND'", fmt.Sprint(missingJob)}},
		{"rejected as invalid state", "POST", fmt.Sprintf("/v1/process-instances/%d/cancellation", keyOn(1, 5)), "", 400, "FAILED_PRECONDITION",
			[]string{"INVALID_STATE"}},
		{"no such route", "GET", "/v1/process-definitions", "", 404, "NOT_FOUND", []string{"/v1/process-definitions"}},
		{"wrong method", "GET", "/v1/deployments", "", 405, "UNIMPLEMENTED", []string{"GET /v1/deployments"}},
		{"body too large", "POST", "/v1/deployments", `{"resources":[{"name":"a.bpmn","content":"` + strings.Repeat("A", 4096) + `"}]}`,
			413, "RESOURCE_EXHAUSTED", []string{"2048"}},
		{"message too large", "POST", "/v1/deployments", `{"resources":[{"name":"a.bpmn","content":"` + strings.Repeat("A", 1500) + `"}]}`,
			429, "RESOURCE_EXHAUSTED", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.restFailure(t, c.method, c.path, c.body, c.httpStatus, c.codeName, c.parts...)
		})
	}
}

// The OpenAPI document is served, is a Swagger 2.0 document whose references all
// resolve and whose path parameters are all declared, and describes exactly the routes
// served: one operation per RPC, with the method and path the handlers answer.
func TestRESTOpenAPI(t *testing.T) {
	h := startREST(t, restBroker(), Options{})
	_, body := h.do(t, "GET", "/v1/openapi.json", "")
	doc := decodeObject(t, body)
	validateSwagger2(t, doc)

	ops := map[string]string{} // operationId -> "METHOD path"
	for path, item := range field(t, doc, "paths").(map[string]any) {
		for method, op := range item.(map[string]any) {
			id := field(t, op, "operationId").(string)
			ops[id] = strings.ToUpper(method) + " " + path
		}
	}
	routes := restRoutes()
	equal(t, len(routes), len(ops))
	for _, r := range routes {
		got, ok := ops["Gateway_"+r.rpc]
		if !ok {
			t.Fatalf("no operation Gateway_%s in the OpenAPI document", r.rpc)
		}
		// The route tested, with its key put back as the template's parameter.
		path := r.path
		for _, seg := range strings.Split(path, "/") {
			if seg != "" && strings.Trim(seg, "0123456789") == "" {
				path = strings.Replace(path, seg, "{*}", 1)
			}
		}
		want := r.method + " " + path
		if gotT := templateWildcards(got); gotT != want {
			t.Fatalf("Gateway_%s: OpenAPI has %s, the handler answers %s", r.rpc, got, want)
		}
	}
	if dep := field(t, doc, "paths", "/v1/process-deployments", "post"); field(t, dep, "deprecated") != true {
		t.Fatalf("DeployProcess is not marked deprecated: %v", dep)
	}
	// ActivateJobs answers one object, not grpc-gateway's stream of {"result": ...}.
	equal(t, "#/definitions/gateway_protocolActivateJobsResponse",
		field(t, doc, "paths", "/v1/jobs/activation", "post", "responses", "200", "schema", "$ref"))
}

// templateWildcards replaces each {param} of a path template with {*}.
func templateWildcards(route string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(route, '{')
		if i < 0 {
			b.WriteString(route)
			return b.String()
		}
		j := strings.IndexByte(route[i:], '}')
		if j < 0 {
			b.WriteString(route)
			return b.String()
		}
		b.WriteString(route[:i] + "{*}")
		route = route[i+j+1:]
	}
}
