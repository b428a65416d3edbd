package engine

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/dmn"
	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// parsedDMN is a DMN resource of a deployment, parsed.
type parsedDMN struct {
	res  *recordpb.DeploymentResource
	defs *dmn.Definitions
}

// deployDecisions gives each new or changed DMN resource (decision requirements graph)
// a new version, and each of its decisions a new version of its own; an unchanged
// resource (same name and content as its latest version) is a duplicate.
func (p *processing) deployDecisions(drgs []parsedDMN) ([]*recordpb.DecisionRequirementsMetadata, []*recordpb.DecisionRecord) {
	var drgMetas []*recordpb.DecisionRequirementsMetadata
	var decisionMetas []*recordpb.DecisionRecord
	for _, x := range drgs {
		sum := sha256.Sum256(x.res.GetResource())
		id := x.defs.ID
		latest := p.tx.LatestDecisionRequirements(id)
		if latest != nil && bytes.Equal(latest.GetChecksum(), sum[:]) && latest.GetResourceName() == x.res.GetResourceName() {
			drgMetas = append(drgMetas, drgMetadata(latest, true))
			for _, dec := range x.defs.Decisions {
				if d := p.tx.LatestDecision(dec.ID); d != nil {
					dup := proto.Clone(d).(*recordpb.DecisionRecord)
					dup.IsDuplicate = true
					decisionMetas = append(decisionMetas, dup)
				}
			}
			continue
		}
		version := int32(1)
		if latest != nil {
			version = latest.GetDecisionRequirementsVersion() + 1
		}
		key := p.tx.NextKey()
		drg := &recordpb.DecisionRequirementsRecord{
			DecisionRequirementsId: id, DecisionRequirementsName: x.defs.Name, DecisionRequirementsVersion: version,
			DecisionRequirementsKey: key, Namespace: x.defs.Namespace, ResourceName: x.res.GetResourceName(),
			Checksum: sum[:], Resource: x.res.GetResource(), TenantId: defaultTenant,
		}
		p.event(key, "CREATED", drg)
		p.e.decisions[key] = x.defs
		drgMetas = append(drgMetas, drgMetadata(drg, false))
		for _, dec := range x.defs.Decisions {
			v := int32(1)
			if prev := p.tx.LatestDecision(dec.ID); prev != nil {
				v = prev.GetVersion() + 1
			}
			dk := p.tx.NextKey()
			rec := &recordpb.DecisionRecord{
				DecisionId: dec.ID, DecisionName: dec.Name, Version: v, DecisionKey: dk,
				DecisionRequirementsId: id, DecisionRequirementsKey: key, TenantId: defaultTenant,
			}
			p.event(dk, "CREATED", rec)
			decisionMetas = append(decisionMetas, proto.Clone(rec).(*recordpb.DecisionRecord))
		}
	}
	return drgMetas, decisionMetas
}

func drgMetadata(r *recordpb.DecisionRequirementsRecord, duplicate bool) *recordpb.DecisionRequirementsMetadata {
	return &recordpb.DecisionRequirementsMetadata{
		DecisionRequirementsId: r.GetDecisionRequirementsId(), DecisionRequirementsName: r.GetDecisionRequirementsName(),
		DecisionRequirementsVersion: r.GetDecisionRequirementsVersion(), DecisionRequirementsKey: r.GetDecisionRequirementsKey(),
		Namespace: r.GetNamespace(), ResourceName: r.GetResourceName(), Checksum: r.GetChecksum(),
		IsDuplicate: duplicate, TenantId: r.GetTenantId(),
	}
}

// receiveDecisions creates the decision requirements and decisions of a deployment
// distributed from another partition, with the origin's keys and versions.
func (p *processing) receiveDecisions(d *recordpb.DeploymentRecord, resources map[string][]byte) {
	for _, m := range d.GetDecisionRequirementsMetadata() {
		if m.GetIsDuplicate() || p.tx.DecisionRequirements(m.GetDecisionRequirementsKey()) != nil {
			continue
		}
		p.event(m.GetDecisionRequirementsKey(), "CREATED", &recordpb.DecisionRequirementsRecord{
			DecisionRequirementsId: m.GetDecisionRequirementsId(), DecisionRequirementsName: m.GetDecisionRequirementsName(),
			DecisionRequirementsVersion: m.GetDecisionRequirementsVersion(), DecisionRequirementsKey: m.GetDecisionRequirementsKey(),
			Namespace: m.GetNamespace(), ResourceName: m.GetResourceName(), Checksum: m.GetChecksum(),
			Resource: resources[m.GetResourceName()], TenantId: m.GetTenantId(),
		})
	}
	for _, m := range d.GetDecisionsMetadata() {
		if m.GetIsDuplicate() || p.tx.Decision(m.GetDecisionKey()) != nil {
			continue
		}
		p.event(m.GetDecisionKey(), "CREATED", proto.Clone(m).(*recordpb.DecisionRecord))
	}
}

