package gateway

import (
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// TestValidation sends requests that must be refused before anything reaches a broker.
func TestValidation(t *testing.T) {
	goodJob := keyOn(1, 1)
	activate := func(c gatewaypb.GatewayClient, t *testing.T, req *gatewaypb.ActivateJobsRequest) error {
		stream, err := c.ActivateJobs(t.Context(), req)
		if err != nil {
			return err
		}
		for {
			if _, err := stream.Recv(); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	}
	validActivation := func() *gatewaypb.ActivateJobsRequest {
		return &gatewaypb.ActivateJobsRequest{Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 1, RequestTimeout: -1}
	}

	tests := []struct {
		name string
		call func(gatewaypb.GatewayClient, *testing.T) error
		code codes.Code
		msg  string
	}{
		// Variables.
		{"variables not JSON", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: goodJob, Variables: `{"a":`})
			return err
		}, codes.InvalidArgument, `Expected to complete job with variables that are a JSON object, but got invalid JSON '{"a":'`},
		{"variables an array", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "p", Variables: `[1,2]`})
			return err
		}, codes.InvalidArgument, "Expected to create process instance with variables that are a JSON object, but got a JSON array '[1,2]'"},
		{"variables null", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.FailJob(t.Context(), &gatewaypb.FailJobRequest{JobKey: goodJob, Variables: `null`})
			return err
		}, codes.InvalidArgument, "but got a JSON null 'null'"},
		{"variables a string", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.ThrowError(t.Context(), &gatewaypb.ThrowErrorRequest{JobKey: goodJob, Variables: `"x"`})
			return err
		}, codes.InvalidArgument, `but got a JSON string '"x"'`},
		{"variables a number", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.SetVariables(t.Context(), &gatewaypb.SetVariablesRequest{ElementInstanceKey: goodJob, Variables: `12`})
			return err
		}, codes.InvalidArgument, "but got a JSON number '12'"},
		{"variables two objects", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{Name: "m", Variables: `{}{}`})
			return err
		}, codes.InvalidArgument, "but got invalid JSON '{}{}'"},
		{"variables of result request", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
				Request: &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "p", Variables: `true`},
			})
			return err
		}, codes.InvalidArgument, "but got a JSON boolean 'true'"},
		{"long variables are shortened in the message", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: goodJob, Variables: "[" + strings.Repeat("1,", 500) + "1]"})
			return err
		}, codes.InvalidArgument, "1,1...'"},

		// ActivateJobs.
		{"job type empty", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.Type = ""
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with a non-blank type, but got ''"},
		{"job type blank", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.Type = " \t"
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with a non-blank type, but got ' \t'"},
		{"worker empty", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.Worker = ""
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with a non-blank worker, but got ''"},
		{"timeout zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.Timeout = 0
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with timeout greater than zero, but got 0"},
		{"timeout negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.Timeout = -5
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with timeout greater than zero, but got -5"},
		{"maxJobsToActivate zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.MaxJobsToActivate = 0
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with maxJobsToActivate greater than zero, but got 0"},
		{"maxJobsToActivate negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.MaxJobsToActivate = -1
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with maxJobsToActivate greater than zero, but got -1"},
		{"maxJobsToActivate absurd", func(c gatewaypb.GatewayClient, t *testing.T) error {
			req := validActivation()
			req.MaxJobsToActivate = 100_001
			return activate(c, t, req)
		}, codes.InvalidArgument, "Expected to activate jobs with maxJobsToActivate at most 100000, but got 100001"},

		// Jobs.
		{"fail job negative retries", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.FailJob(t.Context(), &gatewaypb.FailJobRequest{JobKey: goodJob, Retries: -1})
			return err
		}, codes.InvalidArgument, "Expected to fail job with retries zero or greater, but got -1"},
		{"fail job negative back-off", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.FailJob(t.Context(), &gatewaypb.FailJobRequest{JobKey: goodJob, RetryBackOff: -10})
			return err
		}, codes.InvalidArgument, "Expected to fail job with retryBackOff zero or greater, but got -10"},
		{"update retries negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.UpdateJobRetries(t.Context(), &gatewaypb.UpdateJobRetriesRequest{JobKey: goodJob, Retries: -3})
			return err
		}, codes.InvalidArgument, "Expected to update retries of job with retries zero or greater, but got -3"},

		// Messages.
		{"message name empty", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{CorrelationKey: "k"})
			return err
		}, codes.InvalidArgument, "Expected message name to be non-empty"},
		{"message negative time to live", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{Name: "m", TimeToLive: -1})
			return err
		}, codes.InvalidArgument, "Expected to publish message with timeToLive zero or greater, but got -1"},

		// Keys.
		{"job key zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{})
			return err
		}, codes.InvalidArgument, "Expected to complete job with jobKey greater than zero, but got 0"},
		{"job key negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.ThrowError(t.Context(), &gatewaypb.ThrowErrorRequest{JobKey: -4})
			return err
		}, codes.InvalidArgument, "Expected to throw error with jobKey greater than zero, but got -4"},
		{"update retries key zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.UpdateJobRetries(t.Context(), &gatewaypb.UpdateJobRetriesRequest{Retries: 1})
			return err
		}, codes.InvalidArgument, "Expected to update retries of job with jobKey greater than zero, but got 0"},
		{"fail job key zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.FailJob(t.Context(), &gatewaypb.FailJobRequest{Retries: 1})
			return err
		}, codes.InvalidArgument, "Expected to fail job with jobKey greater than zero, but got 0"},
		{"process instance key zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CancelProcessInstance(t.Context(), &gatewaypb.CancelProcessInstanceRequest{})
			return err
		}, codes.InvalidArgument, "Expected to cancel process instance with processInstanceKey greater than zero, but got 0"},
		{"incident key negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.ResolveIncident(t.Context(), &gatewaypb.ResolveIncidentRequest{IncidentKey: -1})
			return err
		}, codes.InvalidArgument, "Expected to resolve incident with incidentKey greater than zero, but got -1"},
		{"element instance key zero", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.SetVariables(t.Context(), &gatewaypb.SetVariablesRequest{Variables: `{}`})
			return err
		}, codes.InvalidArgument, "Expected to set variables with elementInstanceKey greater than zero, but got 0"},
		{"process definition key negative", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{ProcessDefinitionKey: -2})
			return err
		}, codes.InvalidArgument, "Expected to create process instance with processDefinitionKey greater than zero, but got -2"},

		// Process instance creation.
		{"neither id nor key", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{Version: -1})
			return err
		}, codes.InvalidArgument, "Expected to create process instance with a bpmnProcessId or a processDefinitionKey, but got bpmnProcessId '' and processDefinitionKey 0"},
		{"with result: neither id nor key", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
				Request: &gatewaypb.CreateProcessInstanceRequest{},
			})
			return err
		}, codes.InvalidArgument, "with a bpmnProcessId or a processDefinitionKey"},
		{"with result: request missing", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{})
			return err
		}, codes.InvalidArgument, "Expected to create process instance with result with request set, but it was missing"},

		// Deployments.
		{"no resources", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{})
			return err
		}, codes.InvalidArgument, "Expected to deploy at least one resource, but got none"},
		{"resource without name", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{
				{Name: "a.bpmn", Content: []byte("x")}, {Content: []byte("y")},
			}})
			return err
		}, codes.InvalidArgument, "Expected to deploy resource at index 1 with a non-empty name, but got ''"},
		{"resource without content", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{{Name: "a.bpmn"}}})
			return err
		}, codes.InvalidArgument, "Expected to deploy resource 'a.bpmn' with non-empty content, but got 0 bytes"},
		{"no processes", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.DeployProcess(t.Context(), &gatewaypb.DeployProcessRequest{})
			return err
		}, codes.InvalidArgument, "Expected to deploy at least one resource, but got none"},
		{"process without content", func(c gatewaypb.GatewayClient, t *testing.T) error {
			_, err := c.DeployProcess(t.Context(), &gatewaypb.DeployProcessRequest{Processes: []*gatewaypb.ProcessRequestObject{{Name: "p.bpmn"}}})
			return err
		}, codes.InvalidArgument, "Expected to deploy resource 'p.bpmn' with non-empty content, but got 0 bytes"},
	}
	b := newFakeBroker(1, 2, 3)
	client := startGateway(t, b, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireStatus(t, tt.call(client, t), tt.code, tt.msg)
		})
	}
	equal(t, 0, len(b.sent()))
}

