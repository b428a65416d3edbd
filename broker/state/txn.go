package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// Txn is one write transaction over a partition's state: a Pebble indexed batch that
// reads its own writes. Storage errors are sticky: the first one is kept, later
// operations do nothing, and Commit returns it. The engine therefore needs no error
// handling for storage; the partition stops on a failed commit.
type Txn struct {
	d   *DB
	b   *pebble.Batch
	err error

	lastPosition int64
	keyCounter   int64
	lastApplied  uint64
	// brokerVersion is written into appended records.
	brokerVersion string
}

var marshalOpts = proto.MarshalOptions{Deterministic: true}

// Err returns the first storage error of the transaction.
func (t *Txn) Err() error { return t.err }

func (t *Txn) fail(err error) {
	if t.err == nil && err != nil {
		t.err = err
	}
}

// NextKey returns a new key of this partition: the partition id in the top bits, a
// counter from 1 below.
func (t *Txn) NextKey() int64 {
	t.keyCounter++
	return int64(t.d.partitionID)<<KeyBits + t.keyCounter
}

// AppendRecord gives r the next position and the partition id and writes it to the
// record log.
func (t *Txn) AppendRecord(r *recordpb.Record) {
	t.lastPosition++
	r.Position = t.lastPosition
	r.PartitionId = t.d.partitionID
	if t.brokerVersion != "" {
		r.BrokerVersion = t.brokerVersion
	}
	t.putProto(u64Key(cfRecords, uint64(r.Position)), r)
}

// SetBrokerVersion sets the broker version that records appended from now on carry.
func (t *Txn) SetBrokerVersion(v string) { t.brokerVersion = v }

// SetLastApplied records the Raft index whose effects this transaction holds.
func (t *Txn) SetLastApplied(index uint64) { t.lastApplied = index }

// LastPosition returns the position of the last record appended so far.
func (t *Txn) LastPosition() int64 { return t.lastPosition }

// Commit writes the transaction. With sync the write is durable when Commit returns;
// without, a crash may lose it, which is safe when the Raft log can replay it.
func (t *Txn) Commit(sync bool) error {
	if t.err != nil {
		t.b.Close()
		return t.err
	}
	t.b.Set(metaLastPosition, encodeU64(uint64(t.lastPosition)), nil)
	t.b.Set(metaKeyCounter, encodeU64(uint64(t.keyCounter)), nil)
	t.b.Set(metaLastApplied, encodeU64(t.lastApplied), nil)
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	if err := t.b.Commit(opt); err != nil {
		t.b.Close()
		return fmt.Errorf("commit state: %w", err)
	}
	t.d.lastPosition.Store(t.lastPosition)
	t.d.keyCounter.Store(t.keyCounter)
	t.d.lastApplied.Store(t.lastApplied)
	return t.b.Close()
}

// Discard drops the transaction.
func (t *Txn) Discard() { t.b.Close() }

func (t *Txn) get(key []byte) []byte {
	if t.err != nil {
		return nil
	}
	v, closer, err := t.b.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.fail(err)
		return nil
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out
}

func (t *Txn) has(key []byte) bool {
	if t.err != nil {
		return false
	}
	_, closer, err := t.b.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false
	}
	if err != nil {
		t.fail(err)
		return false
	}
	closer.Close()
	return true
}

func (t *Txn) set(key, value []byte) {
	if t.err != nil {
		return
	}
	t.fail(t.b.Set(key, value, nil))
}

func (t *Txn) del(key []byte) {
	if t.err != nil {
		return
	}
	t.fail(t.b.Delete(key, nil))
}

func (t *Txn) putProto(key []byte, m proto.Message) {
	if t.err != nil {
		return
	}
	b, err := marshalOpts.Marshal(m)
	if err != nil {
		t.fail(fmt.Errorf("marshal %T: %w", m, err))
		return
	}
	t.set(key, b)
}

func (t *Txn) getProto(key []byte, m proto.Message) bool {
	v := t.get(key)
	if v == nil {
		return false
	}
	if err := proto.Unmarshal(v, m); err != nil {
		t.fail(fmt.Errorf("unmarshal %T at %x: %w", m, key, err))
		return false
	}
	return true
}

// scan calls fn for every key with the prefix, in key order, until fn returns false.
// fn must not write to the transaction.
func (t *Txn) scan(prefix []byte, fn func(key, value []byte) bool) {
	t.scanRange(prefix, prefixEnd(prefix), fn)
}

// scanRange calls fn for every key in [lower, upper), in key order, until fn returns
// false. fn must not write to the transaction.
func (t *Txn) scanRange(lower, upper []byte, fn func(key, value []byte) bool) {
	if t.err != nil {
		return
	}
	it, err := t.b.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		t.fail(err)
		return
	}
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	t.fail(it.Close())
}

// PushContinuation appends follow-up commands that one processing step left over; a later
// step takes them (TakeContinuation) in the same order. They are numbered in sequence;
// metaContinuationHead is the last number taken, so that taking starts right there and
// never walks over the deleted ones.
func (t *Txn) PushContinuation(cs []*statepb.Continuation) {
	next := int64(decodeU64(t.get(metaContinuationNext)))
	for _, c := range cs {
		next++
		t.putProto(i64Key(cfContinuation, next), c)
	}
	t.set(metaContinuationNext, encodeU64(uint64(next)))
}

// TakeContinuation removes and returns at most limit of the follow-up commands left
// over, oldest first.
func (t *Txn) TakeContinuation(limit int) []*statepb.Continuation {
	head := int64(decodeU64(t.get(metaContinuationHead)))
	next := int64(decodeU64(t.get(metaContinuationNext)))
	var out []*statepb.Continuation
	for seq := head + 1; seq <= next && len(out) < limit; seq++ {
		c := &statepb.Continuation{}
		if t.getProto(i64Key(cfContinuation, seq), c) {
			out = append(out, c)
		}
		t.del(i64Key(cfContinuation, seq))
		head = seq
	}
	t.set(metaContinuationHead, encodeU64(uint64(head)))
	return out
}

// HasContinuation reports whether follow-up commands wait for a later step. Safe to call
// from any goroutine.
func (d *DB) HasContinuation() (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	read := func(k []byte) (uint64, error) {
		v, closer, err := d.db.Get(k)
		if errors.Is(err, pebble.ErrNotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		defer closer.Close()
		return decodeU64(v), nil
	}
	head, err := read(metaContinuationHead)
	if err != nil {
		return false, err
	}
	next, err := read(metaContinuationNext)
	return head < next, err
}

// HasContinuation reports whether follow-up commands wait for a later step.
func (t *Txn) HasContinuation() bool {
	return decodeU64(t.get(metaContinuationHead)) < decodeU64(t.get(metaContinuationNext))
}
