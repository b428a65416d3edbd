package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// message is one record made ready for Kafka.
type message struct {
	position      int64
	weftPartition int32
	topic         string
	key, value    []byte
	headers       []kafkago.Header
	time          time.Time
	size          int // key, value and headers, in bytes
	delivered     bool
}

// batch holds the records taken and not yet acknowledged, in position order. A
// delivered record stays (without its bytes) until every record before it is
// delivered too, so that the acknowledged position never passes a record that is
// not in Kafka.
type batch struct {
	msgs    []message
	pending int // records not delivered
	bytes   int // their size
}

// heldPerBatchSize bounds the records taken and not acknowledged, in batch sizes:
// while one topic refuses writes, the others keep taking records, which wait
// (delivered) for the refused one before they are acknowledged.
const heldPerBatchSize = 10

// full reports whether the batch must be written before it takes a record of size
// bytes: it has batchSize records to write, or the record would take it past
// batchBytes, or it holds heldPerBatchSize batches of records waiting for an
// earlier one.
func (b *batch) full(size, batchSize, batchBytes int) bool {
	return b.pending > 0 && (b.pending >= batchSize || b.bytes+size > batchBytes || len(b.msgs) >= heldPerBatchSize*batchSize)
}

func (b *batch) add(m message) {
	b.msgs = append(b.msgs, m)
	b.pending++
	b.bytes += m.size
}

// popDelivered removes the delivered records at the head of the batch and returns
// the position of the last one, which every earlier record precedes in Kafka.
func (b *batch) popDelivered() (int64, bool) {
	n := 0
	for n < len(b.msgs) && b.msgs[n].delivered {
		n++
	}
	if n == 0 {
		return 0, false
	}
	last := b.msgs[n-1].position
	rest := copy(b.msgs, b.msgs[n:])
	clear(b.msgs[rest:])
	b.msgs = b.msgs[:rest]
	return last, true
}

// message builds r's Kafka record: the key {"partitionId":1,"position":123} (the
// Zeebe exporter's record id), the record's JSON as value, its timestamp, and the
// headers recordType, valueType and intent so that consumers can route records
// without parsing them.
func (e *exporter) message(r *exportersdk.Record) message {
	key := make([]byte, 0, 48)
	key = append(key, `{"partitionId":`...)
	key = strconv.AppendInt(key, int64(r.PartitionID), 10)
	key = append(key, `,"position":`...)
	key = strconv.AppendInt(key, r.Position, 10)
	key = append(key, '}')
	value := r.AppendJSON(make([]byte, 0, 512))
	headers := []kafkago.Header{
		{Key: "recordType", Value: []byte(r.RecordType.String())},
		{Key: "valueType", Value: []byte(r.ValueType.String())},
		{Key: "intent", Value: []byte(r.Intent)},
	}
	size := len(key) + len(value)
	for _, h := range headers {
		size += len(h.Key) + len(h.Value)
	}
	return message{position: r.Position, weftPartition: r.PartitionID, topic: e.cfg.topicFor(r.ValueType),
		key: key, value: value, headers: headers, time: r.Time(), size: size}
}

// partitionWrite is the pending records of one topic-partition, in position order,
// and how many of them a write delivered.
type partitionWrite struct {
	topic     string
	partition int
	idx       []int // into batch.msgs
	delivered int
	err       error
}

// write sends every pending record: one goroutine per topic-partition, each writing
// its records in order, in requests of at most batch-bytes, and stopping at the
// first failure so that nothing after a failed record reaches Kafka before it. It
// marks what was delivered and returns what failed.
func (e *exporter) write(ctx context.Context) error {
	var topics []string
	byTopic := map[string][]int{}
	for i := range e.buf.msgs {
		m := &e.buf.msgs[i]
		if m.delivered {
			continue
		}
		if _, ok := byTopic[m.topic]; !ok {
			topics = append(topics, m.topic)
		}
		byTopic[m.topic] = append(byTopic[m.topic], i)
	}
	failed := e.resolveTopics(ctx, topics)

	var writes []*partitionWrite
	for _, t := range topics {
		if failed[t] != nil {
			continue
		}
		byPartition := map[int]*partitionWrite{}
		for _, i := range byTopic[t] {
			p := kafkaPartition(e.buf.msgs[i].weftPartition, e.partitions[t])
			w := byPartition[p]
			if w == nil {
				w = &partitionWrite{topic: t, partition: p}
				byPartition[p] = w
				writes = append(writes, w)
			}
			w.idx = append(w.idx, i)
		}
	}
	var wg sync.WaitGroup
	for _, w := range writes {
		wg.Go(func() { e.writePartition(ctx, w) })
	}
	wg.Wait()

	var errs []error
	for _, t := range topics {
		if err := failed[t]; err != nil {
			errs = append(errs, err)
		}
	}
	for _, w := range writes {
		for _, i := range w.idx[:w.delivered] {
			m := &e.buf.msgs[i]
			// Kafka has it: only the position matters until it is acknowledged.
			m.delivered, m.key, m.value, m.headers = true, nil, nil, nil
			e.buf.pending--
			e.buf.bytes -= m.size
		}
		if w.err != nil {
			if errors.Is(w.err, kafkago.UnknownTopicOrPartition) {
				// The topic was deleted: create it again, or learn its new partitions.
				// Otherwise the partition count stays as first learnt, so that a
				// Weft partition keeps writing to the same Kafka partition.
				delete(e.partitions, w.topic)
			}
			errs = append(errs, w.err)
		}
	}
	return errors.Join(errs...)
}

// writePartition writes w's records in order, in requests of at most batch-bytes
// (and at least one record), until one fails.
func (e *exporter) writePartition(ctx context.Context, w *partitionWrite) {
	for start := 0; start < len(w.idx); {
		end, bytes := start, 0
		for end < len(w.idx) && (end == start || bytes+e.buf.msgs[w.idx[end]].size <= e.cfg.batchBytes) {
			bytes += e.buf.msgs[w.idx[end]].size
			end++
		}
		// A new slice for each request: a request that timed out may still be
		// read by the connection.
		records := make([]kafkago.Record, 0, end-start)
		for _, i := range w.idx[start:end] {
			m := &e.buf.msgs[i]
			// A kafka-go Bytes is read once: build the records anew for each attempt.
			records = append(records, kafkago.Record{Time: m.time, Key: kafkago.NewBytes(m.key),
				Value: kafkago.NewBytes(m.value), Headers: m.headers})
		}
		if err := e.produce(ctx, w.topic, w.partition, records); err != nil {
			first, last := e.buf.msgs[w.idx[start]].position, e.buf.msgs[w.idx[end-1]].position
			w.err = fmt.Errorf("write %d records (positions %d to %d) to %s/%d: %w", end-start, first, last, w.topic, w.partition, err)
			return
		}
		w.delivered = end
		start = end
	}
}

// produce writes records to one topic-partition, acknowledged by all in-sync
// replicas. Kafka appends a request's records all or none.
func (e *exporter) produce(ctx context.Context, topic string, partition int, records []kafkago.Record) error {
	res, err := e.client.Produce(ctx, &kafkago.ProduceRequest{
		Topic:        topic,
		Partition:    partition,
		RequiredAcks: kafkago.RequireAll,
		Records:      kafkago.NewRecordReader(records...),
		Compression:  e.cfg.compression,
	})
	if err != nil {
		return err
	}
	if res.Error != nil {
		return res.Error
	}
	return nil
}
