package partition

import (
	"context"
	"errors"

	"github.com/hashicorp/raft"

	"github.com/weftlabs/weft/broker/exporting"
	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// exportLog is the partition as the exporter director reads and updates it.
type exportLog struct{ p *Partition }

var _ exporting.Log = exportLog{}

func (l exportLog) PartitionID() int32 { return l.p.cfg.ID }

func (l exportLog) Records(from, to int64) ([]*recordpb.Record, error) {
	return l.p.state.Records(from, to)
}

func (l exportLog) LastPosition() int64 { return l.p.state.LastPosition() }

func (l exportLog) Positions() ([]exporting.Position, int64, error) {
	ps, err := l.p.state.ExporterPositions()
	if err != nil {
		return nil, 0, err
	}
	out := make([]exporting.Position, len(ps))
	for i, p := range ps {
		out[i] = exporting.Position{ID: p.ID, Position: p.Position, Metadata: p.Metadata}
	}
	compacted, err := l.p.state.CompactedTo()
	return out, compacted, err
}

// Replicate proposes the update as an entry of its own; every replica applies it in log
// order, between the commands.
func (l exportLog) Replicate(_ context.Context, u *brokerpb.ExporterUpdate) error {
	p := l.p
	if !p.leader.Load() {
		return ErrNotLeader
	}
	b, err := marshalEntry(&brokerpb.Entry{Timestamp: p.cfg.Now().UnixMilli(), Exporters: u})
	if err != nil {
		return err
	}
	// Raft answers every entry it took, promptly also when leadership is lost, and
	// waitFuture ends the wait when the partition closes.
	err = p.waitFuture(p.raft.Apply(b, 0))
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
		return ErrNotLeader
	}
	return err
}
