package kafka

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

const testTimeout = 30 * time.Second

// checkDelivered checks that got holds every record of want exactly once, and
// nothing else: in the topic topicOf names, in Kafka partition (partitionId-1) mod N
// of that topic's N partitions, keyed by partition id and position, valued by the
// record's JSON, with headers; and that the records of each Weft partition follow
// each other in position order within their Kafka partition.
func checkDelivered(t *testing.T, got []kafkaRecord, want []*exportersdk.Record, topicOf func(*exportersdk.Record) string, partitions map[string]int) {
	t.Helper()
	byKey := map[string]kafkaRecord{}
	for _, g := range got {
		if prev, dup := byKey[g.key]; dup {
			t.Errorf("record %s twice: %s/%d@%d and %s/%d@%d", g.key, prev.topic, prev.partition, prev.offset, g.topic, g.partition, g.offset)
		}
		byKey[g.key] = g
	}
	for _, r := range want {
		key := fmt.Sprintf(`{"partitionId":%d,"position":%d}`, r.PartitionID, r.Position)
		g, ok := byKey[key]
		if !ok {
			t.Errorf("record %s missing from Kafka", r)
			continue
		}
		delete(byKey, key)
		if topic := topicOf(r); g.topic != topic {
			t.Errorf("record %s in topic %s, want %s", r, g.topic, topic)
		}
		if n := partitions[g.topic]; g.partition != (int(r.PartitionID)-1)%n {
			t.Errorf("record %s in partition %d of %s's %d, want %d", r, g.partition, g.topic, n, (int(r.PartitionID)-1)%n)
		}
		if v := string(r.AppendJSON(nil)); g.value != v {
			t.Errorf("record %s value:\n got %s\nwant %s", r, g.value, v)
		}
		var k struct {
			PartitionID int32 `json:"partitionId"`
			Position    int64 `json:"position"`
		}
		if err := json.Unmarshal([]byte(g.key), &k); err != nil || k.PartitionID != r.PartitionID || k.Position != r.Position {
			t.Errorf("record %s key %s does not decode to its partition and position (%v)", r, g.key, err)
		}
		wantHeaders := map[string]string{"recordType": r.RecordType.String(), "valueType": r.ValueType.String(), "intent": r.Intent}
		for hk, hv := range wantHeaders {
			if g.headers[hk] != hv {
				t.Errorf("record %s header %s = %q, want %q", r, hk, g.headers[hk], hv)
			}
		}
	}
	for key, g := range byKey {
		t.Errorf("unexpected record %s in %s/%d@%d", key, g.topic, g.partition, g.offset)
	}
	checkOrder(t, got)
}

// checkOrder checks that within each Kafka partition, the records of each Weft
// partition come in increasing position order.
func checkOrder(t *testing.T, got []kafkaRecord) {
	t.Helper()
	type stream struct {
		topic         string
		partition     int
		weftPartition int32
	}
	last := map[stream]int64{}
	lastOffset := map[stream]int64{}
	for _, g := range got {
		var k struct {
			PartitionID int32 `json:"partitionId"`
			Position    int64 `json:"position"`
		}
		if err := json.Unmarshal([]byte(g.key), &k); err != nil {
			t.Errorf("%s/%d@%d: key %q: %v", g.topic, g.partition, g.offset, g.key, err)
			continue
		}
		s := stream{g.topic, g.partition, k.PartitionID}
		if prev, ok := last[s]; ok && k.Position <= prev {
			t.Errorf("%s/%d: position %d of partition %d at offset %d follows position %d at offset %d",
				g.topic, g.partition, k.Position, k.PartitionID, g.offset, prev, lastOffset[s])
		}
		last[s], lastOffset[s] = k.Position, g.offset
	}
}

// perValueType is the default topic naming, checked independently of topicFor.
func perValueType(prefix string) func(*exportersdk.Record) string {
	return func(r *exportersdk.Record) string {
		return prefix + strings.ToLower(strings.ReplaceAll(r.ValueType.String(), "_", "-"))
	}
}

func TestExportsEveryRecordToATopicPerValueType(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(3))
	var want []*exportersdk.Record
	for p := int32(1); p <= 3; p++ {
		rs := recordsOf(p)
		want = append(want, rs...)
		h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"topic-partitions": "2", "batch-size": "50"}),
			exportertest.Options{PartitionID: p})
		exportAll(t, h, rs, testTimeout)
		h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
		if err := h.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
	}

	rd := newReader(t, c, nil, nil)
	topics := rd.topics(t.Context())
	valueTypes := map[string]bool{}
	for _, r := range want {
		valueTypes[perValueType("zeebe-")(r)] = true
	}
	for topic := range valueTypes {
		if topics[topic] != 2 {
			t.Errorf("topic %s has %d partitions, want 2 (topic-partitions)", topic, topics[topic])
		}
	}
	got := rd.readAll(t.Context(), "zeebe-")
	checkDelivered(t, got, want, perValueType("zeebe-"), topics)
	if len(valueTypes) < 5 {
		t.Errorf("the sample spans only %d value types", len(valueTypes))
	}
}

