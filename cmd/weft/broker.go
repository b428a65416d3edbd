package main

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/gateway"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// localBroker is the gateway's view of partitions that run in the same process.
type localBroker struct {
	partitions []*partition.Partition
	host       string
	port       int32
}

var _ gateway.Broker = (*localBroker)(nil)

func (b *localBroker) partition(id int32) *partition.Partition {
	for _, p := range b.partitions {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

// Execute runs a command on the partition and maps partition errors to the gateway's.
func (b *localBroker) Execute(ctx context.Context, partitionID int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	p := b.partition(partitionID)
	if p == nil {
		return nil, gateway.ErrPartitionUnavailable
	}
	rec, err := p.Execute(ctx, cmd)
	switch {
	case errors.Is(err, partition.ErrNotLeader), errors.Is(err, partition.ErrLeadershipLost), errors.Is(err, partition.ErrClosed):
		return nil, gateway.ErrPartitionUnavailable
	case errors.Is(err, partition.ErrBackpressure):
		return nil, gateway.ErrBackpressure
	case errors.Is(err, partition.ErrDiskFull):
		return nil, status.Errorf(codes.ResourceExhausted, "partition %d refuses commands: free disk space is below the watermark", partitionID)
	}
	return rec, err
}

// Partitions lists the partition ids.
func (b *localBroker) Partitions() []int32 {
	ids := make([]int32, len(b.partitions))
	for i, p := range b.partitions {
		ids[i] = p.ID()
	}
	return ids
}

// Topology describes this one broker and its partitions.
func (b *localBroker) Topology(context.Context) (*gateway.Topology, error) {
	info := gateway.BrokerInfo{NodeID: 0, Host: b.host, Port: b.port, Version: version}
	for _, p := range b.partitions {
		info.Partitions = append(info.Partitions, gateway.PartitionInfo{PartitionID: p.ID(), Leader: p.IsLeader(), Healthy: p.IsLeader() && p.Healthy()})
	}
	return &gateway.Topology{
		Brokers: []gateway.BrokerInfo{info}, ClusterSize: 1,
		PartitionsCount: int32(len(b.partitions)), ReplicationFactor: 1,
	}, nil
}

// WatchJobs merges the job notifications of every partition into one channel.
func (b *localBroker) WatchJobs(jobType string) (<-chan struct{}, func()) {
	if len(b.partitions) == 1 {
		return b.partitions[0].WatchJobs(jobType)
	}
	out := make(chan struct{}, 1)
	stop := make(chan struct{})
	var cancels []func()
	var wg sync.WaitGroup
	for _, p := range b.partitions {
		ch, cancel := p.WatchJobs(jobType)
		cancels = append(cancels, cancel)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ch:
					select {
					case out <- struct{}{}:
					default:
					}
				case <-stop:
					return
				}
			}
		}()
	}
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			for _, c := range cancels {
				c()
			}
		})
	}
}
