package query

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/weftlabs/weft/web"
)

// JobFilter narrows the job list; zero fields do not filter.
type JobFilter struct {
	Type string
	// State is a job state of the read model (the job's last intent: CREATED,
	// ACTIVATED, COMPLETED, FAILED, ...), or StateActivatable for the jobs a worker
	// could activate now.
	State              string
	ProcessInstanceKey int64
}

// StateActivatable filters jobs that a worker could activate now.
const StateActivatable = "ACTIVATABLE"

const jobColumns = "SELECT key, COALESCE(type, ''), COALESCE(worker, ''), COALESCE(state, ''), COALESCE(retries, 0)," +
	" COALESCE(deadline, 0), COALESCE(error_message, ''), COALESCE(error_code, ''), COALESCE(custom_headers, '')," +
	" COALESCE(element_id, ''), COALESCE(element_instance_key, -1), COALESCE(process_instance_key, -1)," +
	" COALESCE(bpmn_process_id, ''), COALESCE(create_time, 0), COALESCE(update_time, 0) FROM jobs"

func scanJob(r interface{ Scan(...any) error }) (web.Job, error) {
	j, _, err := scanJobAt(r)
	return j, err
}

// scanJobAt also returns the stored create time, the list's cursor.
func scanJobAt(r interface{ Scan(...any) error }) (web.Job, int64, error) {
	var j web.Job
	var deadline, created, updated int64
	err := r.Scan(&j.Key, &j.Type, &j.Worker, &j.State, &j.Retries, &deadline, &j.ErrorMessage, &j.ErrorCode,
		&j.CustomHeaders, &j.ElementID, &j.ElementInstanceKey, &j.ProcessInstanceKey, &j.BpmnProcessID, &created, &updated)
	j.Deadline, j.CreateTime, j.UpdateTime = ms(deadline), ms(created), ms(updated)
	return j, created, err
}

// Jobs returns a page of jobs, newest created first. Keys would interleave the
// partitions (a key's top bits are its partition). As for instances, a job whose
// creation was not exported has no create time and is not in the list.
func (s *Store) Jobs(ctx context.Context, f JobFilter, p PageRequest) ([]web.Job, Page, error) {
	var b builder
	b.cond("create_time IS NOT NULL")
	switch f.State {
	case "":
	case StateActivatable:
		b.cond("state IN " + activatableStates + " AND retries > 0")
	default:
		b.cond("state = ?", f.State)
	}
	if f.Type != "" {
		b.cond("type = ?", f.Type)
	}
	if f.ProcessInstanceKey > 0 {
		b.cond("process_instance_key = ?", f.ProcessInstanceKey)
	}
	items, page, err := keysetPage(ctx, s, jobColumns, &b, "create_time", "key", p, func(r *sql.Rows) (web.Job, Cursor, error) {
		j, created, err := scanJobAt(r)
		return j, Cursor{Time: created, Key: j.Key}, err
	})
	if err != nil {
		return nil, Page{}, fmt.Errorf("jobs: %w", err)
	}
	return items, page, nil
}

// Job returns the job with the key.
func (s *Store) Job(ctx context.Context, key int64) (web.Job, error) {
	j, err := scanJob(s.queryRow(ctx, jobColumns+" WHERE key = ?", key))
	return j, one(err, "job", key)
}

// InstanceJobs returns the jobs of a process instance, by key.
func (s *Store) InstanceJobs(ctx context.Context, instanceKey int64) ([]web.Job, error) {
	out, err := collect(ctx, s, jobColumns+" WHERE process_instance_key = ? ORDER BY key", []any{instanceKey},
		func(r *sql.Rows) (web.Job, error) { return scanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("jobs of %d: %w", instanceKey, err)
	}
	return out, nil
}

// InstanceTimers returns the timers of a process instance, by key.
func (s *Store) InstanceTimers(ctx context.Context, instanceKey int64) ([]web.Timer, error) {
	q := "SELECT key, COALESCE(element_instance_key, -1), COALESCE(target_element_id, ''), COALESCE(due_date, 0)," +
		" COALESCE(repetitions, 0), COALESCE(state, '') FROM timers WHERE process_instance_key = ? ORDER BY key"
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (web.Timer, error) {
		var t web.Timer
		var due int64
		err := r.Scan(&t.Key, &t.ElementInstanceKey, &t.TargetElementID, &due, &t.Repetitions, &t.State)
		t.DueDate = ms(due)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("timers of %d: %w", instanceKey, err)
	}
	return out, nil
}

// InstanceSubscriptions returns the message subscriptions of a process instance.
func (s *Store) InstanceSubscriptions(ctx context.Context, instanceKey int64) ([]web.MessageSubscription, error) {
	q := "SELECT element_instance_key, message_name, COALESCE(element_id, ''), COALESCE(correlation_key, '')," +
		" COALESCE(state, ''), COALESCE(update_time, 0) FROM message_subscriptions WHERE process_instance_key = ?" +
		" ORDER BY element_instance_key, " + s.bytewise("message_name")
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (web.MessageSubscription, error) {
		var m web.MessageSubscription
		var t int64
		err := r.Scan(&m.ElementInstanceKey, &m.MessageName, &m.ElementID, &m.CorrelationKey, &m.State, &t)
		m.UpdateTime = ms(t)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("message subscriptions of %d: %w", instanceKey, err)
	}
	return out, nil
}

// InstanceSignalSubscriptions returns the signal subscriptions of a process instance's
// element instances.
func (s *Store) InstanceSignalSubscriptions(ctx context.Context, instanceKey int64) ([]web.SignalSubscription, error) {
	q := "SELECT s.element_instance_key, s.catch_event_id, COALESCE(s.signal_name, ''), COALESCE(s.state, '')," +
		" COALESCE(s.update_time, 0) FROM element_instances e JOIN signal_subscriptions s ON s.element_instance_key = e.key" +
		" WHERE e.process_instance_key = ? ORDER BY s.element_instance_key, " + s.bytewise("s.catch_event_id")
	out, err := collect(ctx, s, q, []any{instanceKey}, func(r *sql.Rows) (web.SignalSubscription, error) {
		var m web.SignalSubscription
		var t int64
		err := r.Scan(&m.ElementInstanceKey, &m.CatchEventID, &m.SignalName, &m.State, &t)
		m.UpdateTime = ms(t)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("signal subscriptions of %d: %w", instanceKey, err)
	}
	return out, nil
}
