package engine

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// A wait for a message has two sides, as in Zeebe. The process instance's partition
// keeps a PROCESS_MESSAGE_SUBSCRIPTION; the partition that owns the correlation key
// (placement.MessagePartition) keeps a MESSAGE_SUBSCRIPTION next to the messages
// published with that key. The two sides talk through commands that each partition's
// leader delivers to the other (a state.Send, written by the appliers and resent until
// the answer moves the state on, see AfterSend):
//
//	instance partition                         message partition
//	PMS CREATING      -- MS CREATE -->          MS CREATED (+ MS CORRELATING if a
//	PMS CREATED       <-- (answer)                           buffered message matches)
//	PMS CORRELATED    <-- PMS CORRELATE --      MS CORRELATING (a message was published)
//	  element completes
//	                  -- MS CORRELATE -->       MS CORRELATED
//	PMS DELETED       <-- (answer)
//	PMS DELETING      -- MS DELETE -->          MS DELETED (element left first)
//	PMS DELETED       <-- (answer)
//
// The instance side keeps a correlated subscription until the message side confirmed
// it closed its side, so that a correlation delivered twice (an answer lost in a leader
// change) is recognised and never completes a second wait or frees the message for
// another instance.

// activateMessageCatch starts an intermediate message catch event or a receive task:
// its message name and correlation key are evaluated and the wait opens.
func (p *processing) activateMessageCatch(el element) {
	name, correlationKey, err := evalMessage(el.model.Message, scopeVariables{p: p, scope: el.key})
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.openMessageSubscription(el, el.model, name, correlationKey)
	p.lifecycle(el, piActivated)
}

// evalMessage evaluates a message's name and correlation key.
func evalMessage(m *bpmn.Message, vars feel.Variables) (name, correlationKey string, err error) {
	name, err = evalString(m.Name, vars)
	if err == nil && name == "" {
		err = fmt.Errorf("expected the name of message '%s' to be a non-empty string, but it was empty", m.ID)
	}
	if err != nil {
		return "", "", err
	}
	correlationKey, err = evalCorrelationKey(m.CorrelationKey, vars)
	if err != nil {
		return "", "", fmt.Errorf("failed to extract the correlation key of message '%s': %s", name, err)
	}
	return name, correlationKey, nil
}

// openMessageSubscription writes PROCESS_MESSAGE_SUBSCRIPTION CREATING for an element
// instance that waits for a message: the element itself (catch event, receive task) or
// a boundary event attached to it.
func (p *processing) openMessageSubscription(el element, event *bpmn.Element, name, correlationKey string) {
	v := el.value
	p.event(p.tx.NextKey(), state.SubCreating, &recordpb.ProcessMessageSubscriptionRecord{
		SubscriptionPartitionId: placement.MessagePartition(correlationKey, p.e.partitionCount),
		ProcessInstanceKey:      v.GetProcessInstanceKey(), ElementInstanceKey: el.key,
		BpmnProcessId: v.GetBpmnProcessId(), ElementId: event.ID,
		MessageName: name, CorrelationKey: correlationKey, MessageKey: -1,
		Variables: []byte("{}"), Interrupting: event.Interrupting, TenantId: tenantOf(v.GetTenantId()),
	})
	p.out.Distribute = true
}

// evalCorrelationKey evaluates a correlation key: the result must be a string or a
// number (written as its digits).
func evalCorrelationKey(f feel.Field, vars feel.Variables) (string, error) {
	if !f.IsExpression() {
		return f.Static, nil
	}
	v, err := f.Evaluate(vars)
	if err != nil {
		return "", fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
	}
	switch v.Kind() {
	case feel.KindString:
		return string(v.(feel.String)), nil
	case feel.KindNumber:
		raw, err := feel.ToJSON(v)
		if err != nil {
			return "", err
		}
		return string(raw), nil
	}
	return "", fmt.Errorf("the expression '%s' must give a string or a number, but gave %s", strings.TrimPrefix(f.Raw, "="), strings.ToUpper(v.Kind().String()))
}

