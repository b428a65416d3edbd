package query

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/weftlabs/weft/web"
)

// Counts returns the dashboard's numbers. Activatable jobs are jobs a worker could
// activate now: created, failed, timed out or recurred after back-off, with retries
// left.
func (s *Store) Counts(ctx context.Context) (web.Counts, error) {
	var c web.Counts
	var err error
	if c.RunningInstances, err = s.count(ctx, "SELECT COUNT(*) FROM process_instances WHERE state = 'ACTIVE'"); err != nil {
		return c, fmt.Errorf("count running instances: %w", err)
	}
	if c.OpenIncidents, err = s.count(ctx, "SELECT COUNT(*) FROM incidents WHERE state = 'ACTIVE'"); err != nil {
		return c, fmt.Errorf("count open incidents: %w", err)
	}
	if c.ActivatableJobs, err = s.count(ctx, "SELECT COUNT(*) FROM jobs WHERE state IN "+activatableStates+" AND retries > 0"); err != nil {
		return c, fmt.Errorf("count activatable jobs: %w", err)
	}
	if c.Definitions, err = s.count(ctx, "SELECT COUNT(*) FROM process_definitions"); err != nil {
		return c, fmt.Errorf("count process definitions: %w", err)
	}
	return c, nil
}

// activatableStates are the job states (the job's last intent) from which a worker
// may activate it.
const activatableStates = "('CREATED', 'FAILED', 'TIMED_OUT', 'RECURRED_AFTER_BACKOFF', 'YIELDED', 'RETRIES_UPDATED')"

// processSelect is the columns scanProcess reads; the last is the definition's
// deletion time (0: not deleted).
const processSelect = "SELECT key, COALESCE(bpmn_process_id, ''), COALESCE(version, 0), COALESCE(resource_name, '')," +
	" COALESCE(tenant_id, ''), COALESCE(deploy_time, 0)," +
	" COALESCE((SELECT delete_time FROM resource_deletions WHERE resource_deletions.key = process_definitions.key), 0)"

const processColumns = processSelect + " FROM process_definitions"

func scanProcess(r interface{ Scan(...any) error }, extra ...any) (web.Process, error) {
	var p web.Process
	var t, deleted int64
	err := r.Scan(append([]any{&p.Key, &p.BpmnProcessID, &p.Version, &p.ResourceName, &p.TenantID, &t, &deleted}, extra...)...)
	p.DeployTime, p.DeleteTime = ms(t), ms(deleted)
	return p, err
}

// Processes returns every process definition, every version, by process id and newest
// version first, each with its number of running instances.
func (s *Store) Processes(ctx context.Context) ([]web.Process, error) {
	out, err := collect(ctx, s, processColumns+" ORDER BY "+s.bytewise("COALESCE(bpmn_process_id, '')")+
		", COALESCE(version, 0) DESC, key DESC", nil,
		func(r *sql.Rows) (web.Process, error) { return scanProcess(r) })
	if err != nil {
		return nil, fmt.Errorf("process definitions: %w", err)
	}
	running := map[int64]int64{}
	rows, err := s.query(ctx, "SELECT process_definition_key, COUNT(*) FROM process_instances WHERE state = 'ACTIVE' GROUP BY process_definition_key")
	if err != nil {
		return nil, fmt.Errorf("running instances by definition: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k sql.NullInt64
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("running instances by definition: %w", err)
		}
		running[k.Int64] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("running instances by definition: %w", err)
	}
	for i := range out {
		out[i].RunningInstances = running[out[i].Key]
	}
	return out, nil
}

// Process returns the process definition with the key, with its BPMN XML.
func (s *Store) Process(ctx context.Context, key int64) (web.Process, error) {
	q := processSelect + ", COALESCE(bpmn_xml, '') FROM process_definitions WHERE key = ?"
	var xml string
	p, err := scanProcess(s.queryRow(ctx, q, key), &xml)
	p.XML = xml
	return p, one(err, "process definition", key)
}

