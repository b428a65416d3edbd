package kafka

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startCluster starts an in-process Kafka cluster that the test closes at its end.
func startCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// settingsFor returns the settings that point the exporter at c, with extra added.
func settingsFor(c *kfake.Cluster, extra map[string]string) map[string]string {
	s := map[string]string{"brokers": strings.Join(c.ListenAddrs(), ",")}
	maps.Copy(s, extra)
	return s
}

// recordsOf returns the sample records as records of Weft partition p.
func recordsOf(p int32) []*exportersdk.Record {
	rs := exportertest.SampleRecords()
	for _, r := range rs {
		r.PartitionID = p
	}
	return rs
}

// exportAll exports rs through h the way the broker does: a record whose Export
// fails is offered again until it is taken, within timeout.
func exportAll(t *testing.T, h *exportertest.Harness, rs []*exportersdk.Record, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, r := range rs {
		for {
			err := h.Export(t.Context(), r)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("export %s: still failing after %s: %v", r, timeout, err)
			}
			waitFor(10 * time.Millisecond)
		}
	}
}

// waitFor blocks for d, as the broker's back-off between Export retries does.
func waitFor(d time.Duration) {
	tm := time.NewTimer(d)
	defer tm.Stop()
	<-tm.C
}

// kafkaRecord is a record read back from Kafka.
type kafkaRecord struct {
	topic     string
	partition int
	offset    int64
	key       string
	value     string
	headers   map[string]string
}

// reader reads topics back from a cluster with kafka-go.
type reader struct {
	t      testing.TB
	client *kafkago.Client
}

func newReader(t testing.TB, c *kfake.Cluster, mechanism sasl.Mechanism, tlsCfg *tlsConfig) *reader {
	tr := &kafkago.Transport{SASL: mechanism}
	if tlsCfg != nil {
		tr.TLS = tlsCfg.client
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &reader{t: t, client: &kafkago.Client{Addr: kafkago.TCP(c.ListenAddrs()...), Timeout: 10 * time.Second, Transport: tr}}
}

// topics returns the cluster's topics with their partition counts.
func (r *reader) topics(ctx context.Context) map[string]int {
	r.t.Helper()
	// A fresh metadata request each time: the transport caches the layout.
	md, err := r.client.Metadata(ctx, &kafkago.MetadataRequest{})
	if err != nil {
		r.t.Fatalf("metadata: %v", err)
	}
	out := map[string]int{}
	for _, tp := range md.Topics {
		if tp.Error == nil && !tp.Internal {
			out[tp.Name] = len(tp.Partitions)
		}
	}
	return out
}

// readTopic reads every record of every partition of topic, partition by
// partition, each in offset order.
func (r *reader) readTopic(ctx context.Context, topic string, partitions int) []kafkaRecord {
	r.t.Helper()
	var reqs []kafkago.OffsetRequest
	for p := range partitions {
		reqs = append(reqs, kafkago.LastOffsetOf(p))
	}
	lo, err := r.client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{topic: reqs}})
	if err != nil {
		r.t.Fatalf("list offsets of %s: %v", topic, err)
	}
	end := map[int]int64{}
	for _, po := range lo.Topics[topic] {
		if po.Error != nil {
			r.t.Fatalf("list offsets of %s/%d: %v", topic, po.Partition, po.Error)
		}
		end[po.Partition] = po.LastOffset
	}
	var out []kafkaRecord
	for p := range partitions {
		var offset int64
		for i := 0; i < 10000 && offset < end[p]; i++ {
			res, err := r.client.Fetch(ctx, &kafkago.FetchRequest{Topic: topic, Partition: p, Offset: offset,
				MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 50 * time.Millisecond})
			if err != nil {
				r.t.Fatalf("fetch %s/%d at %d: %v", topic, p, offset, err)
			}
			if res.Error != nil {
				r.t.Fatalf("fetch %s/%d at %d: %v", topic, p, offset, res.Error)
			}
			for {
				rec, err := res.Records.ReadRecord()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					r.t.Fatalf("read %s/%d: %v", topic, p, err)
				}
				k, _ := kafkago.ReadAll(rec.Key)
				v, _ := kafkago.ReadAll(rec.Value)
				h := map[string]string{}
				for _, hd := range rec.Headers {
					h[hd.Key] = string(hd.Value)
				}
				if rec.Offset >= offset {
					out = append(out, kafkaRecord{topic: topic, partition: p, offset: rec.Offset, key: string(k), value: string(v), headers: h})
					offset = rec.Offset + 1
				}
			}
			if offset >= res.HighWatermark {
				break
			}
		}
	}
	return out
}

// readAll reads every record of every topic that starts with prefix.
func (r *reader) readAll(ctx context.Context, prefix string) []kafkaRecord {
	r.t.Helper()
	topics := r.topics(ctx)
	var out []kafkaRecord
	for _, name := range slices.Sorted(maps.Keys(topics)) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, r.readTopic(ctx, name, topics[name])...)
		}
	}
	return out
}

// settingsOf wraps a settings map.
func settingsOf(m map[string]string) *exportersdk.Settings { return exportersdk.NewSettings(m) }

// constantTopic names one topic for every record.
func constantTopic(name string) func(*exportersdk.Record) string {
	return func(*exportersdk.Record) string { return name }
}
