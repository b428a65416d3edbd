package state

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func timerOwner(r *recordpb.TimerRecord) int64 {
	if r.GetElementInstanceKey() > 0 {
		return r.GetElementInstanceKey()
	}
	return r.GetProcessDefinitionKey()
}

// PutTimer stores a timer, indexed by due date and by owner (its element instance, or
// its process definition for a start event).
func (t *Txn) PutTimer(key int64, r *recordpb.TimerRecord) {
	t.putProto(i64Key(cfTimer, key), r)
	t.set(pairKey(cfTimerDue, r.GetDueDate(), key), nil)
	t.set(pairKey(cfTimerByOwner, timerOwner(r), key), nil)
}

// Timer returns the timer with the key, or nil.
func (t *Txn) Timer(key int64) *recordpb.TimerRecord {
	r := &recordpb.TimerRecord{}
	if !t.getProto(i64Key(cfTimer, key), r) {
		return nil
	}
	return r
}

// DeleteTimer removes a timer and its index entries.
func (t *Txn) DeleteTimer(key int64) {
	r := t.Timer(key)
	if r == nil {
		return
	}
	t.del(i64Key(cfTimer, key))
	t.del(pairKey(cfTimerDue, r.GetDueDate(), key))
	t.del(pairKey(cfTimerByOwner, timerOwner(r), key))
}

// TimersOf returns the keys of the timers of an element instance or of a process
// definition's start events.
func (t *Txn) TimersOf(owner int64) []int64 {
	var keys []int64
	t.scan(i64Key(cfTimerByOwner, owner), func(k, _ []byte) bool {
		keys = append(keys, lastI64(k))
		return true
	})
	return keys
}

// DueTimers returns at most limit timers due in [from, now] (ms), earliest first. Safe
// to call from any goroutine.
func (d *DB) DueTimers(from, now int64, limit int) ([]Due, error) {
	return d.due(cfTimerDue, from, now, limit)
}

// PutEventTrigger stores a triggered event until its element is activated under key.
func (t *Txn) PutEventTrigger(key int64, r *recordpb.ProcessEventRecord) {
	t.putProto(i64Key(cfEventTrigger, key), r)
}

// EventTrigger returns the trigger of the event to activate under key, or nil.
func (t *Txn) EventTrigger(key int64) *recordpb.ProcessEventRecord {
	r := &recordpb.ProcessEventRecord{}
	if !t.getProto(i64Key(cfEventTrigger, key), r) {
		return nil
	}
	return r
}

// DeleteEventTrigger removes an event trigger.
func (t *Txn) DeleteEventTrigger(key int64) { t.del(i64Key(cfEventTrigger, key)) }