// drg returns the parsed DMN resource of a deployed decision requirements graph, parsing
// it on first use; nil if there is none.
func (p *processing) drg(key int64) *dmn.Definitions {
	if d, ok := p.e.decisions[key]; ok {
		return d
	}
	r := p.tx.DecisionRequirements(key)
	if r == nil {
		return nil
	}
	defs, err := dmn.Parse(r.GetResourceName(), r.GetResource())
	if err != nil {
		return nil
	}
	p.e.decisions[key] = defs
	return defs
}

// evaluateDecision evaluates a deployed decision with the variables, and describes the
// evaluation as a DECISION_EVALUATION value: EVALUATED, or FAILED with the failure.
func (p *processing) evaluateDecision(dec *recordpb.DecisionRecord, vars feel.Variables) (*recordpb.DecisionEvaluationRecord, bool) {
	rec := &recordpb.DecisionEvaluationRecord{
		DecisionKey: dec.GetDecisionKey(), DecisionId: dec.GetDecisionId(), DecisionName: dec.GetDecisionName(),
		DecisionVersion: dec.GetVersion(), DecisionRequirementsId: dec.GetDecisionRequirementsId(),
		DecisionRequirementsKey: dec.GetDecisionRequirementsKey(), TenantId: tenantOf(dec.GetTenantId()),
		ProcessDefinitionKey: -1, ProcessInstanceKey: -1, ElementInstanceKey: -1,
	}
	defs := p.drg(dec.GetDecisionRequirementsKey())
	if defs == nil {
		rec.EvaluationFailureMessage = fmt.Sprintf("Expected to evaluate decision '%s', but its decision requirements could not be loaded", dec.GetDecisionId())
		rec.FailedDecisionId = dec.GetDecisionId()
		return rec, false
	}
	res, err := defs.Evaluate(dec.GetDecisionId(), vars)
	if res != nil {
		rec.DecisionOutput = string(res.OutputJSON)
		for _, ed := range res.Evaluated {
			out := &recordpb.EvaluatedDecision{
				DecisionId: ed.DecisionID, DecisionName: ed.DecisionName, DecisionType: ed.DecisionType,
				DecisionOutput: string(ed.OutputJSON), TenantId: rec.GetTenantId(),
			}
			if d := p.decisionInGraph(dec, ed.DecisionID); d != nil {
				out.DecisionKey, out.DecisionVersion = d.GetDecisionKey(), d.GetVersion()
			}
			for _, in := range ed.Inputs {
				out.EvaluatedInputs = append(out.EvaluatedInputs, &recordpb.EvaluatedInput{InputId: in.ID, InputName: in.Name, InputValue: valueJSON(in.Value)})
			}
			for _, r := range ed.MatchedRules {
				mr := &recordpb.MatchedRule{RuleId: r.ID, RuleIndex: int32(r.Index)}
				for _, o := range r.Outputs {
					mr.EvaluatedOutputs = append(mr.EvaluatedOutputs, &recordpb.EvaluatedOutput{OutputId: o.ID, OutputName: o.Name, OutputValue: valueJSON(o.Value)})
				}
				out.MatchedRules = append(out.MatchedRules, mr)
			}
			rec.EvaluatedDecisions = append(rec.EvaluatedDecisions, out)
		}
	}
	if err != nil {
		var ee *dmn.EvalError
		rec.FailedDecisionId = dec.GetDecisionId()
		if errors.As(err, &ee) && ee.DecisionID != "" {
			rec.FailedDecisionId = ee.DecisionID
		}
		rec.EvaluationFailureMessage = fmt.Sprintf("Expected to evaluate decision '%s', but %s", dec.GetDecisionId(), strings.TrimPrefix(err.Error(), "dmn: "))
		return rec, false
	}
	return rec, true
}

