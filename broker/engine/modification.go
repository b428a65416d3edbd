package engine

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// modifyInstance processes PROCESS_INSTANCE_MODIFICATION MODIFY (ModifyProcessInstance):
// every instruction is checked first, so that a bad one changes nothing; then the
// elements are activated (with their variables, creating the sub-process instances they
// need), then the element instances are terminated. A flow scope left with nothing
// active is terminated too, up to the process instance.
func (p *processing) modifyInstance() {
	c := p.cmd.GetProcessInstanceModification()
	key := p.cmd.GetKey()
	root := p.tx.ElementInstance(key)
	if root == nil || root.GetValue().GetBpmnElementType() != string(bpmn.ElementProcess) || root.GetValue().GetFlowScopeKey() > 0 {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to modify process instance but no process instance found with key '%d'", key)
		return
	}
	if root.GetState() != piActivated {
		p.reject(recordpb.RejectionType_INVALID_STATE, "Expected to modify process instance with key '%d', but it is %s", key, strings.ToLower(strings.TrimPrefix(root.GetState(), "ELEMENT_")))
		return
	}
	rootEl, ok := p.resolve(key, root.GetValue())
	if !ok {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to modify process instance with key '%d', but its process definition was not found", key)
		return
	}
	proc := rootEl.proc

	type activation struct {
		target *bpmn.Element
		scope  int64 // the existing element instance the missing scopes are created in
		chain  []*bpmn.Element
		vars   map[string][]jsonEntry // by element id ("" for the process instance)
		scopes []string               // the element ids of vars, in instruction order
	}
	var acts []activation
	for _, a := range c.GetActivateInstructions() {
		target := proc.Element(a.GetElementId())
		if target == nil {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains one or more activate instructions with an element that could not be found: '%s'", proc.ID, a.GetElementId())
			return
		}
		if msg := unactivatable(target); msg != "" {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains one or more activate instructions for an element that cannot be activated: '%s' %s", proc.ID, target.ID, msg)
			return
		}
		scope, chain, err := p.modificationScope(key, target, a.GetAncestorScopeKey())
		if err != "" {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains one or more activate instructions %s", proc.ID, err)
			return
		}
		act := activation{target: target, scope: scope, chain: chain, vars: map[string][]jsonEntry{}}
		for _, vi := range a.GetVariableInstructions() {
			entries, err := parseObject(vi.GetVariables())
			if err != nil {
				p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains variables that are not a JSON object: %s", proc.ID, err)
				return
			}
			id := vi.GetElementId()
			if id != "" && id != target.ID && !isAncestor(proc.Element(id), target) {
				p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains one or more variable instructions with a scope element id that is neither the activated element nor one of its flow scopes: '%s'", proc.ID, id)
				return
			}
			if _, seen := act.vars[id]; !seen {
				act.scopes = append(act.scopes, id)
			}
			act.vars[id] = append(act.vars[id], entries...)
		}
		acts = append(acts, act)
	}
	var terms []*statepb.ElementInstance
	for _, k := range c.GetTerminateInstructions() {
		ei := p.tx.ElementInstance(k)
		if ei == nil || ei.GetValue().GetProcessInstanceKey() != key || k == key {
			p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to modify instance of process '%s' but it contains one or more terminate instructions with an element instance that could not be found: '%d'", proc.ID, k)
			return
		}
		terms = append(terms, ei)
	}

	rec := proto.Clone(c).(*recordpb.ProcessInstanceModificationRecord)
	rec.ProcessInstanceKey, rec.TenantId = key, tenantOf(root.GetValue().GetTenantId())
	p.respond(p.event(key, "MODIFIED", rec))

	activated := map[int64]bool{} // scopes that got an element: they end the usual way
	for _, a := range acts {
		if entries := a.vars[""]; len(entries) > 0 {
			p.mergeLocal(key, root.GetValue(), entries)
		}
		scopeKey := a.scope
		for _, s := range a.chain { // the missing sub-process instances, outermost first
			scopeKey = p.activateScopeOnly(scopeKey, s)
			if entries := a.vars[s.ID]; len(entries) > 0 {
				p.mergeLocal(scopeKey, root.GetValue(), entries)
			}
		}
		// Variables for flow scopes that exist already, in instruction order.
		for _, id := range a.scopes {
			if id != "" && id != a.target.ID && !isAncestorIn(a.chain, proc.Element(id)) {
				if inst := p.instanceOf(key, id); inst > 0 {
					p.mergeLocal(inst, root.GetValue(), a.vars[id])
				}
			}
		}
		scope := p.tx.ElementInstance(scopeKey)
		el := element{key: p.tx.NextKey(), value: valueFor(scope.GetValue(), a.target, scopeKey), model: a.target, proc: proc}
		el.value.ElementId, el.value.BpmnEventType = a.target.ID, eventType(a.target)
		if entries := a.vars[a.target.ID]; len(entries) > 0 {
			p.mergeLocal(el.key, el.value, entries)
		}
		for k := scopeKey; k > 0; {
			activated[k] = true
			s := p.tx.ElementInstance(k)
			if s == nil {
				break
			}
			k = s.GetValue().GetFlowScopeKey()
		}
		p.lifecycle(el, piActivating)
		p.onActivate(el)
	}
	for _, ei := range terms {
		cur := p.tx.ElementInstance(ei.GetKey())
		if cur == nil || cur.GetState() == piTerminating {
			continue
		}
		el, ok := p.resolve(cur.GetKey(), cur.GetValue())
		if !ok {
			continue
		}
		p.terminate(el)
		p.terminateIfEmpty(cur.GetValue().GetFlowScopeKey(), activated)
	}
}

