package main

// Functional tests: `weft dev` in the test's process, driven over loopback gRPC by the
// official Zeebe Go client 8.3.0 exactly as an application would drive Zeebe. Each test
// has its own server and data directory. What the gateway API does not return (incident
// keys, whether an instance completed) is read from the partition's record log, as a
// Zeebe exporter would see it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/entities"
	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"github.com/camunda/zeebe/clients/go/v8/pkg/worker"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// partitionOf returns the partition a key belongs to.
func partitionOf(key int64) int64 { return key >> 51 }

func TestTopology(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	topo, err := e.client.NewTopologyCommand().Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	require.EqualValues(t, 1, topo.GetClusterSize())
	require.EqualValues(t, 1, topo.GetPartitionsCount())
	require.EqualValues(t, 1, topo.GetReplicationFactor())
	require.NotEmpty(t, topo.GetGatewayVersion())
	require.Len(t, topo.GetBrokers(), 1)
	broker := topo.GetBrokers()[0]
	host, port, err := net.SplitHostPort(e.dev.GatewayAddr())
	require.NoError(t, err)
	require.Equal(t, host, broker.GetHost())
	require.Equal(t, port, strconv.Itoa(int(broker.GetPort())))
	require.NotEmpty(t, broker.GetVersion())
	require.Len(t, broker.GetPartitions(), 1)
	part := broker.GetPartitions()[0]
	require.EqualValues(t, 1, part.GetPartitionId())
	require.Equal(t, pb.Partition_LEADER, part.GetRole())
	require.Equal(t, pb.Partition_HEALTHY, part.GetHealth())

	// The HTTP health endpoints agree.
	for _, path := range []string{"/health", "/ready", "/actuator/health/liveness", "/actuator/health/readiness"} {
		req, err := http.NewRequestWithContext(e.ctx(5*time.Second), http.MethodGet, "http://"+e.dev.HTTPAddr()+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.JSONEq(t, `{"status":"UP"}`, string(body), path)
	}
}

func TestDeployResource(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	// AddResourceFile sends the path as the resource name; it comes back unchanged.
	resp, err := e.client.NewDeployResourceCommand().AddResourceFile(modelPath("order.bpmn")).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Positive(t, resp.GetKey())
	require.Len(t, resp.GetDeployments(), 1)
	first := resp.GetDeployments()[0].GetProcess()
	require.NotNil(t, first)
	require.Equal(t, "order", first.GetBpmnProcessId())
	require.EqualValues(t, 1, first.GetVersion())
	require.Equal(t, modelPath("order.bpmn"), first.GetResourceName())
	require.EqualValues(t, 1, partitionOf(first.GetProcessDefinitionKey()))

	// The same name and content again is a duplicate: same key, same version.
	again, err := e.client.NewDeployResourceCommand().AddResourceFile(modelPath("order.bpmn")).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, again.GetDeployments(), 1)
	dup := again.GetDeployments()[0].GetProcess()
	require.Equal(t, first.GetProcessDefinitionKey(), dup.GetProcessDefinitionKey())
	require.EqualValues(t, 1, dup.GetVersion())

	// Changed content under the same name is a new version with a new key.
	changed := bytes.Replace(readModelFile(t, "order.bpmn"), []byte(`name="Charge card"`), []byte(`name="Charge the card"`), 1)
	require.NotEqual(t, readModelFile(t, "order.bpmn"), changed)
	v2resp, err := e.client.NewDeployResourceCommand().AddResource(changed, modelPath("order.bpmn")).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, v2resp.GetDeployments(), 1)
	v2 := v2resp.GetDeployments()[0].GetProcess()
	require.Equal(t, "order", v2.GetBpmnProcessId())
	require.EqualValues(t, 2, v2.GetVersion())
	require.NotEqual(t, first.GetProcessDefinitionKey(), v2.GetProcessDefinitionKey())

	// Several resources in one deployment, each under the name the client gave.
	multi, err := e.client.NewDeployResourceCommand().
		AddResource(readModelFile(t, "pipeline.bpmn"), "shipping/pipeline.bpmn").
		AddResource(readModelFile(t, "fanout.bpmn"), "fanout.bpmn").
		Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	names := map[string]string{}
	for _, d := range multi.GetDeployments() {
		names[d.GetProcess().GetBpmnProcessId()] = d.GetProcess().GetResourceName()
		require.EqualValues(t, 1, d.GetProcess().GetVersion())
	}
	require.Equal(t, map[string]string{"pipeline": "shipping/pipeline.bpmn", "fanout": "fanout.bpmn"}, names)
}

func TestDeployProcessDeprecated(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	resp, err := e.client.NewDeployProcessCommand().AddResource(readModelFile(t, "pipeline.bpmn"), "pipeline.bpmn").
		Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Positive(t, resp.GetKey())
	require.Len(t, resp.GetProcesses(), 1)
	p := resp.GetProcesses()[0]
	require.Equal(t, "pipeline", p.GetBpmnProcessId())
	require.EqualValues(t, 1, p.GetVersion())
	require.Equal(t, "pipeline.bpmn", p.GetResourceName())
	require.Positive(t, p.GetProcessDefinitionKey())

	// The process is deployed like any other: an instance can start.
	e.create("pipeline", "")
	e.activateOne("prepare")

	again, err := e.client.NewDeployProcessCommand().AddResourceFile(modelPath("pipeline.bpmn")).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, again.GetProcesses(), 1)
	require.Equal(t, modelPath("pipeline.bpmn"), again.GetProcesses()[0].GetResourceName())
}

