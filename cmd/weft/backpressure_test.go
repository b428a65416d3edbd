package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/broker/partition/limit"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// medianCreate returns the median latency of n sequential creations, for the log.
func medianCreate(t *testing.T, client zbc.Client, n int) time.Duration {
	var ds []time.Duration
	for range n {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		began := time.Now()
		_, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
		cancel()
		require.NoError(t, err)
		ds = append(ds, time.Since(began))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// TestDevClusterBackpressure: bursts of concurrent CreateProcessInstance and
// PublishMessage calls through the official client drive a replicated partition over a
// small back-pressure limit (--backpressure-limit 16, --backpressure-max-limit 32). Some
// calls are refused with RESOURCE_EXHAUSTED and a message that says why, no call gets
// another error, every acknowledged instance exists and runs to its end once its job is
// completed, and afterwards the cluster is healthy and takes requests again.
func TestDevClusterBackpressure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	cfg := devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 1, replicationFactor: 3}
	cfg.limit = limit.Config{InitialLimit: 16, MaxLimit: 32}
	c, client := startClusterClient(t, cfg, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	before := medianCreate(t, client, 20)

	var (
		mu        sync.Mutex
		acked     []int64
		refused   atomic.Int64
		published atomic.Int64
		refusal   string
		others    []error
	)
	const bursts, perBurst = 5, 300
	for burst := 1; burst <= bursts && refused.Load() == 0; burst++ {
		var wg sync.WaitGroup
		for i := range perBurst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i%3 == 2 {
					_, err = client.NewPublishMessageCommand().MessageName("nobody-waits").
						CorrelationKey(fmt.Sprintf("key-%d-%d", burst, i)).Send(ctx)
					if err == nil {
						published.Add(1)
					}
				} else {
					var r interface{ GetProcessInstanceKey() int64 }
					r, err = client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
					if err == nil {
						mu.Lock()
						acked = append(acked, r.GetProcessInstanceKey())
						mu.Unlock()
					}
				}
				switch status.Code(err) {
				case codes.OK:
				case codes.ResourceExhausted:
					refused.Add(1)
					mu.Lock()
					refusal = status.Convert(err).Message()
					mu.Unlock()
				default:
					mu.Lock()
					others = append(others, err)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	t.Logf("%d instances created, %d messages published, %d calls refused; a refusal: %q", len(acked), published.Load(), refused.Load(), refusal)
	require.Empty(t, others, "calls failed with something else than RESOURCE_EXHAUSTED")
	require.Positive(t, refused.Load(), "no call was refused: the limit was never reached in %d bursts of %d", bursts, perBurst)
	require.Contains(t, refusal, "its leader refused it because it has too many requests in flight; retry later")
	require.NotEmpty(t, acked)

	// Every acknowledged instance has its job; completing them ends the instances.
	want := map[int64]bool{}
	for _, k := range acked {
		want[k] = true
	}
	jobs := map[int64]int64{} // instance -> job
	eventually(t, 60*time.Second, func() bool {
		got, err := client.NewActivateJobsCommand().JobType(crashJobType).MaxJobsToActivate(500).Timeout(time.Minute).Send(ctx)
		require.NoError(t, err)
		for _, j := range got {
			jobs[j.GetProcessInstanceKey()] = j.GetKey()
		}
		for k := range want {
			if _, ok := jobs[k]; !ok {
				return false
			}
		}
		return true
	}, "jobs of the %d acknowledged instances were not all found", len(want))
	for k := range want {
		_, err := client.NewCompleteJobCommand().JobKey(jobs[k]).Send(ctx)
		require.NoError(t, err)
	}
	leader := c.brokers[c.leaderOf(t, 1, -1)].partitionByID(1)
	eventually(t, 30*time.Second, func() bool {
		db := leader.State()
		recs, err := db.Records(1, db.LastPosition())
		require.NoError(t, err)
		done := 0
		for _, r := range recs {
			if r.GetRecordType() == recordpb.RecordType_EVENT && want[r.GetKey()] && isInstanceDone(r, r.GetKey(), "ELEMENT_COMPLETED") {
				done++
			}
		}
		return done == len(want)
	}, "not every acknowledged instance completed")

	// Healthy again: the topology says so and requests are taken.
	topo, err := client.NewTopologyCommand().Send(ctx)
	require.NoError(t, err)
	for _, b := range topo.GetBrokers() {
		for _, p := range b.GetPartitions() {
			require.Equal(t, "HEALTHY", p.GetHealth().String(), "broker %d partition %d", b.GetNodeId(), p.GetPartitionId())
		}
	}
	after := medianCreate(t, client, 20)
	t.Logf("median creation latency: %v before the bursts, %v after", before, after)
}

// TestDevClusterDiskWatermark: while the free disk space the brokers see is below
// --min-free-disk, the official client's commands are refused with RESOURCE_EXHAUSTED
// naming the disk; once space returns, they are taken again.
func TestDevClusterDiskWatermark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	var free atomic.Int64
	free.Store(10 << 30)
	cfg := devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 1, replicationFactor: 3}
	cfg.minFreeDisk = 1 << 30
	cfg.freeDisk = func(string) (int64, error) { return free.Load(), nil }
	_, client := startClusterClient(t, cfg, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(ctx)
	require.NoError(t, err)
	createErr := func() error {
		_, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
		return err
	}
	require.NoError(t, createErr())

	free.Store(100 << 20)
	var last error
	eventually(t, 10*time.Second, func() bool {
		last = createErr()
		return last != nil
	}, "commands were still taken with the disk below the watermark")
	requireStatus(t, last, codes.ResourceExhausted, "free disk space is below its watermark")
	// The topology tells: the partitions report themselves unhealthy (gossip carries it).
	partitionHealth := func() []string {
		topo, err := client.NewTopologyCommand().Send(ctx)
		require.NoError(t, err)
		var out []string
		for _, b := range topo.GetBrokers() {
			for _, p := range b.GetPartitions() {
				out = append(out, p.GetHealth().String())
			}
		}
		return out
	}
	eventually(t, 20*time.Second, func() bool {
		h := partitionHealth()
		return len(h) == 3 && !slices.Contains(h, "HEALTHY")
	}, "the topology still reports a healthy partition with the disk below the watermark")

	free.Store(10 << 30)
	eventually(t, 10*time.Second, func() bool {
		last = createErr()
		return last == nil
	}, "commands were not taken again once disk space returned")
	eventually(t, 20*time.Second, func() bool {
		h := partitionHealth()
		return len(h) == 3 && !slices.Contains(h, "UNHEALTHY")
	}, "the topology does not report the partitions healthy again")
}
