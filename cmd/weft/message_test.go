package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

// An instance waits at a message catch event and then at a receive task; messages
// published with the official client complete both, with their variables, whether
// they come after the wait opened or before (buffered).
func TestMessageCatchEventAndReceiveTask(t *testing.T) {
	e := startDevEnv(t)
	e.deploy("message_catch.bpmn")

	key := e.create("order", `{"orderId":"o-1","region":"eu"}`)
	e.waitRecord("the subscription to open", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION && r.GetIntent() == "CREATED" &&
			r.GetProcessMessageSubscription().GetProcessInstanceKey() == key
	})
	pub, err := e.client.NewPublishMessageCommand().MessageName("paid").CorrelationKey("o-1").VariablesFromString(`{"amount":12}`)
	require.NoError(t, err)
	_, err = pub.Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	e.waitRecord("the receive task to wait", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_PROCESS_INSTANCE && r.GetIntent() == "ELEMENT_ACTIVATED" &&
			r.GetProcessInstance().GetElementId() == "waitShipped" && r.GetProcessInstance().GetProcessInstanceKey() == key
	})
	e.requireRunning(key)
	pub, err = e.client.NewPublishMessageCommand().MessageName("shipped-eu").CorrelationKey("o-1").VariablesFromString(`{"carrier":"dhl"}`)
	require.NoError(t, err)
	_, err = pub.Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	e.waitCompleted(key)
	vars := map[string]string{}
	for _, r := range e.records() {
		if v := r.GetVariable(); v != nil && v.GetProcessInstanceKey() == key && v.GetScopeKey() == key {
			vars[v.GetName()] = string(v.GetValue())
		}
	}
	require.Equal(t, "12", vars["amount"], "the message's variables reach the instance")
	require.Equal(t, `"dhl"`, vars["shippedBy"], "the receive task's output mapping reads the message")
	require.NotContains(t, vars, "carrier", "with an output mapping, the message's variables stay local")

	// Published first, with a time to live: buffered until the instance waits.
	_, err = e.client.NewPublishMessageCommand().MessageName("paid").CorrelationKey("o-2").
		TimeToLive(time.Minute).MessageId("pay-o-2").Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	_, err = e.client.NewPublishMessageCommand().MessageName("paid").CorrelationKey("o-2").
		TimeToLive(time.Minute).MessageId("pay-o-2").Send(e.ctx(10 * time.Second))
	requireStatus(t, err, codes.AlreadyExists, "pay-o-2")
	_, err = e.client.NewPublishMessageCommand().MessageName("shipped-us").CorrelationKey("o-2").
		TimeToLive(time.Minute).Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	e.waitCompleted(e.create("order", `{"orderId":"o-2","region":"us"}`))

	// Cancelling a waiting instance closes its subscription on both sides.
	key = e.create("order", `{"orderId":"o-3","region":"us"}`)
	e.waitRecord("the subscription to open", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION && r.GetIntent() == "CREATED" &&
			r.GetProcessMessageSubscription().GetProcessInstanceKey() == key
	})
	_, err = e.client.NewCancelInstanceCommand().ProcessInstanceKey(key).Send(e.ctx(10 * time.Second))
	require.NoError(t, err)
	e.waitRecord("the message partition to close its side", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_MESSAGE_SUBSCRIPTION && r.GetIntent() == "DELETED" &&
			r.GetMessageSubscription().GetProcessInstanceKey() == key
	})
	e.waitRecord("the instance partition to drop its side", func(r *recordpb.Record) bool {
		return r.GetValueType() == recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION && r.GetIntent() == "DELETED" &&
			r.GetProcessMessageSubscription().GetProcessInstanceKey() == key
	})

	// A correlation key of the wrong type is an incident, as in Zeebe.
	key = e.create("order", `{"orderId":{"nested":true},"region":"us"}`)
	inc := e.incident(key)
	require.Equal(t, "EXTRACT_VALUE_ERROR", inc.GetIncident().GetErrorType())
	require.Contains(t, inc.GetIncident().GetErrorMessage(), "correlation key")
}

// correlationKeyOn returns a correlation key whose messages the given partition owns.
func correlationKeyOn(partition, partitions int32, prefix string) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("%s-%d", prefix, i)
		if placement.MessagePartition(k, partitions) == partition {
			return k
		}
	}
}

