package query

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/web"
)

// The instance states a filter takes: the read model's, and StateIncident for
// instances with open incidents.
const (
	StateActive     = readmodel.StateActive
	StateCompleted  = readmodel.StateCompleted
	StateTerminated = readmodel.StateTerminated
	StateIncident   = "INCIDENT"
)

// InstanceFilter narrows the instance list; zero fields do not filter.
type InstanceFilter struct {
	BpmnProcessID        string
	Version              int32
	ProcessDefinitionKey int64
	// State is one of StateActive, StateCompleted, StateTerminated, StateIncident.
	State string
	// From and To bound the start time: From <= start < To.
	From, To time.Time
	// VariableName and VariableValue keep instances with a variable of that name
	// (in any scope) whose value is VariableValue, a JSON value.
	VariableName  string
	VariableValue string
}

// VariableJSON makes what a user typed into a JSON value for a variable filter: valid
// JSON is compacted (numbers keep their spelling), anything else becomes a JSON string,
// so that o-1 finds the value "o-1".
func VariableJSON(typed string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(typed)); err == nil {
		return buf.String()
	}
	b, _ := json.Marshal(typed)
	return string(b)
}

const instanceColumns = "SELECT key, COALESCE(process_definition_key, 0), COALESCE(bpmn_process_id, ''), COALESCE(version, 0)," +
	" COALESCE(tenant_id, ''), COALESCE(state, ''), incident_count, COALESCE(start_time, 0), COALESCE(end_time, 0)," +
	" COALESCE(parent_process_instance_key, -1), COALESCE(parent_element_instance_key, -1) FROM process_instances"

func scanInstance(rows interface{ Scan(...any) error }) (web.ProcessInstance, error) {
	pi, _, err := scanInstanceAt(rows)
	return pi, err
}

// scanInstanceAt also returns the stored start time, the list's cursor: StartTime is
// zero for a time <= 0, which would not find the row again.
func scanInstanceAt(rows interface{ Scan(...any) error }) (web.ProcessInstance, int64, error) {
	var pi web.ProcessInstance
	var start, end int64
	err := rows.Scan(&pi.Key, &pi.ProcessDefinitionKey, &pi.BpmnProcessID, &pi.Version, &pi.TenantID, &pi.State,
		&pi.IncidentCount, &start, &end, &pi.ParentProcessInstanceKey, &pi.ParentElementInstanceKey)
	pi.StartTime, pi.EndTime = ms(start), ms(end)
	return pi, start, err
}

