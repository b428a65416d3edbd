package engine

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// updateVariables processes VARIABLE_DOCUMENT UPDATE (SetVariables): LOCAL sets the
// variables on the scope itself, PROPAGATE on the nearest scope that has each.
func (p *processing) updateVariables() {
	d := p.cmd.GetVariableDocument()
	ei := p.tx.ElementInstance(d.GetScopeKey())
	if ei == nil {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to update variables for element with key '%d', but no such element was found", d.GetScopeKey())
		return
	}
	entries, err := parseObject(d.GetVariables())
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected document to be valid JSON object, but it was invalid: %s", err)
		return
	}
	semantics := d.GetUpdateSemantics()
	if semantics == "" {
		semantics = "PROPAGATE"
	}
	if semantics != "LOCAL" && semantics != "PROPAGATE" {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected update semantics LOCAL or PROPAGATE, but got '%s'", semantics)
		return
	}
	ev := p.event(p.tx.NextKey(), "UPDATED", &recordpb.VariableDocumentRecord{
		ScopeKey: d.GetScopeKey(), UpdateSemantics: semantics, Variables: encodeObject(entries),
	})
	if semantics == "LOCAL" {
		p.mergeLocal(ei.GetKey(), ei.GetValue(), entries)
	} else {
		p.mergePropagate(ei.GetKey(), ei.GetValue(), entries)
	}
	p.respond(ev)
}
