package membership

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Wire formats. Everything a node announces is encoded here: the node metadata memberlist
// carries in its alive messages (static, at most 512 bytes), the partition announcements
// gossiped on every change, and the set of all announcements exchanged in push/pull.
//
// Every encoding starts with formatVersion. Within a version, fields are only ever appended
// and decoders ignore trailing bytes, so a newer node can add a field that older nodes skip.
// A change that older nodes cannot skip takes a new version, announced through memberlist's
// delegate protocol version (Config.DelegateProtocolVersion/Min/Max) so that senders can
// keep speaking the old one until every node understands the new.
//
// Decoders take bytes from the network: they check every length against what is left
// before allocating, and return an error, never panic.

const (
	// formatVersion is the layout version of all three encodings.
	formatVersion byte = 1

	// msgAnnouncement tags a gossiped partition announcement.
	msgAnnouncement byte = 1
	// msgStateSet tags a push/pull state: every announcement the sender holds.
	msgStateSet byte = 2
	// msgLeaving tags a node's notice that it is leaving, sent just before memberlist's own
	// leave message. memberlist reports a node that left and one that failed alike to the
	// event delegate (v0.5.1 leaves Node.State unset there), so the notice tells them apart.
	msgLeaving byte = 3
)

const (
	// metaLimit is memberlist's limit on node metadata (memberlist.MetaMaxSize).
	metaLimit = 512
	// maxWireString bounds strings in decoded input: names, versions, addresses.
	maxWireString = 512
	// maxAnnouncedPartitions bounds the partitions of one announcement.
	maxAnnouncedPartitions = 1 << 16
	// minPartitionBytes is the smallest encoding of one partition state (id, flags, term).
	minPartitionBytes = 3

	flagRoleMask byte = 0x03
	flagHealthy  byte = 0x04
)

var errShort = errors.New("truncated")

// nodeMeta is what a node puts in memberlist's node metadata: its identity and addresses,
// which change only with a restart.
type nodeMeta struct {
	// epoch identifies one run of the node. Announcements carry it, so that after a restart
	// under the same name the others drop the previous run's announcements, whatever their
	// sequence numbers.
	epoch             uint64
	kind              Kind
	nodeID            int32
	version           string
	internalAddr      string
	raftAddr          string
	gatewayAddr       string
	clusterSize       int32
	partitionsCount   int32
	replicationFactor int32
}

func encodeMeta(m nodeMeta) []byte {
	b := make([]byte, 0, 64+len(m.version)+len(m.internalAddr)+len(m.raftAddr)+len(m.gatewayAddr))
	b = append(b, formatVersion)
	b = binary.AppendUvarint(b, m.epoch)
	b = append(b, byte(m.kind))
	b = binary.AppendVarint(b, int64(m.nodeID))
	b = appendString(b, m.version)
	b = appendString(b, m.internalAddr)
	b = appendString(b, m.raftAddr)
	b = appendString(b, m.gatewayAddr)
	b = binary.AppendUvarint(b, uint64(m.clusterSize))
	b = binary.AppendUvarint(b, uint64(m.partitionsCount))
	b = binary.AppendUvarint(b, uint64(m.replicationFactor))
	return b
}

func decodeMeta(b []byte) (nodeMeta, error) {
	r := reader{b: b}
	if v := r.byte(); r.err == nil && v != formatVersion {
		return nodeMeta{}, fmt.Errorf("node metadata: unknown format version %d", v)
	}
	var m nodeMeta
	m.epoch = r.uvarint()
	m.kind = Kind(r.byte())
	m.nodeID = r.int32()
	m.version = r.string()
	m.internalAddr = r.string()
	m.raftAddr = r.string()
	m.gatewayAddr = r.string()
	m.clusterSize = r.uint31()
	m.partitionsCount = r.uint31()
	m.replicationFactor = r.uint31()
	if r.err != nil {
		return nodeMeta{}, fmt.Errorf("node metadata: %w", r.err)
	}
	if !m.kind.valid() {
		return nodeMeta{}, fmt.Errorf("node metadata: unknown kind %d", m.kind)
	}
	if m.epoch == 0 {
		return nodeMeta{}, errors.New("node metadata: zero epoch")
	}
	return m, nil
}

// announcement is one node's partition states: the seq-th announcement of run epoch of the
// node called name. A receiver keeps, per node, the announcement of the node's current run
// with the highest seq.
type announcement struct {
	name       string
	epoch      uint64
	seq        uint64
	partitions []PartitionState
}

// newerThan reports whether a should replace old, both being of the same node.
func (a *announcement) newerThan(old *announcement) bool {
	return old == nil || a.epoch != old.epoch || a.seq > old.seq
}

func encodeAnnouncement(a *announcement) []byte {
	b := make([]byte, 0, 32+len(a.name)+len(a.partitions)*6)
	b = append(b, formatVersion, msgAnnouncement)
	return appendAnnouncementBody(b, a)
}

func appendAnnouncementBody(b []byte, a *announcement) []byte {
	b = appendString(b, a.name)
	b = binary.AppendUvarint(b, a.epoch)
	b = binary.AppendUvarint(b, a.seq)
	b = binary.AppendUvarint(b, uint64(len(a.partitions)))
	for _, p := range a.partitions {
		b = binary.AppendUvarint(b, uint64(p.ID))
		flags := byte(p.Role) & flagRoleMask
		if p.Healthy {
			flags |= flagHealthy
		}
		b = append(b, flags)
		b = binary.AppendUvarint(b, p.Term)
	}
	return b
}

