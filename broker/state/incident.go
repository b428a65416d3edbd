package state

import "github.com/weftlabs/weft/proto/gen/statepb"

// Incident returns the open incident with the key, or nil.
func (t *Txn) Incident(key int64) *statepb.Incident {
	if key <= 0 {
		return nil
	}
	i := &statepb.Incident{}
	if !t.getProto(i64Key(cfIncident, key), i) {
		return nil
	}
	return i
}

// PutIncident stores an open incident.
func (t *Txn) PutIncident(key int64, i *statepb.Incident) { t.putProto(i64Key(cfIncident, key), i) }

// DeleteIncident removes a resolved incident.
func (t *Txn) DeleteIncident(key int64) { t.del(i64Key(cfIncident, key)) }
