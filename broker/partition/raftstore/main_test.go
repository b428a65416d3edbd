package raftstore

import (
	"testing"

	"go.uber.org/goleak"
)

// Pebble and raft both start goroutines; every test must stop them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
