package bpmn

import (
	"strings"
	"unicode"

	"github.com/weftlabs/weft/broker/feel"
)

// defaultJobRetries is the retries a task definition gets when it names none.
const defaultJobRetries = "3"

// extensions reads the Zeebe extension elements of a flow node.
func (pb *processBuilder) extensions(n *node, el *Element) {
	var taskDefinitions, taskHeaders, ioMappings int
	for _, ext := range n.Children {
		if !ext.Is(nsBPMN, "extensionElements") {
			continue
		}
		for _, c := range ext.Children {
			if c.Name.Space != nsZeebe {
				continue
			}
			switch c.Name.Local {
			case "taskDefinition":
				taskDefinitions++
				if taskDefinitions == 1 {
					pb.taskDefinition(c, el)
				}
			case "taskHeaders":
				taskHeaders++
				for _, h := range c.Children {
					if h.Is(nsZeebe, "header") {
						el.Headers = append(el.Headers, Header{Key: h.Get("key"), Value: h.Get("value")})
					}
				}
			case "ioMapping":
				ioMappings++
				pb.ioMapping(c, el)
			case "formDefinition":
				// Forms are shown by task lists, not run by the engine,
				// but Zeebe rejects a form definition that names no form.
				key, id := strings.TrimSpace(c.Get("formKey")), strings.TrimSpace(c.Get("formId"))
				if (key == "") == (id == "") {
					pb.problem(el.ID, "the zeebe:formDefinition must have exactly one of formKey and formId")
				}
				pb.assignment(el).FormKey = key
			case "assignmentDefinition":
				a := pb.assignment(el)
				a.Assignee = pb.optionalField(el.ID, "assignee", c.Get("assignee"))
				a.CandidateGroups = pb.optionalField(el.ID, "candidate groups", c.Get("candidateGroups"))
				a.CandidateUsers = pb.optionalField(el.ID, "candidate users", c.Get("candidateUsers"))
			case "taskSchedule":
				a := pb.assignment(el)
				a.DueDate = pb.optionalField(el.ID, "due date", c.Get("dueDate"))
				a.FollowUpDate = pb.optionalField(el.ID, "follow-up date", c.Get("followUpDate"))
			case "calledDecision":
				id, result := strings.TrimSpace(c.Get("decisionId")), strings.TrimSpace(c.Get("resultVariable"))
				if id == "" {
					pb.problem(el.ID, "the zeebe:calledDecision must name a decisionId")
				}
				if result == "" {
					pb.problem(el.ID, "the zeebe:calledDecision must name a resultVariable")
				}
				el.Decision = &CalledDecision{DecisionID: pb.field(el.ID, "decision id", id), ResultVariable: result}
			case "calledElement":
				id := strings.TrimSpace(c.Get("processId"))
				if id == "" {
					pb.problem(el.ID, "the zeebe:calledElement must name a processId")
				}
				el.Called = &Called{
					ProcessID:                   pb.field(el.ID, "called process id", id),
					PropagateAllChildVariables:  c.Get("propagateAllChildVariables") != "false",
					PropagateAllParentVariables: c.Get("propagateAllParentVariables") != "false",
				}
			case "script":
				expr, result := strings.TrimSpace(c.Get("expression")), strings.TrimSpace(c.Get("resultVariable"))
				if !strings.HasPrefix(expr, "=") {
					pb.problem(el.ID, "the zeebe:script expression must be a FEEL expression starting with '='")
				}
				if result == "" {
					pb.problem(el.ID, "the zeebe:script must name a resultVariable")
				}
				el.Script = &Script{Expression: pb.field(el.ID, "script", expr), ResultVariable: result}
			}
		}
	}
	if taskDefinitions > 0 {
		pb.taskDefined[el] = true
	}
	for _, c := range []struct {
		name  string
		count int
	}{{"zeebe:taskDefinition", taskDefinitions}, {"zeebe:taskHeaders", taskHeaders}, {"zeebe:ioMapping", ioMappings}} {
		if c.count > 1 {
			pb.problem(el.ID, "the element has %d %s extension elements; at most one is allowed", c.count, c.name)
		}
	}
}

