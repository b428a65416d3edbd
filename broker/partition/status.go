package partition

import (
	"strconv"

	"github.com/hashicorp/raft"
)

// Status describes a replica for inspection: enough to compare replicas of a partition.
type Status struct {
	Partition     int32  `json:"partition"`
	Role          string `json:"role"`
	Term          uint64 `json:"term"`
	CommitIndex   uint64 `json:"commitIndex"`
	AppliedIndex  uint64 `json:"appliedIndex"`
	LastPosition  int64  `json:"lastPosition"`
	SnapshotIndex uint64 `json:"snapshotIndex"`
	Limit         int    `json:"backpressureLimit"`
	// Checksum is a digest of the whole state; replicas at the same applied index have the
	// same one. Computing it reads the whole state.
	Checksum string `json:"checksum,omitempty"`
}

// Status returns the replica's status; withChecksum adds the state digest, which reads
// the whole state.
func (p *Partition) Status(withChecksum bool) (Status, error) {
	stats := p.raft.Stats()
	u := func(k string) uint64 {
		v, _ := strconv.ParseUint(stats[k], 10, 64)
		return v
	}
	s := Status{
		Partition: p.cfg.ID, Role: stats["state"], Term: u("term"), CommitIndex: u("commit_index"),
		AppliedIndex: p.state.LastApplied(), LastPosition: p.state.LastPosition(),
		SnapshotIndex: u("last_snapshot_index"), Limit: p.limiter.Limit(),
	}
	if withChecksum {
		sum, err := p.state.Checksum()
		if err != nil {
			return s, err
		}
		s.Checksum = strconv.FormatUint(sum, 16)
	}
	return s, nil
}

// TransferLeadership hands this replica's leadership to another voter of the group, which
// Raft first brings up to date. It fails when this replica does not lead.
func (p *Partition) TransferLeadership(id, addr string) error {
	if !p.IsLeader() {
		return ErrNotLeader
	}
	return p.raft.LeadershipTransferToServer(raft.ServerID(id), raft.ServerAddress(addr)).Error()
}

// RaftLeader returns the Raft server id of the replica this one takes for the leader
// (itself included), or "" when it knows none. A replica hears of a new leader with its
// first heartbeat, before gossip spreads it, so a follower can point a sender there.
func (p *Partition) RaftLeader() string {
	_, id := p.raft.LeaderWithID()
	return string(id)
}

// Healthy reports whether the replica works normally: it is false while the data
// directory's disk is below the watermark (commands are refused) or, on the leader,
// while an exporter is stuck (records pile up). The topology reports it.
func (p *Partition) Healthy() bool {
	return !p.diskLow.Load() && !p.exportersStuck.Load()
}