// decisionInGraph finds the deployed decision with an id in the same decision
// requirements graph as dec.
func (p *processing) decisionInGraph(dec *recordpb.DecisionRecord, id string) *recordpb.DecisionRecord {
	if id == dec.GetDecisionId() {
		return dec
	}
	if d := p.tx.LatestDecision(id); d != nil && d.GetDecisionRequirementsKey() == dec.GetDecisionRequirementsKey() {
		return d
	}
	return nil
}

// valueJSON writes a FEEL value as JSON ("null" when it has no JSON form).
func valueJSON(v feel.Value) string {
	if v == nil {
		return "null"
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		return "null"
	}
	return string(raw)
}

// runDecision runs a business rule task that calls a DMN decision: the latest version of
// the decision is evaluated in the task's scope, its result goes to the result variable,
// and the task completes. A missing decision or a failed evaluation is an incident.
func (p *processing) runDecision(el element) {
	c := el.model.Decision
	vars := scopeVariables{p: p, scope: el.key}
	id, err := evalString(c.DecisionID, vars)
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	dec := p.tx.LatestDecision(id)
	if dec == nil {
		p.elementIncident(el, "CALLED_DECISION_ERROR", fmt.Sprintf("Expected to evaluate decision '%s', but no decision found for id '%s'", id, id))
		return
	}
	rec, ok := p.evaluateDecision(dec, vars)
	v := el.value
	rec.ProcessDefinitionKey, rec.BpmnProcessId = v.GetProcessDefinitionKey(), v.GetBpmnProcessId()
	rec.ProcessInstanceKey, rec.ElementInstanceKey, rec.ElementId = v.GetProcessInstanceKey(), el.key, v.GetElementId()
	if !ok {
		p.event(p.tx.NextKey(), "FAILED", rec)
		p.elementIncident(el, "DECISION_EVALUATION_ERROR", rec.GetEvaluationFailureMessage())
		return
	}
	p.event(p.tx.NextKey(), "EVALUATED", rec)
	p.lifecycle(el, piActivated)
	entries := []jsonEntry{{name: c.ResultVariable, value: []byte(rec.GetDecisionOutput())}}
	if len(el.model.Outputs) > 0 {
		p.mergeLocal(el.key, el.value, entries)
	} else {
		p.mergePropagate(el.key, el.value, entries)
	}
	p.completeElement(el)
}

// evaluateDecisionCommand processes DECISION_EVALUATION EVALUATE (EvaluateDecision): the
// decision named by key, or the latest version of the one named by id, is evaluated
// with the command's variables.
func (p *processing) evaluateDecisionCommand() {
	c := p.cmd.GetDecisionEvaluation()
	var dec *recordpb.DecisionRecord
	switch {
	case c.GetDecisionKey() > 0:
		if dec = p.tx.Decision(c.GetDecisionKey()); dec == nil {
			p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to evaluate decision with key '%d', but no such decision was found", c.GetDecisionKey())
			return
		}
	case c.GetDecisionId() != "":
		if dec = p.tx.LatestDecision(c.GetDecisionId()); dec == nil {
			p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to evaluate decision with id '%s', but no such decision was found", c.GetDecisionId())
			return
		}
	default:
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected either a decision id or a valid decision key, but none provided")
		return
	}
	entries, err := parseObject(c.GetVariables())
	if err != nil {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected variables to be a JSON object, but they are invalid: %s", err)
		return
	}
	vars := decisionVariables{scopeVariables: p.noVariables(), values: map[string][]byte{}}
	for _, e := range entries {
		vars.values[e.name] = e.value
	}
	rec, ok := p.evaluateDecision(dec, vars)
	rec.Variables = encodeObject(entries)
	if !ok {
		p.event(p.tx.NextKey(), "FAILED", rec)
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "%s", rec.GetEvaluationFailureMessage())
		return
	}
	p.respond(p.event(p.tx.NextKey(), "EVALUATED", rec))
}

// decisionVariables are the variables of a standalone decision evaluation, with the
// command's time and number sequence.
type decisionVariables struct {
	scopeVariables
	values map[string][]byte
}

func (d decisionVariables) Variable(name string) ([]byte, bool) {
	v, ok := d.values[name]
	return v, ok
}
