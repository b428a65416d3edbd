package raftstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// ErrCorrupt is returned, wrapped with the key or index, when a stored value
// cannot be decoded.
var ErrCorrupt = errors.New("raftstore: corrupt value")

// Log entry encoding, version 1:
//
//	byte     version (logFormatV1)
//	byte     flags (flagData, flagExtensions, flagAppendedAt; other bits zero)
//	uvarint  Index
//	uvarint  Term
//	byte     Type
//	[if flagData]       uvarint len, Data bytes
//	[if flagExtensions] uvarint len, Extensions bytes
//	[if flagAppendedAt] varint Unix seconds, uvarint nanoseconds (< 1e9)
//
// The value must be consumed exactly. The flags keep nil and empty slices
// apart and leave out a zero AppendedAt, so a decoded entry matches the one
// stored (AppendedAt keeps its instant, not its location or monotonic
// reading). Index is stored although the key holds it too: GetLog checks
// the two agree, which catches a value written under the wrong key.
const (
	logFormatV1 byte = 1

	flagData       byte = 1 << 0
	flagExtensions byte = 1 << 1
	flagAppendedAt byte = 1 << 2
	knownFlags          = flagData | flagExtensions | flagAppendedAt
)

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}

// encodedLogLen returns the exact number of bytes putLog writes for l.
func encodedLogLen(l *raft.Log) int {
	n := 2 + uvarintLen(l.Index) + uvarintLen(l.Term) + 1
	if l.Data != nil {
		n += uvarintLen(uint64(len(l.Data))) + len(l.Data)
	}
	if l.Extensions != nil {
		n += uvarintLen(uint64(len(l.Extensions))) + len(l.Extensions)
	}
	if !l.AppendedAt.IsZero() {
		n += varintLen(l.AppendedAt.Unix()) + uvarintLen(uint64(l.AppendedAt.Nanosecond()))
	}
	return n
}

// putLog encodes l into dst, which must be exactly encodedLogLen(l) bytes.
func putLog(dst []byte, l *raft.Log) {
	var flags byte
	if l.Data != nil {
		flags |= flagData
	}
	if l.Extensions != nil {
		flags |= flagExtensions
	}
	if !l.AppendedAt.IsZero() {
		flags |= flagAppendedAt
	}
	dst[0] = logFormatV1
	dst[1] = flags
	off := 2
	off += binary.PutUvarint(dst[off:], l.Index)
	off += binary.PutUvarint(dst[off:], l.Term)
	dst[off] = byte(l.Type)
	off++
	if l.Data != nil {
		off += binary.PutUvarint(dst[off:], uint64(len(l.Data)))
		off += copy(dst[off:], l.Data)
	}
	if l.Extensions != nil {
		off += binary.PutUvarint(dst[off:], uint64(len(l.Extensions)))
		off += copy(dst[off:], l.Extensions)
	}
	if !l.AppendedAt.IsZero() {
		off += binary.PutVarint(dst[off:], l.AppendedAt.Unix())
		binary.PutUvarint(dst[off:], uint64(l.AppendedAt.Nanosecond()))
	}
}

// encodeLog returns the encoding of l in a new slice.
func encodeLog(l *raft.Log) []byte {
	b := make([]byte, encodedLogLen(l))
	putLog(b, l)
	return b
}

// logDecoder reads an encoded entry front to back. The first error sticks.
type logDecoder struct {
	b   []byte
	off int
	err error
}

func (d *logDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("log entry: bad %s at byte %d: %w", what, d.off, ErrCorrupt)
	}
}

func (d *logDecoder) byte(what string) byte {
	if d.err != nil || d.off >= len(d.b) {
		d.fail(what)
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *logDecoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 { // 0: truncated, <0: overflows 64 bits
		d.fail(what)
		return 0
	}
	d.off += n
	return v
}

func (d *logDecoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.off += n
	return v
}

// bytes returns the next length-prefixed field as a subslice of the input.
func (d *logDecoder) bytes(what string) []byte {
	n := d.uvarint(what + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail(what + " length")
		return nil
	}
	v := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return v
}

// decodeLog decodes b into l. Data and Extensions are copied, so b may be
// reused once decodeLog returns. On error l is left unchanged.
func decodeLog(b []byte, l *raft.Log) error {
	d := logDecoder{b: b}
	if v := d.byte("version"); d.err == nil && v != logFormatV1 {
		return fmt.Errorf("log entry: unknown format version %d: %w", v, ErrCorrupt)
	}
	flags := d.byte("flags")
	if d.err == nil && flags&^knownFlags != 0 {
		return fmt.Errorf("log entry: unknown flags %#x: %w", flags, ErrCorrupt)
	}
	index := d.uvarint("index")
	term := d.uvarint("term")
	typ := d.byte("type")
	var data, ext []byte
	if flags&flagData != 0 {
		data = d.bytes("data")
	}
	if flags&flagExtensions != 0 {
		ext = d.bytes("extensions")
	}
	var appendedAt time.Time
	if flags&flagAppendedAt != 0 {
		sec := d.varint("appended-at seconds")
		nsec := d.uvarint("appended-at nanoseconds")
		if d.err == nil && nsec >= uint64(time.Second) {
			d.fail("appended-at nanoseconds")
		}
		appendedAt = time.Unix(sec, int64(nsec))
	}
	if d.err != nil {
		return d.err
	}
	if d.off != len(b) {
		return fmt.Errorf("log entry: %d trailing bytes: %w", len(b)-d.off, ErrCorrupt)
	}

	// One allocation holds both fields; the three-index slices keep an
	// append to Data from running into Extensions.
	var buf []byte
	if flags&(flagData|flagExtensions) != 0 {
		buf = make([]byte, len(data)+len(ext))
		copy(buf, data)
		copy(buf[len(data):], ext)
	}
	*l = raft.Log{
		Index:      index,
		Term:       term,
		Type:       raft.LogType(typ),
		AppendedAt: appendedAt,
	}
	if flags&flagData != 0 {
		l.Data = buf[:len(data):len(data)]
	}
	if flags&flagExtensions != 0 {
		l.Extensions = buf[len(data):]
	}
	return nil
}
