package state

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func unmarshal(b []byte, m proto.Message) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("unmarshal %T: %w", m, err)
	}
	return nil
}

// Due is an entity whose time has come: a job whose deadline or back-off has passed, or
// a message whose time to live ended.
type Due struct {
	Key int64
	At  int64
}

// DueJobDeadlines returns at most limit activated jobs whose deadline is in [from, now]
// (ms), earliest first. Safe to call from any goroutine.
func (d *DB) DueJobDeadlines(from, now int64, limit int) ([]Due, error) {
	return d.due(cfJobDeadline, from, now, limit)
}

// DueJobBackoffs returns at most limit failed jobs whose retry back-off ends in
// [from, now] (ms), earliest first. Safe to call from any goroutine.
func (d *DB) DueJobBackoffs(from, now int64, limit int) ([]Due, error) {
	return d.due(cfJobBackoff, from, now, limit)
}

// DueMessages returns at most limit buffered messages whose time to live ends in
// [from, now] (ms), earliest first. Safe to call from any goroutine.
func (d *DB) DueMessages(from, now int64, limit int) ([]Due, error) {
	return d.due(cfMessageDeadline, from, now, limit)
}

func (d *DB) due(cf byte, from, now int64, limit int) ([]Due, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: pairKey(cf, max(from, 0), 0), UpperBound: pairKey(cf, now+1, 0)})
	if err != nil {
		return nil, err
	}
	var out []Due
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		k := it.Key()
		if len(k) != 17 {
			continue
		}
		out = append(out, Due{At: int64(binary.BigEndian.Uint64(k[1:9])), Key: int64(binary.BigEndian.Uint64(k[9:]))})
	}
	return out, it.Close()
}

// Records returns the committed records with positions in [from, to], in order. Safe to
// call from any goroutine.
func (d *DB) Records(from, to int64) ([]*recordpb.Record, error) {
	if from > to {
		return nil, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: u64Key(cfRecords, uint64(from)), UpperBound: u64Key(cfRecords, uint64(to)+1)})
	if err != nil {
		return nil, err
	}
	var out []*recordpb.Record
	for ok := it.First(); ok; ok = it.Next() {
		r := &recordpb.Record{}
		if err := unmarshal(it.Value(), r); err != nil {
			it.Close()
			return nil, err
		}
		out = append(out, r)
	}
	return out, it.Close()
}

// Checksum returns a digest of every key and value in the state, to compare replicas.
// Safe to call from any goroutine; it reads a consistent snapshot.
func (d *DB) Checksum() (uint64, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	snap := d.db.NewSnapshot()
	defer snap.Close()
	it, err := snap.NewIter(nil)
	if err != nil {
		return 0, err
	}
	h := fnvOffset
	for ok := it.First(); ok; ok = it.Next() {
		if len(it.Key()) > 0 && it.Key()[0] == cfMeta {
			continue
		}
		h = fnv(h, it.Key())
		h = fnv(h, it.Value())
	}
	return h, it.Close()
}

const fnvOffset uint64 = 14695981039346656037

func fnv(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= uint64(len(b))
	h *= 1099511628211
	return h
}
