package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A multi-instance activity runs as a MULTI_INSTANCE_BODY element instance (the
// activity's id, its boundary events, its flows) whose children are the inner instances
// of the activity, one per item of the input collection: all at once, or one after the
// other. Each inner instance has its item (inputElement) and loopCounter (from 1) as
// local variables and runs the activity's input and output mappings; as it completes,
// its outputElement goes to its place in the body's outputCollection and the completion
// condition may end the others. The body completes when no inner instance is left, and
// its outputCollection goes to the body's scope.

const miBody = string(bpmn.ElementMultiInstanceBody)

// isBody reports whether the element instance is a multi-instance body.
func (el element) isBody() bool { return el.value.GetBpmnElementType() == miBody }

// isInner reports whether the element instance runs inside a multi-instance body.
func (el element) isInner() bool {
	return el.model != nil && el.model.Loop != nil && !el.isBody()
}

// evalCollection evaluates a multi-instance input collection to its items (raw JSON).
func evalCollection(f feel.Field, vars feel.Variables) ([]json.RawMessage, error) {
	v, err := f.Evaluate(vars)
	if err != nil {
		return nil, fmt.Errorf("failed to evaluate expression '%s': %w", strings.TrimPrefix(f.Raw, "="), err)
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || (len(raw) > 0 && raw[0] != '[') {
		return nil, fmt.Errorf("Expected result of the expression '%s' to be 'ARRAY', but was '%s'.", strings.TrimPrefix(f.Raw, "="), jsonKind(raw))
	}
	return items, nil
}

// jsonKind names the JSON type of a value as Zeebe's messages do.
func jsonKind(raw []byte) string {
	switch {
	case len(raw) == 0, string(raw) == "null":
		return "NULL"
	case raw[0] == '"':
		return "STRING"
	case raw[0] == '{':
		return "OBJECT"
	case raw[0] == '[':
		return "ARRAY"
	case string(raw) == "true" || string(raw) == "false":
		return "BOOLEAN"
	}
	return "NUMBER"
}

// activateBody starts a multi-instance body: its boundary events wait, its output
// collection starts as a list of nulls, and its inner instances start.
func (p *processing) activateBody(el element) {
	loop := el.model.Loop
	items, err := evalCollection(loop.InputCollection, scopeVariables{p: p, scope: el.key})
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.lifecycle(el, piActivated)
	if loop.OutputCollection != "" {
		nulls := "[" + strings.TrimSuffix(strings.Repeat("null,", len(items)), ",") + "]"
		p.setLocal(el.key, el.value, loop.OutputCollection, []byte(nulls))
	}
	if len(items) == 0 {
		p.completeElement(el)
		return
	}
	if loop.Sequential {
		p.activateInner(el, 1, items[0])
		return
	}
	for i, item := range items {
		p.activateInner(el, i+1, item)
	}
}

// activateInner starts inner instance i (from 1) of a body with its item.
func (p *processing) activateInner(body element, i int, item []byte) {
	key := p.tx.NextKey()
	v := proto.Clone(body.value).(*recordpb.ProcessInstanceRecord)
	v.BpmnElementType = string(body.model.Type)
	v.FlowScopeKey = body.key
	entries := []jsonEntry{}
	if name := body.model.Loop.InputElement; name != "" {
		entries = append(entries, jsonEntry{name: name, value: item})
	}
	entries = append(entries, jsonEntry{name: "loopCounter", value: []byte(fmt.Sprint(i))})
	p.mergeLocal(key, v, entries)
	p.command(key, piActivateElement, v)
}

// innerCompleting runs before an inner instance's ELEMENT_COMPLETED, while its variables
// exist: its output element goes to the body's output collection, and the completion
// condition is evaluated. It returns the instance's loop counter and whether the
// condition holds; ok is false when an expression failed (an incident was raised).
func (p *processing) innerCompleting(el element) (counter int, done, ok bool) {
	loop := el.model.Loop
	vars := scopeVariables{p: p, scope: el.key}
	if v, found := vars.Variable("loopCounter"); found {
		_ = json.Unmarshal(v, &counter)
	}
	body := p.tx.ElementInstance(el.value.GetFlowScopeKey())
	if body == nil {
		return counter, false, true
	}
	if loop.OutputCollection != "" {
		v, err := loop.OutputElement.Evaluate(vars)
		var raw []byte
		if err == nil {
			raw, err = feel.ToJSON(v)
		}
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate expression '%s': %s", strings.TrimPrefix(loop.OutputElement.Raw, "="), err))
			return counter, false, false
		}
		cur := p.tx.Variable(body.GetKey(), loop.OutputCollection)
		var list []json.RawMessage
		if cur == nil || json.Unmarshal(cur.GetValue(), &list) != nil || counter < 1 || counter > len(list) {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("Unable to update the output collection '%s' at index %d", loop.OutputCollection, counter))
			return counter, false, false
		}
		list[counter-1] = raw
		updated, _ := json.Marshal(list)
		p.setLocal(body.GetKey(), body.GetValue(), loop.OutputCollection, updated)
	}
	if loop.CompletionCondition == nil {
		return counter, false, true
	}
	items, _ := evalCollection(loop.InputCollection, scopeVariables{p: p, scope: body.GetKey()})
	vars.overlay = map[string][]byte{
		"numberOfInstances":           []byte(fmt.Sprint(len(items))),
		"numberOfActiveInstances":     []byte(fmt.Sprint(max(body.GetActiveChildren()-1, 0))),
		"numberOfCompletedInstances":  []byte(fmt.Sprint(body.GetMiCompleted() + 1)),
		"numberOfTerminatedInstances": []byte(fmt.Sprint(body.GetMiTerminated())),
	}
	v, err := loop.CompletionCondition.Evaluate(vars)
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate expression '%s': %s", strings.TrimPrefix(loop.CompletionCondition.Raw, "="), err))
		return counter, false, false
	}
	return counter, feel.IsTrue(v), true
}

