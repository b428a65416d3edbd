package gateway

import (
	"context"
	"slices"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

const (
	// keyPartitionShift is where a key keeps its partition id: key >> 51, as in Zeebe.
	keyPartitionShift = 51
	// deploymentPartition receives every deployment; it distributes them to the others.
	deploymentPartition int32 = 1
)

// partitionOfKey returns the partition that owns key. field and entity name the request
// field and what the key names ("jobKey", "job"), for the messages of the errors: a key
// that is not positive is INVALID_ARGUMENT, one whose partition the cluster does not have
// is NOT_FOUND, because no entity can have such a key.
func (s *Server) partitionOfKey(action, field, entity string, key int64) (int32, error) {
	if key <= 0 {
		return 0, status.Errorf(codes.InvalidArgument,
			"Expected to %s with %s greater than zero, but got %d", action, field, key)
	}
	p := int32(key >> keyPartitionShift)
	if !slices.Contains(s.broker.Partitions(), p) {
		return 0, status.Errorf(codes.NotFound,
			"Expected to %s with key '%d', but no such %s was found: the key belongs to partition %d, which does not exist",
			action, key, entity, p)
	}
	return p, nil
}

// nextPartition picks partitions in turn from counter, for commands that any partition can
// take (process instance creation).
func (s *Server) nextPartition(counter *atomic.Uint64) (int32, error) {
	parts := s.broker.Partitions()
	if len(parts) == 0 {
		return 0, errNoPartitions()
	}
	n := counter.Add(1) - 1
	return parts[n%uint64(len(parts))], nil
}

// executeAnywhere runs a command that any partition can take (a creation by process
// id), starting at partition first. A partition that refuses it under back-pressure or
// on a full disk (RESOURCE_EXHAUSTED: the command was not proposed) hands it to the
// next partition, as Zeebe's gateway does, until every partition was asked; the last
// refusal is then returned. Other errors are returned at once: a command whose outcome
// is unknown must not run twice.
func (s *Server) executeAnywhere(ctx context.Context, first int32, cmd *recordpb.Record, want recordpb.ValueType) (*recordpb.Record, error) {
	parts := s.broker.Partitions()
	start := slices.Index(parts, first)
	if start < 0 {
		return s.execute(ctx, first, cmd, want)
	}
	var err error
	for i := range parts {
		p := parts[(start+i)%len(parts)]
		c := proto.CloneOf(cmd)
		c.PartitionId = p
		var resp *recordpb.Record
		resp, err = s.execute(ctx, p, c, want)
		if status.Code(err) != codes.ResourceExhausted || ctx.Err() != nil {
			return resp, err
		}
	}
	return nil, err
}

func errNoPartitions() error {
	return status.Error(codes.Unavailable, "Expected to route the request to a partition, but the gateway knows of no partitions yet")
}

// messagePartition returns the partition that owns messages with the given correlation
// key: parts[|h mod len(parts)|] for h = placement.CorrelationHash(correlationKey). The
// gateway's parts are 1..N in order, so this is placement.MessagePartition, the rule the
// engine places message subscriptions with.
func messagePartition(correlationKey string, parts []int32) int32 {
	idx := placement.CorrelationHash(correlationKey) % int32(len(parts))
	if idx < 0 {
		idx = -idx
	}
	return parts[idx]
}
