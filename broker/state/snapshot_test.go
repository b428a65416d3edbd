package state_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func fill(t *testing.T, db *state.DB, n int) {
	t.Helper()
	tx := db.Begin()
	for range n {
		tx.NextKey()
		tx.AppendRecord(&recordpb.Record{ValueType: recordpb.ValueType_JOB, Intent: "CREATED"})
	}
	tx.SetLastApplied(uint64(db.LastApplied() + uint64(n)))
	require.NoError(t, tx.Commit(false))
}

func snapshotOf(t *testing.T, db *state.DB) []byte {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "checkpoint")
	require.NoError(t, db.Checkpoint(dir))
	var buf bytes.Buffer
	require.NoError(t, state.WriteSnapshot(dir, &buf))
	return buf.Bytes()
}

// A snapshot carries the whole state: a replica that installs it has the same records,
// counters and checksum as the one that wrote it.
func TestSnapshotRoundTrip(t *testing.T) {
	src, err := state.Open(filepath.Join(t.TempDir(), "state"), state.Options{PartitionID: 1})
	require.NoError(t, err)
	defer src.Close()
	fill(t, src, 50)
	snap := snapshotOf(t, src)

	dstDir := filepath.Join(t.TempDir(), "state")
	dst, err := state.Open(dstDir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	fill(t, dst, 3) // state the snapshot replaces
	require.NoError(t, dst.ReplaceWith(bytes.NewReader(snap)))
	require.Equal(t, src.LastPosition(), dst.LastPosition())
	require.Equal(t, src.LastApplied(), dst.LastApplied())
	cs, err := src.Checksum()
	require.NoError(t, err)
	cd, err := dst.Checksum()
	require.NoError(t, err)
	require.Equal(t, cs, cd)

	// It goes on from there, and survives a reopen.
	fill(t, dst, 1)
	require.NoError(t, dst.Close())
	dst, err = state.Open(dstDir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	defer dst.Close()
	require.EqualValues(t, 51, dst.LastPosition())
}

// A snapshot damaged anywhere is refused and the state stays as it was.
func TestCorruptSnapshotIsNeverLoaded(t *testing.T) {
	src, err := state.Open(filepath.Join(t.TempDir(), "state"), state.Options{PartitionID: 1})
	require.NoError(t, err)
	defer src.Close()
	fill(t, src, 20)
	snap := snapshotOf(t, src)

	dst, err := state.Open(filepath.Join(t.TempDir(), "state"), state.Options{PartitionID: 1})
	require.NoError(t, err)
	defer dst.Close()
	fill(t, dst, 2)
	before, err := dst.Checksum()
	require.NoError(t, err)

	for name, bad := range map[string][]byte{
		"flipped byte in the middle": func() []byte { b := bytes.Clone(snap); b[len(b)/2] ^= 0xff; return b }(),
		"flipped checksum":           func() []byte { b := bytes.Clone(snap); b[len(b)-1] ^= 0x01; return b }(),
		"truncated":                  snap[:len(snap)-100],
		"no checksum":                snap[:len(snap)-32],
		"not a snapshot":             []byte("hello"),
		"empty":                      nil,
	} {
		err := dst.ReplaceWith(bytes.NewReader(bad))
		require.ErrorIs(t, err, state.ErrCorruptSnapshot, name)
		after, err := dst.Checksum()
		require.NoError(t, err, name)
		require.Equal(t, before, after, "%s: the state changed", name)
		require.EqualValues(t, 2, dst.LastPosition(), name)
	}
}

// A crash in the middle of a replacement is finished or undone on the next open.
func TestOpenRecoversAnInterruptedReplace(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "state")
	db, err := state.Open(dir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	fill(t, db, 5)
	require.NoError(t, db.Close())

	// The old state was moved aside and the new one not yet moved in.
	require.NoError(t, os.Rename(dir, dir+".old"))
	db, err = state.Open(dir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	require.EqualValues(t, 5, db.LastPosition(), "the old state is back")
	require.NoError(t, db.Close())
	_, err = os.Stat(dir + ".old")
	require.True(t, os.IsNotExist(err))
}
