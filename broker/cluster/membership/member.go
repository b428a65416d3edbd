package membership

import (
	"fmt"
	"slices"
)

// Kind tells brokers from gateways.
type Kind uint8

const (
	// Broker is a node that hosts partitions and announces their roles.
	Broker Kind = iota + 1
	// Gateway is a node that only listens, to route requests to partition leaders.
	Gateway
)

// String returns "broker" or "gateway".
func (k Kind) String() string {
	switch k {
	case Broker:
		return "broker"
	case Gateway:
		return "gateway"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k == Broker || k == Gateway }

// Role is a broker's role in one partition's Raft group.
type Role uint8

const (
	// Inactive means the broker hosts the partition but takes no part in it right now
	// (starting, catching up from a snapshot, or stopped after an error).
	Inactive Role = iota
	// Follower means the broker replicates the partition and may become its leader.
	Follower
	// Leader means the broker leads the partition: it processes its commands.
	Leader
)

// String returns "inactive", "follower" or "leader".
func (r Role) String() string {
	switch r {
	case Inactive:
		return "inactive"
	case Follower:
		return "follower"
	case Leader:
		return "leader"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

func (r Role) valid() bool { return r <= Leader }

// PartitionState is what a broker announces about one partition it hosts.
type PartitionState struct {
	// ID is the partition id, from 1.
	ID int32
	// Role is the broker's role in the partition.
	Role Role
	// Term is the Raft term the role belongs to. Two brokers may both claim leadership for a
	// moment after an election; the higher term is the real leader.
	Term uint64
	// Healthy is true when the replica is processing (leader) or replicating (follower)
	// normally.
	Healthy bool
}

// Member is one node of the cluster as the local node sees it. Members returned by a Node
// are copies: the caller may keep and change them.
type Member struct {
	// Name is the node's unique name in the gossip cluster.
	Name string
	// NodeID is a broker's id, 0..ClusterSize-1; -1 for a gateway.
	NodeID int32
	// Kind says whether the node is a broker or a gateway.
	Kind Kind
	// Version is the node's software version, as the Topology RPC reports it.
	Version string
	// GossipAddr is the host:port the node gossips on.
	GossipAddr string
	// InternalAddr is the host:port of a broker's internal gRPC API (gateway to broker and
	// broker to broker), empty if not announced.
	InternalAddr string
	// RaftAddr is the host:port of a broker's Raft transport, empty if not announced.
	RaftAddr string
	// GatewayAddr is the host:port of the node's client-facing gRPC API (a gateway's, or an
	// embedded gateway's on a broker), empty if it has none.
	GatewayAddr string
	// ClusterSize is the cluster size the node was configured with (0 if not announced).
	ClusterSize int32
	// PartitionsCount is the partition count the node was configured with (0 if not
	// announced).
	PartitionsCount int32
	// ReplicationFactor is the replication factor the node was configured with (0 if not
	// announced).
	ReplicationFactor int32
	// Partitions are the partition states the node announced last, ascending by ID. For a
	// member that is no longer alive these are stale and only informative.
	Partitions []PartitionState
	// Alive is false once the gossip layer has declared the node failed (it stopped
	// answering probes). A failed member stays in the view, not alive, for
	// Timing.FailedMemberRetention or until it comes back; a member that leaves is removed at
	// once.
	Alive bool
}

// Partition returns the member's announced state of partition id.
func (m Member) Partition(id int32) (PartitionState, bool) {
	i, ok := slices.BinarySearchFunc(m.Partitions, id, func(p PartitionState, id int32) int {
		return int(p.ID) - int(id)
	})
	if !ok {
		return PartitionState{}, false
	}
	return m.Partitions[i], true
}

// compareMembers orders brokers before gateways, then by node id, then by name.
func compareMembers(a, b Member) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	if a.NodeID != b.NodeID {
		if a.NodeID < b.NodeID {
			return -1
		}
		return 1
	}
	switch {
	case a.Name < b.Name:
		return -1
	case a.Name > b.Name:
		return 1
	}
	return 0
}

// normalizePartitions returns states sorted by ID with invalid entries (ID < 1, unknown role)
// removed and, for a repeated ID, the last entry kept. It never changes its argument.
func normalizePartitions(states []PartitionState) (out []PartitionState, dropped int) {
	out = make([]PartitionState, 0, len(states))
	for _, s := range states {
		if s.ID < 1 || !s.Role.valid() {
			dropped++
			continue
		}
		out = append(out, s)
	}
	// A stable sort keeps repeated IDs in input order, so the last of each run wins.
	slices.SortStableFunc(out, func(a, b PartitionState) int { return int(a.ID) - int(b.ID) })
	w := 0
	for i := range out {
		if i+1 < len(out) && out[i+1].ID == out[i].ID {
			dropped++
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w], dropped
}
