package state

import (
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// PutDecisionRequirements stores a deployed DMN resource by key, with its id and version.
func (t *Txn) PutDecisionRequirements(r *recordpb.DecisionRequirementsRecord) {
	t.putProto(i64Key(cfDRG, r.GetDecisionRequirementsKey()), r)
	k := stringsKey(cfDRGVersion, []string{r.GetDecisionRequirementsId()}, int64(r.GetDecisionRequirementsVersion()))
	t.set(k, encodeU64(uint64(r.GetDecisionRequirementsKey())))
}

// DecisionRequirements returns the deployed DMN resource with the key, or nil.
func (t *Txn) DecisionRequirements(key int64) *recordpb.DecisionRequirementsRecord {
	r := &recordpb.DecisionRequirementsRecord{}
	if !t.getProto(i64Key(cfDRG, key), r) {
		return nil
	}
	return r
}

// LatestDecisionRequirements returns the latest version of the DMN resource with the id, or nil.
func (t *Txn) LatestDecisionRequirements(id string) *recordpb.DecisionRequirementsRecord {
	var key int64
	t.scan(stringsKey(cfDRGVersion, []string{id}, -1), func(_, v []byte) bool {
		key = int64(decodeU64(v)) // versions ascend: the last one wins
		return true
	})
	if key == 0 {
		return nil
	}
	return t.DecisionRequirements(key)
}

// PutDecision stores a deployed decision by key and by id and version.
func (t *Txn) PutDecision(r *recordpb.DecisionRecord) {
	t.putProto(i64Key(cfDecision, r.GetDecisionKey()), r)
	t.set(stringsKey(cfDecisionVersion, []string{r.GetDecisionId()}, int64(r.GetVersion())), encodeU64(uint64(r.GetDecisionKey())))
}

// Decision returns the deployed decision with the key, or nil.
func (t *Txn) Decision(key int64) *recordpb.DecisionRecord {
	r := &recordpb.DecisionRecord{}
	if !t.getProto(i64Key(cfDecision, key), r) {
		return nil
	}
	return r
}

// LatestDecision returns the latest version of the decision with the id, or nil.
func (t *Txn) LatestDecision(id string) *recordpb.DecisionRecord {
	var key int64
	t.scan(stringsKey(cfDecisionVersion, []string{id}, -1), func(_, v []byte) bool {
		key = int64(decodeU64(v))
		return true
	})
	if key == 0 {
		return nil
	}
	return t.Decision(key)
}

// DecisionsOf returns the deployed decisions of a decision requirements graph.
func (t *Txn) DecisionsOf(drgKey int64) []*recordpb.DecisionRecord {
	var out []*recordpb.DecisionRecord
	t.scan([]byte{cfDecision}, func(_, v []byte) bool {
		r := &recordpb.DecisionRecord{}
		if err := unmarshal(v, r); err != nil {
			t.fail(err)
			return false
		}
		if r.GetDecisionRequirementsKey() == drgKey {
			out = append(out, r)
		}
		return true
	})
	return out
}

// DeleteDecision removes a deployed decision.
func (t *Txn) DeleteDecision(r *recordpb.DecisionRecord) {
	t.del(i64Key(cfDecision, r.GetDecisionKey()))
	t.del(stringsKey(cfDecisionVersion, []string{r.GetDecisionId()}, int64(r.GetVersion())))
}

// DeleteDecisionRequirements removes a deployed DMN resource.
func (t *Txn) DeleteDecisionRequirements(r *recordpb.DecisionRequirementsRecord) {
	t.del(i64Key(cfDRG, r.GetDecisionRequirementsKey()))
	t.del(stringsKey(cfDRGVersion, []string{r.GetDecisionRequirementsId()}, int64(r.GetDecisionRequirementsVersion())))
}
