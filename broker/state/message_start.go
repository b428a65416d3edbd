package state

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func msgStartSubKey(r *recordpb.MessageStartEventSubscriptionRecord) []byte {
	k := stringsKey(cfMsgStartSub, []string{r.GetTenantId(), r.GetMessageName()}, r.GetProcessDefinitionKey())
	return append(k, r.GetStartEventId()...)
}

// PutMessageStartSubscription stores a message start event of a deployed process.
func (t *Txn) PutMessageStartSubscription(r *recordpb.MessageStartEventSubscriptionRecord) {
	t.putProto(msgStartSubKey(r), r)
}

// DeleteMessageStartSubscription removes a message start event's subscription.
func (t *Txn) DeleteMessageStartSubscription(r *recordpb.MessageStartEventSubscriptionRecord) {
	t.del(msgStartSubKey(r))
}

// MessageStartSubscriptions returns the message start events waiting for a message name.
func (t *Txn) MessageStartSubscriptions(tenant, name string) []*recordpb.MessageStartEventSubscriptionRecord {
	var out []*recordpb.MessageStartEventSubscriptionRecord
	t.scan(stringsKey(cfMsgStartSub, []string{tenant, name}, -1), func(_, v []byte) bool {
		r := &recordpb.MessageStartEventSubscriptionRecord{}
		if err := unmarshal(v, r); err != nil {
			t.fail(err)
			return false
		}
		out = append(out, r)
		return true
	})
	return out
}

// PutMessageStartedInstance notes that a message with a correlation key started an
// instance of a process: no other message with that key starts one until it ends.
func (t *Txn) PutMessageStartedInstance(r *recordpb.MessageStartEventSubscriptionRecord) {
	if r.GetCorrelationKey() != "" {
		t.set(stringsKey(cfMsgStartActive, []string{r.GetBpmnProcessId(), r.GetCorrelationKey()}, -1), encodeU64(uint64(r.GetProcessInstanceKey())))
	}
	t.putProto(i64Key(cfMsgStartInstance, r.GetProcessInstanceKey()), r)
}

// MessageStartedInstance returns the running instance of a process that a message with
// the correlation key started, or 0.
func (t *Txn) MessageStartedInstance(bpmnProcessID, correlationKey string) int64 {
	return int64(decodeU64(t.get(stringsKey(cfMsgStartActive, []string{bpmnProcessID, correlationKey}, -1))))
}

// StartingMessage returns how a message started an instance, or nil.
func (t *Txn) StartingMessage(processInstanceKey int64) *recordpb.MessageStartEventSubscriptionRecord {
	r := &recordpb.MessageStartEventSubscriptionRecord{}
	if !t.getProto(i64Key(cfMsgStartInstance, processInstanceKey), r) {
		return nil
	}
	return r
}

// DeleteMessageStartedInstance forgets a message-started instance that ended.
func (t *Txn) DeleteMessageStartedInstance(processInstanceKey int64) {
	r := t.StartingMessage(processInstanceKey)
	if r == nil {
		return
	}
	t.del(i64Key(cfMsgStartInstance, processInstanceKey))
	k := stringsKey(cfMsgStartActive, []string{r.GetBpmnProcessId(), r.GetCorrelationKey()}, -1)
	if int64(decodeU64(t.get(k))) == processInstanceKey {
		t.del(k)
	}
}
