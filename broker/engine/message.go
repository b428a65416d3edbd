package engine

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// publishMessage processes MESSAGE PUBLISH. The spine has no message catch events yet,
// so a published message has nothing to correlate to: it is validated and recorded.
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
	ev := p.event(p.tx.NextKey(), "PUBLISHED", &recordpb.MessageRecord{
		Name: m.GetName(), CorrelationKey: m.GetCorrelationKey(), TimeToLive: m.GetTimeToLive(),
		MessageId: m.GetMessageId(), Variables: encodeObject(entries), Deadline: p.now + m.GetTimeToLive(),
		TenantId: tenantOf(m.GetTenantId()),
	})
	p.respond(ev)
}
