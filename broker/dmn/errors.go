package dmn

import (
	"errors"
	"strings"
)

// ErrNotDMN is wrapped by the error Parse returns for well-formed XML whose
// root is not a definitions element in a DMN 1.1 to 1.5 model namespace.
var ErrNotDMN = errors.New("not a DMN document")

// ErrTooLarge is wrapped by the error Parse returns for a resource beyond
// the parser's limits (size, nesting depth or element count).
var ErrTooLarge = errors.New("DMN resource exceeds parser limits")

// ErrNoSuchDecision is wrapped by the error Evaluate returns for a decision
// id the model does not define.
var ErrNoSuchDecision = errors.New("no such decision")

// ValidationError is returned by Parse when the resource is well-formed DMN
// but cannot be evaluated. It lists every problem found, not only the first.
type ValidationError struct {
	Resource string
	Problems []Problem
}

// Problem is one reason a resource cannot be deployed. ElementID names the
// offending element (or its name when it has no id).
type Problem struct {
	ElementID string
	Message   string
}

// String formats the problem as "element 'id': message".
func (p Problem) String() string {
	if p.ElementID == "" {
		return p.Message
	}
	return "element '" + p.ElementID + "': " + p.Message
}

// Error lists every problem, one per line, after a line naming the resource.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("resource '")
	b.WriteString(e.Resource)
	b.WriteString("' is not a valid DMN model:")
	for _, p := range e.Problems {
		b.WriteString("\n- ")
		b.WriteString(p.String())
	}
	return b.String()
}

// EvalError is returned by Evaluate when a decision cannot produce a value:
// a hit policy is violated, a FEEL expression fails, a required input is
// unreadable. Zeebe turns such a failure into an incident; DecisionID names
// the decision that failed, which may be a required decision of the one
// asked for.
type EvalError struct {
	DecisionID   string
	DecisionName string
	Message      string
	Err          error
}

// Error names the decision and the problem.
func (e *EvalError) Error() string {
	s := "failed to evaluate decision '" + e.DecisionID + "'"
	if e.DecisionName != "" && e.DecisionName != e.DecisionID {
		s += " (" + e.DecisionName + ")"
	}
	s += ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *EvalError) Unwrap() error { return e.Err }
