package state

import (
	"encoding/binary"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A signal subscription's owner is the waiting element instance, or the process
// definition for a signal start event.
func signalOwner(r *recordpb.SignalSubscriptionRecord) int64 {
	if r.GetCatchEventInstanceKey() > 0 {
		return r.GetCatchEventInstanceKey()
	}
	return r.GetProcessDefinitionKey()
}

func signalSubKey(r *recordpb.SignalSubscriptionRecord) []byte {
	k := stringsKey(cfSignalSub, []string{r.GetTenantId(), r.GetSignalName()}, signalOwner(r))
	return append(k, r.GetCatchEventId()...)
}

func signalOwnerKey(r *recordpb.SignalSubscriptionRecord) []byte {
	return keyString(cfSignalSubByOwner, signalOwner(r), r.GetCatchEventId())
}

// PutSignalSubscription stores a signal subscription, indexed by signal name and by owner.
func (t *Txn) PutSignalSubscription(r *recordpb.SignalSubscriptionRecord) {
	t.putProto(signalSubKey(r), r)
	t.putProto(signalOwnerKey(r), r)
}

// DeleteSignalSubscription removes a signal subscription.
func (t *Txn) DeleteSignalSubscription(r *recordpb.SignalSubscriptionRecord) {
	t.del(signalSubKey(r))
	t.del(signalOwnerKey(r))
}

// SignalSubscriptionsFor returns the subscriptions to a signal name, by owner key.
func (t *Txn) SignalSubscriptionsFor(tenant, name string) []*recordpb.SignalSubscriptionRecord {
	return t.signalSubs(stringsKey(cfSignalSub, []string{tenant, name}, -1))
}

// SignalSubscriptionsOf returns the subscriptions of an element instance or of a
// process definition's start events.
func (t *Txn) SignalSubscriptionsOf(owner int64) []*recordpb.SignalSubscriptionRecord {
	return t.signalSubs(binary.BigEndian.AppendUint64([]byte{cfSignalSubByOwner}, uint64(owner)))
}

func (t *Txn) signalSubs(prefix []byte) []*recordpb.SignalSubscriptionRecord {
	var out []*recordpb.SignalSubscriptionRecord
	t.scan(prefix, func(_, v []byte) bool {
		r := &recordpb.SignalSubscriptionRecord{}
		if err := unmarshal(v, r); err != nil {
			t.fail(err)
			return false
		}
		out = append(out, r)
		return true
	})
	return out
}
