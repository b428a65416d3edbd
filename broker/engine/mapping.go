package engine

import (
	"fmt"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/feel"
)

// applyInputs evaluates an element's input mappings into local variables of the
// element instance. A failing expression raises an incident and returns false.
func (p *processing) applyInputs(el element) bool {
	if len(el.model.Inputs) == 0 {
		return true
	}
	vars := scopeVariables{p: p, scope: el.value.GetFlowScopeKey(), overlay: map[string][]byte{}}
	var entries []jsonEntry
	for _, m := range el.model.Inputs {
		entry, err := p.evalMapping(vars, m)
		if err != nil {
			p.elementIncident(el, "IO_MAPPING_ERROR", err.Error())
			return false
		}
		vars.overlay[entry.name] = entry.value
		entries = upsert(entries, entry)
	}
	p.mergeLocal(el.key, el.value, entries)
	return true
}

// applyOutputs evaluates an element's output mappings and merges the results into its
// flow scope, propagating to the scope that holds each variable. A failing expression
// raises an incident and returns false.
func (p *processing) applyOutputs(el element) bool {
	if len(el.model.Outputs) == 0 {
		return true
	}
	vars := scopeVariables{p: p, scope: el.key, overlay: map[string][]byte{}}
	var entries []jsonEntry
	for _, m := range el.model.Outputs {
		entry, err := p.evalMapping(vars, m)
		if err != nil {
			p.elementIncident(el, "IO_MAPPING_ERROR", err.Error())
			return false
		}
		vars.overlay[entry.name] = entry.value
		entries = upsert(entries, entry)
	}
	p.mergePropagate(el.value.GetFlowScopeKey(), el.value, entries)
	return true
}

func (p *processing) evalMapping(vars scopeVariables, m bpmn.Mapping) (jsonEntry, error) {
	v, err := m.Source.Evaluate(vars)
	if err != nil {
		return jsonEntry{}, fmt.Errorf("failed to evaluate expression '%s': %w", m.Source.Raw, err)
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		return jsonEntry{}, fmt.Errorf("failed to evaluate expression '%s': %w", m.Source.Raw, err)
	}
	return p.withTarget(vars, m.Target, raw)
}

func upsert(entries []jsonEntry, e jsonEntry) []jsonEntry {
	for i := range entries {
		if entries[i].name == e.name {
			entries[i] = e
			return entries
		}
	}
	return append(entries, e)
}