func TestDeployInvalidResources(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	for _, tc := range []struct {
		name     string
		resource string
		content  []byte
		parts    []string
	}{
		{"malformed XML", "malformed.bpmn", readModelFile(t, "malformed.bpmn"), []string{"malformed.bpmn"}},
		{"service task without job type", "missing_job_type.bpmn", readModelFile(t, "missing_job_type.bpmn"),
			[]string{"missing_job_type.bpmn", "untypedWork"}},
		{"not BPMN", "notes.txt", []byte("buy milk\n"), []string{"notes.txt"}},
		{"XML that is not BPMN", "catalog.bpmn", []byte(`<?xml version="1.0"?><catalog><book id="1"/></catalog>`), []string{"catalog.bpmn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.NewDeployResourceCommand().AddResource(tc.content, tc.resource).Send(e.ctx(5 * time.Second))
			requireStatus(t, err, codes.InvalidArgument, tc.parts...)
		})
	}

	// A bad resource rejects the whole deployment: the good one beside it is not deployed.
	_, err := e.client.NewDeployResourceCommand().
		AddResource(readModelFile(t, "instant.bpmn"), "instant.bpmn").
		AddResource(readModelFile(t, "missing_job_type.bpmn"), "missing_job_type.bpmn").
		Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.InvalidArgument, "untypedWork")
	_, err = e.client.NewCreateInstanceCommand().BPMNProcessId("instant").LatestVersion().Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, "instant")

	// The deprecated RPC validates the same way.
	_, err = e.client.NewDeployProcessCommand().AddResource(readModelFile(t, "missing_job_type.bpmn"), "untyped.bpmn").
		Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.InvalidArgument, "untyped.bpmn", "untypedWork")
}

func TestCreateInstance(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	v1 := e.deploy("order.bpmn")["order"]
	changed := bytes.Replace(readModelFile(t, "order.bpmn"), []byte(`name="Order"`), []byte(`name="Order v2"`), 1)
	require.NotEqual(t, readModelFile(t, "order.bpmn"), changed)
	v2resp, err := e.client.NewDeployResourceCommand().AddResource(changed, modelPath("order.bpmn")).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	v2 := v2resp.GetDeployments()[0].GetProcess()
	require.EqualValues(t, 2, v2.GetVersion())

	t.Run("by id, latest version", func(t *testing.T) {
		resp, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(e.ctx(5 * time.Second))
		require.NoError(t, err)
		require.Equal(t, "order", resp.GetBpmnProcessId())
		require.EqualValues(t, 2, resp.GetVersion())
		require.Equal(t, v2.GetProcessDefinitionKey(), resp.GetProcessDefinitionKey())
		require.EqualValues(t, 1, partitionOf(resp.GetProcessInstanceKey()))
	})
	t.Run("by id and version", func(t *testing.T) {
		resp, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").Version(1).Send(e.ctx(5 * time.Second))
		require.NoError(t, err)
		require.EqualValues(t, 1, resp.GetVersion())
		require.Equal(t, v1.GetProcessDefinitionKey(), resp.GetProcessDefinitionKey())
	})
	t.Run("by key", func(t *testing.T) {
		resp, err := e.client.NewCreateInstanceCommand().ProcessDefinitionKey(v1.GetProcessDefinitionKey()).Send(e.ctx(5 * time.Second))
		require.NoError(t, err)
		require.Equal(t, "order", resp.GetBpmnProcessId())
		require.EqualValues(t, 1, resp.GetVersion())
		require.Equal(t, v1.GetProcessDefinitionKey(), resp.GetProcessDefinitionKey())
	})
	t.Run("instances run the version they were created with", func(t *testing.T) {
		created := map[int64]int32{}
		for _, version := range []int32{1, 2} {
			resp, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").Version(version).Send(e.ctx(5 * time.Second))
			require.NoError(t, err)
			created[resp.GetProcessInstanceKey()] = version
		}
		seen := 0
		for _, job := range e.activate("charge-card", 100, time.Minute) {
			if version, ok := created[job.GetProcessInstanceKey()]; ok {
				seen++
				require.Equal(t, version, job.GetProcessDefinitionVersion())
			}
		}
		require.Equal(t, 2, seen)
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := e.client.NewCreateInstanceCommand().BPMNProcessId("no-such-process").LatestVersion().Send(e.ctx(5 * time.Second))
		requireStatus(t, err, codes.NotFound, "no-such-process")
	})
	t.Run("unknown version", func(t *testing.T) {
		_, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").Version(7).Send(e.ctx(5 * time.Second))
		requireStatus(t, err, codes.NotFound, "order", "7")
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := e.client.NewCreateInstanceCommand().ProcessDefinitionKey(unusedKey).Send(e.ctx(5 * time.Second))
		requireStatus(t, err, codes.NotFound, strconv.FormatInt(unusedKey, 10))
	})
	t.Run("key of a partition that does not exist", func(t *testing.T) {
		_, err := e.client.NewCreateInstanceCommand().ProcessDefinitionKey(3<<51 + 1).Send(e.ctx(5 * time.Second))
		requireStatus(t, err, codes.NotFound)
	})
}

func TestCreateInstanceWithResult(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("instant.bpmn", "order.bpmn")

	cmd, err := e.client.NewCreateInstanceCommand().BPMNProcessId("instant").LatestVersion().
		VariablesFromString(`{"customer":"ada","items":[1,2,3],"total":12.5,"address":{"city":"Paris"}}`)
	require.NoError(t, err)
	resp, err := cmd.WithResult().Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	require.Equal(t, "instant", resp.GetBpmnProcessId())
	require.EqualValues(t, 1, resp.GetVersion())
	require.Positive(t, resp.GetProcessInstanceKey())
	require.Equal(t, map[string]any{
		"customer": "ada", "items": []any{json.Number("1"), json.Number("2"), json.Number("3")},
		"total": json.Number("12.5"), "address": map[string]any{"city": "Paris"},
	}, jsonObject(t, resp.GetVariables()))

	// fetchVariables narrows the result; a name the instance does not have is left out.
	cmd, err = e.client.NewCreateInstanceCommand().BPMNProcessId("instant").LatestVersion().
		VariablesFromString(`{"customer":"ada","total":12.5}`)
	require.NoError(t, err)
	resp, err = cmd.WithResult().FetchVariables("total", "unknown").Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"total": json.Number("12.5")}, jsonObject(t, resp.GetVariables()))

	// An instance that waits for a job and then completes: the result carries the job's variables.
	done := make(chan *pb.CreateProcessInstanceWithResultResponse, 1)
	failed := make(chan error, 1)
	go func() {
		cmd, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().VariablesFromString(`{"total":4}`)
		if err != nil {
			failed <- err
			return
		}
		resp, err := cmd.WithResult().Send(e.ctx(10 * time.Second))
		if err != nil {
			failed <- err
			return
		}
		done <- resp
	}()
	job := e.activateOne("charge-card")
	e.complete(job.GetKey(), `{"receipt":"r-17"}`)
	select {
	case resp := <-done:
		require.Equal(t, job.GetProcessInstanceKey(), resp.GetProcessInstanceKey())
		require.Equal(t, map[string]any{"total": json.Number("4"), "receipt": "r-17"}, jsonObject(t, resp.GetVariables()))
	case err := <-failed:
		t.Fatalf("create instance with result: %v", err)
	case <-e.ctx(10 * time.Second).Done():
		t.Fatal("create instance with result did not answer after the instance completed")
	}
}

