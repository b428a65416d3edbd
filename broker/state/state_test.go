package state_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

func openMem(t *testing.T, partition int32) *state.DB {
	t.Helper()
	db, err := state.Open("", state.Options{PartitionID: partition, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestKeysCarryThePartition(t *testing.T) {
	tx := openMem(t, 1).Begin()
	defer tx.Discard()
	require.EqualValues(t, 2251799813685249, tx.NextKey(), "partition 1's first key, as Zeebe's")
	require.EqualValues(t, 2251799813685250, tx.NextKey())

	tx3 := openMem(t, 3).Begin()
	defer tx3.Discard()
	k := tx3.NextKey()
	require.EqualValues(t, 3, state.PartitionOfKey(k))
	require.EqualValues(t, 3<<51+1, k)
}

func TestOpenRejectsBadPartition(t *testing.T) {
	for _, id := range []int32{0, -1, 1 << 12} {
		_, err := state.Open("", state.Options{PartitionID: id, InMemory: true})
		require.Error(t, err, "partition %d", id)
	}
}

func TestPositionsStartAtOneWithoutGaps(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	for range 3 {
		tx := db.Begin()
		for range 4 {
			tx.AppendRecord(&recordpb.Record{ValueType: recordpb.ValueType_JOB, Intent: "CREATED"})
		}
		tx.SetLastApplied(7)
		require.NoError(t, tx.Commit(true))
	}
	require.EqualValues(t, 12, db.LastPosition())
	require.NoError(t, db.Close())

	// Counters survive a reopen.
	db, err = state.Open(dir, state.Options{PartitionID: 1})
	require.NoError(t, err)
	defer db.Close()
	require.EqualValues(t, 12, db.LastPosition())
	require.EqualValues(t, 7, db.LastApplied())
	tx := db.Begin()
	tx.AppendRecord(&recordpb.Record{})
	require.NoError(t, tx.Commit(false))
	rs, err := db.Records(1, db.LastPosition())
	require.NoError(t, err)
	require.Len(t, rs, 13)
	for i, r := range rs {
		require.EqualValues(t, i+1, r.GetPosition())
		require.EqualValues(t, 1, r.GetPartitionId())
	}
}

func putJob(tx *state.Txn, key int64, st string) {
	prev := tx.Job(key)
	tx.PutJob(key, prev, &statepb.Job{State: st, Record: &recordpb.JobRecord{Type: "t", Deadline: 100 + key, RecurringTime: -1}})
}

// Activations take the oldest jobs first, also when a job becomes activatable again
// after younger ones (the scan's starting point follows it).
func TestActivatableJobsOldestFirst(t *testing.T) {
	db := openMem(t, 1)
	tx := db.Begin()
	defer tx.Discard()
	for _, k := range []int64{10, 11, 12} {
		putJob(tx, k, state.JobActivatable)
	}
	require.Equal(t, []int64{10}, tx.ActivatableJobs("t", 1))
	putJob(tx, 10, state.JobActivated)
	putJob(tx, 11, state.JobActivated)
	require.Equal(t, []int64{12}, tx.ActivatableJobs("t", 5))
	putJob(tx, 10, state.JobActivatable) // timed out
	require.Equal(t, []int64{10, 12}, tx.ActivatableJobs("t", 5))
	putJob(tx, 10, state.JobActivated)
	putJob(tx, 12, state.JobActivated)
	require.Empty(t, tx.ActivatableJobs("t", 5))
	putJob(tx, 11, state.JobActivatable)
	require.Equal(t, []int64{11}, tx.ActivatableJobs("t", 5))
	require.Empty(t, tx.ActivatableJobs("other", 5))

	// An activated job is due at its deadline.
	require.NoError(t, tx.Commit(false))
	due, err := db.DueJobDeadlines(0, 112, 10)
	require.NoError(t, err)
	require.Equal(t, []state.Due{{Key: 10, At: 110}, {Key: 12, At: 112}}, due)
	due, err = db.DueJobDeadlines(111, 112, 10)
	require.NoError(t, err)
	require.Equal(t, []state.Due{{Key: 12, At: 112}}, due)
}

func TestChecksumComparesReplicas(t *testing.T) {
	a, b := openMem(t, 1), openMem(t, 1)
	for _, db := range []*state.DB{a, b} {
		tx := db.Begin()
		putJob(tx, 5, state.JobActivatable)
		require.NoError(t, tx.Commit(false))
	}
	ca, err := a.Checksum()
	require.NoError(t, err)
	cb, err := b.Checksum()
	require.NoError(t, err)
	require.Equal(t, ca, cb)
	tx := b.Begin()
	putJob(tx, 6, state.JobActivatable)
	require.NoError(t, tx.Commit(false))
	cb, err = b.Checksum()
	require.NoError(t, err)
	require.NotEqual(t, ca, cb)
}