// closeMessageSubscriptions starts closing the open waits of an element instance that
// is left without a message (terminated).
func (p *processing) closeMessageSubscriptions(elementInstanceKey int64) {
	for _, s := range p.tx.ProcessMessageSubscriptions(elementInstanceKey) {
		switch s.GetState() {
		case state.SubCreating, state.SubCreated:
			p.event(s.GetKey(), state.SubDeleting, proto.Clone(s.GetRecord()).(*recordpb.ProcessMessageSubscriptionRecord))
			p.out.Distribute = true
		}
	}
}

// confirmProcessSubscription processes PROCESS_MESSAGE_SUBSCRIPTION CREATE: the message
// partition opened its side.
func (p *processing) confirmProcessSubscription() {
	c := p.cmd.GetProcessMessageSubscription()
	s := p.tx.ProcessMessageSubscription(c.GetElementInstanceKey(), c.GetMessageName())
	if s == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to confirm the subscription of element instance '%d' to message '%s', but no such subscription was found", c.GetElementInstanceKey(), c.GetMessageName())
		return
	}
	reopen := s.GetState() == state.SubCorrelated && !s.GetRecord().GetInterrupting()
	if s.GetState() != state.SubCreating && !reopen {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to confirm the subscription of element instance '%d' to message '%s', but it is %s", c.GetElementInstanceKey(), c.GetMessageName(), s.GetState())
		return
	}
	rec := proto.Clone(s.GetRecord()).(*recordpb.ProcessMessageSubscriptionRecord)
	if reopen {
		// A non-interrupting wait goes on after a correlation, while its element is active.
		if ei := p.tx.ElementInstance(c.GetElementInstanceKey()); ei == nil || ei.GetState() != piActivated {
			p.respond(p.event(s.GetKey(), state.SubDeleting, rec))
			p.out.Distribute = true
			return
		}
	}
	p.respond(p.event(s.GetKey(), state.SubCreated, rec))
}