// unactivatable says why an element cannot be activated by a modification, "" if it can.
func unactivatable(m *bpmn.Element) string {
	switch {
	case m.Type == bpmn.ElementBoundaryEvent:
		return "(a boundary event is triggered by its event, not activated)"
	case m.Type == bpmn.ElementStartEvent && m.Parent != nil && m.Parent.Type == bpmn.ElementEventSubProcess:
		return "(the start event of an event sub-process is triggered by its event)"
	case m.Parent != nil && m.Parent.Loop != nil:
		return "(it is inside a multi-instance sub-process)"
	}
	for _, in := range m.Incoming {
		if in.Source != nil && in.Source.Type == bpmn.ElementEventBasedGateway {
			return "(it belongs to an event-based gateway)"
		}
	}
	return ""
}

// modificationScope finds where an element is activated: the existing element instance
// that holds it or its nearest existing enclosing scope, and the sub-processes (outermost
// first) that must be created between them. With an ancestor key, that instance must be
// an active enclosing scope of the element.
func (p *processing) modificationScope(rootKey int64, target *bpmn.Element, ancestor int64) (int64, []*bpmn.Element, string) {
	var scopes []*bpmn.Element // enclosing scopes of the target, innermost first
	for s := target.Parent; s != nil; s = s.Parent {
		scopes = append(scopes, s)
	}
	if ancestor > 0 {
		ei := p.tx.ElementInstance(ancestor)
		if ei == nil || ei.GetValue().GetProcessInstanceKey() != rootKey {
			return 0, nil, fmt.Sprintf("with an ancestor scope key that does not exist: '%d'", ancestor)
		}
		id := ei.GetValue().GetElementId()
		if ancestor == rootKey {
			return ancestor, reversed(scopes), ""
		}
		for i, s := range scopes {
			if s.ID == id {
				return ancestor, reversed(scopes[:i]), ""
			}
		}
		return 0, nil, fmt.Sprintf("with an ancestor scope key '%d' that is not a flow scope of the element '%s'", ancestor, target.ID)
	}
	for i, s := range scopes {
		insts := p.instancesOf(rootKey, s.ID)
		switch len(insts) {
		case 0:
			continue
		case 1:
			return insts[0], reversed(scopes[:i]), ""
		default:
			return 0, nil, fmt.Sprintf("for element '%s' whose flow scope '%s' has several active instances; name one with an ancestor key", target.ID, s.ID)
		}
	}
	return rootKey, reversed(scopes), ""
}