func TestCreateInstanceWithResultTimeout(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")

	// requestTimeout (300 ms) is shorter than the instance, which waits for a job: the
	// gateway answers DEADLINE_EXCEEDED in time, long before the call's own deadline.
	start := time.Now()
	_, err := e.gw.CreateProcessInstanceWithResult(e.ctx(20*time.Second), &pb.CreateProcessInstanceWithResultRequest{
		Request:        &pb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1, Variables: `{"total":1}`},
		RequestTimeout: 300,
	})
	elapsed := time.Since(start)
	requireStatus(t, err, codes.DeadlineExceeded)
	require.GreaterOrEqual(t, elapsed, 300*time.Millisecond)
	require.Less(t, elapsed, 5*time.Second)

	// The same through the client: its context's deadline sets requestTimeout.
	cmd, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().VariablesFromString(`{"total":2}`)
	require.NoError(t, err)
	_, err = cmd.WithResult().Send(e.ctx(time.Second))
	requireStatus(t, err, codes.DeadlineExceeded)

	// Both instances keep running: their jobs are there.
	jobs := e.activate("charge-card", 10, time.Minute)
	require.Len(t, jobs, 2)
}

// TestCreateInstanceWithResultDefaultTimeout: with requestTimeout 0 ("use the gateway
// default", as the protocol documents it) the gateway waits its default request timeout,
// 15 s as Zeebe's, and answers DEADLINE_EXCEEDED, even for a caller without a deadline.
func TestCreateInstanceWithResultDefaultTimeout(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")

	start := time.Now()
	_, err := e.gw.CreateProcessInstanceWithResult(e.ctx(19*time.Second), &pb.CreateProcessInstanceWithResultRequest{
		Request:        &pb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1, Variables: `{"total":1}`},
		RequestTimeout: 0,
	})
	requireStatus(t, err, codes.DeadlineExceeded)
	require.Less(t, time.Since(start), 18*time.Second, "the gateway applied no default request timeout; the caller's deadline ended the call")
}

func TestActivateAndCompleteJob(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	order := e.deploy("order.bpmn")["order"]
	pik := e.create("order", `{"total":21,"customer":"ada"}`)

	before := time.Now()
	jobs, err := e.client.NewActivateJobsCommand().JobType("charge-card").MaxJobsToActivate(5).
		Timeout(30 * time.Second).WorkerName("billing-worker").Send(e.ctx(5 * time.Second))
	after := time.Now()
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	job := jobs[0]

	require.Positive(t, job.GetKey())
	require.EqualValues(t, 1, partitionOf(job.GetKey()))
	require.Equal(t, "charge-card", job.GetType())
	require.Equal(t, pik, job.GetProcessInstanceKey())
	require.Equal(t, "order", job.GetBpmnProcessId())
	require.EqualValues(t, 1, job.GetProcessDefinitionVersion())
	require.Equal(t, order.GetProcessDefinitionKey(), job.GetProcessDefinitionKey())
	require.Equal(t, "charge", job.GetElementId())
	require.Positive(t, job.GetElementInstanceKey())
	require.NotEqual(t, pik, job.GetElementInstanceKey())
	require.Equal(t, "billing-worker", job.GetWorker())
	require.EqualValues(t, 3, job.GetRetries())
	// The deadline is the activation time plus the timeout, in epoch milliseconds.
	require.GreaterOrEqual(t, job.GetDeadline(), before.Add(30*time.Second).UnixMilli()-1)
	require.LessOrEqual(t, job.GetDeadline(), after.Add(30*time.Second).UnixMilli()+1)

	headers, err := job.GetCustomHeadersAsMap()
	require.NoError(t, err)
	require.Equal(t, map[string]string{"region": "eu", "priority": "high"}, headers)
	require.Equal(t, map[string]any{"total": json.Number("21"), "customer": "ada", "doubled": json.Number("42")},
		jsonObject(t, job.GetVariables()))
	var typed struct {
		Customer string `json:"customer"`
		Doubled  int    `json:"doubled"`
	}
	require.NoError(t, job.GetVariablesAs(&typed))
	require.Equal(t, "ada", typed.Customer)
	require.Equal(t, 42, typed.Doubled)

	// An activated job is not handed out again.
	e.requireNoJob("charge-card")

	e.complete(job.GetKey(), `{"receipt":"r-1"}`)
	e.waitCompleted(pik)
	receipt := e.waitRecord("variable receipt", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_VARIABLE && r.GetVariable().GetName() == "receipt"
	})
	require.JSONEq(t, `"r-1"`, string(receipt.GetVariable().GetValue()))
	require.Equal(t, pik, receipt.GetVariable().GetScopeKey(), "job variables land in the process instance scope")

	// A completed job is gone.
	cmd, err := e.client.NewCompleteJobCommand().JobKey(job.GetKey()).VariablesFromString("{}")
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, strconv.FormatInt(job.GetKey(), 10))
}

