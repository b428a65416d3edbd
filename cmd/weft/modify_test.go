package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	pb "github.com/camunda/zeebe/clients/go/v8/pkg/pb"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// ModifyProcessInstance with the official client moves a token: the waiting task is
// terminated, an element after it is activated with a variable, and the instance goes
// on from there. Bad instructions are refused and change nothing.
func TestModifyProcessInstance(t *testing.T) {
	e := startDevEnv(t)
	ctx := e.ctx(20 * time.Second)
	_, err := e.client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "subprocess.bpmn")).Send(ctx)
	require.NoError(t, err)
	key := e.create("nested", `{"order":{"id":1}}`)
	work := e.waitRecord("the task to wait", func(r *recordpb.Record) bool {
		return r.GetIntent() == "ELEMENT_ACTIVATED" && r.GetProcessInstance().GetElementId() == "work" && r.GetProcessInstance().GetProcessInstanceKey() == key
	}).GetKey()

	// The Go client 8.3 has no modification command; its generated gateway stub has.
	_, err = e.gw.ModifyProcessInstance(ctx, &pb.ModifyProcessInstanceRequest{ProcessInstanceKey: key,
		TerminateInstructions: []*pb.ModifyProcessInstanceRequest_TerminateInstruction{{ElementInstanceKey: 12345}}})
	requireStatus(t, err, codes.InvalidArgument, "terminate instructions")
	_, err = e.gw.ModifyProcessInstance(ctx, &pb.ModifyProcessInstanceRequest{ProcessInstanceKey: key,
		ActivateInstructions: []*pb.ModifyProcessInstanceRequest_ActivateInstruction{{ElementId: "nowhere"}}})
	requireStatus(t, err, codes.InvalidArgument, "nowhere")
	e.requireRunning(key)

	_, err = e.gw.ModifyProcessInstance(ctx, &pb.ModifyProcessInstanceRequest{ProcessInstanceKey: key,
		ActivateInstructions: []*pb.ModifyProcessInstanceRequest_ActivateInstruction{{ElementId: "innerEnd",
			VariableInstructions: []*pb.ModifyProcessInstanceRequest_VariableInstruction{{Variables: `{"skipped":true}`, ScopeId: "inner"}}}},
		TerminateInstructions: []*pb.ModifyProcessInstanceRequest_TerminateInstruction{{ElementInstanceKey: work}}})
	require.NoError(t, err)
	e.waitCompleted(key)
	skipped := false
	for _, r := range e.records() {
		if v := r.GetVariable(); v != nil && v.GetProcessInstanceKey() == key && v.GetName() == "skipped" {
			skipped = true
		}
	}
	require.True(t, skipped, "the variable instruction set its variable")
}

// Start instructions with the official client: the instance starts at the named task,
// inside its sub-processes, and not at the none start event.
func TestCreateInstanceWithStartInstructions(t *testing.T) {
	e := startDevEnv(t)
	ctx := e.ctx(20 * time.Second)
	_, err := e.client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "subprocess.bpmn")).Send(ctx)
	require.NoError(t, err)
	cmd, err := e.client.NewCreateInstanceCommand().BPMNProcessId("nested").LatestVersion().
		VariablesFromString(`{"order":{"id":5}}`)
	require.NoError(t, err)
	r, err := cmd.StartBeforeElement("work").Send(ctx)
	require.NoError(t, err)
	key := r.GetProcessInstanceKey()
	e.waitRecord("the task to be active", func(r *recordpb.Record) bool {
		return r.GetIntent() == "ELEMENT_ACTIVATED" && r.GetProcessInstance().GetElementId() == "work" && r.GetProcessInstance().GetProcessInstanceKey() == key
	})
	require.Zero(t, e.countEvents(func(r *recordpb.Record) bool {
		return r.GetProcessInstance().GetElementId() == "start" && r.GetProcessInstance().GetProcessInstanceKey() == key
	}), "the none start event does not run")

	bad, err := e.client.NewCreateInstanceCommand().BPMNProcessId("nested").LatestVersion().VariablesFromString(`{}`)
	require.NoError(t, err)
	_, err = bad.StartBeforeElement("nowhere").Send(ctx)
	requireStatus(t, err, codes.InvalidArgument, "nowhere")
}