// correlateProcessSubscription processes PROCESS_MESSAGE_SUBSCRIPTION CORRELATE: a
// message reached the waiting element, which completes with the message's variables.
func (p *processing) correlateProcessSubscription() {
	c := p.cmd.GetProcessMessageSubscription()
	s := p.tx.ProcessMessageSubscription(c.GetElementInstanceKey(), c.GetMessageName())
	if s == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to correlate message '%s' to element instance '%d', but no subscription was found", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	if s.GetRecord().GetMessageKey() == c.GetMessageKey() {
		// Also for a non-interrupting wait that went on: the message partition never
		// offers one message twice to a wait of the same process.
		p.reject(recordpb.RejectionType_ALREADY_EXISTS, "Expected to correlate message with key '%d' to element instance '%d', but it is already correlated", c.GetMessageKey(), c.GetElementInstanceKey())
		return
	}
	switch s.GetState() {
	case state.SubCorrelated:
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to correlate message with key '%d' to element instance '%d', but another message was correlated", c.GetMessageKey(), c.GetElementInstanceKey())
		return
	case state.SubDeleting:
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to correlate message '%s' to element instance '%d', but the subscription is being closed", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	ei := p.tx.ElementInstance(c.GetElementInstanceKey())
	if ei == nil || ei.GetState() != piActivated {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to correlate message '%s' to element instance '%d', but the element is not active", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	el, ok := p.resolve(ei.GetKey(), ei.GetValue())
	if !ok {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to correlate message '%s' to element instance '%d', but its process definition was not found", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	start := eventSubProcessStart(el, s.GetRecord().GetElementId())
	if start != nil && ei.GetInterrupted() {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to correlate message '%s' to element instance '%d', but an interrupting event sub-process already triggered there", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	if start == nil && boundaryOf(el, s.GetRecord().GetElementId()) == nil && el.isProcess() {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to correlate message '%s' to element instance '%d', but nothing there waits for it", c.GetMessageName(), c.GetElementInstanceKey())
		return
	}
	entries, err := parseObject(c.GetVariables())
	if err != nil {
		entries = nil // the message partition checked them when the message was published
	}
	rec := proto.Clone(s.GetRecord()).(*recordpb.ProcessMessageSubscriptionRecord)
	rec.MessageKey, rec.Variables = c.GetMessageKey(), encodeObject(entries)
	p.respond(p.event(s.GetKey(), "CORRELATED", rec))
	p.out.Distribute = true
	if b := boundaryOf(el, rec.GetElementId()); b != nil {
		p.triggerBoundary(el, b, rec.GetVariables())
		return
	}
	if start != nil {
		p.triggerEventSubProcess(el, start, rec.GetVariables())
		return
	}
	if ev := eventGatewayTarget(el, rec.GetElementId()); ev != nil {
		p.triggerEventGateway(el, ev, rec.GetVariables())
		return
	}
	if len(el.model.Outputs) > 0 {
		p.mergeLocal(el.key, el.value, entries)
	} else {
		p.mergePropagate(el.key, el.value, entries)
	}
	p.command(el.key, piCompleteElement, proto.Clone(el.value).(*recordpb.ProcessInstanceRecord))
}

// deleteProcessSubscription processes PROCESS_MESSAGE_SUBSCRIPTION DELETE: the message
// partition closed its side of a wait that was correlated or is being closed.
func (p *processing) deleteProcessSubscription() {
	c := p.cmd.GetProcessMessageSubscription()
	s := p.tx.ProcessMessageSubscription(c.GetElementInstanceKey(), c.GetMessageName())
	if s == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to delete the subscription of element instance '%d' to message '%s', but no such subscription was found", c.GetElementInstanceKey(), c.GetMessageName())
		return
	}
	if st := s.GetState(); st != state.SubDeleting && st != state.SubCorrelated {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to delete the subscription of element instance '%d' to message '%s', but it is %s", c.GetElementInstanceKey(), c.GetMessageName(), st)
		return
	}
	p.respond(p.event(s.GetKey(), "DELETED", proto.Clone(s.GetRecord()).(*recordpb.ProcessMessageSubscriptionRecord)))
}

// openMessageSubscriptionSide processes MESSAGE_SUBSCRIPTION CREATE on the message
// partition: the wait opens and takes the oldest buffered message that matches and was
// not yet correlated to an instance of the same process.
func (p *processing) openMessageSubscriptionSide() {
	c := p.cmd.GetMessageSubscription()
	if s := p.tx.MessageSubscriptionOf(c.GetElementInstanceKey(), c.GetMessageName()); s != nil {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to open a subscription of element instance '%d' to message '%s', but it is already open", c.GetElementInstanceKey(), c.GetMessageName())
		return
	}
	rec := proto.Clone(c).(*recordpb.MessageSubscriptionRecord)
	rec.MessageKey, rec.Variables = -1, []byte("{}")
	key := p.tx.NextKey()
	p.respond(p.event(key, state.SubCreated, rec))
	sub := p.tx.MessageSubscription(key)
	for _, mk := range p.tx.MessagesFor(rec.GetTenantId(), rec.GetMessageName(), rec.GetCorrelationKey()) {
		if p.tx.HasMessageCorrelation(mk, rec.GetBpmnProcessId()) {
			continue
		}
		if m := p.tx.Message(mk); m != nil && m.GetDeadline() > p.now {
			p.correlateMessage(sub, mk, m)
			return
		}
	}
}

// correlateMessage writes MESSAGE_SUBSCRIPTION CORRELATING: the message goes to the
// waiting instance's partition.
func (p *processing) correlateMessage(sub *statepb.MessageSubscription, messageKey int64, m *recordpb.MessageRecord) {
	rec := proto.Clone(sub.GetRecord()).(*recordpb.MessageSubscriptionRecord)
	rec.MessageKey, rec.Variables = messageKey, m.GetVariables()
	if len(rec.Variables) == 0 {
		rec.Variables = []byte("{}")
	}
	p.event(sub.GetKey(), state.SubCorrelating, rec)
	p.out.Distribute = true
}

