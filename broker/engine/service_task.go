package engine

import (
	"fmt"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// activateServiceTask evaluates the job type and retries, activates the task and
// creates its job.
func (p *processing) activateServiceTask(el element) {
	vars := scopeVariables{p: p, scope: el.key}
	jobType, err := evalString(el.model.JobType, vars)
	if err == nil && strings.TrimSpace(jobType) == "" {
		err = fmt.Errorf("expected the job type of element '%s' to be a non-empty string, but it was empty", el.model.ID)
	}
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	retries := int64(3)
	if el.model.JobRetries.Raw != "" {
		retries, err = evalInt(el.model.JobRetries, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
			return
		}
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.lifecycle(el, piActivated)
	headers := make([]*recordpb.Header, 0, len(el.model.Headers))
	for _, h := range el.model.Headers {
		headers = append(headers, &recordpb.Header{Key: h.Key, Value: h.Value})
	}
	p.createJob(el, jobType, int32(retries), headers)
}

// createJob writes JOB CREATED for an activated task.
func (p *processing) createJob(el element, jobType string, retries int32, headers []*recordpb.Header) {
	v := el.value
	p.event(p.tx.NextKey(), "CREATED", &recordpb.JobRecord{
		Type: jobType, Retries: retries, RecurringTime: -1, Deadline: -1,
		CustomHeaders: headers, ElementId: v.GetElementId(), ElementInstanceKey: el.key,
		ProcessInstanceKey: v.GetProcessInstanceKey(), BpmnProcessId: v.GetBpmnProcessId(),
		ProcessDefinitionVersion: v.GetVersion(), ProcessDefinitionKey: v.GetProcessDefinitionKey(),
		TenantId: tenantOf(v.GetTenantId()),
	})
	p.out.jobsAvailable(jobType)
}

// evalString evaluates an expression-or-static field to a string.
func evalString(f feel.Field, vars feel.Variables) (string, error) {
	if !f.IsExpression() {
		return f.Static, nil
	}
	v, err := f.Evaluate(vars)
	if err != nil {
		return "", fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		return "", fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
	}
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' {
		var out string
		if err := jsonUnmarshal(raw, &out); err == nil {
			return out, nil
		}
	}
	return "", fmt.Errorf("expected result of the expression '%s' to be 'STRING', but was '%s'", strings.TrimPrefix(f.Raw, "="), s)
}

// evalInt evaluates an expression-or-static field to a whole number.
func evalInt(f feel.Field, vars feel.Variables) (int64, error) {
	var raw []byte
	if f.IsExpression() {
		v, err := f.Evaluate(vars)
		if err != nil {
			return 0, fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
		}
		raw, err = feel.ToJSON(v)
		if err != nil {
			return 0, fmt.Errorf("failed to evaluate expression '%s': %w", f.Raw, err)
		}
	} else {
		raw = []byte(strings.TrimSpace(f.Static))
	}
	var n int64
	if err := jsonUnmarshal(raw, &n); err != nil || n < 0 || n > 1<<31-1 {
		return 0, fmt.Errorf("expected result of the expression '%s' to be a non-negative whole number, but was '%s'", strings.TrimPrefix(f.Raw, "="), raw)
	}
	return n, nil
}
