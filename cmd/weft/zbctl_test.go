package main

// These tests drive the real zbctl 8.3.0 binary, unchanged, against `weft dev`, and check
// its exit codes and its JSON output (protojson of the official gateway_protocol types).

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

const zbctlInstall = "go install github.com/camunda/zeebe/clients/go/v8/cmd/zbctl@v8.3.0"

// findZbctl returns the path of zbctl 8.3: on PATH, else in $GOPATH/bin. Without it the
// test fails in CI (env CI set) and is skipped elsewhere, naming the install command.
func findZbctl(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("zbctl")
	if err != nil {
		candidate := filepath.Join(build.Default.GOPATH, "bin", "zbctl")
		if _, statErr := os.Stat(candidate); statErr == nil {
			path, err = candidate, nil
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("zbctl not found on PATH or in %s; install it with: %s",
				filepath.Join(build.Default.GOPATH, "bin"), zbctlInstall)
		}
		t.Skipf("zbctl not found on PATH or in %s; install it with: %s",
			filepath.Join(build.Default.GOPATH, "bin"), zbctlInstall)
	}
	// A zbctl built with `go install` records its module version; release binaries may not.
	if info, err := buildinfo.ReadFile(path); err == nil &&
		info.Main.Path == "github.com/camunda/zeebe/clients/go/v8" && strings.HasPrefix(info.Main.Version, "v") &&
		!strings.HasPrefix(info.Main.Version, "v8.3.") {
		t.Fatalf("%s is zbctl %s; these tests need 8.3: %s", path, info.Main.Version, zbctlInstall)
	}
	return path
}

// zbctl runs the zbctl binary against one dev server.
type zbctl struct {
	t    *testing.T
	bin  string
	addr string
	home string
}

func newZbctl(t *testing.T, e *devEnv) *zbctl {
	t.Helper()
	return &zbctl{t: t, bin: findZbctl(t), addr: e.dev.GatewayAddr(), home: t.TempDir()}
}

// run runs zbctl with args plus the connection flags, in a clean environment: no ZEEBE_*
// variables, and a HOME of its own. It returns stdout, stderr and the exit code.
func (z *zbctl) run(args ...string) (string, string, int) {
	z.t.Helper()
	ctx, cancel := context.WithTimeout(z.t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, z.bin, append(args, "--insecure", "--address", z.addr)...)
	cmd.Env = []string{"HOME=" + z.home}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit) && exit.Exited():
		return stdout.String(), stderr.String(), exit.ExitCode()
	default:
		z.t.Fatalf("zbctl %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
		return "", "", -1
	}
}