// correlatePublished correlates a message just published to the open waits for it: at
// most one per process (bpmnProcessId), the oldest, as Zeebe does.
func (p *processing) correlatePublished(messageKey int64, m *recordpb.MessageRecord, skip int64) {
	for _, s := range p.tx.MessageSubscriptionsFor(m.GetTenantId(), m.GetName(), m.GetCorrelationKey()) {
		pid := s.GetRecord().GetBpmnProcessId()
		if s.GetKey() == skip || s.GetState() != state.SubOpen || p.tx.HasMessageCorrelation(messageKey, pid) {
			continue
		}
		p.correlateMessage(s, messageKey, m)
	}
}

// messageSubscriptionFor finds the message partition's side named by the command.
func (p *processing) messageSubscriptionFor(action string) *statepb.MessageSubscription {
	c := p.cmd.GetMessageSubscription()
	s := p.tx.MessageSubscriptionOf(c.GetElementInstanceKey(), c.GetMessageName())
	if s == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to %s the subscription of element instance '%d' to message '%s', but no such subscription was found", action, c.GetElementInstanceKey(), c.GetMessageName())
	}
	return s
}

// confirmCorrelation processes MESSAGE_SUBSCRIPTION CORRELATE: the instance's partition
// took the message.
func (p *processing) confirmCorrelation() {
	s := p.messageSubscriptionFor("confirm the correlation of")
	if s == nil {
		return
	}
	c := p.cmd.GetMessageSubscription()
	if s.GetState() != state.SubCorrelating || s.GetRecord().GetMessageKey() != c.GetMessageKey() {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to confirm the correlation of message with key '%d' to element instance '%d', but the subscription does not wait for it", c.GetMessageKey(), c.GetElementInstanceKey())
		return
	}
	p.respond(p.event(s.GetKey(), "CORRELATED", proto.Clone(s.GetRecord()).(*recordpb.MessageSubscriptionRecord)))
}

// rejectCorrelation processes MESSAGE_SUBSCRIPTION REJECT: the instance's partition
// did not take the message (its element was not waiting any more). The message is free
// for another instance of the process.
func (p *processing) rejectCorrelation() {
	s := p.messageSubscriptionFor("reject the correlation of")
	if s == nil {
		return
	}
	c := p.cmd.GetMessageSubscription()
	if s.GetState() != state.SubCorrelating || s.GetRecord().GetMessageKey() != c.GetMessageKey() {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to reject the correlation of message with key '%d' to element instance '%d', but the subscription does not wait for it", c.GetMessageKey(), c.GetElementInstanceKey())
		return
	}
	p.respond(p.event(s.GetKey(), "REJECTED", proto.Clone(s.GetRecord()).(*recordpb.MessageSubscriptionRecord)))
	p.recorrelate(c.GetMessageKey(), s.GetKey())
}

// deleteMessageSubscriptionSide processes MESSAGE_SUBSCRIPTION DELETE: the element
// instance stopped waiting. A message on its way there is free for another instance.
func (p *processing) deleteMessageSubscriptionSide() {
	s := p.messageSubscriptionFor("delete")
	if s == nil {
		return
	}
	p.respond(p.event(s.GetKey(), "DELETED", proto.Clone(s.GetRecord()).(*recordpb.MessageSubscriptionRecord)))
	if s.GetState() == state.SubCorrelating {
		p.recorrelate(s.GetRecord().GetMessageKey(), s.GetKey())
	}
}

// recorrelate offers a message that a wait gave back to the other open waits.
func (p *processing) recorrelate(messageKey, skip int64) {
	if m := p.tx.Message(messageKey); m != nil && m.GetDeadline() > p.now {
		p.correlatePublished(messageKey, m, skip)
	}
}

