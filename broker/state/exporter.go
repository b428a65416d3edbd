package state

import (
	"fmt"
	"sort"

	"github.com/cockroachdb/pebble"

	"github.com/weftlabs/weft/proto/gen/statepb"
)

// metaCompactedTo is the position up to which records have been deleted.
var metaCompactedTo = metaKey("compacted-to")

// ExporterPosition is an exporter's replicated, acknowledged position.
type ExporterPosition struct {
	ID       string
	Position int64
	Metadata []byte
}

func exporterKey(id string) []byte { return append([]byte{cfExporterPositions}, id...) }

// SetExporterPosition stores an exporter's acknowledged position unless a higher one is
// stored already: positions never move back, whatever order updates arrive in.
func (t *Txn) SetExporterPosition(id string, position int64, metadata []byte) {
	var cur statepb.ExporterPosition
	if t.getProto(exporterKey(id), &cur) && cur.GetPosition() > position {
		return
	}
	t.putProto(exporterKey(id), &statepb.ExporterPosition{Position: position, Metadata: metadata})
}

// DeleteExporterPosition forgets an exporter that is no longer configured.
func (t *Txn) DeleteExporterPosition(id string) { t.del(exporterKey(id)) }

// CompactRecords deletes every record at or below position (bounded by the last
// position). Records below the last compaction are gone already.
func (t *Txn) CompactRecords(position int64) {
	if t.err != nil {
		return
	}
	position = min(position, t.lastPosition)
	from := decodeU64(t.get(metaCompactedTo))
	if position <= int64(from) {
		return
	}
	t.fail(t.b.DeleteRange(u64Key(cfRecords, from+1), u64Key(cfRecords, uint64(position)+1), nil))
	t.set(metaCompactedTo, encodeU64(uint64(position)))
}

// ExporterPositions returns every stored exporter position, by id. Safe to call from
// any goroutine.
func (d *DB) ExporterPositions() ([]ExporterPosition, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: []byte{cfExporterPositions}, UpperBound: []byte{cfExporterPositions + 1}})
	if err != nil {
		return nil, err
	}
	var out []ExporterPosition
	for ok := it.First(); ok; ok = it.Next() {
		var p statepb.ExporterPosition
		if err := unmarshal(it.Value(), &p); err != nil {
			it.Close()
			return nil, fmt.Errorf("exporter position %q: %w", it.Key()[1:], err)
		}
		out = append(out, ExporterPosition{ID: string(it.Key()[1:]), Position: p.GetPosition(), Metadata: p.GetMetadata()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, it.Close()
}

// CompactedTo returns the position up to which records have been deleted (0: none).
func (d *DB) CompactedTo() (int64, error) {
	v, err := d.getRaw(metaCompactedTo)
	if err != nil {
		return 0, err
	}
	return int64(decodeU64(v)), nil
}
