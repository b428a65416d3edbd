package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// jsonEntry is one entry of a JSON object, in document order.
type jsonEntry struct {
	name  string
	value []byte // compact JSON
}

// parseObject splits a JSON object into its entries in document order; a repeated name
// keeps its last value at its first place. Empty input is an empty object.
func parseObject(raw []byte) ([]jsonEntry, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected a JSON object, but got %s", describeJSON(raw))
	}
	var out []jsonEntry
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		if i, dup := index[name]; dup {
			out[i].value = buf.Bytes()
			continue
		}
		index[name] = len(out)
		out = append(out, jsonEntry{name, buf.Bytes()})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not valid JSON: data after the object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("not valid JSON: data after the object")
	}
	return out, nil
}

func describeJSON(raw []byte) string {
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '[':
		return "an array"
	case raw[0] == '"':
		return "a string"
	case raw[0] == 't' || raw[0] == 'f':
		return "a boolean"
	case raw[0] == 'n':
		return "null"
	default:
		return "a number"
	}
}

// encodeObject writes entries as a JSON object in their order.
func encodeObject(entries []jsonEntry) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(e.name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(e.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// scopeVariables resolves names from an element instance's scope up to its process
// instance, inner scopes first. It implements feel.Variables, and feel.Clock and
// feel.RandomSource so that now(), today(), uuid() and random number() give every
// replica the same answer: the command's time, and numbers drawn from a sequence seeded
// by the command's log position.
type scopeVariables struct {
	p     *processing
	scope int64
	// overlay holds values that shadow the scopes (input mappings already evaluated).
	overlay map[string][]byte
}

// Now returns the time of the command being processed.
func (s scopeVariables) Now() time.Time { return time.UnixMilli(s.p.now).UTC() }

// Uint64 returns the next number of the processing's deterministic sequence.
func (s scopeVariables) Uint64() uint64 { return s.p.random() }

func (s scopeVariables) Variable(name string) ([]byte, bool) {
	if v, ok := s.overlay[name]; ok {
		return v, true
	}
	for key := s.scope; key > 0; {
		if v := s.p.tx.Variable(key, name); v != nil {
			return v.GetValue(), true
		}
		ei := s.p.tx.ElementInstance(key)
		if ei == nil {
			break
		}
		key = ei.GetValue().GetFlowScopeKey()
	}
	return nil, false
}

var _ feel.Variables = scopeVariables{}

// setLocal sets a variable of a scope, writing VARIABLE CREATED or UPDATED; an
// unchanged value writes nothing.
func (p *processing) setLocal(scopeKey int64, pi *recordpb.ProcessInstanceRecord, name string, value []byte) {
	prev := p.tx.Variable(scopeKey, name)
	rec := &recordpb.VariableRecord{
		Name: name, Value: value, ScopeKey: scopeKey,
		ProcessInstanceKey: pi.GetProcessInstanceKey(), ProcessDefinitionKey: pi.GetProcessDefinitionKey(),
		BpmnProcessId: pi.GetBpmnProcessId(), TenantId: tenantOf(pi.GetTenantId()),
	}
	if prev == nil {
		p.event(p.tx.NextKey(), "CREATED", rec)
		return
	}
	if bytes.Equal(prev.GetValue(), value) {
		return
	}
	p.event(prev.GetKey(), "UPDATED", rec)
}

// mergeLocal sets every entry as a variable of the scope itself.
func (p *processing) mergeLocal(scopeKey int64, pi *recordpb.ProcessInstanceRecord, entries []jsonEntry) {
	for _, e := range entries {
		p.setLocal(scopeKey, pi, e.name, e.value)
	}
}

// mergePropagate sets each entry in the nearest scope, from scopeKey upwards, that
// already has a variable of that name, or else in the process instance's scope.
func (p *processing) mergePropagate(scopeKey int64, pi *recordpb.ProcessInstanceRecord, entries []jsonEntry) {
	root := pi.GetProcessInstanceKey()
	for _, e := range entries {
		target := root
		for key := scopeKey; key > 0; {
			if p.tx.Variable(key, e.name) != nil {
				target = key
				break
			}
			ei := p.tx.ElementInstance(key)
			if ei == nil {
				break
			}
			key = ei.GetValue().GetFlowScopeKey()
		}
		p.setLocal(target, pi, e.name, e.value)
	}
}

// collectVariables returns the variables visible from a scope as a JSON object, inner
// scopes shadowing outer ones, names sorted; with names, only those that exist.
func (p *processing) collectVariables(scopeKey int64, names []string) []byte {
	vals := map[string][]byte{}
	if len(names) > 0 {
		vars := scopeVariables{p: p, scope: scopeKey}
		for _, n := range names {
			if v, ok := vars.Variable(n); ok {
				vals[n] = v
			}
		}
	} else {
		for key := scopeKey; key > 0; {
			p.tx.LocalVariables(key, func(name string, v *statepb.Variable) {
				if _, shadowed := vals[name]; !shadowed {
					vals[name] = v.GetValue()
				}
			})
			ei := p.tx.ElementInstance(key)
			if ei == nil {
				break
			}
			key = ei.GetValue().GetFlowScopeKey()
		}
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	entries := make([]jsonEntry, len(keys))
	for i, k := range keys {
		entries[i] = jsonEntry{k, vals[k]}
	}
	return encodeObject(entries)
}

// withTarget builds the entry that a mapping's target names: a plain name, or a path
// "a.b.c" that updates the object in variable a (visible from the scope) or makes one.
func (p *processing) withTarget(vars feel.Variables, target string, value []byte) (jsonEntry, error) {
	parts := strings.Split(target, ".")
	if len(parts) == 1 {
		return jsonEntry{target, value}, nil
	}
	var root map[string]any
	if raw, ok := vars.Variable(parts[0]); ok {
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) == nil {
			root, _ = v.(map[string]any)
		}
	}
	if root == nil {
		root = map[string]any{}
	}
	cur := root
	for _, part := range parts[1 : len(parts)-1] {
		next, ok := cur[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[part] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = json.RawMessage(value)
	out, err := json.Marshal(root) // encoding/json sorts map keys: deterministic
	if err != nil {
		return jsonEntry{}, err
	}
	return jsonEntry{parts[0], out}, nil
}

func tenantOf(t string) string {
	if t == "" {
		return defaultTenant
	}
	return t
}

// random returns the next number of a splitmix64 sequence seeded by the position of the
// command being processed: the same on every replica, different for every command.
func (p *processing) random() uint64 {
	if p.rng == 0 {
		p.rng = uint64(p.cmd.GetPosition())*0x9E3779B97F4A7C15 + 1
	}
	p.rng += 0x9E3779B97F4A7C15
	z := p.rng
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// noVariables evaluates expressions that see no variables (a timer start event's), at the
// command's time.
func (p *processing) noVariables() scopeVariables { return scopeVariables{p: p} }