// applyProcessMessageSubscription folds a PROCESS_MESSAGE_SUBSCRIPTION event into the
// instance partition's state, with the command its leader must deliver next.
func (p *processing) applyProcessMessageSubscription(key int64, intent string, v *recordpb.ProcessMessageSubscriptionRecord) {
	tx := p.tx
	ms := &recordpb.MessageSubscriptionRecord{
		ProcessInstanceKey: v.GetProcessInstanceKey(), ElementInstanceKey: v.GetElementInstanceKey(),
		BpmnProcessId: v.GetBpmnProcessId(), MessageName: v.GetMessageName(), CorrelationKey: v.GetCorrelationKey(),
		MessageKey: v.GetMessageKey(), Variables: []byte("{}"), Interrupting: v.GetInterrupting(), TenantId: v.GetTenantId(),
	}
	send := func(intent string) {
		cmd := &recordpb.Record{RecordType: recordpb.RecordType_COMMAND, Key: -1, Intent: intent}
		setValue(cmd, ms)
		tx.PutSend(key, &statepb.Send{Partition: v.GetSubscriptionPartitionId(), Command: cmd})
	}
	switch intent {
	case state.SubCreating:
		tx.PutProcessMessageSubscription(&statepb.ProcessMessageSubscription{Key: key, State: intent, Record: v})
		send("CREATE")
	case state.SubCreated, state.SubDeleting, "CORRELATED":
		s := tx.ProcessMessageSubscription(v.GetElementInstanceKey(), v.GetMessageName())
		if s == nil {
			return
		}
		s.State = intent
		s.Record = v
		tx.PutProcessMessageSubscription(s)
		switch intent {
		case state.SubCreated:
			tx.DeleteSend(key)
		case state.SubDeleting:
			send("DELETE")
		case "CORRELATED":
			send("CORRELATE")
		}
	case "DELETED":
		tx.DeleteProcessMessageSubscription(v.GetElementInstanceKey(), v.GetMessageName())
		tx.DeleteSend(key)
	}
}

// applyMessageSubscription folds a MESSAGE_SUBSCRIPTION event into the message
// partition's state.
func (p *processing) applyMessageSubscription(key int64, intent string, v *recordpb.MessageSubscriptionRecord) {
	tx := p.tx
	switch intent {
	case state.SubCreated:
		tx.PutMessageSubscription(&statepb.MessageSubscription{Key: key, State: state.SubOpen, Record: v})
		return
	}
	s := tx.MessageSubscription(key)
	if s == nil {
		return
	}
	switch intent {
	case state.SubCorrelating:
		s.State, s.Record = state.SubCorrelating, v
		tx.PutMessageSubscription(s)
		tx.PutMessageCorrelation(v.GetMessageKey(), v.GetBpmnProcessId())
		cmd := &recordpb.Record{RecordType: recordpb.RecordType_COMMAND, Key: -1, Intent: "CORRELATE"}
		setValue(cmd, &recordpb.ProcessMessageSubscriptionRecord{
			SubscriptionPartitionId: p.e.partitionID, ProcessInstanceKey: v.GetProcessInstanceKey(),
			ElementInstanceKey: v.GetElementInstanceKey(), BpmnProcessId: v.GetBpmnProcessId(),
			MessageName: v.GetMessageName(), CorrelationKey: v.GetCorrelationKey(), MessageKey: v.GetMessageKey(),
			Variables: v.GetVariables(), Interrupting: v.GetInterrupting(), TenantId: v.GetTenantId(),
		})
		tx.PutSend(key, &statepb.Send{Partition: partitionOf(v.GetProcessInstanceKey()), Command: cmd})
	case "CORRELATED":
		tx.DeleteSend(key)
		if v.GetInterrupting() {
			tx.DeleteMessageSubscription(s)
			return
		}
		s.State = state.SubOpen
		tx.PutMessageSubscription(s)
	case "REJECTED":
		tx.DeleteSend(key)
		tx.DeleteMessageCorrelation(s.GetRecord().GetMessageKey(), s.GetRecord().GetBpmnProcessId())
		s.State = state.SubOpen
		s.Record.MessageKey, s.Record.Variables = -1, []byte("{}")
		tx.PutMessageSubscription(s)
	case "DELETED":
		tx.DeleteSend(key)
		if s.GetState() == state.SubCorrelating {
			tx.DeleteMessageCorrelation(s.GetRecord().GetMessageKey(), s.GetRecord().GetBpmnProcessId())
		}
		tx.DeleteMessageSubscription(s)
	}
}