func reversed(s []*bpmn.Element) []*bpmn.Element {
	out := make([]*bpmn.Element, len(s))
	for i, e := range s {
		out[len(s)-1-i] = e
	}
	return out
}

// isAncestor reports whether scope encloses m.
func isAncestor(scope, m *bpmn.Element) bool {
	if scope == nil {
		return false
	}
	for s := m.Parent; s != nil; s = s.Parent {
		if s == scope {
			return true
		}
	}
	return false
}

func isAncestorIn(chain []*bpmn.Element, m *bpmn.Element) bool {
	for _, c := range chain {
		if c == m {
			return true
		}
	}
	return false
}

// instancesOf returns the active instances of an element in a process instance.
func (p *processing) instancesOf(rootKey int64, elementID string) []int64 {
	var out []int64
	stack := []int64{rootKey}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range p.tx.Children(k) {
			ei := p.tx.ElementInstance(c)
			if ei == nil {
				continue
			}
			if ei.GetValue().GetElementId() == elementID && ei.GetState() == piActivated {
				out = append(out, c)
			}
			stack = append(stack, c)
		}
	}
	return out
}

// instanceOf returns the one active instance of an element, 0 if none or several.
func (p *processing) instanceOf(rootKey int64, elementID string) int64 {
	if insts := p.instancesOf(rootKey, elementID); len(insts) == 1 {
		return insts[0]
	}
	return 0
}

// activateScopeOnly creates an instance of a sub-process for a modification or a start
// instruction: it is activated (its input mappings run, its event sub-processes and
// boundary events wait) but its start event is not; the activated element inside gives
// it its token. It returns the new key.
func (p *processing) activateScopeOnly(scopeKey int64, s *bpmn.Element) int64 {
	scope := p.tx.ElementInstance(scopeKey)
	el, _ := p.resolve(scopeKey, scope.GetValue())
	sub := element{key: p.tx.NextKey(), value: valueFor(scope.GetValue(), s, scopeKey), model: s, proc: el.proc}
	p.lifecycle(sub, piActivating)
	p.applyInputs(sub)
	p.openBoundaryEvents(sub)
	p.openEventSubProcesses(sub)
	p.lifecycle(sub, piActivated)
	return sub.key
}

// terminateIfEmpty terminates a flow scope that a modification left with nothing active,
// and so on upwards; a scope in which the modification activated an element is left to
// complete the usual way.
func (p *processing) terminateIfEmpty(scopeKey int64, activated map[int64]bool) {
	for scopeKey > 0 {
		s := p.tx.ElementInstance(scopeKey)
		if s == nil || s.GetState() != piActivated || s.GetActiveFlows() > 0 || p.activationQueuedIn(scopeKey) || activated[scopeKey] {
			return
		}
		for _, c := range p.tx.Children(scopeKey) {
			if child := p.tx.ElementInstance(c); child != nil && child.GetState() != piTerminating {
				return
			}
		}
		el, ok := p.resolve(scopeKey, s.GetValue())
		if !ok {
			return
		}
		p.terminate(el)
		scopeKey = s.GetValue().GetFlowScopeKey()
	}
}

// activationQueuedIn reports whether an activation in the scope waits in the queue.
func (p *processing) activationQueuedIn(scopeKey int64) bool {
	for _, q := range p.queue {
		if v := q.rec.GetProcessInstance(); q.rec.GetIntent() == piActivateElement && v.GetFlowScopeKey() == scopeKey {
			return true
		}
	}
	return false
}

// activateAt activates an element of an instance where a start instruction or a
// modification puts it, creating the sub-process instances it needs on the way.
func (p *processing) activateAt(root element, target *bpmn.Element) {
	scopeKey, chain, _ := p.modificationScope(root.key, target, -1)
	for _, s := range chain {
		scopeKey = p.activateScopeOnly(scopeKey, s)
	}
	scope := p.tx.ElementInstance(scopeKey)
	el := element{key: p.tx.NextKey(), value: valueFor(scope.GetValue(), target, scopeKey), model: target, proc: root.proc}
	p.lifecycle(el, piActivating)
	p.onActivate(el)
}