func TestSingleTopicKeepsEachPartitionInOrder(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(3), kfake.SeedTopics(2, "weft-records"))
	var want []*exportersdk.Record
	var hs []*exportertest.Harness
	for p := int32(1); p <= 3; p++ {
		want = append(want, recordsOf(p)...)
		hs = append(hs, exportertest.Start(t, New(), settingsFor(c, map[string]string{"topic": "weft-records",
			"create-topics": "false", "batch-size": "7", "linger": "5ms"}), exportertest.Options{PartitionID: p}))
	}
	// The three partitions export at the same time, interleaved, as on a broker.
	for i := range len(want) / 3 {
		for p, h := range hs {
			exportAll(t, h, want[p*len(want)/3+i:p*len(want)/3+i+1], testTimeout)
		}
	}
	for _, h := range hs {
		h.WaitAcked(want[len(want)-1].Position, testTimeout)
	}

	rd := newReader(t, c, nil, nil)
	topics := rd.topics(t.Context())
	if len(topics) != 1 {
		t.Errorf("topics %v, want only weft-records", topics)
	}
	got := rd.readAll(t.Context(), "")
	checkDelivered(t, got, want, func(*exportersdk.Record) string { return "weft-records" }, topics)
	// Partitions 1 and 3 share Kafka partition 0 of 2; partition 2 has 1 alone.
	perKafka := map[int]int{}
	for _, g := range got {
		perKafka[g.partition]++
	}
	if perKafka[0] != 2*len(want)/3 || perKafka[1] != len(want)/3 {
		t.Errorf("records per Kafka partition %v, want %d in 0 and %d in 1", perKafka, 2*len(want)/3, len(want)/3)
	}
}

func TestRetriedExportsAndPositionGapsAreHandled(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(1))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"topic": "gaps", "batch-size": "10", "linger": "1h"}))
	// The broker's filter hides some records: the exporter sees every third only.
	var want []*exportersdk.Record
	for _, r := range exportertest.SampleRecords() {
		if r.Position%3 == 0 {
			want = append(want, r)
		}
	}
	// Each record is offered twice, and the first half again after the second.
	for _, r := range want {
		exportAll(t, h, []*exportersdk.Record{r, r}, testTimeout)
	}
	exportAll(t, h, want[:len(want)/2], testTimeout)
	// 40 records in batches of 10: the size alone flushes them all (linger is 1h).
	h.WaitAcked(want[len(want)-1].Position, testTimeout)
	if got, last := h.Acked(), want[len(want)-1].Position; got != last {
		t.Errorf("acknowledged %d, want %d", got, last)
	}
	rd := newReader(t, c, nil, nil)
	topics := rd.topics(t.Context())
	checkDelivered(t, rd.readAll(t.Context(), "gaps"), want, func(*exportersdk.Record) string { return "gaps" }, topics)
}

func TestLingerFlushesAPartialBatch(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(1))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"linger": "20ms"}))
	rs := exportertest.SampleRecords()[:3]
	exportAll(t, h, rs, testTimeout)
	// Three records never fill a batch of 500: the linger task writes them.
	h.WaitAcked(3, testTimeout)
	rd := newReader(t, c, nil, nil)
	checkDelivered(t, rd.readAll(t.Context(), "zeebe-"), rs, perValueType("zeebe-"), rd.topics(t.Context()))
}

func TestCompressionCodecs(t *testing.T) {
	for code, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			c := startCluster(t, kfake.NumBrokers(1))
			// Note the codec of every record batch written: the low three bits of
			// the batch's attributes, at bytes 21 and 22.
			var codecs sync.Map
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				for _, rt := range req.(*kmsg.ProduceRequest).Topics {
					for _, rp := range rt.Partitions {
						if len(rp.Records) > 22 {
							codecs.Store(int(binary.BigEndian.Uint16(rp.Records[21:23])&7), true)
						}
					}
				}
				return nil, nil, false
			})
			h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"compression": codec, "topic-prefix": "z-", "linger": "5ms"}))
			rs := exportertest.SampleRecords()
			exportAll(t, h, rs, testTimeout)
			h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
			codecs.Range(func(k, _ any) bool {
				if k.(int) != code {
					t.Errorf("a batch was written with codec %d, want %d (%s)", k, code, codec)
				}
				return true
			})
			if _, ok := codecs.Load(code); !ok {
				t.Errorf("no batch written with codec %d (%s)", code, codec)
			}
			rd := newReader(t, c, nil, nil)
			checkDelivered(t, rd.readAll(t.Context(), "z-"), rs, perValueType("z-"), rd.topics(t.Context()))
		})
	}
}

func TestMissingTopicWithoutCreateTopicsIsNotAcknowledged(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(1))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"create-topics": "false", "batch-size": "1", "topic": "absent"}))
	rs := exportertest.SampleRecords()
	if err := h.Export(t.Context(), rs[0]); err != nil {
		t.Fatalf("first record: %v (a full batch that fails to write is retried, the record is taken)", err)
	}
	err := h.Export(t.Context(), rs[1])
	if err == nil || !strings.Contains(err.Error(), "absent does not exist") {
		t.Fatalf("second record: error %v, want the missing topic named", err)
	}
	if h.Acked() != 0 {
		t.Errorf("acknowledged %d with nothing written", h.Acked())
	}
}
