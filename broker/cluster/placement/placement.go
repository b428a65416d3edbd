// Package placement computes which brokers host which partitions.
//
// Placement is a pure function of (cluster size, partition count, replication factor), so
// every broker and gateway computes the same answer without talking to anyone. The
// distribution is Zeebe's round robin: partition p (from 1) is hosted by the nodes
// (p-1+i) mod clusterSize for i in 0..replicationFactor-1, and the first of them is the
// partition's priority node, the one preferred as Raft leader. With as many partitions as
// brokers, every broker is the priority node of exactly one partition, so leadership (and
// with it the processing load) starts out evenly spread.
package placement

import (
	"errors"
	"fmt"
)

// Upper bounds on the settings. They catch typos (a partition count of 10000 where 100 was
// meant) before a broker creates thousands of Raft groups.
const (
	// MaxClusterSize is the largest cluster size Distribute accepts.
	MaxClusterSize = 1024
	// MaxPartitions is the largest partition count Distribute accepts. Every key carries its
	// partition id in the bits above broker/state's KeyBits (51) of a positive int64, so
	// partition ids must stay below 1<<12.
	MaxPartitions = 1<<(63-51) - 1
)

// ErrInvalidSetting is wrapped by every error Distribute returns, so callers can tell a bad
// configuration from other start-up failures with errors.Is.
var ErrInvalidSetting = errors.New("invalid cluster setting")

// Placement is the partition distribution of one cluster configuration. It is immutable and
// safe for concurrent use. The zero value hosts nothing.
type Placement struct {
	clusterSize       int
	partitions        int
	replicationFactor int
	// members[p-1] lists partition p's nodes, priority node first.
	members [][]int32
	// byNode[n] lists the partitions node n hosts, ascending.
	byNode [][]int32
}

// Distribute computes the round-robin placement of partitions 1..partitions over nodes
// 0..clusterSize-1 with replicationFactor replicas each. The error names the setting that is
// out of range and wraps ErrInvalidSetting.
func Distribute(clusterSize, partitions, replicationFactor int) (Placement, error) {
	if err := validate(clusterSize, partitions, replicationFactor); err != nil {
		return Placement{}, err
	}
	pl := Placement{
		clusterSize:       clusterSize,
		partitions:        partitions,
		replicationFactor: replicationFactor,
		members:           make([][]int32, partitions),
		byNode:            make([][]int32, clusterSize),
	}
	// One backing array for all member lists: partitions*replicationFactor is at most a few
	// hundred thousand int32s given the bounds above.
	flat := make([]int32, partitions*replicationFactor)
	for p := 1; p <= partitions; p++ {
		m := flat[(p-1)*replicationFactor : p*replicationFactor : p*replicationFactor]
		for i := range m {
			node := (p - 1 + i) % clusterSize
			m[i] = int32(node)
			pl.byNode[node] = append(pl.byNode[node], int32(p))
		}
		pl.members[p-1] = m
	}
	return pl, nil
}

func validate(clusterSize, partitions, replicationFactor int) error {
	switch {
	case clusterSize < 1 || clusterSize > MaxClusterSize:
		return fmt.Errorf("%w: cluster size %d: must be between 1 and %d", ErrInvalidSetting, clusterSize, MaxClusterSize)
	case partitions < 1 || partitions > MaxPartitions:
		return fmt.Errorf("%w: partition count %d: must be between 1 and %d", ErrInvalidSetting, partitions, MaxPartitions)
	case replicationFactor < 1:
		return fmt.Errorf("%w: replication factor %d: must be at least 1", ErrInvalidSetting, replicationFactor)
	case replicationFactor > clusterSize:
		return fmt.Errorf("%w: replication factor %d: must not exceed the cluster size %d", ErrInvalidSetting, replicationFactor, clusterSize)
	}
	return nil
}

// ClusterSize returns the number of brokers the placement was computed for.
func (pl Placement) ClusterSize() int { return pl.clusterSize }

// PartitionCount returns the number of partitions.
func (pl Placement) PartitionCount() int { return pl.partitions }

// ReplicationFactor returns the number of replicas of each partition.
func (pl Placement) ReplicationFactor() int { return pl.replicationFactor }

// Partitions returns all partition ids, ascending.
func (pl Placement) Partitions() []int32 {
	ids := make([]int32, pl.partitions)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	return ids
}

// Members returns the nodes that host partition, its priority node first and the others in
// round-robin order. It returns nil for a partition id outside 1..PartitionCount. The slice
// is the caller's to keep.
func (pl Placement) Members(partition int32) []int32 {
	if !pl.hasPartition(partition) {
		return nil
	}
	return append([]int32(nil), pl.members[partition-1]...)
}

// PartitionsOf returns the partitions node hosts, ascending. It returns nil for a node id
// outside 0..ClusterSize-1, and for a node that hosts nothing (possible when there are
// fewer partitions than brokers). The slice is the caller's to keep.
func (pl Placement) PartitionsOf(node int32) []int32 {
	if node < 0 || int(node) >= pl.clusterSize {
		return nil
	}
	return append([]int32(nil), pl.byNode[node]...)
}

// Priority returns partition's priority node: the member preferred as Raft leader, so that
// leadership starts out spread over the brokers. It returns -1 for a partition id outside
// 1..PartitionCount.
func (pl Placement) Priority(partition int32) int32 {
	if !pl.hasPartition(partition) {
		return -1
	}
	return pl.members[partition-1][0]
}

// Hosts reports whether node is one of partition's members.
func (pl Placement) Hosts(node, partition int32) bool {
	if !pl.hasPartition(partition) {
		return false
	}
	for _, m := range pl.members[partition-1] {
		if m == node {
			return true
		}
	}
	return false
}

func (pl Placement) hasPartition(partition int32) bool {
	return partition >= 1 && int(partition) <= pl.partitions
}

// MessagePartition returns the partition, from 1 to partitionCount, that owns the
// messages with a correlation key and the subscriptions waiting for them: |h mod n| + 1
// for h = CorrelationHash(correlationKey), with a remainder that takes the sign of h, as
// Zeebe computes it, so a key lands on the same partition id as in a Zeebe cluster of the
// same size. Gateways route PublishMessage with it and the engine places subscriptions
// with it, so both must use this one function.
func MessagePartition(correlationKey string, partitionCount int32) int32 {
	if partitionCount < 1 {
		return 1
	}
	idx := CorrelationHash(correlationKey) % partitionCount
	if idx < 0 {
		idx = -idx
	}
	return idx + 1
}

// CorrelationHash is the 32-bit hash h = 31*h + b over the key's UTF-8 bytes, each byte
// taken as signed (-128..127), from h = 0, wrapping on overflow. For ASCII keys it equals
// Java's String.hashCode.
func CorrelationHash(correlationKey string) int32 {
	var h int32
	for i := 0; i < len(correlationKey); i++ {
		h = 31*h + int32(int8(correlationKey[i]))
	}
	return h
}
