package raftstore

import "encoding/binary"

// Every key of a group starts with the group's prefix, followed by one kind
// byte. Log keys end with the big-endian index so that Pebble's byte order is
// index order; stable keys end with the raw key raft passes in.
//
//	prefix | kindLog    | uint64 index (big-endian)
//	prefix | kindStable | key
//
// kindLog+1 == kindStable, so [prefix|kindLog, prefix|kindStable) bounds
// exactly the log keys of one group.
const (
	kindLog    byte = 0x01
	kindStable byte = 0x02

	indexLen = 8
)

// keyspace holds the precomputed key prefixes of one group.
type keyspace struct {
	logLower    []byte // prefix | kindLog: smallest possible log key
	logUpper    []byte // prefix | kindStable: first key after all log keys
	stableLower []byte // prefix | kindStable
}

func newKeyspace(prefix []byte) keyspace {
	mk := func(kind byte) []byte {
		k := make([]byte, 0, len(prefix)+1)
		k = append(k, prefix...)
		return append(k, kind)
	}
	return keyspace{
		logLower:    mk(kindLog),
		logUpper:    mk(kindStable),
		stableLower: mk(kindStable),
	}
}

// logKey returns the key of the log entry at index.
func (k keyspace) logKey(index uint64) []byte {
	key := make([]byte, len(k.logLower)+indexLen)
	k.putLogKey(key, index)
	return key
}

// putLogKey writes the key of the log entry at index into dst, which must be
// logKeyLen() bytes long.
func (k keyspace) putLogKey(dst []byte, index uint64) {
	n := copy(dst, k.logLower)
	binary.BigEndian.PutUint64(dst[n:], index)
}

func (k keyspace) logKeyLen() int { return len(k.logLower) + indexLen }

// logIndex parses a log key read back from Pebble. ok is false if key is not
// a well-formed log key of this group.
func (k keyspace) logIndex(key []byte) (index uint64, ok bool) {
	if len(key) != k.logKeyLen() {
		return 0, false
	}
	return binary.BigEndian.Uint64(key[len(k.logLower):]), true
}

// stableKey returns the key under which the stable-store key is kept.
func (k keyspace) stableKey(key []byte) []byte {
	out := make([]byte, 0, len(k.stableLower)+len(key))
	out = append(out, k.stableLower...)
	return append(out, key...)
}