// partitionOf returns the partition a key was made on.
func partitionOf(key int64) int32 { return int32(key >> 51) }

// AfterSend tells what the leader must propose on its own partition once the partition
// a send went to answered it (resp is the event or the rejection that the command
// caused there). It returns nil when the answer calls for nothing here: the send stays
// in the state and is repeated now and then until another command moves the state on.
// It reads nothing but its arguments.
func AfterSend(send *statepb.Send, resp *recordpb.Record) *recordpb.Record {
	cmd := send.GetCommand()
	accepted := resp.GetRecordType() == recordpb.RecordType_EVENT
	rejection := resp.GetRejectionType()
	follow := func(intent string, value any) *recordpb.Record {
		r := &recordpb.Record{RecordType: recordpb.RecordType_COMMAND, Key: -1, Intent: intent}
		setValue(r, value)
		return r
	}
	switch cmd.GetValueType() {
	case recordpb.ValueType_MESSAGE_SUBSCRIPTION:
		ms := cmd.GetMessageSubscription()
		pms := &recordpb.ProcessMessageSubscriptionRecord{
			SubscriptionPartitionId: send.GetPartition(), ProcessInstanceKey: ms.GetProcessInstanceKey(),
			ElementInstanceKey: ms.GetElementInstanceKey(), BpmnProcessId: ms.GetBpmnProcessId(),
			MessageName: ms.GetMessageName(), CorrelationKey: ms.GetCorrelationKey(), MessageKey: ms.GetMessageKey(),
			Interrupting: ms.GetInterrupting(), TenantId: ms.GetTenantId(),
		}
		switch cmd.GetIntent() {
		case "CREATE":
			// Open now, or already open from an earlier delivery.
			if accepted || rejection == recordpb.RejectionType_INVALID_STATE {
				return follow("CREATE", pms)
			}
		case "DELETE", "CORRELATE":
			// Whatever the answer, the message partition has no open side left for it,
			// or (non-interrupting, correlated) its side is open again.
			if accepted || rejection == recordpb.RejectionType_NOT_FOUND || rejection == recordpb.RejectionType_INVALID_STATE {
				if cmd.GetIntent() == "CORRELATE" && !ms.GetInterrupting() {
					return follow("CREATE", pms)
				}
				return follow("DELETE", pms)
			}
		}
	case recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION:
		pms := cmd.GetProcessMessageSubscription()
		ms := &recordpb.MessageSubscriptionRecord{
			ProcessInstanceKey: pms.GetProcessInstanceKey(), ElementInstanceKey: pms.GetElementInstanceKey(),
			BpmnProcessId: pms.GetBpmnProcessId(), MessageName: pms.GetMessageName(), CorrelationKey: pms.GetCorrelationKey(),
			MessageKey: pms.GetMessageKey(), Variables: pms.GetVariables(), Interrupting: pms.GetInterrupting(), TenantId: pms.GetTenantId(),
		}
		if cmd.GetIntent() == "CORRELATE" {
			switch {
			case accepted || rejection == recordpb.RejectionType_ALREADY_EXISTS:
				// Taken: the instance's partition confirms it with MESSAGE_SUBSCRIPTION
				// CORRELATE, its own send; until then this one is repeated now and then
				// and answered ALREADY_EXISTS.
				return nil
			case rejection == recordpb.RejectionType_NOT_FOUND:
				// The instance's partition has no wait at all: this side is an orphan.
				return follow("DELETE", ms)
			case rejection == recordpb.RejectionType_INVALID_STATE:
				return follow("REJECT", ms)
			}
		}
	}
	return nil
}
