package query

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/web"
)

// IncidentFilter narrows the incident list; zero fields do not filter.
type IncidentFilter struct {
	// State is readmodel.StateActive or readmodel.StateResolved.
	State              string
	BpmnProcessID      string
	ErrorType          string
	ProcessInstanceKey int64
}

const incidentColumns = "SELECT key, COALESCE(error_type, ''), COALESCE(error_message, ''), COALESCE(state, '')," +
	" COALESCE(process_instance_key, -1), COALESCE(process_definition_key, -1), COALESCE(bpmn_process_id, '')," +
	" COALESCE(element_id, ''), COALESCE(element_instance_key, -1), COALESCE(job_key, -1)," +
	" COALESCE(create_time, 0), COALESCE(resolve_time, 0) FROM incidents"

func scanIncident(r interface{ Scan(...any) error }) (web.Incident, error) {
	i, _, err := scanIncidentAt(r)
	return i, err
}

// scanIncidentAt also returns the stored create time, the list's cursor.
func scanIncidentAt(r interface{ Scan(...any) error }) (web.Incident, int64, error) {
	var i web.Incident
	var created, resolved int64
	err := r.Scan(&i.Key, &i.ErrorType, &i.ErrorMessage, &i.State, &i.ProcessInstanceKey, &i.ProcessDefinitionKey,
		&i.BpmnProcessID, &i.ElementID, &i.ElementInstanceKey, &i.JobKey, &created, &resolved)
	i.CreateTime, i.ResolveTime = ms(created), ms(resolved)
	return i, created, err
}

// Incidents returns a page of incidents, newest first.
func (s *Store) Incidents(ctx context.Context, f IncidentFilter, p PageRequest) ([]web.Incident, Page, error) {
	var b builder
	b.cond("create_time IS NOT NULL")
	switch f.State {
	case "":
	case readmodel.StateActive, readmodel.StateResolved:
		b.cond("state = ?", f.State)
	default:
		return nil, Page{}, fmt.Errorf("incidents: unknown state %q", f.State)
	}
	if f.BpmnProcessID != "" {
		b.cond("bpmn_process_id = ?", f.BpmnProcessID)
	}
	if f.ErrorType != "" {
		b.cond("error_type = ?", f.ErrorType)
	}
	if f.ProcessInstanceKey > 0 {
		b.cond("process_instance_key = ?", f.ProcessInstanceKey)
	}
	items, page, err := keysetPage(ctx, s, incidentColumns, &b, "create_time", "key", p,
		func(r *sql.Rows) (web.Incident, Cursor, error) {
			i, created, err := scanIncidentAt(r)
			return i, Cursor{Time: created, Key: i.Key}, err
		})
	if err != nil {
		return nil, Page{}, fmt.Errorf("incidents: %w", err)
	}
	return items, page, nil
}

// Incident returns the incident with the key.
func (s *Store) Incident(ctx context.Context, key int64) (web.Incident, error) {
	i, err := scanIncident(s.queryRow(ctx, incidentColumns+" WHERE key = ?", key))
	return i, one(err, "incident", key)
}

// InstanceIncidents returns every incident of a process instance, open ones first.
func (s *Store) InstanceIncidents(ctx context.Context, instanceKey int64) ([]web.Incident, error) {
	q := incidentColumns + " WHERE process_instance_key = ? ORDER BY CASE WHEN state = 'ACTIVE' THEN 0 ELSE 1 END, key"
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (web.Incident, error) { return scanIncident(r) })
	if err != nil {
		return nil, fmt.Errorf("incidents of %d: %w", instanceKey, err)
	}
	return out, nil
}
