package gateway

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// rejectionCodes is the one table from a command's rejection type to the gRPC code the
// client receives. A type missing here (NULL_VAL, or one added later) answers INTERNAL.
var rejectionCodes = map[recordpb.RejectionType]codes.Code{
	recordpb.RejectionType_INVALID_ARGUMENT:           codes.InvalidArgument,
	recordpb.RejectionType_NOT_FOUND:                  codes.NotFound,
	recordpb.RejectionType_ALREADY_EXISTS:             codes.AlreadyExists,
	recordpb.RejectionType_INVALID_STATE:              codes.FailedPrecondition,
	recordpb.RejectionType_EXCEEDED_BATCH_RECORD_SIZE: codes.ResourceExhausted,
	recordpb.RejectionType_PROCESSING_ERROR:           codes.Internal,
}

// rejectionStatus turns the rejection of cmd into a status with Zeebe's wording, e.g.
// "Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key
// '2251799813685251', but no such job was found".
func rejectionStatus(cmd, rejection *recordpb.Record) error {
	code, ok := rejectionCodes[rejection.GetRejectionType()]
	if !ok {
		code = codes.Internal
	}
	return status.Errorf(code, "Command '%s' rejected with code '%s': %s",
		cmd.GetIntent(), rejection.GetRejectionType(), rejection.GetRejectionReason())
}

// brokerStatus turns an error of Broker.Execute for cmd on partition into a status.
func brokerStatus(cmd *recordpb.Record, partition int32, err error) error {
	switch {
	case errors.Is(err, ErrPartitionUnavailable):
		return status.Errorf(codes.Unavailable,
			"Expected to send command '%s %s' to partition %d, but the partition has no leader right now: %v",
			cmd.GetValueType(), cmd.GetIntent(), partition, err)
	case errors.Is(err, ErrBackpressure):
		return status.Errorf(codes.ResourceExhausted,
			"Expected to send command '%s %s' to partition %d, but its leader refused it because it has too many requests in flight; retry later",
			cmd.GetValueType(), cmd.GetIntent(), partition)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Errorf(codes.DeadlineExceeded,
			"Expected command '%s %s' on partition %d to be answered before the deadline, but it was not: %v",
			cmd.GetValueType(), cmd.GetIntent(), partition, err)
	case errors.Is(err, context.Canceled):
		return status.Errorf(codes.Canceled,
			"Command '%s %s' on partition %d was canceled: %v",
			cmd.GetValueType(), cmd.GetIntent(), partition, err)
	}
	// A Broker that talks gRPC to the brokers may pass on their statuses; keep their code.
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		return st.Err()
	}
	return status.Errorf(codes.Internal,
		"Expected to send command '%s %s' to partition %d, but it failed: %v",
		cmd.GetValueType(), cmd.GetIntent(), partition, err)
}

// contextStatus turns the end of a request's own context into a status.
func contextStatus(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return status.Error(codes.DeadlineExceeded, "The request's deadline passed")
	}
	return status.Error(codes.Canceled, "The request was canceled")
}
