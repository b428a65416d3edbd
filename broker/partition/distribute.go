package partition

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Sender delivers a command to another partition's leader and returns its answer. The
// cluster's broker client implements it; in one process, a partition's Execute does.
type Sender interface {
	Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error)
}

// distribute runs on the leader: it delivers every pending command distribution (a
// deployment made here, a signal broadcast here) to its partition and, once that partition answered, proposes
// the acknowledgement here; and it delivers the message subscription commands (see
// deliverSends). Pending distributions live in the replicated state, so a new
// leader delivers what the old one had not; delivering twice is harmless, the receiver
// answers a repeated delivery the same.
func (p *Partition) distribute(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var mu sync.Mutex
	inFlight := map[[2]int64]bool{}
	lastSent := map[sendID]time.Time{}
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
				cmd := engine.DistributedCommand(d.Key, d.Record)
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
		p.deliverSends(ctx, &wg, &mu, inFlight, lastSent)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.distributeCh:
		}
	}
}

// resendAfter is how long a delivered subscription command waits before it is sent
// again while the state still asks for it (its follow-up may still be on its way).
const resendAfter = time.Second

// deliverSends delivers the subscription commands that the state holds for other
// partitions (or this one) and proposes what each answer calls for (engine.AfterSend).
// A send stays in the state until its follow-up is applied, so a new leader delivers
// what the old one had not; the receivers recognise a repeated delivery.
func (p *Partition) deliverSends(ctx context.Context, wg *sync.WaitGroup, mu *sync.Mutex, inFlight map[[2]int64]bool, lastSent map[sendID]time.Time) {
	sends, err := p.state.PendingSends(256)
	if err != nil {
		p.log.Warn("reading pending subscription commands failed", "err", err)
		return
	}
	now := time.Now()
	for id, at := range lastSent {
		if now.Sub(at) > resendAfter {
			delete(lastSent, id)
		}
	}
	for _, s := range sends {
		sid := sendID{owner: s.Owner, intent: s.Send.GetCommand().GetIntent(), valueType: s.Send.GetCommand().GetValueType()}
		flight := [2]int64{s.Owner, -1}
		mu.Lock()
		busy := inFlight[flight]
		_, recent := lastSent[sid]
		if !busy && !recent {
			inFlight[flight] = true
			lastSent[sid] = now
		}
		mu.Unlock()
		if busy || recent {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(inFlight, flight)
				mu.Unlock()
			}()
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			cmd := proto.Clone(s.Send.GetCommand()).(*recordpb.Record)
			var sender Sender = selfSender{p}
			if p.cfg.Sender != nil {
				sender = p.cfg.Sender
			}
			resp, err := sender.Execute(sctx, s.Send.GetPartition(), cmd)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Debug("subscription command not delivered yet", "owner", s.Owner, "to", s.Send.GetPartition(), "intent", cmd.GetIntent(), "err", err)
				}
				mu.Lock()
				delete(lastSent, sid) // retry at the next round
				mu.Unlock()
				return
			}
			if follow := engine.AfterSend(s.Send, resp); follow != nil {
				p.submit(follow)
				return
			}
			p.log.Debug("subscription command answered without a follow-up", "owner", s.Owner, "to", s.Send.GetPartition(), "intent", cmd.GetIntent(), "rejection", resp.GetRejectionReason())
		}()
	}
}

// selfSender delivers to the partition itself: the Sender of a partition alone.
type selfSender struct{ p *Partition }

func (s selfSender) Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	if partition != s.p.cfg.ID {
		return nil, fmt.Errorf("partition %d has no Sender to reach partition %d", s.p.cfg.ID, partition)
	}
	return s.p.Execute(ctx, cmd)
}

// sendID names one command of a send's owner.
type sendID struct {
	owner     int64
	intent    string
	valueType recordpb.ValueType
}
