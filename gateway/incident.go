package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// ResolveIncident resolves an incident on its partition, so that its element is retried.
func (s *Server) ResolveIncident(ctx context.Context, req *gatewaypb.ResolveIncidentRequest) (*gatewaypb.ResolveIncidentResponse, error) {
	key := req.GetIncidentKey()
	partition, err := s.partitionOfKey("resolve incident", "incidentKey", "incident", key)
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_INCIDENT, intentResolve, key)
	cmd.Value = &recordpb.Record_Incident{Incident: &recordpb.IncidentRecord{}}
	if _, err := s.execute(ctx, partition, cmd, recordpb.ValueType_INCIDENT); err != nil {
		return nil, err
	}
	return &gatewaypb.ResolveIncidentResponse{}, nil
}