// Instances returns a page of process instances, newest start first.
//
// Instances without a start time are not in the list, in either dialect: the row of
// an instance whose activation was not exported (an exporter attached after it
// started) has a NULL start_time, which has no place in a keyset on (start_time, key)
// (NULL compares to nothing, and the dialects sort it at opposite ends). Such an
// instance is still shown by key (Instance) and counted on the dashboard.
func (s *Store) Instances(ctx context.Context, f InstanceFilter, p PageRequest) ([]web.ProcessInstance, Page, error) {
	var b builder
	b.cond("start_time IS NOT NULL")
	if f.BpmnProcessID != "" {
		b.cond("bpmn_process_id = ?", f.BpmnProcessID)
	}
	if f.Version > 0 {
		b.cond("version = ?", f.Version)
	}
	if f.ProcessDefinitionKey > 0 {
		b.cond("process_definition_key = ?", f.ProcessDefinitionKey)
	}
	switch f.State {
	case "":
	case StateIncident:
		b.cond("incident_count > 0")
	case StateActive, StateCompleted, StateTerminated:
		b.cond("state = ?", f.State)
	default:
		return nil, Page{}, fmt.Errorf("instances: unknown state %q", f.State)
	}
	if !f.From.IsZero() {
		b.cond("start_time >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		b.cond("start_time < ?", f.To.UnixMilli())
	}
	if f.VariableName != "" {
		v := f.VariableValue
		b.cond("key IN (SELECT process_instance_key FROM variables WHERE name = ? AND value_prefix = ? AND value = ?)",
			f.VariableName, readmodel.ValuePrefix(v), v)
	}
	items, page, err := keysetPage(ctx, s, instanceColumns, &b, "start_time", "key", p,
		func(rows *sql.Rows) (web.ProcessInstance, Cursor, error) {
			pi, start, err := scanInstanceAt(rows)
			return pi, Cursor{Time: start, Key: pi.Key}, err
		})
	if err != nil {
		return nil, Page{}, fmt.Errorf("instances: %w", err)
	}
	return items, page, nil
}

// Instance returns the process instance with the key.
func (s *Store) Instance(ctx context.Context, key int64) (web.ProcessInstance, error) {
	pi, err := scanInstance(s.queryRow(ctx, instanceColumns+" WHERE key = ?", key))
	return pi, one(err, "process instance", key)
}

// ChildInstances returns the instances that the instance's call activities started,
// at most limit of them, oldest first.
func (s *Store) ChildInstances(ctx context.Context, key int64, limit int) ([]web.ProcessInstance, error) {
	q := instanceColumns + " WHERE parent_process_instance_key = ? ORDER BY key LIMIT ?"
	out, err := collect(ctx, s, q, []any{key, limit}, func(r *sql.Rows) (web.ProcessInstance, error) { return scanInstance(r) })
	if err != nil {
		return nil, fmt.Errorf("child instances of %d: %w", key, err)
	}
	return out, nil
}

// ElementInstances returns the element instances of a process instance (the process
// itself among them), in order of activation.
func (s *Store) ElementInstances(ctx context.Context, instanceKey int64) ([]web.ElementInstance, error) {
	q := "SELECT key, COALESCE(element_id, ''), COALESCE(element_type, ''), COALESCE(flow_scope_key, -1)," +
		" COALESCE(state, ''), COALESCE(start_time, 0), COALESCE(end_time, 0)" +
		" FROM element_instances WHERE process_instance_key = ? ORDER BY key"
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (web.ElementInstance, error) {
		var e web.ElementInstance
		var start, end int64
		err := r.Scan(&e.Key, &e.ElementID, &e.ElementType, &e.FlowScopeKey, &e.State, &start, &end)
		e.StartTime, e.EndTime = ms(start), ms(end)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("element instances of %d: %w", instanceKey, err)
	}
	return out, nil
}

// TakenFlows returns the ids of the sequence flows the instance has taken.
func (s *Store) TakenFlows(ctx context.Context, instanceKey int64) ([]string, error) {
	q := "SELECT element_id FROM sequence_flows WHERE process_instance_key = ? AND element_id IS NOT NULL" +
		" GROUP BY element_id ORDER BY " + s.bytewise("element_id")
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (string, error) {
		var id sql.NullString
		err := r.Scan(&id)
		return id.String, err
	})
	if err != nil {
		return nil, fmt.Errorf("sequence flows of %d: %w", instanceKey, err)
	}
	return out, nil
}

// InstanceDiagram returns what the diagram of an instance marks: each element's
// element instances by state and open incidents, and the flows taken.
func (s *Store) InstanceDiagram(ctx context.Context, instanceKey int64) (web.DiagramState, error) {
	st := web.DiagramState{Elements: map[string]web.ElementStats{}}
	q := "SELECT element_id, state, COUNT(*) FROM element_instances WHERE process_instance_key = ?" +
		" AND element_type <> 'PROCESS' GROUP BY element_id, state"
	if err := s.addStateCounts(ctx, st.Elements, q, instanceKey); err != nil {
		return st, fmt.Errorf("diagram of %d: %w", instanceKey, err)
	}
	q = "SELECT element_id, COUNT(*) FROM incidents WHERE process_instance_key = ? AND state = 'ACTIVE' GROUP BY element_id"
	if err := s.addIncidentCounts(ctx, st.Elements, q, instanceKey); err != nil {
		return st, fmt.Errorf("diagram of %d: %w", instanceKey, err)
	}
	flows, err := s.TakenFlows(ctx, instanceKey)
	st.Flows = flows
	return st, err
}

