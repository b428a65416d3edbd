package partition

import (
	"context"
	"sync"
	"time"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Sender delivers a command to another partition's leader and returns its answer. The
// cluster's broker client implements it; in one process, a partition's Execute does.
type Sender interface {
	Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error)
}

// distribute runs on the leader: it delivers every pending command distribution (a
// deployment made here) to its partition and, once that partition answered, proposes
// the acknowledgement here. Pending distributions live in the replicated state, so a new
// leader delivers what the old one had not; delivering twice is harmless, the receiver
// answers a repeated delivery the same.
func (p *Partition) distribute(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var mu sync.Mutex
	inFlight := map[[2]int64]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		pending, err := p.state.PendingDistributions(256)
		if err != nil {
			p.log.Warn("reading pending distributions failed", "err", err)
		}
		for _, d := range pending {
			id := [2]int64{d.Key, int64(d.Partition)}
			mu.Lock()
			busy := inFlight[id]
			inFlight[id] = true
			mu.Unlock()
			if busy {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(inFlight, id)
					mu.Unlock()
				}()
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				cmd := &recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE", Key: d.Key,
					Value: &recordpb.Record_Deployment{Deployment: d.Record.GetDeployment()}}
				resp, err := p.cfg.Sender.Execute(sctx, d.Partition, cmd)
				if err != nil || resp.GetRecordType() != recordpb.RecordType_EVENT {
					if ctx.Err() == nil {
						p.log.Debug("distribution not delivered yet", "key", d.Key, "to", d.Partition, "err", err, "rejection", resp.GetRejectionReason())
					}
					return
				}
				ack := &recordpb.Record{ValueType: recordpb.ValueType_COMMAND_DISTRIBUTION, Intent: "ACKNOWLEDGE", Key: d.Key,
					Value: &recordpb.Record_CommandDistribution{CommandDistribution: &recordpb.CommandDistributionRecord{PartitionId: d.Partition}}}
				p.submit(ack)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.distributeCh:
		}
	}
}
