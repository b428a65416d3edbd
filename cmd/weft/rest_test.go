package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// restCall sends what `curl -sS -X METHOD http://ADDR/PATH -H 'Content-Type:
// application/json' -d BODY` sends (no body when body is empty) and returns the status
// and the JSON object answered, numbers kept as json.Number.
func restCall(t *testing.T, addr, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, resp.Header.Get("Content-Type"), "application/json", "%s %s: %s", method, path, raw)
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var out map[string]any
	require.NoError(t, d.Decode(&out), "%s %s answered %s", method, path, raw)
	return resp.StatusCode, out
}

// restOK is restCall for a call that must answer 200.
func restOK(t *testing.T, addr, method, path, body string) map[string]any {
	t.Helper()
	code, out := restCall(t, addr, method, path, body)
	require.Equal(t, http.StatusOK, code, "%s %s answered %v", method, path, out)
	return out
}

// restErr is restCall for a call that must fail with this HTTP status and gRPC code name.
func restErr(t *testing.T, addr, method, path, body string, httpStatus int, codeName string) string {
	t.Helper()
	code, out := restCall(t, addr, method, path, body)
	require.Equal(t, httpStatus, code, "%s %s answered %v", method, path, out)
	require.Equal(t, codeName, out["codeName"], "%s %s answered %v", method, path, out)
	require.IsType(t, json.Number(""), out["code"])
	msg, _ := out["message"].(string)
	return msg
}

// jsonKey reads a key that the REST API must write as a JSON string.
func jsonKey(t *testing.T, v any) int64 {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "key %v is a %T, want a JSON string", v, v)
	k, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return k
}

// b64 is the base64 of a model file, as DeployResource's JSON takes its content.
func b64(t *testing.T, name string) string {
	return base64.StdEncoding.EncodeToString(readModelFile(t, name))
}