// TestBlankVariablesAreNoVariables checks that an empty or all-blank variables string
// sends no variables.
func TestBlankVariablesAreNoVariables(t *testing.T) {
	b := newFakeBroker(1)
	client := startGateway(t, b, Options{})
	for _, doc := range []string{"", "  \n"} {
		_, err := client.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: keyOn(1, 1), Variables: doc})
		noError(t, err)
	}
	for _, s := range b.sent() {
		equal(t, 0, len(s.cmd.GetJob().GetVariables()))
	}
}

// FuzzVariablesDocument checks that any string is either refused or accepted as a JSON
// object (or as no variables), and never panics.
func FuzzVariablesDocument(f *testing.F) {
	for _, seed := range []string{"", " ", "{}", `{"a":1}`, "[]", "null", `"s"`, "1", "{", `{"a":1}{}`, "\t{ } "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		got, err := variablesDocument("complete job", "variables", doc)
		if err != nil {
			return
		}
		if got == nil {
			if strings.TrimSpace(doc) != "" {
				t.Fatalf("%q gave no variables", doc)
			}
			return
		}
		var obj map[string]any
		if err := json.Unmarshal(got, &obj); err != nil || obj == nil {
			t.Fatalf("%q was accepted but is not a JSON object: %v", doc, err)
		}
	})
}

func TestMillisSaturates(t *testing.T) {
	equal(t, 1500*time.Millisecond, millis(1500))
	equal(t, time.Duration(math.MaxInt64), millis(math.MaxInt64))
	equal(t, time.Duration(math.MaxInt64), millis(math.MaxInt64/1_000_000+1))
}
