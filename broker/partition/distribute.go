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
	f := &deliveries{busy: map[[2]int64]bool{}, lastSent: map[sendID]time.Time{}}
	defer f.wg.Wait()
	for {
		p.deliverDistributions(ctx, f)
		p.deliverSends(ctx, f)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.distributeCh:
		}
	}
}

// deliveries tracks the deliveries under way, so that a round does not start one
// that an earlier round is still waiting on.
type deliveries struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	busy     map[[2]int64]bool    // (distribution key, partition), or (send owner, -1)
	lastSent map[sendID]time.Time // subscription commands delivered within resendAfter
}

// start runs deliver in its own goroutine with a deadline, marked busy under id until
// it returns.
func (f *deliveries) start(ctx context.Context, id [2]int64, deliver func(ctx context.Context)) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer func() {
			f.mu.Lock()
			delete(f.busy, id)
			f.mu.Unlock()
		}()
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		deliver(dctx)
	}()
}

// sender returns how this partition reaches a partition's leader.
func (p *Partition) sender() Sender {
	if p.cfg.Sender != nil {
		return p.cfg.Sender
	}
	return selfSender{p}
}

// deliverDistributions delivers the pending command distributions and, for each one a
// partition answered, proposes the acknowledgement here.
func (p *Partition) deliverDistributions(ctx context.Context, f *deliveries) {
	pending, err := p.state.PendingDistributions(256)
	if err != nil {
		p.log.Warn("reading pending distributions failed", "err", err)
	}
	for _, d := range pending {
		id := [2]int64{d.Key, int64(d.Partition)}
		f.mu.Lock()
		busy := f.busy[id]
		f.busy[id] = true
		f.mu.Unlock()
		if busy {
			continue
		}
		f.start(ctx, id, func(dctx context.Context) {
			resp, err := p.sender().Execute(dctx, d.Partition, engine.DistributedCommand(d.Key, d.Record))
			if err != nil || resp.GetRecordType() != recordpb.RecordType_EVENT {
				if ctx.Err() == nil {
					p.log.Debug("distribution not delivered yet", "key", d.Key, "to", d.Partition, "err", err, "rejection", resp.GetRejectionReason())
				}
				return
			}
			p.submit(&recordpb.Record{ValueType: recordpb.ValueType_COMMAND_DISTRIBUTION, Intent: "ACKNOWLEDGE", Key: d.Key,
				Value: &recordpb.Record_CommandDistribution{CommandDistribution: &recordpb.CommandDistributionRecord{PartitionId: d.Partition}}})
		})
	}
}

// resendAfter is how long a delivered subscription command waits before it is sent
// again while the state still asks for it (its follow-up may still be on its way).
const resendAfter = time.Second

// deliverSends delivers the subscription commands that the state holds for other
// partitions (or this one) and proposes what each answer calls for (engine.AfterSend).
// A send stays in the state until its follow-up is applied, so a new leader delivers
// what the old one had not; the receivers recognise a repeated delivery.
func (p *Partition) deliverSends(ctx context.Context, f *deliveries) {
	sends, err := p.state.PendingSends(256)
	if err != nil {
		p.log.Warn("reading pending subscription commands failed", "err", err)
		return
	}
	now := time.Now()
	f.mu.Lock()
	for id, at := range f.lastSent {
		if now.Sub(at) > resendAfter {
			delete(f.lastSent, id)
		}
	}
	f.mu.Unlock()
	for _, s := range sends {
		sid := sendID{owner: s.Owner, intent: s.Send.GetCommand().GetIntent(), valueType: s.Send.GetCommand().GetValueType()}
		id := [2]int64{s.Owner, -1}
		f.mu.Lock()
		busy := f.busy[id]
		_, recent := f.lastSent[sid]
		if !busy && !recent {
			f.busy[id] = true
			f.lastSent[sid] = now
		}
		f.mu.Unlock()
		if busy || recent {
			continue
		}
		f.start(ctx, id, func(dctx context.Context) {
			cmd := proto.Clone(s.Send.GetCommand()).(*recordpb.Record)
			resp, err := p.sender().Execute(dctx, s.Send.GetPartition(), cmd)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Debug("subscription command not delivered yet", "owner", s.Owner, "to", s.Send.GetPartition(), "intent", cmd.GetIntent(), "err", err)
				}
				f.mu.Lock()
				delete(f.lastSent, sid) // retry at the next round
				f.mu.Unlock()
				return
			}
			if follow := engine.AfterSend(s.Send, resp); follow != nil {
				p.submit(follow)
				return
			}
			p.log.Debug("subscription command answered without a follow-up", "owner", s.Owner, "to", s.Send.GetPartition(), "intent", cmd.GetIntent(), "rejection", resp.GetRejectionReason())
		})
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