func (s *Store) addStateCounts(ctx context.Context, m map[string]web.ElementStats, q string, args ...any) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, state sql.NullString
		var n int64
		if err := rows.Scan(&id, &state, &n); err != nil {
			return err
		}
		e := m[id.String]
		switch state.String {
		case readmodel.StateActive:
			e.Active += n
		case readmodel.StateCompleted:
			e.Completed += n
		case readmodel.StateTerminated:
			e.Terminated += n
		}
		m[id.String] = e
	}
	return rows.Err()
}

func (s *Store) addIncidentCounts(ctx context.Context, m map[string]web.ElementStats, q string, args ...any) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id sql.NullString
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		e := m[id.String]
		e.Incidents += n
		m[id.String] = e
	}
	return rows.Err()
}

// Scopes returns the variables of an instance grouped by scope: the instance's own
// scope first, then its element instances' scopes in key order.
func (s *Store) Scopes(ctx context.Context, instanceKey int64) ([]web.Scope, error) {
	q := "SELECT v.scope_key, v.name, COALESCE(v.value, ''), COALESCE(v.update_time, 0), COALESCE(e.element_id, '')" +
		" FROM variables v LEFT JOIN element_instances e ON e.key = v.scope_key" +
		" WHERE v.process_instance_key = ? ORDER BY v.scope_key, " + s.bytewise("v.name")
	rows, err := s.query(ctx, q, instanceKey)
	if err != nil {
		return nil, fmt.Errorf("variables of %d: %w", instanceKey, err)
	}
	defer rows.Close()
	var out []web.Scope
	for rows.Next() {
		var v web.Variable
		var t int64
		var elementID string
		if err := rows.Scan(&v.ScopeKey, &v.Name, &v.Value, &t, &elementID); err != nil {
			return nil, fmt.Errorf("variables of %d: %w", instanceKey, err)
		}
		v.UpdateTime = ms(t)
		if len(out) == 0 || out[len(out)-1].Key != v.ScopeKey {
			out = append(out, web.Scope{Key: v.ScopeKey, ElementID: elementID, IsProcess: v.ScopeKey == instanceKey})
		}
		out[len(out)-1].Variables = append(out[len(out)-1].Variables, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("variables of %d: %w", instanceKey, err)
	}
	// The instance's scope has the smallest key of its scopes; keep it first anyway.
	for i, sc := range out {
		if sc.IsProcess && i > 0 {
			copy(out[1:i+1], out[:i])
			out[0] = sc
		}
	}
	return out, nil
}

// History returns up to limit records of an instance's history after the given
// (partition, position), in log order, and whether more follow.
func (s *Store) History(ctx context.Context, instanceKey int64, after Cursor, limit int) ([]web.HistoryRecord, bool, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	q := "SELECT partition_id, position, COALESCE(record_key, -1), COALESCE(record_type, ''), COALESCE(value_type, '')," +
		" COALESCE(intent, ''), COALESCE(element_id, ''), COALESCE(time, 0) FROM instance_history" +
		" WHERE process_instance_key = ? AND (partition_id, position) > (CAST(? AS BIGINT), ?)" +
		" ORDER BY partition_id, position LIMIT ?"
	out, err := collect(ctx, s, q, []any{instanceKey, after.Time, after.Key, limit + 1}, func(r *sql.Rows) (web.HistoryRecord, error) {
		var h web.HistoryRecord
		var t int64
		err := r.Scan(&h.PartitionID, &h.Position, &h.RecordKey, &h.RecordType, &h.ValueType, &h.Intent, &h.ElementID, &t)
		h.Time = ms(t)
		return h, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("history of %d: %w", instanceKey, err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