// A cluster of three brokers with one replica of each partition: while the only broker
// of partition 2 is down, instances on the other partitions wait for messages that
// partition 2 owns, and a deployment waits for partition 2. When the broker is back,
// the deployment returns, the subscriptions open, the messages published there reach
// the instances on the other partitions, and every instance completes exactly once.
func TestDevClusterMessageCorrelationWhileAPartitionIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	c, client := startClusterClient(t, devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 3, replicationFactor: 1},
		slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	place, err := placement.Distribute(3, 3, 1)
	require.NoError(t, err)
	down := int(place.Priority(2)) // the only broker of partition 2
	require.NotEqual(t, 0, down, "broker 0 runs the gateway")

	_, err = client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "message_catch.bpmn")).Send(ctx)
	require.NoError(t, err)

	// Instances on every partition, each waiting for messages of its own key; the keys
	// spread over the three message partitions.
	type waiting struct {
		instance int64
		key      string
	}
	var all []waiting
	create := func(n int, tag string) {
		for i := range n {
			key := correlationKeyOn(int32(i%3)+1, 3, fmt.Sprintf("%s-%d", tag, i))
			for {
				cmd, err := client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().
					VariablesFromString(fmt.Sprintf(`{"orderId":%q,"region":"eu"}`, key))
				require.NoError(t, err)
				cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
				r, err := cmd.Send(cctx)
				ccancel()
				if err == nil {
					all = append(all, waiting{r.GetProcessInstanceKey(), key})
					break
				}
				// A creation that lands on the partition that is down waits for a
				// leader until its deadline; the next one goes to the next partition.
				if code := status.Code(err); code != codes.Unavailable && code != codes.DeadlineExceeded {
					t.Fatalf("creating an instance: %v", err)
				}
			}
		}
	}
	create(6, "before")

	require.NoError(t, c.stop(down))
	create(6, "during")
	// A deployment now waits for partition 2 to take it.
	deployed := make(chan error, 1)
	go func() {
		dctx, dcancel := context.WithTimeout(ctx, 90*time.Second)
		defer dcancel()
		_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "crash.bpmn")).Send(dctx)
		deployed <- err
	}()
	// Messages for keys the live partitions own go through now.
	published := map[string]bool{}
	publish := func(partitionUp func(int32) bool) {
		for _, w := range all {
			p := placement.MessagePartition(w.key, 3)
			if published[w.key] || !partitionUp(p) {
				continue
			}
			_, err := client.NewPublishMessageCommand().MessageName("paid").CorrelationKey(w.key).TimeToLive(time.Minute).Send(ctx)
			require.NoError(t, err)
			_, err = client.NewPublishMessageCommand().MessageName("shipped-eu").CorrelationKey(w.key).TimeToLive(time.Minute).Send(ctx)
			require.NoError(t, err)
			published[w.key] = true
		}
	}
	publish(func(p int32) bool { return p != 2 })
	select {
	case err := <-deployed:
		t.Fatalf("the deployment returned while a partition was down: %v", err)
	case <-time.After(2 * time.Second):
	}

	require.NoError(t, c.start(ctx, down))
	c.leaderOf(t, 2, -1)
	require.NoError(t, <-deployed, "the deployment returns once every partition took it")
	r, err := client.NewCreateInstanceCommand().BPMNProcessId("crash").LatestVersion().Send(ctx)
	require.NoError(t, err, "the new process runs on every partition")
	require.NotZero(t, r.GetProcessInstanceKey())
	publish(func(int32) bool { return true })

	// Every instance completes, exactly once, with its own messages.
	completed := map[int64]int{}
	eventually(t, 60*time.Second, func() bool {
		clear(completed)
		for _, b := range c.brokers {
			for _, p := range b.partitions {
				if !p.IsLeader() {
					continue
				}
				recs, err := p.State().Records(1, p.State().LastPosition())
				require.NoError(t, err)
				for _, rec := range recs {
					if isInstanceDone(rec, rec.GetProcessInstance().GetProcessInstanceKey(), "ELEMENT_COMPLETED") &&
						rec.GetProcessInstance().GetBpmnProcessId() == "order" {
						completed[rec.GetKey()]++
					}
				}
			}
		}
		return len(completed) == len(all)
	}, "%d of %d instances completed", len(completed), len(all))
	for _, w := range all {
		require.Equal(t, 1, completed[w.instance], "instance %d (key %s, on partition %d)", w.instance, w.key, state.PartitionOfKey(w.instance))
	}
}

// A message start event starts an instance on the partition the message lands on: every
// partition knows the deployed process. A second message with the same correlation key
// waits until the first instance ends.
func TestMessageStartEventOnEveryPartition(t *testing.T) {
	e := startDevEnvWith(t, devConfig{dataDir: t.TempDir(), partitions: 3})
	d, client := e.dev, e.client
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile(filepath.Join("testdata", "message_start.bpmn")).Send(ctx)
	require.NoError(t, err)

	for p := int32(1); p <= 3; p++ {
		key := correlationKeyOn(p, 3, "order")
		_, err := client.NewPublishMessageCommand().MessageName("orderPlaced").CorrelationKey(key).TimeToLive(time.Minute).Send(ctx)
		require.NoError(t, err)
	}
	again := correlationKeyOn(2, 3, "order")
	_, err = client.NewPublishMessageCommand().MessageName("orderPlaced").CorrelationKey(again).TimeToLive(time.Minute).Send(ctx)
	require.NoError(t, err)

	started := func() map[int32]int {
		out := map[int32]int{}
		for _, p := range d.parts {
			rs, err := p.State().Records(1, p.State().LastPosition())
			require.NoError(t, err)
			for _, r := range rs {
				if r.GetValueType() == recordpb.ValueType_MESSAGE_START_EVENT_SUBSCRIPTION && r.GetIntent() == "CORRELATED" {
					out[state.PartitionOfKey(r.GetMessageStartEventSubscription().GetProcessInstanceKey())]++
				}
			}
		}
		return out
	}
	eventually(t, 10*time.Second, func() bool { return len(started()) == 3 }, "instances started: %v", started())
	require.Equal(t, map[int32]int{1: 1, 2: 1, 3: 1}, started(), "the second message of a key waits")

	// Finish the jobs: the waiting message then starts the next instance.
	done := 0
	eventually(t, 20*time.Second, func() bool {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		jobs, err := client.NewActivateJobsCommand().JobType("ship").MaxJobsToActivate(10).Timeout(time.Minute).Send(actx)
		acancel()
		if err != nil {
			return false
		}
		for _, j := range jobs {
			_, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx)
			require.NoError(t, err)
			done++
		}
		return done == 4
	}, "%d of 4 instances ran their job", done)
	require.Equal(t, map[int32]int{1: 1, 2: 2, 3: 1}, started())
}
