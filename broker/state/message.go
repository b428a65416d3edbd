package state

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// PutMessage stores a published message until its deadline, indexed by its id (when it
// has one) and by its deadline.
func (t *Txn) PutMessage(key int64, m *recordpb.MessageRecord) {
	t.putProto(i64Key(cfMessage, key), &statepb.Message{Record: m})
	if m.GetMessageId() != "" {
		t.set(messageIDKey(m), encodeU64(uint64(key)))
	}
	t.set(pairKey(cfMessageDeadline, m.GetDeadline(), key), nil)
	t.set(messageNameKey(m, key), nil)
}

// Message returns the buffered message with the key, or nil.
func (t *Txn) Message(key int64) *recordpb.MessageRecord {
	m := &statepb.Message{}
	if !t.getProto(i64Key(cfMessage, key), m) {
		return nil
	}
	return m.GetRecord()
}

// MessageWithID returns the key of the buffered message with a name, correlation key and
// message id, or 0.
func (t *Txn) MessageWithID(name, correlationKey, messageID string) int64 {
	m := &recordpb.MessageRecord{Name: name, CorrelationKey: correlationKey, MessageId: messageID}
	return int64(decodeU64(t.get(messageIDKey(m))))
}

// DeleteMessage removes a buffered message and its index entries.
func (t *Txn) DeleteMessage(key int64, m *recordpb.MessageRecord) {
	t.del(i64Key(cfMessage, key))
	if m.GetMessageId() != "" && t.MessageWithID(m.GetName(), m.GetCorrelationKey(), m.GetMessageId()) == key {
		t.del(messageIDKey(m))
	}
	t.del(pairKey(cfMessageDeadline, m.GetDeadline(), key))
	t.del(messageNameKey(m, key))
	t.deletePrefix(i64Key(cfMessageCorrelated, key))
}

func messageIDKey(m *recordpb.MessageRecord) []byte {
	k := []byte{cfMessageID}
	for _, part := range []string{m.GetName(), m.GetCorrelationKey()} {
		k = append(k, part...)
		k = append(k, 0)
	}
	return append(k, m.GetMessageId()...)
}
