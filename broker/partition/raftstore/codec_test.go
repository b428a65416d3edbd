package raftstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestEncodedLogLenIsExact(t *testing.T) {
	for _, l := range []*raft.Log{
		{},
		entry(1),
		{Index: math.MaxUint64, Term: math.MaxUint64, Type: 255, Data: make([]byte, 300), Extensions: []byte{}},
		{Index: 1, AppendedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		{Index: 1, AppendedAt: time.Unix(math.MaxInt64/2, 999_999_999)},
		{Index: 1, AppendedAt: time.Unix(-1, 0)},
	} {
		b := encodeLog(l)
		if len(b) != encodedLogLen(l) {
			t.Fatalf("encoded %d bytes, encodedLogLen says %d", len(b), encodedLogLen(l))
		}
		var got raft.Log
		must(t, decodeLog(b, &got))
		requireLogEqual(t, l, &got)
	}
}

func TestEncodingIsCompact(t *testing.T) {
	// A typical entry costs a handful of bytes beyond its payload.
	l := &raft.Log{Index: 123_456, Term: 7, Type: raft.LogCommand, Data: make([]byte, 100), AppendedAt: time.Now()}
	if n := len(encodeLog(l)); n > 100+20 {
		t.Fatalf("encoding is %d bytes for a 100-byte payload", n)
	}
}

func TestDecodeLogRejectsCorruptValues(t *testing.T) {
	valid := encodeLog(entry(300))
	withTime := encodeLog(&raft.Log{Index: 1, AppendedAt: time.Unix(5, 0)})
	cases := map[string][]byte{
		"empty":           nil,
		"unknown version": append([]byte{2}, valid[1:]...),
		"unknown flags":   append([]byte{valid[0], valid[1] | 0x80}, valid[2:]...),
		"trailing byte":   append(append([]byte(nil), valid...), 0),
		"index overflow":  append([]byte{logFormatV1, 0}, bytes.Repeat([]byte{0xff}, 11)...),
		"data too long": func() []byte {
			b := []byte{logFormatV1, flagData, 1, 1, 0}
			return binary.AppendUvarint(b, math.MaxUint64) // longer than any value
		}(),
		"nanoseconds out of range": func() []byte {
			b := append([]byte(nil), withTime[:len(withTime)-1]...) // drop nsec 0
			return binary.AppendUvarint(b, uint64(time.Second))
		}(),
	}
	// Every proper prefix of a valid encoding is truncated.
	for name, v := range map[string][]byte{"entry": valid, "time-only entry": withTime} {
		for n := range len(v) {
			cases[fmt.Sprintf("%s truncated to %d bytes", name, n)] = v[:n]
		}
	}
	for name, b := range cases {
		l := raft.Log{Index: 42}
		err := decodeLog(b, &l)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeLog(%x) = %v, want ErrCorrupt", name, b, err)
		}
		if l.Index != 42 {
			t.Errorf("%s: decodeLog changed the entry on error", name)
		}
	}
}

// FuzzDecodeLog checks that decoding arbitrary bytes never panics, and that
// whatever decodes survives an encode/decode round trip unchanged.
func FuzzDecodeLog(f *testing.F) {
	f.Add(encodeLog(entry(1)))
	f.Add(encodeLog(&raft.Log{}))
	f.Add(encodeLog(&raft.Log{Index: math.MaxUint64, Data: []byte{}, Extensions: []byte{}}))
	f.Add([]byte{logFormatV1, knownFlags, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l raft.Log
		if err := decodeLog(b, &l); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		var again raft.Log
		if err := decodeLog(encodeLog(&l), &again); err != nil {
			t.Fatalf("re-encoded entry does not decode: %v", err)
		}
		if err := logsEqual(&l, &again); err != nil {
			t.Fatal(err)
		}
	})
}