// leaving is a node's notice that its run epoch is leaving the cluster.
type leaving struct {
	name  string
	epoch uint64
}

func encodeLeaving(l leaving) []byte {
	b := []byte{formatVersion, msgLeaving}
	b = appendString(b, l.name)
	return binary.AppendUvarint(b, l.epoch)
}

// decodeMessage decodes a gossiped message: one announcement, a state set, or a leaving
// notice (returned as an announcement without partitions).
func decodeMessage(b []byte) (kind byte, as []*announcement, err error) {
	r := reader{b: b}
	v, kind := r.byte(), r.byte()
	if r.err != nil {
		return 0, nil, fmt.Errorf("message: %w", r.err)
	}
	if v != formatVersion {
		return 0, nil, fmt.Errorf("message: unknown format version %d", v)
	}
	switch kind {
	case msgAnnouncement:
		a, err := readAnnouncement(&r)
		if err != nil {
			return 0, nil, err
		}
		return kind, []*announcement{a}, nil
	case msgStateSet:
		as, err := readStateSet(&r)
		return kind, as, err
	case msgLeaving:
		a := &announcement{name: r.string(), epoch: r.uvarint()}
		if r.err != nil {
			return 0, nil, fmt.Errorf("leaving notice: %w", r.err)
		}
		if a.name == "" || a.epoch == 0 {
			return 0, nil, errors.New("leaving notice: empty name or zero epoch")
		}
		return kind, []*announcement{a}, nil
	}
	return 0, nil, fmt.Errorf("message: unknown type %d", kind)
}

func readAnnouncement(r *reader) (*announcement, error) {
	a := &announcement{}
	a.name = r.string()
	a.epoch = r.uvarint()
	a.seq = r.uvarint()
	n := r.count(minPartitionBytes, maxAnnouncedPartitions)
	if r.err != nil {
		return nil, fmt.Errorf("announcement: %w", r.err)
	}
	if a.name == "" {
		return nil, errors.New("announcement: empty node name")
	}
	if a.epoch == 0 {
		return nil, errors.New("announcement: zero epoch")
	}
	if n > 0 {
		a.partitions = make([]PartitionState, n)
	}
	for i := range a.partitions {
		p := &a.partitions[i]
		id := r.uvarint()
		flags := r.byte()
		p.Term = r.uvarint()
		if r.err != nil {
			return nil, fmt.Errorf("announcement: %w", r.err)
		}
		if id < 1 || id > math.MaxInt32 {
			return nil, fmt.Errorf("announcement: partition id %d out of range", id)
		}
		p.ID = int32(id)
		if i > 0 && p.ID <= a.partitions[i-1].ID {
			return nil, fmt.Errorf("announcement: partition %d out of order", p.ID)
		}
		p.Role = Role(flags & flagRoleMask)
		if !p.Role.valid() {
			return nil, fmt.Errorf("announcement: partition %d: unknown role %d", p.ID, p.Role)
		}
		p.Healthy = flags&flagHealthy != 0
	}
	return a, nil
}

// encodeStateSet encodes announcements for push/pull. Each is length-prefixed, so that a
// later version can append fields to announcements without breaking the framing.
func encodeStateSet(as []*announcement) []byte {
	b := []byte{formatVersion, msgStateSet}
	b = binary.AppendUvarint(b, uint64(len(as)))
	var body []byte
	for _, a := range as {
		body = appendAnnouncementBody(body[:0], a)
		b = binary.AppendUvarint(b, uint64(len(body)))
		b = append(b, body...)
	}
	return b
}

func readStateSet(r *reader) ([]*announcement, error) {
	// Each element takes at least six bytes: its length prefix, then a body of name length,
	// one name byte, epoch, seq and partition count.
	n := r.count(6, math.MaxInt32)
	if r.err != nil {
		return nil, fmt.Errorf("state set: %w", r.err)
	}
	as := make([]*announcement, 0, n)
	for range n {
		size := r.count(1, math.MaxInt32)
		body := r.take(size)
		if r.err != nil {
			return nil, fmt.Errorf("state set: %w", r.err)
		}
		a, err := readAnnouncement(&reader{b: body})
		if err != nil {
			return nil, fmt.Errorf("state set: %w", err)
		}
		as = append(as, a)
	}
	return as, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader decodes untrusted bytes. The first error sticks: later reads return zero values,
// so a decoder checks r.err once after a group of reads.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(errShort)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errors.New("bad varint"))
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) int32() int32 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errors.New("bad varint"))
		return 0
	}
	r.b = r.b[n:]
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.fail(fmt.Errorf("%d out of int32 range", v))
		return 0
	}
	return int32(v)
}

// uint31 reads a non-negative int32.
func (r *reader) uint31() int32 {
	v := r.uvarint()
	if v > math.MaxInt32 {
		r.fail(fmt.Errorf("%d out of range", v))
		return 0
	}
	return int32(v)
}

// count reads an element count and checks it against the bytes left, given that each
// element takes at least minBytes, and against limit.
func (r *reader) count(minBytes, limit int) int {
	v := r.uvarint()
	if r.err != nil {
		return 0
	}
	if v > uint64(limit) || v > uint64(len(r.b)/minBytes) {
		r.fail(fmt.Errorf("count %d exceeds the %d bytes left", v, len(r.b)))
		return 0
	}
	return int(v)
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.fail(errShort)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > maxWireString {
		r.fail(fmt.Errorf("string of %d bytes exceeds %d", n, maxWireString))
		return ""
	}
	return string(r.take(int(n)))
}
