package kafka

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// produceRefusal makes a cluster answer produce requests for the topics that refuse
// accepts with NOT_ENOUGH_REPLICAS, storing nothing, while on is set.
type produceRefusal struct {
	on      atomic.Bool
	refused atomic.Int64
}

func refuseProduce(c *kfake.Cluster, refuse func(topic string) bool) *produceRefusal {
	r := &produceRefusal{}
	r.on.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		preq := req.(*kmsg.ProduceRequest)
		if !r.on.Load() || !refuse(preq.Topics[0].Topic) {
			return nil, nil, false
		}
		r.refused.Add(1)
		resp := preq.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range preq.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotEnoughReplicas.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	return r
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		waitFor(5 * time.Millisecond)
	}
}

// exportUntilRefused exports rs until one Export fails, and returns its index.
func exportUntilRefused(t *testing.T, h *exportertest.Harness, rs []*exportersdk.Record) (int, error) {
	t.Helper()
	for i, r := range rs {
		if err := h.Export(t.Context(), r); err != nil {
			return i, err
		}
	}
	t.Fatalf("every Export succeeded while Kafka refused writes")
	return 0, nil
}

func TestNoAcknowledgementWhileKafkaRefusesWrites(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(3))
	refusal := refuseProduce(c, func(string) bool { return true })
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"batch-size": "10", "linger": "10ms"}))
	rs := exportertest.SampleRecords()

	exportAll(t, h, rs[:5], testTimeout)
	// The linger task writes, fails, and retries after a back-off.
	eventually(t, testTimeout, "three refused writes", func() bool { return refusal.refused.Load() >= 3 })
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d while Kafka refused every write", h.Acked())
	}
	// Once the batch is full, Export refuses records: the broker keeps them.
	i, err := exportUntilRefused(t, h, rs[5:])
	i += 5
	if i > 10 || !strings.Contains(err.Error(), "Not Enough Replicas") {
		t.Fatalf("Export of record %d failed with %v; want a failure by record 11 naming Kafka's error", i+1, err)
	}
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d while Kafka refused every write", h.Acked())
	}

	refusal.on.Store(false)
	exportAll(t, h, rs[i:], testTimeout)
	h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
	rd := newReader(t, c, nil, nil)
	checkDelivered(t, rd.readAll(t.Context(), "zeebe-"), rs, perValueType("zeebe-"), rd.topics(t.Context()))
}

func TestAcknowledgementStopsBeforeTheFirstUndeliveredRecord(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(3))
	refusal := refuseProduce(c, func(topic string) bool { return topic == "zeebe-job" })
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"linger": "10ms"}))
	rs := exportertest.SampleRecords()
	firstJob := int64(-1)
	for _, r := range rs {
		if r.ValueType == recordpb.ValueType_JOB && firstJob < 0 {
			firstJob = r.Position
		}
	}
	if firstJob < 2 {
		t.Fatalf("the sample's first job record is at %d", firstJob)
	}

	exportAll(t, h, rs, testTimeout)
	// Every other topic takes its records, those after the first job's too, but
	// the position acknowledged stops just before the first job record.
	h.WaitAcked(firstJob-1, testTimeout)
	eventually(t, testTimeout, "three refused writes", func() bool { return refusal.refused.Load() >= 3 })
	if got := h.Acked(); got != firstJob-1 {
		t.Fatalf("acknowledged %d, want %d: the job record at %d is not in Kafka", got, firstJob-1, firstJob)
	}

	refusal.on.Store(false)
	h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
	rd := newReader(t, c, nil, nil)
	checkDelivered(t, rd.readAll(t.Context(), "zeebe-"), rs, perValueType("zeebe-"), rd.topics(t.Context()))
}

func TestAcknowledgesOnlyAfterKafkaStoredTheBatch(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(1, "held"))
	release := make(chan struct{})
	var held atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		held.Add(1)
		c.SleepControl(func() { <-release })
		return nil, nil, false // then the cluster stores the batch as usual
	})
	// The write timeout outlasts the test: the held request must be answered, not
	// given up on and sent again (which would store its records twice, as
	// at-least-once delivery allows).
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"topic": "held", "linger": "1ms", "write-timeout": "5m"}))
	rs := exportertest.SampleRecords()[:3]
	// The linger task may start writing before the last record is taken; Export then
	// waits for that write, which the cluster holds, so export from another goroutine.
	exported := make(chan error, 1)
	go func() {
		for _, r := range rs {
			if err := h.Export(t.Context(), r); err != nil {
				exported <- fmt.Errorf("export %s: %w", r, err)
				return
			}
		}
		exported <- nil
	}()
	eventually(t, testTimeout, "a produce request held", func() bool { return held.Load() >= 1 })
	waitFor(50 * time.Millisecond) // room for a wrong early acknowledgement to show
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d before Kafka answered the produce request", h.Acked())
	}
	close(release)
	if err := <-exported; err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(3, testTimeout)
	rd := newReader(t, c, nil, nil)
	checkDelivered(t, rd.readAll(t.Context(), "held"), rs, func(*exportersdk.Record) string { return "held" }, rd.topics(t.Context()))
}

func TestRecoversAfterKafkaRestarts(t *testing.T) {
	dir := t.TempDir()
	c1, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.DataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c1.Close)
	var ports []int
	for _, a := range c1.ListenAddrs() {
		_, p, _ := net.SplitHostPort(a)
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, n)
	}
	h := exportertest.Start(t, New(), settingsFor(c1, map[string]string{"batch-size": "10", "linger": "10ms", "write-timeout": "2s"}))
	rs := exportertest.SampleRecords()
	exportAll(t, h, rs[:60], testTimeout)
	h.WaitAcked(60, testTimeout)

	c1.Close()
	i, err := exportUntilRefused(t, h, rs[60:])
	i += 60
	t.Logf("with Kafka down, Export of position %d failed: %v", rs[i].Position, err)
	if h.Acked() != 60 {
		t.Fatalf("acknowledged %d with Kafka down, want 60", h.Acked())
	}

	c2 := startCluster(t, kfake.Ports(ports...), kfake.DataDir(dir))
	exportAll(t, h, rs[i:], testTimeout)
	h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
	rd := newReader(t, c2, nil, nil)
	checkDelivered(t, rd.readAll(t.Context(), "zeebe-"), rs, perValueType("zeebe-"), rd.topics(t.Context()))
}