// jsonString quotes s as a JSON string (for variables documents inside a body).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestRESTEndToEnd drives a real `weft dev` through its REST/JSON API only, as curl
// would: deploy, start instances, activate and complete their jobs; then every other
// route once against the real engine, and bad input. With five partitions, instances
// land on partitions 4 and 5 too, whose keys exceed 2^53: they must come back as JSON
// strings that parse to the exact keys the engine wrote.
func TestRESTEndToEnd(t *testing.T) {
	e := startDevEnvWith(t, devConfig{dataDir: t.TempDir(), partitions: 5})
	addr := e.dev.HTTPAddr()

	topo := restOK(t, addr, "GET", "/v1/topology", "")
	require.Equal(t, json.Number("5"), topo["partitionsCount"])
	brokers := topo["brokers"].([]any)
	require.Len(t, brokers, 1)
	require.Len(t, brokers[0].(map[string]any)["partitions"], 5)

	dep := restOK(t, addr, "POST", "/v1/deployments", fmt.Sprintf(
		`{"resources":[{"name":"order.bpmn","content":%q},{"name":"instant.bpmn","content":%q},{"name":"dish.dmn","content":%q}]}`,
		b64(t, "order.bpmn"), b64(t, "instant.bpmn"), b64(t, "dish.dmn")))
	jsonKey(t, dep["key"])
	defs := map[string]int64{}
	for _, d := range dep["deployments"].([]any) {
		if p, ok := d.(map[string]any)["process"].(map[string]any); ok {
			defs[p["bpmnProcessId"].(string)] = jsonKey(t, p["processDefinitionKey"])
		}
	}
	require.Contains(t, defs, "order")
	require.Contains(t, defs, "instant")

	// Deploy, create, activate, complete.
	instances := map[int64]bool{}
	var big int64
	for i := range 5 {
		out := restOK(t, addr, "POST", "/v1/process-instances",
			fmt.Sprintf(`{"bpmnProcessId":"order","version":-1,"variables":%s}`, jsonString(fmt.Sprintf(`{"total":%d}`, i+1))))
		k := jsonKey(t, out["processInstanceKey"])
		require.Equal(t, defs["order"], jsonKey(t, out["processDefinitionKey"]))
		instances[k] = true
		if k > 1<<53 {
			big = k
		}
	}
	require.Len(t, instances, 5)
	require.NotZero(t, big, "no instance key above 2^53 among %v", instances)

	jobs := map[int64]map[string]any{}
	deadline := time.Now().Add(30 * time.Second)
	for len(jobs) < 5 && time.Now().Before(deadline) {
		out := restOK(t, addr, "POST", "/v1/jobs/activation",
			`{"type":"charge-card","worker":"rest","timeout":"60000","maxJobsToActivate":10,"requestTimeout":"5000"}`)
		for _, j := range out["jobs"].([]any) {
			job := j.(map[string]any)
			jobs[jsonKey(t, job["key"])] = job
		}
	}
	require.Len(t, jobs, 5)
	for key, job := range jobs {
		require.True(t, instances[jsonKey(t, job["processInstanceKey"])], "job %d of an unknown instance: %v", key, job)
		require.Equal(t, "rest", job["worker"])
		require.Contains(t, job["variables"], `"doubled"`)
		require.Equal(t, `{"region":"eu","priority":"high"}`, job["customHeaders"])
		restOK(t, addr, "POST", fmt.Sprintf("/v1/jobs/%d/completion", key), `{"variables":"{\"charged\":true}"}`)
	}
	for k := range instances {
		// The keys read back from JSON strings are the engine's own.
		waitEventOn(t, e, k, "instance completed", func(r *recordpb.Record) bool { return isInstanceDone(r, k, "ELEMENT_COMPLETED") })
	}

	// Bad input.
	restErr(t, addr, "POST", "/v1/process-instances", `{"bpmnProcessId":`, 400, "INVALID_ARGUMENT")
	restErr(t, addr, "POST", "/v1/process-instances", `{"processId":"order"}`, 400, "INVALID_ARGUMENT")
	restErr(t, addr, "POST", "/v1/jobs/activation", `{"type":"","worker":"w","timeout":1000,"maxJobsToActivate":1}`, 400, "INVALID_ARGUMENT")
	msg := restErr(t, addr, "POST", fmt.Sprintf("/v1/jobs/%d/completion", big), "", 404, "NOT_FOUND")
	require.Contains(t, msg, fmt.Sprint(big))
	restErr(t, addr, "POST", fmt.Sprintf("/v1/incidents/%d/resolution", int64(9)<<51+1), "", 404, "NOT_FOUND")
	restErr(t, addr, "POST", "/v1/process-instances", `{"bpmnProcessId":"no-such-process","version":-1}`, 404, "NOT_FOUND")
	restErr(t, addr, "GET", "/v1/process-instances", "", 405, "UNIMPLEMENTED")
	restErr(t, addr, "GET", "/v1/nothing-here", "", 404, "NOT_FOUND")

	// Every other route, once.
	res := restOK(t, addr, "POST", "/v1/process-instances/with-result",
		`{"request":{"bpmnProcessId":"instant","version":-1,"variables":"{\"x\":1}"},"requestTimeout":"20000"}`)
	require.JSONEq(t, `{"x":1}`, res["variables"].(string))

	dec := restOK(t, addr, "POST", "/v1/decisions/evaluation", `{"decisionId":"dish","variables":"{\"month\":1,\"guests\":4}"}`)
	require.Empty(t, dec["failureMessage"])
	require.NotEmpty(t, dec["evaluatedDecisions"])
	jsonKey(t, dec["decisionKey"])

	jsonKey(t, restOK(t, addr, "POST", "/v1/messages/publication", `{"name":"paid","correlationKey":"o-1","timeToLive":"1000"}`)["key"])
	jsonKey(t, restOK(t, addr, "POST", "/v1/signals/broadcast", `{"signalName":"go"}`)["key"])

	old := restOK(t, addr, "POST", "/v1/process-deployments", fmt.Sprintf(`{"processes":[{"name":"instant.bpmn","definition":%q}]}`, b64(t, "instant.bpmn")))
	require.Equal(t, "instant", old["processes"].([]any)[0].(map[string]any)["bpmnProcessId"])

	// One running instance for the job, incident, variable and instance routes.
	pi := jsonKey(t, restOK(t, addr, "POST", "/v1/process-instances", `{"bpmnProcessId":"order","version":-1,"variables":"{\"total\":1}"}`)["processInstanceKey"])
	jsonKey(t, restOK(t, addr, "POST", fmt.Sprintf("/v1/element-instances/%d/variables", pi), `{"variables":"{\"note\":\"rest\"}","local":false}`)["key"])
	jobKey := restActivateOne(t, addr, pi)
	restOK(t, addr, "POST", fmt.Sprintf("/v1/jobs/%d/failure", jobKey), `{"retries":0,"errorMessage":"card declined"}`)
	incident := waitEventOn(t, e, pi, "incident created", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_INCIDENT && r.GetIntent() == "CREATED" && r.GetIncident().GetProcessInstanceKey() == pi
	})
	restOK(t, addr, "PATCH", fmt.Sprintf("/v1/jobs/%d/retries", jobKey), `{"retries":2}`)
	restOK(t, addr, "POST", fmt.Sprintf("/v1/incidents/%d/resolution", incident.GetKey()), "")
	restOK(t, addr, "POST", fmt.Sprintf("/v1/jobs/%d/error", restActivateOne(t, addr, pi)), `{"errorCode":"DECLINED","errorMessage":"no catch event"}`)
	waitEventOn(t, e, pi, "the uncaught error's incident", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_INCIDENT && r.GetIntent() == "CREATED" &&
			r.GetIncident().GetProcessInstanceKey() == pi && r.GetKey() != incident.GetKey()
	})
	restOK(t, addr, "POST", fmt.Sprintf("/v1/process-instances/%d/modification", pi), `{"activateInstructions":[{"elementId":"done"}]}`)
	restOK(t, addr, "POST", fmt.Sprintf("/v1/process-instances/%d/cancellation", pi), "")
	waitEventOn(t, e, pi, "the instance terminated", func(r *recordpb.Record) bool { return isInstanceDone(r, pi, "ELEMENT_TERMINATED") })

	restOK(t, addr, "POST", fmt.Sprintf("/v1/resources/%d/deletion", defs["instant"]), "")

	doc := restOK(t, addr, "GET", "/v1/openapi.json", "")
	require.Equal(t, "2.0", doc["swagger"])
	require.Len(t, doc["paths"], 18)
}

