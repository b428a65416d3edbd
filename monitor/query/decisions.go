package query

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/weftlabs/weft/web"
)

const decisionColumns = "SELECT key, COALESCE(decision_id, ''), COALESCE(name, ''), COALESCE(version, 0)," +
	" COALESCE(decision_requirements_key, -1), COALESCE(decision_requirements_id, ''), COALESCE(tenant_id, '')," +
	" COALESCE(deploy_time, 0)," +
	" COALESCE((SELECT delete_time FROM resource_deletions WHERE resource_deletions.key = decisions.key), 0) FROM decisions"

func scanDecision(r interface{ Scan(...any) error }) (web.Decision, error) {
	var d web.Decision
	var t, deleted int64
	err := r.Scan(&d.Key, &d.DecisionID, &d.Name, &d.Version, &d.DecisionRequirementsKey, &d.DecisionRequirementsID,
		&d.TenantID, &t, &deleted)
	d.DeployTime, d.DeleteTime = ms(t), ms(deleted)
	return d, err
}

// Decisions returns every decision definition, every version, by decision id and
// newest version first.
func (s *Store) Decisions(ctx context.Context) ([]web.Decision, error) {
	out, err := collect(ctx, s, decisionColumns+" ORDER BY "+s.bytewise("COALESCE(decision_id, '')")+
		", COALESCE(version, 0) DESC, key DESC", nil,
		func(r *sql.Rows) (web.Decision, error) { return scanDecision(r) })
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	return out, nil
}

// Decision returns the decision with the key and the DMN XML of its decision
// requirements graph ("" when the graph is missing).
func (s *Store) Decision(ctx context.Context, key int64) (web.Decision, string, error) {
	d, err := scanDecision(s.queryRow(ctx, decisionColumns+" WHERE key = ?", key))
	if err := one(err, "decision", key); err != nil {
		return d, "", err
	}
	var xml sql.NullString
	err = s.queryRow(ctx, "SELECT dmn_xml FROM decision_requirements WHERE key = ?", d.DecisionRequirementsKey).Scan(&xml)
	if err != nil && err != sql.ErrNoRows {
		return d, "", fmt.Errorf("decision requirements %d: %w", d.DecisionRequirementsKey, err)
	}
	return d, xml.String, nil
}

// EvaluationFilter narrows the decision evaluations; zero fields do not filter.
type EvaluationFilter struct {
	DecisionKey        int64
	ProcessInstanceKey int64
	// State is EVALUATED or FAILED.
	State string
}

const evaluationColumns = "SELECT key, COALESCE(decision_key, -1), COALESCE(decision_id, ''), COALESCE(decision_name, '')," +
	" COALESCE(decision_version, 0), COALESCE(process_instance_key, -1), COALESCE(element_id, ''), COALESCE(state, '')," +
	" COALESCE(output, ''), COALESCE(failure_message, ''), COALESCE(failed_decision_id, '')," +
	" COALESCE(evaluated_decisions, ''), COALESCE(evaluation_time, 0) FROM decision_evaluations"

func scanEvaluation(r interface{ Scan(...any) error }) (web.DecisionEvaluation, error) {
	e, _, err := scanEvaluationAt(r)
	return e, err
}

// scanEvaluationAt also returns the stored evaluation time, the list's cursor.
func scanEvaluationAt(r interface{ Scan(...any) error }) (web.DecisionEvaluation, int64, error) {
	var e web.DecisionEvaluation
	var t int64
	err := r.Scan(&e.Key, &e.DecisionKey, &e.DecisionID, &e.DecisionName, &e.DecisionVersion, &e.ProcessInstanceKey,
		&e.ElementID, &e.State, &e.Output, &e.FailureMessage, &e.FailedDecisionID, &e.EvaluatedDecisions, &t)
	e.Time = ms(t)
	return e, t, err
}

// Evaluations returns a page of decision evaluations, newest first.
func (s *Store) Evaluations(ctx context.Context, f EvaluationFilter, p PageRequest) ([]web.DecisionEvaluation, Page, error) {
	var b builder
	b.cond("evaluation_time IS NOT NULL")
	if f.DecisionKey > 0 {
		b.cond("decision_key = ?", f.DecisionKey)
	}
	if f.ProcessInstanceKey > 0 {
		b.cond("process_instance_key = ?", f.ProcessInstanceKey)
	}
	if f.State != "" {
		b.cond("state = ?", f.State)
	}
	items, page, err := keysetPage(ctx, s, evaluationColumns, &b, "evaluation_time", "key", p,
		func(r *sql.Rows) (web.DecisionEvaluation, Cursor, error) {
			e, t, err := scanEvaluationAt(r)
			return e, Cursor{Time: t, Key: e.Key}, err
		})
	if err != nil {
		return nil, Page{}, fmt.Errorf("decision evaluations: %w", err)
	}
	return items, page, nil
}

// Evaluation returns the decision evaluation with the key.
func (s *Store) Evaluation(ctx context.Context, key int64) (web.DecisionEvaluation, error) {
	e, err := scanEvaluation(s.queryRow(ctx, evaluationColumns+" WHERE key = ?", key))
	return e, one(err, "decision evaluation", key)
}
