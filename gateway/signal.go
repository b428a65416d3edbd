package gateway

import (
	"context"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// BroadcastSignal broadcasts a signal through one partition, taken in turn; that
// partition triggers its own waits and distributes the signal to every other partition.
// The answer comes once the first partition broadcast it.
func (s *Server) BroadcastSignal(ctx context.Context, req *gatewaypb.BroadcastSignalRequest) (*gatewaypb.BroadcastSignalResponse, error) {
	const action = "broadcast signal"
	if req.GetSignalName() == "" {
		return nil, invalidArgument("Expected to %s with a signal name, but it is empty", action)
	}
	variables, err := variablesDocument(action, "variables", req.GetVariables())
	if err != nil {
		return nil, err
	}
	partition, err := s.nextPartition(&s.nextSignal)
	if err != nil {
		return nil, err
	}
	cmd := newCommand(partition, recordpb.ValueType_SIGNAL, "BROADCAST", noKey)
	cmd.Value = &recordpb.Record_Signal{Signal: &recordpb.SignalRecord{SignalName: req.GetSignalName(), Variables: variables}}
	resp, err := s.execute(ctx, partition, cmd, recordpb.ValueType_SIGNAL)
	if err != nil {
		return nil, err
	}
	return &gatewaypb.BroadcastSignalResponse{Key: resp.GetKey()}, nil
}
