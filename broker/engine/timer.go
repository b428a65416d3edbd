package engine

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/broker/timer"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// timerDue evaluates a timer definition at time now (ms): its first due date and how
// many times it fires (1, or a cycle's repetitions, -1 for no end). An expression must
// give the definition's text, or a FEEL duration or date-time (which are read in their
// ISO 8601 form).
func (p *processing) timerDue(t *bpmn.Timer, vars feel.Variables, now int64) (int64, int32, error) {
	text := t.Value.Static
	if t.Value.IsExpression() {
		v, err := t.Value.Evaluate(vars)
		if err != nil {
			return 0, 0, fmt.Errorf("failed to evaluate expression '%s': %w", t.Value.Raw, err)
		}
		raw, err := feel.ToJSON(v)
		if err != nil {
			return 0, 0, fmt.Errorf("failed to evaluate expression '%s': %w", t.Value.Raw, err)
		}
		var s string
		if len(raw) < 2 || raw[0] != '"' || jsonUnmarshal(raw, &s) != nil {
			return 0, 0, fmt.Errorf("expected the expression '%s' to give a %s, but it gave %s", strings.TrimPrefix(t.Value.Raw, "="), t.Kind, raw)
		}
		text = s
	}
	at := time.UnixMilli(now).UTC()
	switch t.Kind {
	case bpmn.TimerDuration:
		d, err := timer.ParseDuration(text)
		if err != nil {
			return 0, 0, err
		}
		return d.AddTo(at).UnixMilli(), 1, nil
	case bpmn.TimerDate:
		d, err := timer.ParseDate(text)
		if err != nil {
			return 0, 0, err
		}
		return d.UnixMilli(), 1, nil
	default:
		c, err := timer.ParseCycle(text)
		if err != nil {
			return 0, 0, err
		}
		reps := int32(c.Repetitions)
		if reps == 0 {
			reps = 1
		}
		return c.First(at).UnixMilli(), reps, nil
	}
}

// nextDue returns when a cycle timer that fired at due fires next.
func (p *processing) nextDue(t *bpmn.Timer, vars feel.Variables, due int64) (int64, error) {
	text := t.Value.Static
	if t.Value.IsExpression() {
		v, err := t.Value.Evaluate(vars)
		if err != nil {
			return 0, err
		}
		raw, err := feel.ToJSON(v)
		if err != nil || jsonUnmarshal(raw, &text) != nil {
			return 0, fmt.Errorf("expected the expression '%s' to give a cycle", strings.TrimPrefix(t.Value.Raw, "="))
		}
	}
	c, err := timer.ParseCycle(text)
	if err != nil {
		return 0, err
	}
	return c.Next(time.UnixMilli(due).UTC()).UnixMilli(), nil
}

// createTimer writes TIMER CREATED for an element instance (-1 for a start event).
func (p *processing) createTimer(v *recordpb.ProcessInstanceRecord, elementInstanceKey int64, target string, due int64, repetitions int32) {
	pik := int64(-1)
	if elementInstanceKey > 0 {
		pik = v.GetProcessInstanceKey()
	}
	p.event(p.tx.NextKey(), "CREATED", &recordpb.TimerRecord{
		ElementInstanceKey: elementInstanceKey, ProcessInstanceKey: pik, DueDate: due, TargetElementId: target,
		Repetitions: repetitions, ProcessDefinitionKey: v.GetProcessDefinitionKey(), TenantId: tenantOf(v.GetTenantId()),
	})
	p.out.timerDue(due)
}

// activateTimerCatch starts an intermediate timer catch event: it waits until its timer
// is due.
func (p *processing) activateTimerCatch(el element) {
	due, reps, err := p.timerDue(el.model.Timer, scopeVariables{p: p, scope: el.key}, p.now)
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate the timer of '%s': %s", el.model.ID, err))
		return
	}
	p.createTimer(el.value, el.key, el.model.ID, due, reps)
	p.lifecycle(el, piActivated)
}

