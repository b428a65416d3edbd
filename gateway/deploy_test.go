package gateway

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// deployedAnswer answers DEPLOYMENT CREATE with one process per resource.
func deployedAnswer(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	resp := eventFor(cmd, "CREATED", keyOn(1, 10))
	d := proto.CloneOf(cmd.GetDeployment())
	for i, r := range d.GetResources() {
		d.ProcessesMetadata = append(d.ProcessesMetadata, &recordpb.ProcessMetadata{
			BpmnProcessId:        "process-" + r.GetResourceName(),
			Version:              int32(i + 1),
			ProcessDefinitionKey: keyOn(1, int64(11+i)),
			ResourceName:         r.GetResourceName(),
		})
	}
	resp.Value = &recordpb.Record_Deployment{Deployment: d}
	return resp, nil
}

func TestDeployResource(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	b.setHandler(deployedAnswer)
	client := startGateway(t, b, Options{})

	resp, err := client.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{
		{Name: "/home/me/models/order.bpmn", Content: []byte("<definitions/>")},
		{Name: "pay.bpmn", Content: []byte("<x/>")},
	}})
	noError(t, err)

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, int32(1), sent[0].partition)
	cmd := sent[0].cmd
	equal(t, recordpb.RecordType_COMMAND, cmd.GetRecordType())
	equal(t, recordpb.ValueType_DEPLOYMENT, cmd.GetValueType())
	equal(t, "CREATE", cmd.GetIntent())
	protoEqual(t, &recordpb.DeploymentRecord{Resources: []*recordpb.DeploymentResource{
		{ResourceName: "/home/me/models/order.bpmn", Resource: []byte("<definitions/>")},
		{ResourceName: "pay.bpmn", Resource: []byte("<x/>")},
	}}, cmd.GetDeployment())

	want := &gatewaypb.DeployResourceResponse{
		Key: keyOn(1, 10),
		Deployments: []*gatewaypb.Deployment{
			{Metadata: &gatewaypb.Deployment_Process{Process: &gatewaypb.ProcessMetadata{
				BpmnProcessId: "process-/home/me/models/order.bpmn", Version: 1,
				ProcessDefinitionKey: keyOn(1, 11), ResourceName: "/home/me/models/order.bpmn",
			}}},
			{Metadata: &gatewaypb.Deployment_Process{Process: &gatewaypb.ProcessMetadata{
				BpmnProcessId: "process-pay.bpmn", Version: 2,
				ProcessDefinitionKey: keyOn(1, 12), ResourceName: "pay.bpmn",
			}}},
		},
	}
	protoEqual(t, want, resp)
}

func TestDeployProcess(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(deployedAnswer)
	client := startGateway(t, b, Options{})

	resp, err := client.DeployProcess(t.Context(), &gatewaypb.DeployProcessRequest{Processes: []*gatewaypb.ProcessRequestObject{
		{Name: "a.bpmn", Definition: []byte("<a/>")},
	}})
	noError(t, err)

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, int32(1), sent[0].partition)
	equal(t, recordpb.ValueType_DEPLOYMENT, sent[0].cmd.GetValueType())
	equal(t, "CREATE", sent[0].cmd.GetIntent())
	protoEqual(t, &recordpb.DeploymentRecord{Resources: []*recordpb.DeploymentResource{
		{ResourceName: "a.bpmn", Resource: []byte("<a/>")},
	}}, sent[0].cmd.GetDeployment())

	want := &gatewaypb.DeployProcessResponse{Key: keyOn(1, 10), Processes: []*gatewaypb.ProcessMetadata{
		{BpmnProcessId: "process-a.bpmn", Version: 1, ProcessDefinitionKey: keyOn(1, 11), ResourceName: "a.bpmn"},
	}}
	protoEqual(t, want, resp)
}
