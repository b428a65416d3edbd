package partition_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// switchSender delivers to in-process partitions while up; while down, as when the target
// partition has no leader, every delivery fails.
type switchSender struct {
	mu    sync.Mutex
	parts map[int32]*partition.Partition
	up    atomic.Bool
	tries atomic.Int64
}

func (s *switchSender) Execute(ctx context.Context, id int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	s.tries.Add(1)
	if !s.up.Load() {
		return nil, partition.ErrNotLeader
	}
	s.mu.Lock()
	p := s.parts[id]
	s.mu.Unlock()
	return p.Execute(ctx, cmd)
}

// A deployment waits while another partition cannot be reached, the leader keeps trying,
// and the deployment returns once that partition has it.
func TestDeploymentWaitsForUnreachablePartition(t *testing.T) {
	sender := &switchSender{parts: map[int32]*partition.Partition{}}
	base := t.TempDir()
	for id := int32(1); id <= 2; id++ {
		p, err := partition.Open(partition.Config{ID: id, Dir: filepath.Join(base, fmt.Sprint(id)), Logger: quietLogger(),
			PartitionCount: 2, Sender: sender})
		require.NoError(t, err)
		t.Cleanup(func() { p.Close() })
		require.NoError(t, p.WaitLeader(t.Context()))
		sender.mu.Lock()
		sender.parts[id] = p
		sender.mu.Unlock()
	}
	p1, p2 := sender.parts[1], sender.parts[2]

	done := make(chan *recordpb.Record, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		r, err := p1.Execute(ctx, deployCmd())
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	require.Eventually(t, func() bool { return sender.tries.Load() >= 3 }, 10*time.Second, 10*time.Millisecond,
		"the leader did not keep trying to deliver the deployment")
	select {
	case <-done:
		t.Fatal("the deployment returned before every partition had it")
	default:
	}
	r, err := p2.Execute(t.Context(), createCmd())
	require.NoError(t, err)
	require.Equal(t, recordpb.RejectionType_NOT_FOUND, r.GetRejectionType(), "partition 2 does not have the process yet")

	sender.up.Store(true)
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the deployment did not return after the partition came back")
	}
	require.Equal(t, "CREATED", r.GetIntent(), dump(r))
	created := event(t, p2, createCmd())
	require.EqualValues(t, 2, created.GetProcessInstanceCreation().GetProcessInstanceKey()>>51)
}