func TestJobVariablesFlowThrough(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("pipeline.bpmn")
	pik := e.create("pipeline", `{"orderId":"o-9","lines":2}`)

	prepare := e.activateOne("prepare")
	require.Equal(t, map[string]any{"orderId": "o-9", "lines": json.Number("2")}, jsonObject(t, prepare.GetVariables()))
	e.complete(prepare.GetKey(), `{"parcel":{"weight":1.5},"lines":3}`)

	// fetchVariables narrows what the next job carries.
	jobs, err := e.client.NewActivateJobsCommand().JobType("ship").MaxJobsToActivate(1).
		FetchVariables("parcel", "lines").Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	ship := jobs[0]
	require.Equal(t, "ship", ship.GetElementId())
	require.Equal(t, map[string]any{"parcel": map[string]any{"weight": json.Number("1.5")}, "lines": json.Number("3")},
		jsonObject(t, ship.GetVariables()))
	e.complete(ship.GetKey(), "")
	e.waitCompleted(pik)
}

func TestFailJobWithRetries(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	e.create("order", `{"total":1}`)

	job := e.activateOne("charge-card")
	_, err := e.client.NewFailJobCommand().JobKey(job.GetKey()).Retries(2).ErrorMessage("card reader offline").
		Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	// Retries left and no back-off: the same job comes back at once, with the retries given.
	again := e.activateOne("charge-card")
	require.Equal(t, job.GetKey(), again.GetKey())
	require.EqualValues(t, 2, again.GetRetries())

	e.complete(again.GetKey(), "")
	e.waitCompleted(job.GetProcessInstanceKey())
}

func TestFailJobWithRetryBackOff(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	e.create("order", `{"total":1}`)

	job := e.activateOne("charge-card")
	const backOff = time.Second
	failedAt := time.Now()
	_, err := e.client.NewFailJobCommand().JobKey(job.GetKey()).Retries(1).RetryBackoff(backOff).
		ErrorMessage("try later").Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	e.requireNoJob("charge-card")
	again := e.activateOne("charge-card")
	require.GreaterOrEqual(t, time.Since(failedAt), backOff, "the job came back before its back-off ended")
	require.Equal(t, job.GetKey(), again.GetKey())
	require.EqualValues(t, 1, again.GetRetries())
}

func TestFailJobWithoutRetriesRaisesIncident(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	pik := e.create("order", `{"total":1}`)

	job := e.activateOne("charge-card")
	_, err := e.client.NewFailJobCommand().JobKey(job.GetKey()).Retries(0).ErrorMessage("card declined").
		Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	incident := e.incident(pik)
	require.Equal(t, "JOB_NO_RETRIES", incident.GetIncident().GetErrorType())
	require.Equal(t, "card declined", incident.GetIncident().GetErrorMessage())
	require.Equal(t, job.GetKey(), incident.GetIncident().GetJobKey())
	require.Equal(t, "charge", incident.GetIncident().GetElementId())
	e.requireNoJob("charge-card")

	// A failed job without retries cannot be completed.
	cmd, err := e.client.NewCompleteJobCommand().JobKey(job.GetKey()).VariablesFromString("{}")
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.FailedPrecondition, strconv.FormatInt(job.GetKey(), 10))

	// New retries alone do not make it activatable; resolving the incident does.
	_, err = e.client.NewUpdateJobRetriesCommand().JobKey(job.GetKey()).Retries(2).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	e.requireNoJob("charge-card")
	_, err = e.client.NewResolveIncidentCommand().IncidentKey(incident.GetKey()).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	again := e.activateOne("charge-card")
	require.Equal(t, job.GetKey(), again.GetKey())
	require.EqualValues(t, 2, again.GetRetries())
	e.complete(again.GetKey(), "")
	e.waitCompleted(pik)
	require.Zero(t, e.openIncidents(pik))

	// The incident is gone.
	_, err = e.client.NewResolveIncidentCommand().IncidentKey(incident.GetKey()).Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, strconv.FormatInt(incident.GetKey(), 10))
}

func TestJobTimeoutReactivation(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	e.create("order", `{"total":1}`)

	jobs, err := e.client.NewActivateJobsCommand().JobType("charge-card").MaxJobsToActivate(1).
		Timeout(time.Second).WorkerName("slow-worker").Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	activatedAt := time.Now()

	// Not completed: once its deadline passes it is handed out again.
	again := e.activateOne("charge-card")
	require.Equal(t, jobs[0].GetKey(), again.GetKey())
	require.GreaterOrEqual(t, time.Since(activatedAt), 900*time.Millisecond)
	require.Equal(t, "functional-test", again.GetWorker())

	e.complete(again.GetKey(), "")
	e.waitCompleted(again.GetProcessInstanceKey())
}

func TestThrowErrorRaisesIncident(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	pik := e.create("order", `{"total":1}`)

	job := e.activateOne("charge-card")
	_, err := e.client.NewThrowErrorCommand().JobKey(job.GetKey()).ErrorCode("CARD_DECLINED").
		ErrorMessage("the bank said no").Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	// No boundary event catches it: an incident on the task.
	incident := e.incident(pik)
	require.Equal(t, "UNHANDLED_ERROR_EVENT", incident.GetIncident().GetErrorType())
	require.Contains(t, incident.GetIncident().GetErrorMessage(), "CARD_DECLINED")
	require.Equal(t, "charge", incident.GetIncident().GetElementId())
	e.requireNoJob("charge-card")
	e.requireRunning(pik)

	// The job waits for the incident: it can be neither completed nor thrown again.
	cmd, err := e.client.NewCompleteJobCommand().JobKey(job.GetKey()).VariablesFromString("{}")
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.FailedPrecondition, strconv.FormatInt(job.GetKey(), 10))
	_, err = e.client.NewThrowErrorCommand().JobKey(job.GetKey()).ErrorCode("CARD_DECLINED").Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.FailedPrecondition, strconv.FormatInt(job.GetKey(), 10))
}

