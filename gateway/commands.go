package gateway

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Intents of the commands the gateway sends, with Zeebe's names.
const (
	intentCreate        = "CREATE"
	intentCancel        = "CANCEL"
	intentActivate      = "ACTIVATE"
	intentComplete      = "COMPLETE"
	intentFail          = "FAIL"
	intentThrowError    = "THROW_ERROR"
	intentUpdateRetries = "UPDATE_RETRIES"
	intentResolve       = "RESOLVE"
	intentUpdate        = "UPDATE"
	intentPublish       = "PUBLISH"
	intentYield         = "YIELD"
)

// noKey marks a command that is not about an existing entity.
const noKey = -1

// newCommand returns a command record for partition; the caller sets its value.
func newCommand(partition int32, valueType recordpb.ValueType, intent string, key int64) *recordpb.Record {
	return &recordpb.Record{
		RecordType:           recordpb.RecordType_COMMAND,
		ValueType:            valueType,
		Intent:               intent,
		Key:                  key,
		PartitionId:          partition,
		SourceRecordPosition: -1,
	}
}

// execute sends cmd to partition and returns the broker's EVENT answer, whose value type
// must be want. A rejection, a Broker error or an unexpected answer comes back as a gRPC
// status error, ready to return to the client.
func (s *Server) execute(ctx context.Context, partition int32, cmd *recordpb.Record, want recordpb.ValueType) (*recordpb.Record, error) {
	resp, err := s.broker.Execute(ctx, partition, cmd)
	if err != nil {
		return nil, brokerStatus(cmd, partition, err)
	}
	switch resp.GetRecordType() {
	case recordpb.RecordType_EVENT:
		if resp.GetValueType() != want {
			return nil, s.unexpectedAnswer(cmd, partition, resp, want)
		}
		return resp, nil
	case recordpb.RecordType_COMMAND_REJECTION:
		return nil, rejectionStatus(cmd, resp)
	default:
		return nil, s.unexpectedAnswer(cmd, partition, resp, want)
	}
}

// unexpectedAnswer reports a broker answer that breaks the Broker contract: a bug between
// gateway and engine, not something the client can fix.
func (s *Server) unexpectedAnswer(cmd *recordpb.Record, partition int32, resp *recordpb.Record, want recordpb.ValueType) error {
	s.log.Error("broker answered a command with an unexpected record",
		"partition", partition, "command_value_type", cmd.GetValueType().String(), "command_intent", cmd.GetIntent(),
		"answer_record_type", resp.GetRecordType().String(), "answer_value_type", resp.GetValueType().String(),
		"answer_intent", resp.GetIntent())
	return status.Errorf(codes.Internal,
		"Expected partition %d to answer command '%s %s' with a %s event, but it answered with a %s %s record",
		partition, cmd.GetValueType(), cmd.GetIntent(), want, resp.GetRecordType(), resp.GetValueType())
}
