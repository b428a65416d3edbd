package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// User tasks are jobs of one type, as in Zeebe 8.3: a task list activates them and
// reads the assignment from these headers.
const (
	userTaskJobType         = "io.camunda.zeebe:userTask"
	headerAssignee          = "io.camunda.zeebe:assignee"
	headerCandidateGroups   = "io.camunda.zeebe:candidateGroups"
	headerCandidateUsers    = "io.camunda.zeebe:candidateUsers"
	headerFormKey           = "io.camunda.zeebe:formKey"
	headerDueDate           = "io.camunda.zeebe:dueDate"
	headerFollowUpDate      = "io.camunda.zeebe:followUpDate"
	userTaskDefaultRetries  = 1
	errCandidatesNotStrings = "expected the %s of element '%s' to be a list of strings or a comma-separated string, but it was %s"
)

// activateUserTask creates a user task's job, with its assignment as headers.
func (p *processing) activateUserTask(el element) {
	vars := scopeVariables{p: p, scope: el.key}
	headers := make([]*recordpb.Header, 0, len(el.model.Headers)+6)
	if a := el.model.Assignment; a != nil {
		add := func(key string, value string) {
			if value != "" {
				headers = append(headers, &recordpb.Header{Key: key, Value: value})
			}
		}
		assignee, err := optionalString(a.Assignee, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate the assignee of '%s': %s", el.model.ID, err))
			return
		}
		groups, err := candidates(a.CandidateGroups, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf(errCandidatesNotStrings, "candidate groups", el.model.ID, err))
			return
		}
		users, err := candidates(a.CandidateUsers, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf(errCandidatesNotStrings, "candidate users", el.model.ID, err))
			return
		}
		due, err := optionalString(a.DueDate, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate the due date of '%s': %s", el.model.ID, err))
			return
		}
		followUp, err := optionalString(a.FollowUpDate, vars)
		if err != nil {
			p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate the follow-up date of '%s': %s", el.model.ID, err))
			return
		}
		add(headerAssignee, assignee)
		add(headerCandidateGroups, groups)
		add(headerCandidateUsers, users)
		add(headerFormKey, a.FormKey)
		add(headerDueDate, due)
		add(headerFollowUpDate, followUp)
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.lifecycle(el, piActivated)
	for _, h := range el.model.Headers {
		headers = append(headers, &recordpb.Header{Key: h.Key, Value: h.Value})
	}
	p.createJob(el, userTaskJobType, userTaskDefaultRetries, headers)
}

// optionalString evaluates a field that may be absent ("" then).
func optionalString(f feel.Field, vars feel.Variables) (string, error) {
	if f.Raw == "" {
		return "", nil
	}
	return evalString(f, vars)
}

// candidates evaluates candidate groups or users to the JSON list Zeebe hands to job
// workers: a static value is a comma-separated list; an expression gives a list of
// strings (or one string).
func candidates(f feel.Field, vars feel.Variables) (string, error) {
	if f.Raw == "" {
		return "", nil
	}
	var list []string
	if !f.IsExpression() {
		for _, s := range strings.Split(f.Static, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
	} else {
		v, err := f.Evaluate(vars)
		if err != nil {
			return "", err
		}
		raw, err := feel.ToJSON(v)
		if err != nil {
			return "", err
		}
		var one string
		if json.Unmarshal(raw, &list) != nil {
			if json.Unmarshal(raw, &one) != nil {
				return "", fmt.Errorf("%s", raw)
			}
			list = []string{one}
		}
	}
	if len(list) == 0 {
		return "", nil
	}
	b, _ := json.Marshal(list)
	return string(b), nil
}

// runScript runs a script task's FEEL expression: its result goes to the result
// variable, and the task completes at once. A failing expression is an incident.
func (p *processing) runScript(el element) {
	s := el.model.Script
	v, err := s.Expression.Evaluate(scopeVariables{p: p, scope: el.key})
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate expression '%s': %s", strings.TrimPrefix(s.Expression.Raw, "="), err))
		return
	}
	raw, err := feel.ToJSON(v)
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", fmt.Sprintf("failed to evaluate expression '%s': %s", strings.TrimPrefix(s.Expression.Raw, "="), err))
		return
	}
	p.lifecycle(el, piActivated)
	entries := []jsonEntry{{name: s.ResultVariable, value: raw}}
	if len(el.model.Outputs) > 0 {
		p.mergeLocal(el.key, el.value, entries)
	} else {
		p.mergePropagate(el.key, el.value, entries)
	}
	p.completeElement(el)
}
