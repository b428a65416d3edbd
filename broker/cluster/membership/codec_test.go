package membership

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sampleMeta = nodeMeta{
	epoch:             0x0123456789abcdef,
	kind:              Broker,
	nodeID:            7,
	version:           "8.3.0",
	internalAddr:      "10.0.0.7:26501",
	raftAddr:          "10.0.0.7:26502",
	gatewayAddr:       "10.0.0.7:26500",
	clusterSize:       9,
	partitionsCount:   27,
	replicationFactor: 3,
}

var sampleAnnouncement = announcement{
	name:  "broker-7",
	epoch: 42,
	seq:   3,
	partitions: []PartitionState{
		{ID: 1, Role: Leader, Term: 5, Healthy: true},
		{ID: 2, Role: Follower, Term: 4},
		{ID: 300, Role: Inactive, Term: math.MaxUint64, Healthy: true},
	},
}

func TestMetaRoundTrip(t *testing.T) {
	for _, m := range []nodeMeta{
		sampleMeta,
		{epoch: 1, kind: Gateway, nodeID: -1},
		{epoch: math.MaxUint64, kind: Broker, nodeID: math.MaxInt32, clusterSize: math.MaxInt32},
	} {
		b := encodeMeta(m)
		got, err := decodeMeta(b)
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	// Compact: a typical broker takes a fraction of memberlist's 512 bytes.
	assert.Less(t, len(encodeMeta(sampleMeta)), 80)
}

func TestMetaIgnoresAppendedFields(t *testing.T) {
	b := append(encodeMeta(sampleMeta), 0x01, 0x02, 0x03)
	got, err := decodeMeta(b)
	require.NoError(t, err)
	assert.Equal(t, sampleMeta, got)
}

func TestMetaRejects(t *testing.T) {
	valid := encodeMeta(sampleMeta)
	for i := range valid {
		_, err := decodeMeta(valid[:i])
		assert.Error(t, err, "truncated to %d bytes", i)
	}
	for name, b := range map[string][]byte{
		"other version": append([]byte{2}, valid[1:]...),
		"zero epoch":    encodeMeta(nodeMeta{kind: Broker}),
		"unknown kind":  encodeMeta(nodeMeta{epoch: 1, kind: 9}),
		"huge string":   {formatVersion, 1, byte(Broker), 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		_, err := decodeMeta(b)
		assert.Error(t, err, name)
	}
}

func TestAnnouncementRoundTrip(t *testing.T) {
	b := encodeAnnouncement(&sampleAnnouncement)
	kind, as, err := decodeMessage(b)
	require.NoError(t, err)
	assert.Equal(t, msgAnnouncement, kind)
	require.Len(t, as, 1)
	assert.Equal(t, sampleAnnouncement, *as[0])

	// An announcement without partitions decodes to nil partitions.
	empty := announcement{name: "gw", epoch: 1, seq: 1}
	_, as, err = decodeMessage(encodeAnnouncement(&empty))
	require.NoError(t, err)
	assert.Equal(t, empty, *as[0])
}

func TestAnnouncementSize(t *testing.T) {
	// 64 partitions at realistic terms: about three bytes each.
	a := announcement{name: "broker-0", epoch: math.MaxUint64, seq: 1000}
	for p := int32(1); p <= 64; p++ {
		a.partitions = append(a.partitions, PartitionState{ID: p, Role: Follower, Term: 12, Healthy: true})
	}
	size := len(encodeAnnouncement(&a))
	assert.Less(t, size, 250)
	t.Logf("64 partitions: %d bytes", size)
}

func TestStateSetRoundTrip(t *testing.T) {
	other := announcement{name: "broker-8", epoch: 1, seq: 1, partitions: []PartitionState{{ID: 2, Role: Leader, Term: 9}}}
	b := encodeStateSet([]*announcement{&sampleAnnouncement, &other})
	kind, as, err := decodeMessage(b)
	require.NoError(t, err)
	assert.Equal(t, msgStateSet, kind)
	require.Len(t, as, 2)
	assert.Equal(t, sampleAnnouncement, *as[0])
	assert.Equal(t, other, *as[1])

	_, as, err = decodeMessage(encodeStateSet(nil))
	require.NoError(t, err)
	assert.Empty(t, as)
}

func TestLeavingRoundTrip(t *testing.T) {
	kind, as, err := decodeMessage(encodeLeaving(leaving{name: "broker-1", epoch: 99}))
	require.NoError(t, err)
	assert.Equal(t, msgLeaving, kind)
	assert.Equal(t, announcement{name: "broker-1", epoch: 99}, *as[0])
}

func TestMessageRejects(t *testing.T) {
	for _, valid := range [][]byte{
		encodeAnnouncement(&sampleAnnouncement),
		encodeStateSet([]*announcement{&sampleAnnouncement}),
		encodeLeaving(leaving{name: "b", epoch: 1}),
	} {
		for i := range valid {
			_, _, err := decodeMessage(valid[:i])
			assert.Error(t, err, "%x truncated to %d bytes", valid, i)
		}
	}
	bad := func(a announcement) []byte { return encodeAnnouncement(&a) }
	for name, b := range map[string][]byte{
		"other version":      {2, msgAnnouncement},
		"unknown type":       {formatVersion, 9},
		"empty name":         bad(announcement{epoch: 1}),
		"zero epoch":         bad(announcement{name: "b"}),
		"partition 0":        bad(announcement{name: "b", epoch: 1, partitions: []PartitionState{{ID: 0}}}),
		"unknown role":       bad(announcement{name: "b", epoch: 1, partitions: []PartitionState{{ID: 1, Role: 3}}}),
		"repeated partition": bad(announcement{name: "b", epoch: 1, partitions: []PartitionState{{ID: 1}, {ID: 1}}}),
		"unsorted":           bad(announcement{name: "b", epoch: 1, partitions: []PartitionState{{ID: 2}, {ID: 1}}}),
		// Claims 2^32 partitions in a few bytes: rejected before allocating.
		"count beyond input": {formatVersion, msgAnnouncement, 1, 'b', 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"set count beyond":   {formatVersion, msgStateSet, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"set element beyond": {formatVersion, msgStateSet, 1, 0x7f, 1, 'b'},
		"partition id > int": {formatVersion, msgAnnouncement, 1, 'b', 1, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0},
	} {
		_, _, err := decodeMessage(b)
		assert.Error(t, err, name)
	}
}

// FuzzDecodeMessage feeds arbitrary bytes to the decoder of what peers gossip: it never
// panics, and what it accepts encodes back to something that decodes the same.
func FuzzDecodeMessage(f *testing.F) {
	f.Add(encodeAnnouncement(&sampleAnnouncement))
	f.Add(encodeStateSet([]*announcement{&sampleAnnouncement, {name: "x", epoch: 1, seq: 1}}))
	f.Add(encodeLeaving(leaving{name: "broker-1", epoch: 5}))
	f.Add([]byte{})
	f.Add([]byte{formatVersion, msgStateSet, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, as, err := decodeMessage(b)
		if err != nil {
			return
		}
		var again []byte
		switch kind {
		case msgAnnouncement:
			again = encodeAnnouncement(as[0])
		case msgStateSet:
			again = encodeStateSet(as)
		case msgLeaving:
			again = encodeLeaving(leaving{name: as[0].name, epoch: as[0].epoch})
		default:
			t.Fatalf("decoded unknown kind %d", kind)
		}
		kind2, as2, err := decodeMessage(again)
		require.NoError(t, err)
		require.Equal(t, kind, kind2)
		require.Equal(t, as, as2)
	})
}

// FuzzDecodeMeta does the same for node metadata.
func FuzzDecodeMeta(f *testing.F) {
	f.Add(encodeMeta(sampleMeta))
	f.Add(encodeMeta(nodeMeta{epoch: 1, kind: Gateway, nodeID: -1}))
	f.Add([]byte("not weft metadata"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err != nil {
			return
		}
		m2, err := decodeMeta(encodeMeta(m))
		require.NoError(t, err)
		require.Equal(t, m, m2)
	})
}
