package state

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// PutCompensation stores a compensation subscription.
func (t *Txn) PutCompensation(key int64, r *recordpb.CompensationSubscriptionRecord) {
	t.putProto(pairKey(cfCompensation, r.GetProcessInstanceKey(), key), r)
}

// DeleteCompensation removes a compensation subscription.
func (t *Txn) DeleteCompensation(processInstanceKey, key int64) {
	t.del(pairKey(cfCompensation, processInstanceKey, key))
}

// CompensationSub is a compensation subscription with its key.
type CompensationSub struct {
	Key    int64
	Record *recordpb.CompensationSubscriptionRecord
}

// Compensations returns the compensation subscriptions of a process instance, oldest first.
func (t *Txn) Compensations(processInstanceKey int64) []CompensationSub {
	var out []CompensationSub
	t.scan(i64Key(cfCompensation, processInstanceKey), func(k, v []byte) bool {
		r := &recordpb.CompensationSubscriptionRecord{}
		if err := unmarshal(v, r); err != nil {
			t.fail(err)
			return false
		}
		out = append(out, CompensationSub{Key: lastI64(k), Record: r})
		return true
	})
	return out
}