// waitEventOn waits for an event that matches pred in the record log of the partition
// that owns key (a key's top bits name its partition), and returns it.
func waitEventOn(t *testing.T, e *devEnv, key int64, what string, pred func(*recordpb.Record) bool) *recordpb.Record {
	t.Helper()
	pid := int(key >> 51)
	require.True(t, pid >= 1 && pid <= len(e.dev.parts), "key %d names partition %d", key, pid)
	db := e.dev.parts[pid-1].State()
	var found *recordpb.Record
	eventually(t, 10*time.Second, func() bool {
		recs, err := db.Records(1, db.LastPosition())
		require.NoError(t, err)
		for _, r := range recs {
			if r.GetRecordType() == recordpb.RecordType_EVENT && pred(r) {
				found = r
				return true
			}
		}
		return false
	}, "no event on partition %d: %s", pid, what)
	return found
}

// restActivateOne activates, over REST, the one charge-card job there is, which must be
// the job of instance pi, and returns its key.
func restActivateOne(t *testing.T, addr string, pi int64) int64 {
	t.Helper()
	out := restOK(t, addr, "POST", "/v1/jobs/activation",
		`{"type":"charge-card","worker":"rest","timeout":60000,"maxJobsToActivate":1,"requestTimeout":20000}`)
	jobs := out["jobs"].([]any)
	require.Len(t, jobs, 1)
	job := jobs[0].(map[string]any)
	require.Equal(t, pi, jsonKey(t, job["processInstanceKey"]))
	return jsonKey(t, job["key"])
}

// A broker with an embedded gateway (weft broker --gateway-addr) serves the REST API on
// its HTTP address, beside its health endpoints.
func TestRESTOnBrokerGateway(t *testing.T) {
	c, _ := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 1, partitions: 1, replicationFactor: 1},
		slog.New(slog.DiscardHandler))
	addr := c.brokers[0].httpL.Addr().String()
	topo := restOK(t, addr, "GET", "/v1/topology", "")
	require.Len(t, topo["brokers"], 1)
	dep := restOK(t, addr, "POST", "/v1/deployments",
		fmt.Sprintf(`{"resources":[{"name":"instant.bpmn","content":%q}]}`, b64(t, "instant.bpmn")))
	jsonKey(t, dep["key"])
	restOK(t, addr, "GET", "/health", "")
}

// `weft gateway` serves the REST API on its --http-addr, routing to the cluster it
// joined.
func TestRESTOnStandaloneGateway(t *testing.T) {
	c, _ := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 1, partitions: 1, replicationFactor: 1},
		slog.New(slog.DiscardHandler))
	httpAddr, err := freeLoopbackPort()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runGateway(ctx, gatewayConfig{gatewayAddr: "127.0.0.1:0", httpAddr: httpAddr, gossipAddr: "127.0.0.1:0",
			join: c.cfgs[0].gossipAddr}, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("weft gateway did not stop")
		}
	})

	eventually(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+httpAddr+"/v1/topology", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var topo struct{ Brokers []any }
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&topo) == nil && len(topo.Brokers) == 1
	}, "the gateway sees the broker")
	eventually(t, 30*time.Second, func() bool {
		code, _ := restCall(t, httpAddr, "POST", "/v1/deployments",
			fmt.Sprintf(`{"resources":[{"name":"instant.bpmn","content":%q}]}`, b64(t, "instant.bpmn")))
		return code == http.StatusOK
	}, "a deployment through the gateway succeeds")
}