func TestExclusiveGateway(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("route.bpmn")

	large := e.create("route", `{"amount":500}`)
	small := e.create("route", `{"amount":5}`)
	jobLarge := e.activateOne("large-order")
	require.Equal(t, large, jobLarge.GetProcessInstanceKey())
	require.Equal(t, "handleLarge", jobLarge.GetElementId())
	jobSmall := e.activateOne("small-order")
	require.Equal(t, small, jobSmall.GetProcessInstanceKey())
	e.complete(jobLarge.GetKey(), "")
	e.complete(jobSmall.GetKey(), "")
	e.waitCompleted(large)
	e.waitCompleted(small)

	// No condition holds (amount is missing) and there is no default flow: an incident.
	stuck := e.create("route", `{"other":1}`)
	incident := e.incident(stuck)
	require.Equal(t, "CONDITION_ERROR", incident.GetIncident().GetErrorType())
	require.Equal(t, "decide", incident.GetIncident().GetElementId())
	e.requireNoJob("large-order")
	e.requireNoJob("small-order")

	// Resolving without a fix raises a new incident.
	_, err := e.client.NewResolveIncidentCommand().IncidentKey(incident.GetKey()).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	incident = e.waitRecord("second incident", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_INCIDENT && r.GetIntent() == "CREATED" &&
			r.GetIncident().GetProcessInstanceKey() == stuck && r.GetKey() != incident.GetKey()
	})
	require.Equal(t, "decide", incident.GetIncident().GetElementId())
	require.Equal(t, 1, e.openIncidents(stuck))

	// Set the missing variable, resolve: the gateway is taken again and routes.
	resp, err := e.client.NewSetVariablesCommand().ElementInstanceKey(stuck).VariablesFromString(`{"amount":250}`)
	require.NoError(t, err)
	set, err := resp.Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Positive(t, set.GetKey())
	_, err = e.client.NewResolveIncidentCommand().IncidentKey(incident.GetKey()).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)

	job := e.activateOne("large-order")
	require.Equal(t, stuck, job.GetProcessInstanceKey())
	require.Equal(t, map[string]any{"amount": json.Number("250"), "other": json.Number("1")}, jsonObject(t, job.GetVariables()))
	e.complete(job.GetKey(), "")
	e.waitCompleted(stuck)
	require.Zero(t, e.openIncidents(stuck))
}

func TestParallelGatewayJoinsOnce(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("fanout.bpmn")
	pik := e.create("fanout", `{"parcels":2}`)

	pack := e.activateOne("pack")
	label := e.activateOne("label")
	require.Equal(t, pik, pack.GetProcessInstanceKey())
	require.Equal(t, pik, label.GetProcessInstanceKey())

	e.complete(pack.GetKey(), `{"packed":true}`)
	// One branch arrived: the join waits.
	e.requireNoJob("dispatch")
	e.complete(label.GetKey(), `{"labelled":true}`)

	jobs := e.activate("dispatch", 10, time.Minute)
	require.Len(t, jobs, 1)
	require.Equal(t, map[string]any{"parcels": json.Number("2"), "packed": true, "labelled": true},
		jsonObject(t, jobs[0].GetVariables()))
	// No second token arrives later.
	late := e.rawActivate(&pb.ActivateJobsRequest{
		Type: "dispatch", Worker: "functional-test", Timeout: 60_000, MaxJobsToActivate: 10, RequestTimeout: 500,
	}, 5*time.Second)
	require.Empty(t, late)
	require.Equal(t, 1, e.countEvents(func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE && r.GetIntent() == "ELEMENT_ACTIVATED" &&
			r.GetProcessInstance().GetElementId() == "merge"
	}), "the join was activated more than once")

	e.complete(jobs[0].GetKey(), "")
	e.waitCompleted(pik)
}

func TestCancelInstance(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	pik := e.create("order", `{"total":1}`)
	job := e.activateOne("charge-card")

	_, err := e.client.NewCancelInstanceCommand().ProcessInstanceKey(pik).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	e.waitRecord("process instance terminated", func(r *recordpb.Record) bool {
		return isInstanceDone(r, pik, "ELEMENT_TERMINATED")
	})

	// Its job went with it.
	cmd, err := e.client.NewCompleteJobCommand().JobKey(job.GetKey()).VariablesFromString("{}")
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, strconv.FormatInt(job.GetKey(), 10))

	_, err = e.client.NewCancelInstanceCommand().ProcessInstanceKey(pik).Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, strconv.FormatInt(pik, 10))

	// A job that was never activated goes too.
	other := e.create("order", `{"total":2}`)
	_, err = e.client.NewCancelInstanceCommand().ProcessInstanceKey(other).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	e.requireNoJob("charge-card")
}

func TestSetVariablesLocalAndPropagate(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("pipeline.bpmn")
	pik := e.create("pipeline", `{"stage":"new","carrier":"ups"}`)
	prepare := e.activateOne("prepare")

	setVars := func(scope int64, doc string, local bool) {
		t.Helper()
		cmd, err := e.client.NewSetVariablesCommand().ElementInstanceKey(scope).VariablesFromString(doc)
		require.NoError(t, err)
		resp, err := cmd.Local(local).Send(e.ctx(5 * time.Second))
		require.NoError(t, err)
		require.Positive(t, resp.GetKey())
	}
	// Local on the task: lives in the task's scope and dies with it.
	setVars(prepare.GetElementInstanceKey(), `{"scratch":"only here","carrier":"dhl"}`, true)
	// Propagated from the task: a variable the process has is updated where it lives; a new
	// one goes to the process scope.
	setVars(prepare.GetElementInstanceKey(), `{"stage":"prepared","tracking":"T-1"}`, false)
	// On the process instance itself.
	setVars(pik, `{"priority":"express"}`, false)

	e.complete(prepare.GetKey(), "")
	ship := e.activateOne("ship")
	require.Equal(t, map[string]any{
		"stage": "prepared", "carrier": "ups", "tracking": "T-1", "priority": "express",
	}, jsonObject(t, ship.GetVariables()))

	// A scope that is gone.
	cmd, err := e.client.NewSetVariablesCommand().ElementInstanceKey(prepare.GetElementInstanceKey()).VariablesFromString(`{"x":1}`)
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(5 * time.Second))
	requireStatus(t, err, codes.NotFound, strconv.FormatInt(prepare.GetElementInstanceKey(), 10))
}