func (pb *processBuilder) taskDefinition(n *node, el *Element) {
	typ := n.Get("type")
	if strings.TrimSpace(typ) == "" {
		pb.problem(el.ID, "the zeebe:taskDefinition has an empty job type")
	} else {
		el.JobType = pb.field(el.ID, "job type", typ)
	}
	retries, ok := n.Attr("retries")
	if !ok {
		retries = defaultJobRetries
	}
	// Zeebe accepts an empty retries attribute at deployment; it stays
	// empty here so the engine treats it as Zeebe does when the job is made.
	el.JobRetries = pb.field(el.ID, "job retries", retries)
}

func (pb *processBuilder) ioMapping(n *node, el *Element) {
	for _, c := range n.Children {
		var input bool
		switch {
		case c.Is(nsZeebe, "input"):
			input = true
		case c.Is(nsZeebe, "output"):
		default:
			continue
		}
		direction := "output"
		if input {
			direction = "input"
		}
		m := Mapping{Target: c.Get("target")}
		source := c.Get("source")
		m.Source = pb.field(el.ID, direction+" mapping source", source)
		if !input && !strings.HasPrefix(source, "=") {
			pb.problem(el.ID, "the output mapping source '%s' must be an expression starting with '='", source)
		}
		if !validPath(m.Target) {
			pb.problem(el.ID, "the %s mapping target '%s' is not a variable name or path such as 'a' or 'a.b'", direction, m.Target)
		}
		if input {
			el.Inputs = append(el.Inputs, m)
		} else {
			el.Outputs = append(el.Outputs, m)
		}
	}
}

// field reads an expression-or-static attribute, reporting a FEEL syntax
// error as a problem of element id.
func (b *builder) field(id, what, raw string) feel.Field {
	f, err := feel.ParseField(raw)
	if err != nil {
		b.problem(id, "invalid %s '%s': %v", what, raw, err)
		return feel.Field{Raw: raw}
	}
	return f
}

// condition reads a conditionExpression body. Zeebe writes "=expr" but reads
// a body without '=' as an expression too, so both compile as expressions.
// An invalid condition is reported and still returned, so the flow does not
// also count as unconditional.
func (b *builder) condition(flowID, body string) *feel.Field {
	body = strings.TrimSpace(body)
	if body == "" {
		b.problem(flowID, "the sequence flow's condition expression is empty")
		return &feel.Field{}
	}
	expr := "=" + strings.TrimPrefix(body, "=")
	f, err := feel.ParseField(expr)
	if err != nil {
		b.problem(flowID, "invalid condition '%s': %v", body, err)
		return &feel.Field{Raw: expr}
	}
	return &f
}

// validPath reports whether s names a variable ("order") or a nested
// variable path ("order.customer.id") that a mapping can write to.
func validPath(s string) bool {
	if s == "" {
		return false
	}
	for seg := range strings.SplitSeq(s, ".") {
		if !validName(seg) {
			return false
		}
	}
	return true
}

// validName reports whether s is a plain FEEL name: a letter or '_' followed
// by letters, digits and '_', and not a FEEL keyword.
func validName(s string) bool {
	if s == "" || feelKeywords[s] {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}

// feelKeywords cannot be variable names in a FEEL path.
var feelKeywords = map[string]bool{
	"true": true, "false": true, "null": true,
	"and": true, "or": true,
	"if": true, "then": true, "else": true,
	"for": true, "in": true, "return": true,
	"some": true, "every": true, "satisfies": true,
	"between": true, "instance": true, "of": true,
	"function": true,
}

// assignment returns the element's user task attributes, creating them.
func (pb *processBuilder) assignment(el *Element) *Assignment {
	if el.Assignment == nil {
		el.Assignment = &Assignment{}
	}
	return el.Assignment
}

// optionalField reads an expression-or-static attribute that may be absent.
func (b *builder) optionalField(id, what, raw string) feel.Field {
	if strings.TrimSpace(raw) == "" {
		return feel.Field{}
	}
	return b.field(id, what, raw)
}
