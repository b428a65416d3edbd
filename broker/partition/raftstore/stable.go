package raftstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Set stores val under key, durably unless Options.NoSync. Raft keeps its
// current term and vote here, so the write must survive a crash before raft
// acts on it.
func (s *Store) Set(key, val []byte) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.db.Set(s.keys.stableKey(key), val, s.wo); err != nil {
		return fmt.Errorf("raftstore: set %q: %w", key, err)
	}
	return nil
}

// Get returns a copy of the value stored under key. As raft.StableStore
// documents, a missing key yields an empty value and a nil error, so a key
// set to an empty value and a missing key read the same.
func (s *Store) Get(key []byte) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	val, closer, err := s.db.Get(s.keys.stableKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("raftstore: get %q: %w", key, err)
	}
	defer closer.Close()
	return append([]byte(nil), val...), nil
}

// SetUint64 stores val under key as 8 big-endian bytes. Set, Get,
// SetUint64 and GetUint64 share one key space.
func (s *Store) SetUint64(key []byte, val uint64) error {
	return s.Set(key, binary.BigEndian.AppendUint64(nil, val))
}

// GetUint64 returns the value stored under key by SetUint64, or 0 and a nil
// error if the key is missing. A value that is not 8 bytes long yields an
// error wrapping ErrCorrupt.
func (s *Store) GetUint64(key []byte) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	val, closer, err := s.db.Get(s.keys.stableKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("raftstore: get %q: %w", key, err)
	}
	defer closer.Close()
	if len(val) != 8 {
		return 0, fmt.Errorf("raftstore: get %q: uint64 value is %d bytes: %w", key, len(val), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(val), nil
}
