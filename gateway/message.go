package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// PublishMessage publishes a message on the partition its correlation key hashes to (see
// messagePartition). Unlike Zeebe 8.3, an empty message name is refused.
func (s *Server) PublishMessage(ctx context.Context, req *gatewaypb.PublishMessageRequest) (*gatewaypb.PublishMessageResponse, error) {
	const action = "publish message"
	if req.GetName() == "" {
		return nil, invalidArgument("Expected message name to be non-empty")
	}
	if req.GetTimeToLive() < 0 {
		return nil, invalidArgument("Expected to %s with timeToLive zero or greater, but got %d", action, req.GetTimeToLive())
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	parts := s.broker.Partitions()
	if len(parts) == 0 {
		return nil, errNoPartitions()
	}
	partition := messagePartition(req.GetCorrelationKey(), parts)
	cmd := newCommand(partition, recordpb.ValueType_MESSAGE, intentPublish, noKey)
	cmd.Value = &recordpb.Record_Message{Message: &recordpb.MessageRecord{
		Name:           req.GetName(),
		CorrelationKey: req.GetCorrelationKey(),
		TimeToLive:     req.GetTimeToLive(),
		MessageId:      req.GetMessageId(),
		Variables:      variables,
	}}
	resp, err := s.execute(ctx, partition, cmd, recordpb.ValueType_MESSAGE)
	if err != nil {
		return nil, err
	}
	return &gatewaypb.PublishMessageResponse{Key: resp.GetKey()}, nil
}
