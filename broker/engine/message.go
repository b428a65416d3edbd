package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// publishMessage processes MESSAGE PUBLISH: the message is correlated to the waits
// open for it (one per process) and buffered until its time to live ends, for waits
// that open later; a message id is unique among the buffered messages of the same name
// and correlation key.
func (p *processing) publishMessage() {
	m := p.cmd.GetMessage()
	if m.GetName() == "" {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected message name to be non-empty, but it was empty")
		return
	}
	if m.GetTimeToLive() < 0 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected message time to live to be non-negative, but it was %d", m.GetTimeToLive())
		return
	}
	entries, err := parseObject(m.GetVariables())
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected message variables to be a JSON object, but they are invalid: %s", err)
		return
	}
	if id := m.GetMessageId(); id != "" && p.tx.MessageWithID(m.GetName(), m.GetCorrelationKey(), id) != 0 {
		p.reject(recordpb.RejectionType_ALREADY_EXISTS, "Expected to publish a new message, but a message with id '%s' and name '%s' and correlation key '%s' is already published", id, m.GetName(), m.GetCorrelationKey())
		return
	}
	key := p.tx.NextKey()
	rec := &recordpb.MessageRecord{
		Name: m.GetName(), CorrelationKey: m.GetCorrelationKey(), TimeToLive: m.GetTimeToLive(),
		MessageId: m.GetMessageId(), Variables: encodeObject(entries), Deadline: p.now + m.GetTimeToLive(),
		TenantId: tenantOf(m.GetTenantId()),
	}
	p.respond(p.event(key, "PUBLISHED", rec))
	p.correlatePublished(key, rec, 0)
	p.startByMessage(key, rec, "")
	if rec.GetTimeToLive() == 0 {
		p.event(key, "EXPIRED", proto.Clone(rec).(*recordpb.MessageRecord))
	}
}

// expireMessage processes MESSAGE EXPIRE, which the leader proposes when a buffered
// message's time to live has ended.
func (p *processing) expireMessage() {
	key := p.cmd.GetKey()
	m := p.tx.Message(key)
	if m == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to expire message with key '%d', but no such message was found", key)
		return
	}
	if m.GetDeadline() > p.now {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to expire message with key '%d', but its time to live has not ended", key)
		return
	}
	p.respond(p.event(key, "EXPIRED", m))
}
