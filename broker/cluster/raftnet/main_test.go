package raftnet

import (
	"testing"

	"go.uber.org/goleak"
)

// The mux, raft and Pebble all start goroutines; every test must stop them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
