package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A process with a message start event waits for its message on every partition (the
// deployment is distributed): a message published on a partition starts an instance
// there, once per process, unless an instance that a message with the same correlation
// key started is still running. Then the message stays buffered, and starts the next
// instance when that one ends.

// openMessageStarts opens the message start events of a process version that is now the
// latest; the caller closed those of the version it replaces.
func (p *processing) openMessageStarts(pr *recordpb.ProcessRecord) {
	model := p.model(pr.GetProcessDefinitionKey())
	if model == nil {
		return
	}
	for _, el := range model.MessageStarts {
		p.event(pr.GetProcessDefinitionKey(), "CREATED", &recordpb.MessageStartEventSubscriptionRecord{
			ProcessDefinitionKey: pr.GetProcessDefinitionKey(), BpmnProcessId: pr.GetBpmnProcessId(), StartEventId: el.ID,
			MessageName: el.Message.Name.Static, MessageKey: -1, ProcessInstanceKey: -1, TenantId: tenantOf(pr.GetTenantId()),
		})
	}
}

// closeMessageStarts closes the message start events of a replaced process version.
func (p *processing) closeMessageStarts(processDefinitionKey int64) {
	model := p.model(processDefinitionKey)
	st := p.tx.Process(processDefinitionKey)
	if model == nil || st == nil {
		return
	}
	pr := st.GetRecord()
	for _, el := range model.MessageStarts {
		p.event(processDefinitionKey, "DELETED", &recordpb.MessageStartEventSubscriptionRecord{
			ProcessDefinitionKey: processDefinitionKey, BpmnProcessId: pr.GetBpmnProcessId(), StartEventId: el.ID,
			MessageName: el.Message.Name.Static, MessageKey: -1, ProcessInstanceKey: -1, TenantId: tenantOf(pr.GetTenantId()),
		})
	}
}

// startByMessage starts an instance of every process whose message start event waits for
// a message just published (or buffered and free again), at most one per process.
func (p *processing) startByMessage(messageKey int64, m *recordpb.MessageRecord, only string) {
	started := map[string]bool{}
	for _, sub := range p.tx.MessageStartSubscriptions(m.GetTenantId(), m.GetName()) {
		pid := sub.GetBpmnProcessId()
		if started[pid] || (only != "" && pid != only) || p.tx.HasMessageCorrelation(messageKey, pid) {
			continue
		}
		if m.GetCorrelationKey() != "" && p.tx.MessageStartedInstance(pid, m.GetCorrelationKey()) != 0 {
			continue // one instance per correlation key at a time: the message waits
		}
		st := p.tx.Process(sub.GetProcessDefinitionKey())
		if st == nil {
			continue
		}
		started[pid] = true
		entries, _ := parseObject(m.GetVariables())
		key := p.startInstanceAt(st.GetRecord(), entries, sub.GetStartEventId())
		rec := proto.Clone(sub).(*recordpb.MessageStartEventSubscriptionRecord)
		rec.MessageKey, rec.ProcessInstanceKey, rec.CorrelationKey = messageKey, key, m.GetCorrelationKey()
		rec.Variables = m.GetVariables()
		if len(rec.Variables) == 0 {
			rec.Variables = []byte("{}")
		}
		p.event(sub.GetProcessDefinitionKey(), "CORRELATED", rec)
	}
}

// messageStartedInstanceEnded lets the next buffered message with the same correlation
// key start an instance of the process, once one that a message started has ended.
func (p *processing) messageStartedInstanceEnded(started *recordpb.MessageStartEventSubscriptionRecord) {
	if started == nil || started.GetCorrelationKey() == "" {
		return
	}
	pid := started.GetBpmnProcessId()
	latest := p.tx.LatestProcess(pid)
	if latest == nil {
		return
	}
	model := p.model(latest.GetRecord().GetProcessDefinitionKey())
	if model == nil {
		return
	}
	for _, el := range model.MessageStarts {
		for _, mk := range p.tx.MessagesFor(started.GetTenantId(), el.Message.Name.Static, started.GetCorrelationKey()) {
			if p.tx.HasMessageCorrelation(mk, pid) {
				continue
			}
			if m := p.tx.Message(mk); m != nil && m.GetDeadline() > p.now {
				p.startByMessage(mk, m, pid)
				return
			}
		}
	}
}