// ok runs zbctl, requires exit code 0 and returns stdout.
func (z *zbctl) ok(args ...string) string {
	z.t.Helper()
	stdout, stderr, code := z.run(args...)
	require.Zero(z.t, code, "zbctl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout, stderr)
	return stdout
}

// json runs zbctl, requires exit code 0 and decodes its JSON output into out.
func (z *zbctl) json(out proto.Message, args ...string) {
	z.t.Helper()
	stdout := z.ok(args...)
	require.NoError(z.t, protojson.Unmarshal([]byte(stdout), out), "zbctl %s printed: %s", strings.Join(args, " "), stdout)
}

// fails runs zbctl, requires exit code 1 and stderr containing every one of parts.
func (z *zbctl) fails(args []string, parts ...string) {
	z.t.Helper()
	stdout, stderr, code := z.run(args...)
	require.Equal(z.t, 1, code, "zbctl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout, stderr)
	for _, p := range parts {
		require.Contains(z.t, stderr, p, "zbctl %s", strings.Join(args, " "))
	}
}

func keyString(k int64) string { return strconv.FormatInt(k, 10) }

func TestZbctlStatus(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)

	var topo pb.TopologyResponse
	z.json(&topo, "status", "--output", "json")
	require.EqualValues(t, 1, topo.GetClusterSize())
	require.EqualValues(t, 1, topo.GetPartitionsCount())
	require.EqualValues(t, 1, topo.GetReplicationFactor())
	require.Len(t, topo.GetBrokers(), 1)
	require.Len(t, topo.GetBrokers()[0].GetPartitions(), 1)
	part := topo.GetBrokers()[0].GetPartitions()[0]
	require.EqualValues(t, 1, part.GetPartitionId())
	require.Equal(t, pb.Partition_LEADER, part.GetRole())
	require.Equal(t, pb.Partition_HEALTHY, part.GetHealth())

	human := z.ok("status")
	require.Contains(t, human, "Cluster size: 1")
	require.Contains(t, human, "Partition 1 : Leader, Healthy")
}

func TestZbctlDeploy(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)

	var resp pb.DeployResourceResponse
	z.json(&resp, "deploy", "resource", modelPath("order.bpmn"), modelPath("pipeline.bpmn"))
	require.Positive(t, resp.GetKey())
	got := map[string]*pb.ProcessMetadata{}
	for _, d := range resp.GetDeployments() {
		got[d.GetProcess().GetBpmnProcessId()] = d.GetProcess()
	}
	require.Len(t, got, 2)
	require.Equal(t, modelPath("order.bpmn"), got["order"].GetResourceName())
	require.EqualValues(t, 1, got["order"].GetVersion())
	require.Equal(t, modelPath("pipeline.bpmn"), got["pipeline"].GetResourceName())

	// Again: a duplicate, same key and version.
	var again pb.DeployResourceResponse
	z.json(&again, "deploy", "resource", modelPath("order.bpmn"))
	require.Len(t, again.GetDeployments(), 1)
	require.Equal(t, got["order"].GetProcessDefinitionKey(), again.GetDeployments()[0].GetProcess().GetProcessDefinitionKey())
	require.EqualValues(t, 1, again.GetDeployments()[0].GetProcess().GetVersion())

	// --resourceNames names the resources; the deprecated form uses DeployProcess.
	var named pb.DeployResourceResponse
	z.json(&named, "deploy", "resource", modelPath("instant.bpmn"), "--resourceNames", "flows/instant.bpmn")
	require.Equal(t, "flows/instant.bpmn", named.GetDeployments()[0].GetProcess().GetResourceName())
	var legacy pb.DeployProcessResponse
	z.json(&legacy, "deploy", modelPath("fanout.bpmn"))
	require.Len(t, legacy.GetProcesses(), 1)
	require.Equal(t, "fanout", legacy.GetProcesses()[0].GetBpmnProcessId())
	require.Equal(t, modelPath("fanout.bpmn"), legacy.GetProcesses()[0].GetResourceName())

	z.fails([]string{"deploy", "resource", modelPath("missing_job_type.bpmn")}, "InvalidArgument", "untypedWork")
	z.fails([]string{"deploy", "resource", modelPath("malformed.bpmn")}, "InvalidArgument", "malformed.bpmn")
}

func TestZbctlInstanceAndJobs(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)
	var deployed pb.DeployResourceResponse
	z.json(&deployed, "deploy", "resource", modelPath("order.bpmn"))
	definitionKey := deployed.GetDeployments()[0].GetProcess().GetProcessDefinitionKey()

	var created pb.CreateProcessInstanceResponse
	z.json(&created, "create", "instance", "order", "--variables", `{"total":7,"customer":"grace"}`)
	require.Equal(t, "order", created.GetBpmnProcessId())
	require.EqualValues(t, 1, created.GetVersion())
	require.Equal(t, definitionKey, created.GetProcessDefinitionKey())
	pik := created.GetProcessInstanceKey()
	require.Positive(t, pik)

	// By definition key, and by version.
	var byKey, byVersion pb.CreateProcessInstanceResponse
	z.json(&byKey, "create", "instance", keyString(definitionKey), "--variables", `{"total":1}`)
	require.Equal(t, definitionKey, byKey.GetProcessDefinitionKey())
	z.json(&byVersion, "create", "instance", "order", "--version", "1", "--variables", `{"total":2}`)
	require.EqualValues(t, 1, byVersion.GetVersion())
	z.fails([]string{"create", "instance", "order", "--version", "9"}, "NotFound")

	var activated pb.ActivateJobsResponse
	z.json(&activated, "activate", "jobs", "charge-card", "--maxJobsToActivate", "10", "--worker", "zbctl-worker", "--timeout", "1m")
	require.Len(t, activated.GetJobs(), 3)
	var job *pb.ActivatedJob
	for _, j := range activated.GetJobs() {
		if j.GetProcessInstanceKey() == pik {
			job = j
		}
	}
	require.NotNil(t, job, "no job of instance %d in %v", pik, activated.GetJobs())
	require.Equal(t, "charge-card", job.GetType())
	require.Equal(t, "zbctl-worker", job.GetWorker())
	require.Equal(t, "charge", job.GetElementId())
	require.Equal(t, "order", job.GetBpmnProcessId())
	require.EqualValues(t, 3, job.GetRetries())
	require.Greater(t, job.GetDeadline(), time.Now().Add(50*time.Second).UnixMilli())
	require.JSONEq(t, `{"total":7,"customer":"grace","doubled":14}`, job.GetVariables())
	require.JSONEq(t, `{"region":"eu","priority":"high"}`, job.GetCustomHeaders())

	out := z.ok("complete", "job", keyString(job.GetKey()), "--variables", `{"receipt":"z-1"}`)
	require.Contains(t, out, "Completed job with key '"+keyString(job.GetKey())+"'")
	e.waitCompleted(pik)
	receipt := e.waitRecord("variable receipt", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_VARIABLE && r.GetVariable().GetName() == "receipt"
	})
	require.JSONEq(t, `"z-1"`, string(receipt.GetVariable().GetValue()))

	// JSON output of a command without a response body, and completing twice.
	other := activated.GetJobs()[0]
	if other.GetKey() == job.GetKey() {
		other = activated.GetJobs()[1]
	}
	require.JSONEq(t, `{}`, z.ok("complete", "job", keyString(other.GetKey()), "--output", "json"))
	z.fails([]string{"complete", "job", keyString(job.GetKey())}, "NotFound", keyString(job.GetKey()))
}

