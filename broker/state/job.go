package state

import (
	"encoding/binary"
	"math"

	"github.com/weftlabs/weft/proto/gen/statepb"
)

// Job states.
const (
	JobActivatable = "ACTIVATABLE"
	JobActivated   = "ACTIVATED"
	JobFailed      = "FAILED"
	JobErrorThrown = "ERROR_THROWN"
)

// Job returns the job with the key, or nil.
func (t *Txn) Job(key int64) *statepb.Job {
	if key <= 0 {
		return nil
	}
	j := &statepb.Job{}
	if !t.getProto(i64Key(cfJob, key), j) {
		return nil
	}
	return j
}

// PutJob stores a job and keeps the activatable, deadline and back-off indexes in step
// with its state. prev is the job as stored before, nil for a new job.
func (t *Txn) PutJob(key int64, prev, j *statepb.Job) {
	if prev != nil {
		t.unindexJob(key, prev)
	}
	t.putProto(i64Key(cfJob, key), j)
	r := j.GetRecord()
	switch j.GetState() {
	case JobActivatable:
		t.set(stringKey(cfJobActivatable, r.GetType(), key), nil)
		if floor, ok := t.d.activatableFloor[r.GetType()]; ok && key < floor {
			t.d.activatableFloor[r.GetType()] = key
		}
	case JobActivated:
		t.set(pairKey(cfJobDeadline, r.GetDeadline(), key), nil)
	case JobFailed:
		if r.GetRecurringTime() > 0 {
			t.set(pairKey(cfJobBackoff, r.GetRecurringTime(), key), nil)
		}
	}
}

// DeleteJob removes a job and its index entries.
func (t *Txn) DeleteJob(key int64, prev *statepb.Job) {
	t.unindexJob(key, prev)
	t.del(i64Key(cfJob, key))
}

func (t *Txn) unindexJob(key int64, j *statepb.Job) {
	r := j.GetRecord()
	switch j.GetState() {
	case JobActivatable:
		t.del(stringKey(cfJobActivatable, r.GetType(), key))
	case JobActivated:
		t.del(pairKey(cfJobDeadline, r.GetDeadline(), key))
	case JobFailed:
		if r.GetRecurringTime() > 0 {
			t.del(pairKey(cfJobBackoff, r.GetRecurringTime(), key))
		}
	}
}

// ActivatableJobs returns the keys of at most limit activatable jobs of a type, oldest
// first.
func (t *Txn) ActivatableJobs(jobType string, limit int) []int64 {
	prefix := append(append([]byte{cfJobActivatable}, jobType...), 0)
	lower := prefix
	if floor, ok := t.d.activatableFloor[jobType]; ok {
		lower = stringKey(cfJobActivatable, jobType, floor)
	}
	var keys []int64
	t.scanRange(lower, prefixEnd(prefix), func(k, _ []byte) bool {
		if len(k) == len(prefix)+8 {
			keys = append(keys, int64(binary.BigEndian.Uint64(k[len(prefix):])))
		}
		return len(keys) < limit
	})
	if t.err == nil {
		if len(keys) > 0 {
			t.d.activatableFloor[jobType] = keys[0]
		} else {
			t.d.activatableFloor[jobType] = math.MaxInt64
		}
	}
	return keys
}
