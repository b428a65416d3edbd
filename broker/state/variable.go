package state

import (
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// Variable returns a scope's own variable, or nil.
func (t *Txn) Variable(scopeKey int64, name string) *statepb.Variable {
	v := &statepb.Variable{}
	if !t.getProto(keyString(cfVariable, scopeKey, name), v) {
		return nil
	}
	return v
}

// PutVariable sets a scope's own variable.
func (t *Txn) PutVariable(scopeKey int64, name string, v *statepb.Variable) {
	t.putProto(keyString(cfVariable, scopeKey, name), v)
}

// LocalVariables calls fn for each of a scope's own variables in name order.
func (t *Txn) LocalVariables(scopeKey int64, fn func(name string, v *statepb.Variable)) {
	prefix := i64Key(cfVariable, scopeKey)
	type kv struct {
		name string
		raw  []byte
	}
	var all []kv
	t.scan(prefix, func(k, val []byte) bool {
		all = append(all, kv{string(k[len(prefix):]), append([]byte(nil), val...)})
		return true
	})
	for _, e := range all {
		v := &statepb.Variable{}
		if err := unmarshal(e.raw, v); err != nil {
			t.fail(err)
			return
		}
		fn(e.name, v)
	}
}