func TestZbctlCreateWithResult(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)
	z.ok("deploy", "resource", modelPath("instant.bpmn"), modelPath("order.bpmn"))

	var result pb.CreateProcessInstanceWithResultResponse
	z.json(&result, "create", "instance", "instant", "--variables", `{"a":1,"b":"two"}`, "--withResult")
	require.Equal(t, "instant", result.GetBpmnProcessId())
	require.Positive(t, result.GetProcessInstanceKey())
	require.JSONEq(t, `{"a":1,"b":"two"}`, result.GetVariables())

	var narrowed pb.CreateProcessInstanceWithResultResponse
	z.json(&narrowed, "create", "instance", "instant", "--variables", `{"a":1,"b":"two"}`, "--withResult=b")
	require.JSONEq(t, `{"b":"two"}`, narrowed.GetVariables())

	// An instance that waits for a job does not finish within the request timeout.
	z.fails([]string{"create", "instance", "order", "--variables", `{"total":1}`, "--withResult", "--requestTimeout", "1s"},
		"DeadlineExceeded")
}

func TestZbctlIncidentLifecycle(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)
	z.ok("deploy", "resource", modelPath("order.bpmn"))
	var created pb.CreateProcessInstanceResponse
	z.json(&created, "create", "instance", "order", "--variables", `{"total":3}`)
	pik := created.GetProcessInstanceKey()

	var activated pb.ActivateJobsResponse
	z.json(&activated, "activate", "jobs", "charge-card")
	require.Len(t, activated.GetJobs(), 1)
	job := activated.GetJobs()[0]

	out := z.ok("fail", "job", keyString(job.GetKey()), "--retries", "0", "--errorMessage", "printer on fire")
	require.Contains(t, out, "Failed job with key '"+keyString(job.GetKey())+"'")
	incident := e.incident(pik)
	require.Equal(t, "JOB_NO_RETRIES", incident.GetIncident().GetErrorType())
	require.Equal(t, "printer on fire", incident.GetIncident().GetErrorMessage())

	// Still stuck: resolving before the retries are updated is refused.
	z.fails([]string{"resolve", "incident", keyString(incident.GetKey())}, "FailedPrecondition")
	out = z.ok("update", "retries", keyString(job.GetKey()), "--retries", "2")
	require.Contains(t, out, "Updated the retries of job with key '"+keyString(job.GetKey())+"' to '2'")
	out = z.ok("resolve", "incident", keyString(incident.GetKey()))
	require.Contains(t, out, "Resolved an incident of a process instance with key '"+keyString(incident.GetKey())+"'")

	var again pb.ActivateJobsResponse
	z.json(&again, "activate", "jobs", "charge-card")
	require.Len(t, again.GetJobs(), 1)
	require.Equal(t, job.GetKey(), again.GetJobs()[0].GetKey())
	require.EqualValues(t, 2, again.GetJobs()[0].GetRetries())
	z.ok("complete", "job", keyString(job.GetKey()))
	e.waitCompleted(pik)

	z.fails([]string{"resolve", "incident", keyString(incident.GetKey())}, "NotFound")
	z.fails([]string{"update", "retries", keyString(job.GetKey()), "--retries", "1"}, "NotFound")
}

