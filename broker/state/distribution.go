package state

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// PutDistribution stores a command distribution that waits for acknowledgements.
func (t *Txn) PutDistribution(key int64, d *statepb.Distribution) {
	t.putProto(i64Key(cfDistribution, key), d)
}

// Distribution returns the distribution with the key, or nil.
func (t *Txn) Distribution(key int64) *statepb.Distribution {
	d := &statepb.Distribution{}
	if !t.getProto(i64Key(cfDistribution, key), d) {
		return nil
	}
	return d
}

// DeleteDistribution removes a finished distribution.
func (t *Txn) DeleteDistribution(key int64) { t.del(i64Key(cfDistribution, key)) }

// PutPendingDistribution records that a partition has not acknowledged a distribution.
func (t *Txn) PutPendingDistribution(key int64, partition int32, r *recordpb.CommandDistributionRecord) {
	t.putProto(pairKey(cfDistPending, key, int64(partition)), r)
}

// HasPendingDistribution reports whether a partition has yet to acknowledge a distribution.
func (t *Txn) HasPendingDistribution(key int64, partition int32) bool {
	return t.has(pairKey(cfDistPending, key, int64(partition)))
}

// DeletePendingDistribution records a partition's acknowledgement.
func (t *Txn) DeletePendingDistribution(key int64, partition int32) {
	t.del(pairKey(cfDistPending, key, int64(partition)))
}

// PendingPartitions returns the partitions that have yet to acknowledge a distribution.
func (t *Txn) PendingPartitions(key int64) []int32 {
	var out []int32
	t.scan(i64Key(cfDistPending, key), func(k, _ []byte) bool {
		out = append(out, int32(binary.BigEndian.Uint64(k[9:])))
		return true
	})
	return out
}

// PendingDistribution is a command one partition still has to deliver to another.
type PendingDistribution struct {
	Key       int64
	Partition int32
	Record    *recordpb.CommandDistributionRecord
}

// PendingDistributions returns at most limit undelivered distributions, oldest first.
// Safe to call from any goroutine.
func (d *DB) PendingDistributions(limit int) ([]PendingDistribution, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: []byte{cfDistPending}, UpperBound: []byte{cfDistPending + 1}})
	if err != nil {
		return nil, err
	}
	var out []PendingDistribution
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		k := it.Key()
		if len(k) != 17 {
			continue
		}
		r := &recordpb.CommandDistributionRecord{}
		if err := unmarshal(it.Value(), r); err != nil {
			it.Close()
			return nil, err
		}
		out = append(out, PendingDistribution{Key: int64(binary.BigEndian.Uint64(k[1:9])), Partition: int32(binary.BigEndian.Uint64(k[9:])), Record: r})
	}
	return out, it.Close()
}

// PutReceived notes that a command distributed by another partition under the key was
// processed here, so that a repeated delivery is recognised.
func (t *Txn) PutReceived(key int64) { t.set(i64Key(cfReceived, key), nil) }

// Received reports whether a distributed command with the key was processed here.
func (t *Txn) Received(key int64) bool { return t.has(i64Key(cfReceived, key)) }
