package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// DeployResource deploys BPMN and DMN resources as one deployment on partition 1,
// which distributes it to the other partitions. Resource names are passed and returned
// unchanged.
func (s *Server) DeployResource(ctx context.Context, req *gatewaypb.DeployResourceRequest) (*gatewaypb.DeployResourceResponse, error) {
	resources := make([]*recordpb.DeploymentResource, 0, len(req.GetResources()))
	for _, r := range req.GetResources() {
		resources = append(resources, &recordpb.DeploymentResource{ResourceName: r.GetName(), Resource: r.GetContent()})
	}
	deployment, key, err := s.deploy(ctx, resources)
	if err != nil {
		return nil, err
	}
	resp := &gatewaypb.DeployResourceResponse{Key: key}
	for _, p := range deployment.GetProcessesMetadata() {
		resp.Deployments = append(resp.Deployments, &gatewaypb.Deployment{
			Metadata: &gatewaypb.Deployment_Process{Process: processMetadata(p)},
		})
	}
	for _, d := range deployment.GetDecisionsMetadata() {
		resp.Deployments = append(resp.Deployments, &gatewaypb.Deployment{
			Metadata: &gatewaypb.Deployment_Decision{Decision: &gatewaypb.DecisionMetadata{
				DmnDecisionId: d.GetDecisionId(), DmnDecisionName: d.GetDecisionName(), Version: d.GetVersion(),
				DecisionKey: d.GetDecisionKey(), DmnDecisionRequirementsId: d.GetDecisionRequirementsId(),
				DecisionRequirementsKey: d.GetDecisionRequirementsKey(),
			}},
		})
	}
	for _, d := range deployment.GetDecisionRequirementsMetadata() {
		resp.Deployments = append(resp.Deployments, &gatewaypb.Deployment{
			Metadata: &gatewaypb.Deployment_DecisionRequirements{DecisionRequirements: &gatewaypb.DecisionRequirementsMetadata{
				DmnDecisionRequirementsId: d.GetDecisionRequirementsId(), DmnDecisionRequirementsName: d.GetDecisionRequirementsName(),
				Version: d.GetDecisionRequirementsVersion(), DecisionRequirementsKey: d.GetDecisionRequirementsKey(),
				ResourceName: d.GetResourceName(),
			}},
		})
	}
	return resp, nil
}

// DeployProcess is the deprecated form of DeployResource, kept for old clients.
func (s *Server) DeployProcess(ctx context.Context, req *gatewaypb.DeployProcessRequest) (*gatewaypb.DeployProcessResponse, error) {
	resources := make([]*recordpb.DeploymentResource, 0, len(req.GetProcesses()))
	for _, p := range req.GetProcesses() {
		resources = append(resources, &recordpb.DeploymentResource{ResourceName: p.GetName(), Resource: p.GetDefinition()})
	}
	deployment, key, err := s.deploy(ctx, resources)
	if err != nil {
		return nil, err
	}
	resp := &gatewaypb.DeployProcessResponse{Key: key}
	for _, p := range deployment.GetProcessesMetadata() {
		resp.Processes = append(resp.Processes, processMetadata(p))
	}
	return resp, nil
}

// deploy validates the resources and sends DEPLOYMENT CREATE; it returns the CREATED
// event's value and key (the deployment key).
func (s *Server) deploy(ctx context.Context, resources []*recordpb.DeploymentResource) (*recordpb.DeploymentRecord, int64, error) {
	if len(resources) == 0 {
		return nil, 0, invalidArgument("Expected to deploy at least one resource, but got none")
	}
	for i, r := range resources {
		if r.GetResourceName() == "" {
			return nil, 0, invalidArgument("Expected to deploy resource at index %d with a non-empty name, but got ''", i)
		}
		if len(r.GetResource()) == 0 {
			return nil, 0, invalidArgument("Expected to deploy resource '%s' with non-empty content, but got 0 bytes",
				quoted(r.GetResourceName()))
		}
	}
	cmd := newCommand(deploymentPartition, recordpb.ValueType_DEPLOYMENT, intentCreate, noKey)
	cmd.Value = &recordpb.Record_Deployment{Deployment: &recordpb.DeploymentRecord{Resources: resources}}
	resp, err := s.execute(ctx, deploymentPartition, cmd, recordpb.ValueType_DEPLOYMENT)
	if err != nil {
		return nil, 0, err
	}
	return resp.GetDeployment(), resp.GetKey(), nil
}

func processMetadata(p *recordpb.ProcessMetadata) *gatewaypb.ProcessMetadata {
	return &gatewaypb.ProcessMetadata{
		BpmnProcessId:        p.GetBpmnProcessId(),
		Version:              p.GetVersion(),
		ProcessDefinitionKey: p.GetProcessDefinitionKey(),
		ResourceName:         p.GetResourceName(),
	}
}

// DeleteResource deletes a deployed process definition or DMN resource on the partition
// of its key, which deletes it on every other partition before answering.
func (s *Server) DeleteResource(ctx context.Context, req *gatewaypb.DeleteResourceRequest) (*gatewaypb.DeleteResourceResponse, error) {
	const action = "delete resource"
	partition, err := s.partitionOfKey(action, "resourceKey", "resource", req.GetResourceKey())
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_RESOURCE_DELETION, "DELETE", noKey)
	cmd.Value = &recordpb.Record_ResourceDeletion{ResourceDeletion: &recordpb.ResourceDeletionRecord{ResourceKey: req.GetResourceKey()}}
	if _, err := s.execute(ctx, partition, cmd, recordpb.ValueType_RESOURCE_DELETION); err != nil {
		return nil, err
	}
	return &gatewaypb.DeleteResourceResponse{}, nil
}