func TestZbctlSetVariablesAndCancel(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)
	z.ok("deploy", "resource", modelPath("pipeline.bpmn"))
	var created pb.CreateProcessInstanceResponse
	z.json(&created, "create", "instance", "pipeline", "--variables", `{"stage":"new"}`)
	pik := created.GetProcessInstanceKey()

	var set pb.SetVariablesResponse
	z.json(&set, "set", "variables", keyString(pik), "--variables", `{"stage":"checked","owner":"ops"}`, "--output", "json")
	require.Positive(t, set.GetKey())
	var local pb.SetVariablesResponse
	z.json(&local, "set", "variables", keyString(pik), "--variables", `{"note":"local"}`, "--local", "--output", "json")
	require.Positive(t, local.GetKey())

	var activated pb.ActivateJobsResponse
	z.json(&activated, "activate", "jobs", "prepare")
	require.Len(t, activated.GetJobs(), 1)
	require.JSONEq(t, `{"stage":"checked","owner":"ops","note":"local"}`, activated.GetJobs()[0].GetVariables())

	out := z.ok("cancel", "instance", keyString(pik))
	require.Contains(t, out, "Canceled process instance with key '"+keyString(pik)+"'")
	e.waitRecord("process instance terminated", func(r *recordpb.Record) bool {
		return isInstanceDone(r, pik, "ELEMENT_TERMINATED")
	})
	z.fails([]string{"cancel", "instance", keyString(pik)}, "NotFound", keyString(pik))
	z.fails([]string{"complete", "job", keyString(activated.GetJobs()[0].GetKey())}, "NotFound")
	z.fails([]string{"set", "variables", keyString(pik), "--variables", `{"late":true}`}, "NotFound")
}

func TestZbctlPublishMessage(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)

	var published pb.PublishMessageResponse
	z.json(&published, "publish", "message", "payment-received", "--correlationKey", "order-42",
		"--variables", `{"amount":99.5}`, "--messageId", "msg-1", "--ttl", "1m")
	require.Positive(t, published.GetKey())
	msg := e.waitRecord("message published", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_MESSAGE && r.GetKey() == published.GetKey()
	})
	require.Equal(t, "payment-received", msg.GetMessage().GetName())
	require.Equal(t, "order-42", msg.GetMessage().GetCorrelationKey())
	require.Equal(t, "msg-1", msg.GetMessage().GetMessageId())
	require.EqualValues(t, 60_000, msg.GetMessage().GetTimeToLive())
	require.JSONEq(t, `{"amount":99.5}`, string(msg.GetMessage().GetVariables()))

	// Refused by Weft (Zeebe 8.3 accepts an empty name).
	z.fails([]string{"publish", "message", "", "--correlationKey", "k"}, "InvalidArgument", "name")
}

// zbctl 8.3 drives decisions, signals, message correlation and resource deletion.
func TestZbctlDecisionsSignalsAndDeletion(t *testing.T) {
	t.Parallel()
	e := startDevEnv(t)
	z := newZbctl(t, e)

	var dep pb.DeployResourceResponse
	z.json(&dep, "deploy", "resource", modelPath("dish.dmn"), modelPath("signals.bpmn"), modelPath("message_catch.bpmn"))
	var drgKey int64
	for _, d := range dep.GetDeployments() {
		if d.GetDecisionRequirements() != nil {
			drgKey = d.GetDecisionRequirements().GetDecisionRequirementsKey()
		}
	}
	require.Positive(t, drgKey, "the DMN resource is listed")

	var eval pb.EvaluateDecisionResponse
	z.json(&eval, "evaluate", "decision", "dish", "--variables", `{"month":7,"guests":2}`)
	require.Equal(t, `"Salad"`, eval.GetDecisionOutput())
	require.Len(t, eval.GetEvaluatedDecisions(), 2)

	// A signal starts the listener process and its end event's signal.
	var sig pb.BroadcastSignalResponse
	z.json(&sig, "broadcast", "signal", "kickoff")
	require.Positive(t, sig.GetKey())
	e.waitRecord("the signal start event", func(r *recordpb.Record) bool {
		return r.GetIntent() == "ELEMENT_ACTIVATED" && r.GetProcessInstance().GetElementId() == "onDone"
	})

	// A message published with zbctl completes a waiting instance.
	key := e.create("order", `{"orderId":"z-1","region":"eu"}`)
	z.ok("publish", "message", "paid", "--correlationKey", "z-1")
	e.waitRecord("the catch event to complete", func(r *recordpb.Record) bool {
		return r.GetIntent() == "ELEMENT_COMPLETED" && r.GetProcessInstance().GetElementId() == "waitPaid" &&
			r.GetProcessInstance().GetProcessInstanceKey() == key
	})

	z.ok("delete", "resource", keyString(drgKey))
	z.fails([]string{"evaluate", "decision", "dish"}, "NotFound")
	z.fails([]string{"delete", "resource", keyString(drgKey)}, "NotFound")
}