func TestLongPolling(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")

	// A request with requestTimeout 10 s waits; a job created 300 ms later reaches it at once.
	type result struct {
		jobs []*pb.ActivatedJob
		err  error
		took time.Duration
	}
	got := make(chan result, 1)
	start := time.Now()
	go func() {
		jobs, err := collectJobs(e.ctx(20*time.Second), e.gw, &pb.ActivateJobsRequest{
			Type: "charge-card", Worker: "poller", Timeout: 60_000, MaxJobsToActivate: 5, RequestTimeout: 10_000,
		})
		got <- result{jobs, err, time.Since(start)}
	}()
	select {
	case r := <-got:
		t.Fatalf("the long poll answered before any job existed: %d jobs, %v", len(r.jobs), r.err)
	case <-time.After(300 * time.Millisecond):
	}
	pik := e.create("order", `{"total":3}`)
	r := <-got
	require.NoError(t, r.err)
	require.Len(t, r.jobs, 1)
	require.Equal(t, pik, r.jobs[0].GetProcessInstanceKey())
	require.Less(t, r.took, 5*time.Second, "the waiting request was not woken by the new job")

	// Two requests wait; one job arrives: one request gets it, the other keeps waiting
	// until its own requestTimeout and ends empty, without an error.
	both := make(chan result, 2)
	start = time.Now()
	for range 2 {
		go func() {
			jobs, err := collectJobs(e.ctx(20*time.Second), e.gw, &pb.ActivateJobsRequest{
				Type: "charge-card", Worker: "poller", Timeout: 60_000, MaxJobsToActivate: 5, RequestTimeout: 1500,
			})
			both <- result{jobs, err, time.Since(start)}
		}()
	}
	select {
	case r := <-both:
		t.Fatalf("a long poll answered before any job existed: %d jobs, %v", len(r.jobs), r.err)
	case <-time.After(300 * time.Millisecond):
	}
	e.create("order", `{"total":4}`)
	first, second := <-both, <-both
	require.NoError(t, first.err)
	require.NoError(t, second.err)
	require.Len(t, first.jobs, 1)
	require.Less(t, first.took, 1200*time.Millisecond)
	require.Empty(t, second.jobs)
	require.GreaterOrEqual(t, second.took, 1500*time.Millisecond)

	// With no job, a short requestTimeout ends the request empty, on time.
	start = time.Now()
	empty := e.rawActivate(&pb.ActivateJobsRequest{
		Type: "charge-card", Worker: "poller", Timeout: 60_000, MaxJobsToActivate: 5, RequestTimeout: 200,
	}, 10*time.Second)
	took := time.Since(start)
	require.Empty(t, empty)
	require.GreaterOrEqual(t, took, 200*time.Millisecond)
	require.Less(t, took, 3*time.Second)

	// The same through the client, whose context deadline sets requestTimeout.
	start = time.Now()
	jobs, err := e.client.NewActivateJobsCommand().JobType("nothing-here").MaxJobsToActivate(1).Send(e.ctx(time.Second))
	require.NoError(t, err)
	require.Empty(t, jobs)
	require.Less(t, time.Since(start), 3*time.Second)
}

func TestJobWorkerCompletesInstances(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")

	const n = 50
	var handled atomic.Int32
	var mu sync.Mutex
	var handlerErrs []error
	w := e.client.NewJobWorker().JobType("charge-card").Handler(func(client worker.JobClient, job entities.Job) {
		err := completeDoubled(t, client, job)
		if err != nil {
			mu.Lock()
			handlerErrs = append(handlerErrs, fmt.Errorf("job %d: %w", job.GetKey(), err))
			mu.Unlock()
			return
		}
		handled.Add(1)
	}).Name("bulk-worker").MaxJobsActive(16).Concurrency(4).Timeout(30 * time.Second).
		PollInterval(50 * time.Millisecond).RequestTimeout(500 * time.Millisecond).Open()
	closeWorker := sync.OnceFunc(w.Close)
	defer closeWorker()

	keys := make([]int64, n)
	for i := range n {
		keys[i] = e.create("order", fmt.Sprintf(`{"total":%d}`, i))
	}
	eventually(t, 20*time.Second, func() bool { return handled.Load() >= n }, "handled %d of %d jobs", handled.Load(), n)
	closeWorker()
	mu.Lock()
	require.Empty(t, handlerErrs)
	mu.Unlock()
	require.EqualValues(t, n, handled.Load(), "a job was handled twice")

	// Every instance completed, with the variable its job was completed with.
	completed := map[int64]bool{}
	charged := map[int64]string{}
	eventually(t, 10*time.Second, func() bool {
		for _, r := range e.records() {
			if r.GetRecordType() != recordpb.RecordType_EVENT {
				continue
			}
			if r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE && r.GetIntent() == "ELEMENT_COMPLETED" &&
				r.GetProcessInstance().GetBpmnElementType() == "PROCESS" {
				completed[r.GetKey()] = true
			}
			if v := r.GetVariable(); r.GetValueType() == recordpb.ValueType_VARIABLE && v.GetName() == "charged" {
				charged[v.GetProcessInstanceKey()] = string(v.GetValue())
			}
		}
		return len(completed) >= n
	}, "%d of %d instances completed", len(completed), n)
	for i, k := range keys {
		require.True(t, completed[k], "instance %d did not complete", k)
		require.JSONEq(t, strconv.Itoa(2*i), charged[k], "variable charged of instance %d", k)
	}
}

