package state

import (
	"github.com/cockroachdb/pebble"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// Message subscription states.
const (
	// SubCreating: the instance's partition waits for the message partition to confirm.
	SubCreating = "CREATING"
	// SubCreated: both sides know the subscription.
	SubCreated = "CREATED"
	// SubCorrelated: a message completed the wait; kept until the message partition has
	// closed its side.
	SubCorrelated = "CORRELATED"
	// SubDeleting: the element instance left; the message partition must close its side.
	SubDeleting = "DELETING"
	// SubOpen: the message partition's side, waiting for a message.
	SubOpen = "OPEN"
	// SubCorrelating: a message is on its way to the instance's partition.
	SubCorrelating = "CORRELATING"
)

func procMsgSubKey(elementInstanceKey int64, name string) []byte {
	return keyString(cfProcMsgSub, elementInstanceKey, name)
}

// PutProcessMessageSubscription stores the instance partition's side of a wait.
func (t *Txn) PutProcessMessageSubscription(s *statepb.ProcessMessageSubscription) {
	t.putProto(procMsgSubKey(s.GetRecord().GetElementInstanceKey(), s.GetRecord().GetMessageName()), s)
}

// ProcessMessageSubscription returns an element instance's subscription to a message
// name, or nil.
func (t *Txn) ProcessMessageSubscription(elementInstanceKey int64, name string) *statepb.ProcessMessageSubscription {
	s := &statepb.ProcessMessageSubscription{}
	if !t.getProto(procMsgSubKey(elementInstanceKey, name), s) {
		return nil
	}
	return s
}

// ProcessMessageSubscriptions returns every subscription of an element instance, by
// message name.
func (t *Txn) ProcessMessageSubscriptions(elementInstanceKey int64) []*statepb.ProcessMessageSubscription {
	var out []*statepb.ProcessMessageSubscription
	t.scan(i64Key(cfProcMsgSub, elementInstanceKey), func(_, v []byte) bool {
		s := &statepb.ProcessMessageSubscription{}
		if err := unmarshal(v, s); err != nil {
			t.fail(err)
			return false
		}
		out = append(out, s)
		return true
	})
	return out
}

// DeleteProcessMessageSubscription removes an element instance's subscription.
func (t *Txn) DeleteProcessMessageSubscription(elementInstanceKey int64, name string) {
	t.del(procMsgSubKey(elementInstanceKey, name))
}

func msgSubNameKey(r *recordpb.MessageSubscriptionRecord, key int64) []byte {
	return stringsKey(cfMsgSubByName, []string{r.GetTenantId(), r.GetMessageName(), r.GetCorrelationKey()}, key)
}

// PutMessageSubscription stores the message partition's side of a wait, indexed by
// name and correlation key and by element instance.
func (t *Txn) PutMessageSubscription(s *statepb.MessageSubscription) {
	r := s.GetRecord()
	t.putProto(i64Key(cfMsgSub, s.GetKey()), s)
	t.set(msgSubNameKey(r, s.GetKey()), nil)
	t.set(keyString(cfMsgSubByElement, r.GetElementInstanceKey(), r.GetMessageName()), encodeU64(uint64(s.GetKey())))
}

// MessageSubscription returns the message partition's subscription with the key, or nil.
func (t *Txn) MessageSubscription(key int64) *statepb.MessageSubscription {
	s := &statepb.MessageSubscription{}
	if !t.getProto(i64Key(cfMsgSub, key), s) {
		return nil
	}
	return s
}

// MessageSubscriptionOf returns the message partition's subscription of an element
// instance to a message name, or nil.
func (t *Txn) MessageSubscriptionOf(elementInstanceKey int64, name string) *statepb.MessageSubscription {
	key := int64(decodeU64(t.get(keyString(cfMsgSubByElement, elementInstanceKey, name))))
	if key == 0 {
		return nil
	}
	return t.MessageSubscription(key)
}

// MessageSubscriptionsFor returns the subscriptions waiting for a message name and
// correlation key, oldest first.
func (t *Txn) MessageSubscriptionsFor(tenant, name, correlationKey string) []*statepb.MessageSubscription {
	var keys []int64
	t.scan(stringsKey(cfMsgSubByName, []string{tenant, name, correlationKey}, -1), func(k, _ []byte) bool {
		keys = append(keys, lastI64(k))
		return true
	})
	out := make([]*statepb.MessageSubscription, 0, len(keys))
	for _, k := range keys {
		if s := t.MessageSubscription(k); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// DeleteMessageSubscription removes a message partition's subscription and its indexes.
func (t *Txn) DeleteMessageSubscription(s *statepb.MessageSubscription) {
	r := s.GetRecord()
	t.del(i64Key(cfMsgSub, s.GetKey()))
	t.del(msgSubNameKey(r, s.GetKey()))
	ek := keyString(cfMsgSubByElement, r.GetElementInstanceKey(), r.GetMessageName())
	if int64(decodeU64(t.get(ek))) == s.GetKey() {
		t.del(ek)
	}
}

func messageNameKey(m *recordpb.MessageRecord, key int64) []byte {
	return stringsKey(cfMessageByName, []string{m.GetTenantId(), m.GetName(), m.GetCorrelationKey()}, key)
}

// MessagesFor returns the keys of the buffered messages with a name and correlation key,
// oldest first.
func (t *Txn) MessagesFor(tenant, name, correlationKey string) []int64 {
	var keys []int64
	t.scan(stringsKey(cfMessageByName, []string{tenant, name, correlationKey}, -1), func(k, _ []byte) bool {
		keys = append(keys, lastI64(k))
		return true
	})
	return keys
}

// PutMessageCorrelation notes that a message was correlated to an instance of a process,
// so that it is not correlated to another instance of the same process.
func (t *Txn) PutMessageCorrelation(messageKey int64, bpmnProcessID string) {
	t.set(keyString(cfMessageCorrelated, messageKey, bpmnProcessID), nil)
}

// HasMessageCorrelation reports whether a message was correlated to an instance of a process.
func (t *Txn) HasMessageCorrelation(messageKey int64, bpmnProcessID string) bool {
	return t.has(keyString(cfMessageCorrelated, messageKey, bpmnProcessID))
}

// DeleteMessageCorrelation forgets a message's correlation to a process.
func (t *Txn) DeleteMessageCorrelation(messageKey int64, bpmnProcessID string) {
	t.del(keyString(cfMessageCorrelated, messageKey, bpmnProcessID))
}

// PutSend stores a command to deliver to another partition, replacing what the owner
// (a subscription's key) had to send before.
func (t *Txn) PutSend(owner int64, s *statepb.Send) { t.putProto(i64Key(cfSend, owner), s) }

// DeleteSend removes the owner's command to deliver.
func (t *Txn) DeleteSend(owner int64) { t.del(i64Key(cfSend, owner)) }

// Send returns the owner's command to deliver, or nil.
func (t *Txn) Send(owner int64) *statepb.Send {
	s := &statepb.Send{}
	if !t.getProto(i64Key(cfSend, owner), s) {
		return nil
	}
	return s
}

// PendingSend is a command that waits to be delivered to another partition.
type PendingSend struct {
	Owner int64
	Send  *statepb.Send
}

// PendingSends returns at most limit commands to deliver, by owner key. Safe to call
// from any goroutine.
func (d *DB) PendingSends(limit int) ([]PendingSend, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: []byte{cfSend}, UpperBound: []byte{cfSend + 1}})
	if err != nil {
		return nil, err
	}
	var out []PendingSend
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		s := &statepb.Send{}
		if err := unmarshal(it.Value(), s); err != nil {
			it.Close()
			return nil, err
		}
		out = append(out, PendingSend{Owner: lastI64(it.Key()), Send: s})
	}
	return out, it.Close()
}