// innerCompleted goes on after an inner instance completed: with the completion
// condition met the other inner instances are terminated; a sequential body starts the
// next one; the body completes once none is left.
func (p *processing) innerCompleted(el element, counter int, done bool) {
	bodyKey := el.value.GetFlowScopeKey()
	b := p.tx.ElementInstance(bodyKey)
	if b == nil || b.GetState() != piActivated {
		p.maybeCompleteScope(bodyKey)
		return
	}
	body, ok := p.resolve(bodyKey, b.GetValue())
	if !ok {
		return
	}
	if done {
		for _, c := range p.tx.Children(bodyKey) {
			if child := p.tx.ElementInstance(c); child != nil && child.GetState() != piTerminating {
				p.command(c, piTerminateElement, proto.Clone(child.GetValue()).(*recordpb.ProcessInstanceRecord))
			}
		}
		p.maybeCompleteScope(bodyKey)
		return
	}
	if body.model.Loop.Sequential {
		items, err := evalCollection(body.model.Loop.InputCollection, scopeVariables{p: p, scope: bodyKey})
		if err != nil {
			p.elementIncident(body, "EXTRACT_VALUE_ERROR", err.Error())
			return
		}
		if counter < len(items) {
			p.activateInner(body, counter+1, items[counter])
			return
		}
	}
	p.maybeCompleteScope(bodyKey)
}

// bodyCompleting hands a completing body's output collection to the body's scope.
func (p *processing) bodyCompleting(el element) {
	name := el.model.Loop.OutputCollection
	if name == "" {
		return
	}
	if v := p.tx.Variable(el.key, name); v != nil {
		p.mergePropagate(el.value.GetFlowScopeKey(), el.value, []jsonEntry{{name: name, value: v.GetValue()}})
	}
}