// ProcessDiagram returns what the diagram of a process definition marks: per element
// the element instances now active and the open incidents, over all its instances.
func (s *Store) ProcessDiagram(ctx context.Context, p web.Process) (web.DiagramState, error) {
	st := web.DiagramState{Elements: map[string]web.ElementStats{}, Flows: []string{}}
	q := "SELECT element_id, state, COUNT(*) FROM element_instances WHERE process_definition_key = ?" +
		" AND state = 'ACTIVE' AND element_type <> 'PROCESS' GROUP BY element_id, state"
	if err := s.addStateCounts(ctx, st.Elements, q, p.Key); err != nil {
		return st, fmt.Errorf("diagram of definition %d: %w", p.Key, err)
	}
	q = "SELECT element_id, COUNT(*) FROM incidents WHERE process_definition_key = ? AND state = 'ACTIVE'" +
		" GROUP BY element_id"
	if err := s.addIncidentCounts(ctx, st.Elements, q, p.Key); err != nil {
		return st, fmt.Errorf("diagram of definition %d: %w", p.Key, err)
	}
	return st, nil
}

// ProcessVersions returns the definitions of a process id, newest version first.
func (s *Store) ProcessVersions(ctx context.Context, bpmnProcessID string) ([]web.Process, error) {
	out, err := collect(ctx, s, processColumns+" WHERE bpmn_process_id = ? ORDER BY COALESCE(version, 0) DESC, key DESC", []any{bpmnProcessID},
		func(r *sql.Rows) (web.Process, error) { return scanProcess(r) })
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", bpmnProcessID, err)
	}
	return out, nil
}

// ProcessIDs returns the distinct bpmn process ids of the deployed definitions.
func (s *Store) ProcessIDs(ctx context.Context) ([]string, error) {
	// GROUP BY, not DISTINCT: Postgres orders a DISTINCT list only by what it selects.
	out, err := collect(ctx, s, "SELECT bpmn_process_id FROM process_definitions WHERE bpmn_process_id IS NOT NULL"+
		" GROUP BY bpmn_process_id ORDER BY "+s.bytewise("bpmn_process_id"), nil,
		func(r *sql.Rows) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
	if err != nil {
		return nil, fmt.Errorf("process ids: %w", err)
	}
	return out, nil
}

// StartEvents returns the message and signal start events of a process definition, by
// element id, with the partitions where each waits.
func (s *Store) StartEvents(ctx context.Context, definitionKey int64) ([]web.StartEvent, error) {
	q := startEventColumns + "COALESCE(MAX(s.kind), ''), COALESCE(MAX(s.name), '')," +
		" SUM(CASE WHEN s.state = 'CREATED' THEN 1 ELSE 0 END), COUNT(*)" + startEventsFrom +
		" WHERE s.process_definition_key = ? GROUP BY s.process_definition_key, s.start_event_id ORDER BY " +
		s.bytewise("s.start_event_id")
	out, err := collect(ctx, s, q, []any{definitionKey}, scanStartEvent)
	if err != nil {
		return nil, fmt.Errorf("start events of %d: %w", definitionKey, err)
	}
	return out, nil
}

// WaitingMessageStarts returns the message start events that wait on some partition,
// by message name, at most limit of them.
func (s *Store) WaitingMessageStarts(ctx context.Context, limit int) ([]web.StartEvent, error) {
	q := startEventColumns + "'MESSAGE', s.name, COUNT(*), COUNT(*)" + startEventsFrom + " WHERE s.kind = 'MESSAGE' AND s.state = 'CREATED'" +
		" GROUP BY s.name, s.process_definition_key, s.start_event_id ORDER BY " + s.bytewise("s.name") +
		", s.process_definition_key, " + s.bytewise("s.start_event_id") + " LIMIT ?"
	out, err := collect(ctx, s, q, []any{limit}, scanStartEvent)
	if err != nil {
		return nil, fmt.Errorf("message start events: %w", err)
	}
	return out, nil
}

// startEventColumns and startEventsFrom frame the start event queries: the columns
// before the kind, and the tables.
const (
	startEventColumns = "SELECT s.process_definition_key, COALESCE(MAX(s.bpmn_process_id), ''), COALESCE(MAX(p.version), 0)," +
		" s.start_event_id, "
	startEventsFrom = " FROM start_subscriptions s LEFT JOIN process_definitions p ON p.key = s.process_definition_key"
)

// scanStartEvent reads a row of the start event queries.
func scanStartEvent(r *sql.Rows) (web.StartEvent, error) {
	var e web.StartEvent
	var version int64
	err := r.Scan(&e.ProcessDefinitionKey, &e.BpmnProcessID, &version, &e.ElementID, &e.Kind, &e.Name, &e.Open, &e.Partitions)
	e.Version = int32(version)
	return e, err
}
