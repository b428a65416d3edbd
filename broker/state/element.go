package state

import (
	"encoding/binary"

	"github.com/weftlabs/weft/proto/gen/statepb"
)

// PutElementInstance stores an element instance, and its place among its flow scope's
// children.
func (t *Txn) PutElementInstance(ei *statepb.ElementInstance) {
	t.putProto(i64Key(cfElementInstance, ei.GetKey()), ei)
	if scope := ei.GetValue().GetFlowScopeKey(); scope > 0 {
		t.set(pairKey(cfChildren, scope, ei.GetKey()), nil)
	}
}

// ElementInstance returns the element instance with the key, or nil.
func (t *Txn) ElementInstance(key int64) *statepb.ElementInstance {
	if key <= 0 {
		return nil
	}
	ei := &statepb.ElementInstance{}
	if !t.getProto(i64Key(cfElementInstance, key), ei) {
		return nil
	}
	return ei
}

// DeleteElementInstance removes an element instance, its variables and its join state.
func (t *Txn) DeleteElementInstance(ei *statepb.ElementInstance) {
	key := ei.GetKey()
	t.del(i64Key(cfElementInstance, key))
	if scope := ei.GetValue().GetFlowScopeKey(); scope > 0 {
		t.del(pairKey(cfChildren, scope, key))
	}
	t.deletePrefix(i64Key(cfVariable, key))
	t.deletePrefix(i64Key(cfJoin, key))
}

// Children returns the keys of a scope's child element instances, in creation order.
func (t *Txn) Children(scopeKey int64) []int64 {
	var keys []int64
	t.scan(i64Key(cfChildren, scopeKey), func(k, _ []byte) bool {
		keys = append(keys, int64(binary.BigEndian.Uint64(k[9:])))
		return true
	})
	return keys
}

// JoinCount returns how often a sequence flow into a joining gateway was taken in a scope
// and not yet consumed.
func (t *Txn) JoinCount(scopeKey int64, flowID string) int64 {
	return int64(decodeU64(t.get(keyString(cfJoin, scopeKey, flowID))))
}

// SetJoinCount sets the count of JoinCount; zero deletes it.
func (t *Txn) SetJoinCount(scopeKey int64, flowID string, n int64) {
	k := keyString(cfJoin, scopeKey, flowID)
	if n <= 0 {
		t.del(k)
		return
	}
	t.set(k, encodeU64(uint64(n)))
}

func (t *Txn) deletePrefix(prefix []byte) {
	if t.err != nil {
		return
	}
	var keys [][]byte
	t.scan(prefix, func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return true
	})
	for _, k := range keys {
		t.del(k)
	}
}

// Await returns the request waiting for a process instance's result, or nil.
func (t *Txn) Await(processInstanceKey int64) *statepb.AwaitResult {
	a := &statepb.AwaitResult{}
	if !t.getProto(i64Key(cfAwait, processInstanceKey), a) {
		return nil
	}
	return a
}

// PutAwait records the request waiting for a process instance's result.
func (t *Txn) PutAwait(processInstanceKey int64, a *statepb.AwaitResult) {
	t.putProto(i64Key(cfAwait, processInstanceKey), a)
}

// DeleteAwait forgets the request waiting for a process instance's result.
func (t *Txn) DeleteAwait(processInstanceKey int64) { t.del(i64Key(cfAwait, processInstanceKey)) }

// DeleteJoinCounts forgets every token waiting at a joining gateway of a scope.
func (t *Txn) DeleteJoinCounts(scopeKey int64) {
	t.deletePrefix(i64Key(cfJoin, scopeKey))
}

// JoinCounts returns the tokens waiting at joining gateways of a scope, by sequence flow id.
func (t *Txn) JoinCounts(scopeKey int64) map[string]int64 {
	out := map[string]int64{}
	prefix := i64Key(cfJoin, scopeKey)
	t.scan(prefix, func(k, v []byte) bool {
		out[string(k[len(prefix):])] = int64(decodeU64(v))
		return true
	})
	return out
}