// completeDoubled completes an order job with charged = the job's doubled variable.
func completeDoubled(t *testing.T, client worker.JobClient, job entities.Job) error {
	vars, err := job.GetVariablesAsMap()
	if err != nil {
		return err
	}
	cmd, err := client.NewCompleteJobCommand().JobKey(job.GetKey()).VariablesFromMap(map[string]any{"charged": vars["doubled"]})
	if err != nil {
		return err
	}
	_, err = cmd.Send(t.Context())
	return err
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	ctx := e.ctx(30 * time.Second)

	t.Run("variables not JSON", func(t *testing.T) {
		_, err := e.gw.CreateProcessInstance(ctx, &pb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1, Variables: `{"total":`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
		_, err = e.gw.CompleteJob(ctx, &pb.CompleteJobRequest{JobKey: unusedKey, Variables: `nope`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
		_, err = e.gw.SetVariables(ctx, &pb.SetVariablesRequest{ElementInstanceKey: unusedKey, Variables: `{'a':1}`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
	})
	t.Run("variables not an object", func(t *testing.T) {
		for _, doc := range []string{`[1,2]`, `42`, `"text"`, `true`, `null`} {
			_, err := e.gw.CreateProcessInstance(ctx, &pb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1, Variables: doc})
			requireStatus(t, err, codes.InvalidArgument, "variables")
		}
		_, err := e.gw.PublishMessage(ctx, &pb.PublishMessageRequest{Name: "paid", CorrelationKey: "k", Variables: `[1]`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
		_, err = e.gw.FailJob(ctx, &pb.FailJobRequest{JobKey: unusedKey, Retries: 1, Variables: `7`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
		_, err = e.gw.ThrowError(ctx, &pb.ThrowErrorRequest{JobKey: unusedKey, ErrorCode: "E", Variables: `[]`})
		requireStatus(t, err, codes.InvalidArgument, "variables")
	})
	t.Run("maxJobsToActivate 0", func(t *testing.T) {
		_, err := collectJobs(ctx, e.gw, &pb.ActivateJobsRequest{Type: "charge-card", Worker: "w", Timeout: 1000, MaxJobsToActivate: 0})
		requireStatus(t, err, codes.InvalidArgument, "maxJobsToActivate")
	})
	t.Run("negative retries", func(t *testing.T) {
		_, err := e.client.NewFailJobCommand().JobKey(unusedKey).Retries(-1).Send(ctx)
		requireStatus(t, err, codes.InvalidArgument, "retries")
		_, err = e.client.NewUpdateJobRetriesCommand().JobKey(unusedKey).Retries(-2).Send(ctx)
		requireStatus(t, err, codes.InvalidArgument, "retries")
	})
	t.Run("unknown keys", func(t *testing.T) {
		key := strconv.FormatInt(unusedKey, 10)
		cmd, err := e.client.NewCompleteJobCommand().JobKey(unusedKey).VariablesFromString("{}")
		require.NoError(t, err)
		_, err = cmd.Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		_, err = e.client.NewFailJobCommand().JobKey(unusedKey).Retries(1).Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		_, err = e.client.NewUpdateJobRetriesCommand().JobKey(unusedKey).Retries(1).Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		_, err = e.client.NewThrowErrorCommand().JobKey(unusedKey).ErrorCode("E").Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		_, err = e.client.NewResolveIncidentCommand().IncidentKey(unusedKey).Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		_, err = e.client.NewCancelInstanceCommand().ProcessInstanceKey(unusedKey).Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
		sv, err := e.client.NewSetVariablesCommand().ElementInstanceKey(unusedKey).VariablesFromString(`{"a":1}`)
		require.NoError(t, err)
		_, err = sv.Send(ctx)
		requireStatus(t, err, codes.NotFound, key)
	})
	t.Run("publish message with empty name", func(t *testing.T) {
		// Zeebe 8.3 accepts an empty name; Weft refuses it (a documented difference).
		_, err := e.client.NewPublishMessageCommand().MessageName("").CorrelationKey("k").Send(ctx)
		requireStatus(t, err, codes.InvalidArgument, "name")
	})
	t.Run("request over 4 MB", func(t *testing.T) {
		big := `{"blob":"` + strings.Repeat("x", 5<<20) + `"}`
		_, err := e.gw.CreateProcessInstance(ctx, &pb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1, Variables: big})
		requireStatus(t, err, codes.ResourceExhausted)
		// The server is still fine.
		e.create("order", `{"total":1}`)
	})
}

// DeleteResource with the official client: a deleted version starts no instance (by key,
// NOT_FOUND), the version before it is the latest again, its running instance finishes;
// an unknown key is NOT_FOUND; a deleted DMN resource's decisions are gone.
func TestDeleteResource(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	ctx := e.ctx(20 * time.Second)

	_, err := e.client.NewDeleteResourceCommand().ResourceKey(unusedKey).Send(ctx)
	requireStatus(t, err, codes.NotFound, "no resource found")

	v1 := e.deploy("order.bpmn")["order"].GetProcessDefinitionKey()
	running := e.create("order", `{"total":1}`)
	dep, err := e.client.NewDeployResourceCommand().AddResource(readModelFile(t, "order.bpmn"), "order-v2.bpmn").Send(ctx)
	require.NoError(t, err)
	v2 := dep.GetDeployments()[0].GetProcess().GetProcessDefinitionKey()
	require.NotEqual(t, v1, v2)

	_, err = e.client.NewDeleteResourceCommand().ResourceKey(v2).Send(ctx)
	require.NoError(t, err)
	_, err = e.client.NewCreateInstanceCommand().ProcessDefinitionKey(v2).Send(ctx)
	requireStatus(t, err, codes.NotFound)
	r, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(ctx)
	require.NoError(t, err)
	require.Equal(t, v1, r.GetProcessDefinitionKey(), "the version before is the latest again")

	// Deleting v1 while instances run: none starts any more, the running ones finish.
	_, err = e.client.NewDeleteResourceCommand().ResourceKey(v1).Send(ctx)
	require.NoError(t, err)
	_, err = e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(ctx)
	requireStatus(t, err, codes.NotFound)
	e.requireRunning(running)

	dmn, err := e.client.NewDeployResourceCommand().AddResourceFile(modelPath("dish.dmn")).Send(ctx)
	require.NoError(t, err)
	var drgKey int64
	for _, d := range dmn.GetDeployments() {
		if d.GetDecisionRequirements() != nil {
			drgKey = d.GetDecisionRequirements().GetDecisionRequirementsKey()
		}
	}
	_, err = e.client.NewDeleteResourceCommand().ResourceKey(drgKey).Send(ctx)
	require.NoError(t, err)
	_, err = e.client.NewEvaluateDecisionCommand().DecisionId("dish").Send(ctx)
	requireStatus(t, err, codes.NotFound)
}

func TestActivateJobsBatches(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")
	for i := range 5 {
		e.create("order", fmt.Sprintf(`{"total":%d}`, i))
	}

	// maxJobsToActivate bounds a batch; the rest stay for the next request.
	require.Len(t, e.activate("charge-card", 2, time.Minute), 2)
	require.Len(t, e.activate("charge-card", 10, time.Minute), 3)
	e.requireNoJob("charge-card")

	// Jobs that do not fit in one 4 MB response all arrive, over several responses.
	blob := strings.Repeat("z", 1_500_000)
	for i := range 3 {
		e.create("order", fmt.Sprintf(`{"total":%d,"blob":"%s"}`, i, blob))
	}
	// As in Zeebe, a batch holds what fits in one message; the next request gets the rest.
	got := 0
	eventually(t, 10*time.Second, func() bool {
		for _, j := range e.activate("charge-card", 10, time.Minute) {
			var v struct{ Blob string }
			require.NoError(t, j.GetVariablesAs(&v))
			require.Equal(t, len(blob), len(v.Blob), "variable blob of job %d", j.GetKey())
			got++
		}
		return got == 3
	}, "%d of 3 large jobs activated", got)
}

// TestJobLargerThanMessageSizeRaisesIncident: a job whose variables exceed the 4 MB
// message size cannot be delivered; instead of being activated (and dropped by the
// gateway at every attempt) it gets a MESSAGE_SIZE_EXCEEDED incident, as in Zeebe 8.3.
func TestJobLargerThanMessageSizeRaisesIncident(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	e.deploy("order.bpmn")

	// Each request stays under 4 MB; together the variables do not.
	pik := e.create("order", `{"total":1,"first":"`+strings.Repeat("a", 3<<20)+`"}`)
	cmd, err := e.client.NewSetVariablesCommand().ElementInstanceKey(pik).VariablesFromString(`{"second":"` + strings.Repeat("b", 2<<20) + `"}`)
	require.NoError(t, err)
	_, err = cmd.Send(e.ctx(10 * time.Second))
	require.NoError(t, err)

	jobs := e.rawActivate(&pb.ActivateJobsRequest{
		Type: "charge-card", Worker: "functional-test", Timeout: 60_000, MaxJobsToActivate: 1, RequestTimeout: -1,
	}, 10*time.Second)
	require.Empty(t, jobs)

	incident := e.incident(pik)
	require.Equal(t, "MESSAGE_SIZE_EXCEEDED", incident.GetIncident().GetErrorType())
	require.Equal(t, "charge", incident.GetIncident().GetElementId())
}

func TestPublishMessage(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	cmd, err := e.client.NewPublishMessageCommand().MessageName("order-paid").CorrelationKey("order-1").
		MessageId("payment-1").TimeToLive(time.Minute).VariablesFromString(`{"amount":10}`)
	require.NoError(t, err)
	resp, err := cmd.Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Positive(t, resp.GetKey())
	require.EqualValues(t, 1, partitionOf(resp.GetKey()))

	// No time to live and no id: accepted too.
	resp, err = e.client.NewPublishMessageCommand().MessageName("order-paid").CorrelationKey("order-2").Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Positive(t, resp.GetKey())
}

// TestPublishMessageDuplicateID: a second message with the id of one that is still
// buffered (time to live not over) is rejected with ALREADY_EXISTS, as in Zeebe 8.3.
func TestPublishMessageDuplicateID(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)

	publish := func() error {
		_, err := e.client.NewPublishMessageCommand().MessageName("order-paid").CorrelationKey("order-1").
			MessageId("payment-1").TimeToLive(time.Minute).Send(e.ctx(5 * time.Second))
		return err
	}
	require.NoError(t, publish())
	requireStatus(t, publish(), codes.AlreadyExists, "payment-1")
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := startDevEnvIn(t, dir)
	order := e.deploy("order.bpmn")["order"]
	pik := e.create("order", `{"total":8}`)
	waiting := e.create("order", `{"total":9}`)
	jobs, err := e.client.NewActivateJobsCommand().JobType("charge-card").MaxJobsToActivate(1).
		Timeout(time.Second).Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	e.stop()

	// The same data directory: definitions, instances and jobs are all still there, and the
	// job activated before the restart times out after it.
	e = startDevEnvIn(t, dir)
	created, err := e.client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(e.ctx(5 * time.Second))
	require.NoError(t, err)
	require.Equal(t, order.GetProcessDefinitionKey(), created.GetProcessDefinitionKey())
	require.Greater(t, created.GetProcessInstanceKey(), waiting, "keys are not reused after a restart")

	seen := map[int64]bool{}
	eventually(t, 10*time.Second, func() bool {
		for _, j := range e.activate("charge-card", 10, time.Minute) {
			seen[j.GetProcessInstanceKey()] = true
			e.complete(j.GetKey(), "")
		}
		return len(seen) == 3
	}, "jobs of instances %v", seen)
	require.True(t, seen[pik] && seen[waiting] && seen[created.GetProcessInstanceKey()], "jobs of instances %v", seen)
	e.waitCompleted(pik)
	e.waitCompleted(waiting)
}

// An instance that forks for ever does not take its partition down: other instances
// are created and completed meanwhile, and cancelling it ends it.
func TestRunawayInstanceDoesNotHoldThePartition(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	ctx := e.ctx(3 * time.Minute)
	_, err := e.client.NewDeployResourceCommand().AddResourceFile(modelPath("bomb.bpmn")).Send(ctx)
	require.NoError(t, err)
	e.deploy("order.bpmn")
	bomb := e.create("bomb", "")

	key := e.create("order", `{"total":1}`)
	job := e.activateOne("charge-card")
	e.complete(job.GetKey(), "")
	e.waitCompleted(key)

	_, err = e.client.NewCancelInstanceCommand().ProcessInstanceKey(bomb).Send(ctx)
	require.NoError(t, err)
	// Gone: a second cancellation finds no such instance. (The instance wrote far too
	// many records to scan the log for its end.)
	eventually(t, 2*time.Minute, func() bool {
		_, err := e.client.NewCancelInstanceCommand().ProcessInstanceKey(bomb).Send(ctx)
		return status.Code(err) == codes.NotFound
	}, "the runaway instance was not terminated")
}
