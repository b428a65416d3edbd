package engine_test

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// TestDeterminism replays every scenario on two fresh states side by side: both must
// write byte-identical records and end with byte-identical state, which is what lets
// every Raft replica process the same entries on its own.
func TestDeterminism(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		a, b := newScenario(t), newScenario(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			outA := a.run(t, d)
			outB := b.run(t, d)
			require.Equal(t, outA, outB, "%s: the two replicas answered differently", d.Pos)
			return outA
		})
		ra, rb := a.h.all(), b.h.all()
		require.Equal(t, len(ra), len(rb))
		opts := proto.MarshalOptions{Deterministic: true}
		for i := range ra {
			ba, err := opts.Marshal(ra[i])
			require.NoError(t, err)
			bb, err := opts.Marshal(rb[i])
			require.NoError(t, err)
			require.True(t, bytes.Equal(ba, bb), "record %d differs:\n%s\n%s", i+1, dump(ra[i]), dump(rb[i]))
		}
		ca, err := a.h.db.Checksum()
		require.NoError(t, err)
		cb, err := b.h.db.Checksum()
		require.NoError(t, err)
		require.Equal(t, ca, cb, "state checksums differ")
	})
}
