package bpmn

import (
	"errors"
	"strings"
)

// ErrNotBPMN is wrapped by the error Parse returns for well-formed XML whose
// root is not a definitions element in the BPMN 2.0 model namespace.
var ErrNotBPMN = errors.New("not a BPMN 2.0 document")

// ErrTooLarge is wrapped by the error Parse returns for a resource beyond
// the parser's limits (size, nesting depth or element count).
var ErrTooLarge = errors.New("BPMN resource exceeds parser limits")

// ValidationError is returned by Parse when the resource is well-formed BPMN
// but cannot be deployed. It lists every problem found, not only the first,
// so a modeler user can fix them all in one go.
type ValidationError struct {
	Resource string
	Problems []Problem
}

// Problem is one reason a resource cannot be deployed. ElementID names the
// offending element; it is empty only when the problem concerns the whole
// resource and the definitions element has no id.
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
	b.WriteString("' is not a valid process:")
	for _, p := range e.Problems {
		b.WriteString("\n- ")
		b.WriteString(p.String())
	}
	return b.String()
}