// triggerTimer processes TIMER TRIGGER, which the leader proposes for a due timer: a
// timer catch event completes, a timer boundary event is triggered, a timer start
// event starts an instance; a cycle with repetitions left is scheduled again.
func (p *processing) triggerTimer() {
	key := p.cmd.GetKey()
	t := p.tx.Timer(key)
	if t == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to trigger timer with key '%d', but no such timer was found", key)
		return
	}
	if t.GetDueDate() > p.now {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to trigger timer with key '%d', but it is not due before %d", key, t.GetDueDate())
		return
	}
	p.respond(p.event(key, "TRIGGERED", proto.Clone(t).(*recordpb.TimerRecord)))
	if t.GetElementInstanceKey() <= 0 {
		p.triggerStartTimer(t)
		return
	}
	ei := p.tx.ElementInstance(t.GetElementInstanceKey())
	if ei == nil || ei.GetState() != piActivated {
		return
	}
	el, ok := p.resolve(ei.GetKey(), ei.GetValue())
	if !ok {
		return
	}
	if !el.isProcess() && el.model.ID == t.GetTargetElementId() {
		p.command(el.key, piCompleteElement, proto.Clone(el.value).(*recordpb.ProcessInstanceRecord))
		return
	}
	if ev := eventGatewayTarget(el, t.GetTargetElementId()); ev != nil {
		p.triggerEventGateway(el, ev, nil)
		return
	}
	if s := eventSubProcessStart(el, t.GetTargetElementId()); s != nil {
		if !s.Interrupting {
			p.repeatTimer(t, s, scopeVariables{p: p, scope: el.key}, el.value, el.key)
		}
		p.triggerEventSubProcess(el, s, nil)
		return
	}
	b := boundaryOf(el, t.GetTargetElementId())
	if b == nil {
		return
	}
	if !b.Interrupting {
		p.repeatTimer(t, b, scopeVariables{p: p, scope: el.key}, el.value, el.key)
	}
	p.triggerBoundary(el, b, nil)
}

// repeatTimer schedules a cycle timer's next time, while it has repetitions left.
func (p *processing) repeatTimer(t *recordpb.TimerRecord, event *bpmn.Element, vars feel.Variables, v *recordpb.ProcessInstanceRecord, owner int64) {
	reps := t.GetRepetitions()
	if event.Timer == nil || event.Timer.Kind != bpmn.TimerCycle || reps == 1 || reps == 0 {
		return
	}
	next, err := p.nextDue(event.Timer, vars, t.GetDueDate())
	if err != nil {
		return // the same definition gave a cycle when the timer was made
	}
	if reps > 0 {
		reps--
	}
	p.createTimer(v, owner, event.ID, next, reps)
}

// triggerStartTimer starts an instance at a timer start event of the process version
// the timer belongs to, which is the latest one (timers of older versions are canceled
// when a new one is deployed).
func (p *processing) triggerStartTimer(t *recordpb.TimerRecord) {
	st := p.tx.Process(t.GetProcessDefinitionKey())
	model := p.model(t.GetProcessDefinitionKey())
	if st == nil || model == nil {
		return
	}
	start := model.Element(t.GetTargetElementId())
	if start == nil {
		return
	}
	pr := st.GetRecord()
	v := &recordpb.ProcessInstanceRecord{ProcessDefinitionKey: pr.GetProcessDefinitionKey(), TenantId: pr.GetTenantId()}
	p.repeatTimer(t, start, p.noVariables(), v, -1)
	p.startInstanceAt(pr, nil, start.ID)
}

// openStartTimers creates the timers of a process version's timer start events, at
// deployment. A definition that fails to evaluate (an expression needing variables)
// creates no timer.
func (p *processing) openStartTimers(pr *recordpb.ProcessRecord, model *bpmn.Process) {
	v := &recordpb.ProcessInstanceRecord{ProcessDefinitionKey: pr.GetProcessDefinitionKey(), TenantId: pr.GetTenantId()}
	for _, el := range model.TimerStarts {
		due, reps, err := p.timerDue(el.Timer, p.noVariables(), p.now)
		if err != nil {
			continue
		}
		p.createTimer(v, -1, el.ID, due, reps)
	}
}

// cancelStartTimers cancels the timers of a process version's start events.
func (p *processing) cancelStartTimers(processDefinitionKey int64) {
	for _, k := range p.tx.TimersOf(processDefinitionKey) {
		if t := p.tx.Timer(k); t != nil && t.GetElementInstanceKey() <= 0 {
			p.event(k, "CANCELED", t)
		}
	}
}
