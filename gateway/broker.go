package gateway

import (
	"context"
	"errors"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Broker is the gateway's view of the cluster. Implementations are safe for concurrent use.
//
// The gateway calls it from gRPC handler goroutines, many at once. It never changes a
// record it passed to Execute or got back from it, and it expects the same of the Broker.
type Broker interface {
	// Execute sends one command (RecordType COMMAND) to a partition's leader and returns its
	// response: an EVENT record, or a COMMAND_REJECTION record with rejection type and reason.
	// Errors: ErrPartitionUnavailable (no leader), ErrBackpressure (leader refused the request: RESOURCE_EXHAUSTED),
	// context errors on timeout/cancel.
	Execute(ctx context.Context, partitionID int32, cmd *recordpb.Record) (*recordpb.Record, error)
	// Partitions lists the partition ids, ascending.
	Partitions() []int32
	// Topology describes the brokers and their partitions.
	Topology(ctx context.Context) (*Topology, error)
	// WatchJobs returns a channel that receives (non-blocking, buffered 1) whenever jobs of the given type may have become activatable on any partition; cancel stops it.
	WatchJobs(jobType string) (ch <-chan struct{}, cancel func())
}

var (
	// ErrPartitionUnavailable is returned by Broker.Execute when the partition has no
	// reachable leader. The gateway answers UNAVAILABLE, which clients retry.
	ErrPartitionUnavailable = errors.New("partition unavailable: no leader")
	// ErrBackpressure is returned by Broker.Execute when the partition's leader refused the
	// command because it has too many in flight. The gateway answers RESOURCE_EXHAUSTED.
	ErrBackpressure = errors.New("partition leader refused the request: back-pressure")
)

// Topology describes the cluster for the Topology RPC.
type Topology struct {
	// Brokers are the cluster's brokers, with the partitions each hosts.
	Brokers []BrokerInfo
	// ClusterSize is the number of brokers the cluster is configured for.
	ClusterSize int32
	// PartitionsCount is the number of partitions.
	PartitionsCount int32
	// ReplicationFactor is the number of replicas of each partition.
	ReplicationFactor int32
}

// BrokerInfo describes one broker of a Topology.
type BrokerInfo struct {
	// NodeID is the broker's node id.
	NodeID int32
	// Host is the broker's host name or address.
	Host string
	// Port is the broker's port.
	Port int32
	// Version is the broker's version.
	Version string
	// Partitions are the partition replicas the broker hosts.
	Partitions []PartitionInfo
}

// PartitionInfo describes one partition replica on a broker.
type PartitionInfo struct {
	// PartitionID is the partition's id, from 1.
	PartitionID int32
	// Leader is true when this broker leads the partition; false means follower.
	Leader bool
	// Healthy is true when the replica is processing normally.
	Healthy bool
}
