package bpmn

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// elementTypes maps the BPMN model's flow node tags to element types.
var elementTypes = map[string]ElementType{
	"startEvent":             ElementStartEvent,
	"endEvent":               ElementEndEvent,
	"intermediateCatchEvent": ElementIntermediateCatchEvent,
	"intermediateThrowEvent": ElementIntermediateThrowEvent,
	"boundaryEvent":          ElementBoundaryEvent,
	"task":                   ElementTask,
	"serviceTask":            ElementServiceTask,
	"userTask":               ElementUserTask,
	"manualTask":             ElementManualTask,
	"receiveTask":            ElementReceiveTask,
	"scriptTask":             ElementScriptTask,
	"sendTask":               ElementSendTask,
	"businessRuleTask":       ElementBusinessRuleTask,
	"callActivity":           ElementCallActivity,
	"subProcess":             ElementSubProcess,
	"adHocSubProcess":        ElementAdHocSubProcess,
	"transaction":            ElementTransaction,
	"exclusiveGateway":       ElementExclusiveGateway,
	"parallelGateway":        ElementParallelGateway,
	"inclusiveGateway":       ElementInclusiveGateway,
	"eventBasedGateway":      ElementEventBasedGateway,
	"complexGateway":         ElementComplexGateway,
}

// eventTypes maps the BPMN model's event definition tags to event types.
var eventTypes = map[string]EventType{
	"messageEventDefinition":     EventMessage,
	"timerEventDefinition":       EventTimer,
	"errorEventDefinition":       EventError,
	"signalEventDefinition":      EventSignal,
	"escalationEventDefinition":  EventEscalation,
	"terminateEventDefinition":   EventTerminate,
	"linkEventDefinition":        EventLink,
	"compensateEventDefinition":  EventCompensation,
	"conditionalEventDefinition": EventConditional,
	"cancelEventDefinition":      EventCancel,
}

// Parse reads one BPMN resource. resourceName only labels errors. It returns
// a plain error for input that is not well-formed XML, is too large or is not
// BPMN (see ErrNotBPMN, ErrTooLarge), and a *ValidationError listing every
// problem for BPMN that cannot be deployed. It never panics.
func Parse(resourceName string, data []byte) (*Definitions, error) {
	defs, problems, err := parse(resourceName, data)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Resource: resourceName, Problems: problems}
	}
	return defs, nil
}

// parse builds the model and collects its problems; the model is complete
// as far as the input allows even when there are problems.
func parse(resourceName string, data []byte) (*Definitions, []Problem, error) {
	root, err := readTree(data)
	if errors.Is(err, ErrTooLarge) {
		return nil, nil, fmt.Errorf("resource '%s': %w", resourceName, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resource '%s': malformed XML: %w", resourceName, err)
	}
	if !root.Is(nsBPMN, "definitions") {
		return nil, nil, fmt.Errorf("resource '%s': %w: the root element is {%s}%s, expected definitions in namespace %s",
			resourceName, ErrNotBPMN, root.Name.Space, root.Name.Local, nsBPMN)
	}
	b := &builder{}
	b.checkIDs(root)
	b.messages = b.readMessages(root)
	b.signals = map[string]string{}
	b.errors = map[string]string{}
	b.escalations = map[string]string{}
	for _, c := range root.Children {
		if c.Is(nsBPMN, "signal") {
			b.signals[c.Get("id")] = c.Get("name")
		}
		if c.Is(nsBPMN, "error") {
			b.errors[c.Get("id")] = c.Get("errorCode")
		}
		if c.Is(nsBPMN, "escalation") {
			b.escalations[c.Get("id")] = c.Get("escalationCode")
		}
	}
	defs := &Definitions{}
	for _, c := range root.Children {
		if c.Is(nsBPMN, "process") && isTrue(c.Get("isExecutable")) {
			defs.Processes = append(defs.Processes, b.process(c))
		}
	}
	if len(defs.Processes) == 0 {
		b.problem(root.Get("id"), "the resource has no executable process: set isExecutable=\"true\" on the process to deploy")
	}
	return defs, b.problems, nil
}

// builder collects the problems of one resource while its processes are built.
type builder struct {
	problems []Problem
	// messages holds the resource's bpmn:message elements by id.
	messages map[string]*messageDef
	// signals holds the names of the resource's bpmn:signal elements by id.
	signals map[string]string
	// errors holds the error codes of the resource's bpmn:error elements by id.
	errors map[string]string
	// escalations holds the codes of the resource's bpmn:escalation elements by id.
	escalations map[string]string
}

// messageDef is a bpmn:message as written, before an element references it.
type messageDef struct {
	id, name, correlationKey string
	hasSubscription          bool
}

// readMessages collects the root-level bpmn:message elements and their
// zeebe:subscription.
func (b *builder) readMessages(root *node) map[string]*messageDef {
	out := map[string]*messageDef{}
	for _, c := range root.Children {
		if !c.Is(nsBPMN, "message") {
			continue
		}
		m := &messageDef{id: c.Get("id"), name: c.Get("name")}
		for _, ext := range c.Children {
			if !ext.Is(nsBPMN, "extensionElements") {
				continue
			}
			for _, s := range ext.Children {
				if s.Is(nsZeebe, "subscription") {
					m.hasSubscription = true
					m.correlationKey = s.Get("correlationKey")
				}
			}
		}
		out[m.id] = m
	}
	return out
}

func (b *builder) problem(id, format string, args ...any) {
	b.problems = append(b.problems, Problem{ElementID: id, Message: fmt.Sprintf(format, args...)})
}

// isTrue reads an xsd:boolean attribute.
func isTrue(s string) bool {
	s = strings.TrimSpace(s)
	return s == "true" || s == "1"
}

// checkIDs reports ids that are not XML ids, and ids used by more than one
// BPMN element anywhere in the resource: XML ids are unique per document,
// and references resolve by id.
func (b *builder) checkIDs(root *node) {
	seen := map[string]int{}
	var order []string
	var walk func(n *node)
	walk = func(n *node) {
		if n.Name.Space == nsBPMN {
			if id, ok := n.Attr("id"); ok && id != "" { // a missing id is reported with the element
				if seen[id] == 0 {
					order = append(order, id)
				}
				seen[id]++
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	for _, id := range order {
		if !isXMLID(id) {
			b.problem(id, "the id is not a valid XML id: it must start with a letter or '_' and contain only letters, digits, '.', '-' and '_'")
		}
		if seen[id] > 1 {
			b.problem(id, "the id is used by %d elements; ids must be unique in a resource", seen[id])
		}
	}
}

// isXMLID reports whether s is an XML NCName, which the BPMN schema requires
// of ids.
func isXMLID(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || r == '\u00b7' || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)):
		default:
			return false
		}
	}
	return true
}

// rawFlow is a sequence flow as written, before its references are resolved.
type rawFlow struct {
	flow  *SequenceFlow
	n     *node
	scope *Element
}

// processBuilder builds one executable process.
type processBuilder struct {
	*builder
	p              *Process
	rawFlows       []rawFlow
	scopes         map[*Element]*Element // element -> its enclosing sub-process
	defaults       map[*Element]string   // gateway -> its default attribute
	multiInst      map[*Element]bool
	taskDefined    map[*Element]bool
	kindReported   map[*Element]bool   // elements whose event kind already has a more specific problem
	msgRefs        map[*Element]string // messageRef of message events and receive tasks
	signalRefs     map[*Element]string // signalRef of signal events
	timerDefs      map[*Element]*node  // timerEventDefinition of timer events
	errorRefs      map[*Element]string // errorRef of error events
	escalationRefs map[*Element]string // escalationRef of escalation events
	compensateRefs map[*Element]string // activityRef of compensation throw events
	associations   [][2]string         // sourceRef, targetRef of bpmn:association
	attachedRefs   map[*Element]string // attachedToRef of boundary events
}

func (b *builder) process(n *node) *Process {
	p := &Process{
		ID:       n.Get("id"),
		Name:     n.Get("name"),
		elements: map[string]*Element{},
		flows:    map[string]*SequenceFlow{},
	}
	if strings.TrimSpace(p.ID) == "" {
		b.problem("", "a process has no id")
	}
	pb := &processBuilder{
		builder:        b,
		p:              p,
		scopes:         map[*Element]*Element{},
		defaults:       map[*Element]string{},
		multiInst:      map[*Element]bool{},
		taskDefined:    map[*Element]bool{},
		kindReported:   map[*Element]bool{},
		msgRefs:        map[*Element]string{},
		signalRefs:     map[*Element]string{},
		timerDefs:      map[*Element]*node{},
		errorRefs:      map[*Element]string{},
		escalationRefs: map[*Element]string{},
		compensateRefs: map[*Element]string{},
		attachedRefs:   map[*Element]string{},
	}
	pb.scope(n, nil)
	pb.resolveFlows()
	pb.validate()
	return p
}

// scope reads the flow elements directly inside n (a process or a
// sub-process), recursing into nested sub-processes in document order.
func (pb *processBuilder) scope(n *node, parent *Element) {
	for _, c := range n.Children {
		if c.Name.Space != nsBPMN {
			continue
		}
		if c.Name.Local == "sequenceFlow" {
			pb.sequenceFlow(c, parent)
			continue
		}
		if c.Name.Local == "association" {
			pb.associations = append(pb.associations, [2]string{strings.TrimSpace(c.Get("sourceRef")), strings.TrimSpace(c.Get("targetRef"))})
			continue
		}
		t, ok := elementTypes[c.Name.Local]
		if !ok {
			continue // lanes, data objects, annotations, associations...
		}
		el := pb.element(c, t, parent)
		switch t {
		case ElementSubProcess, ElementEventSubProcess, ElementAdHocSubProcess, ElementTransaction:
			pb.scope(c, el)
		}
	}
}

func (pb *processBuilder) element(n *node, t ElementType, parent *Element) *Element {
	el := &Element{
		ID:        n.Get("id"),
		Name:      n.Get("name"),
		Type:      t,
		EventType: EventUnspecified,
		Parent:    parent,
	}
	if t == ElementSubProcess && isTrue(n.Get("triggeredByEvent")) {
		el.Type = ElementEventSubProcess
	}
	if el.ID == "" {
		pb.problem("", "a %s in process '%s' has no id", n.Name.Local, pb.p.ID)
	} else if _, dup := pb.p.elements[el.ID]; !dup {
		pb.p.elements[el.ID] = el
	}
	pb.p.Elements = append(pb.p.Elements, el)
	pb.scopes[el] = parent
	if d, ok := n.Attr("default"); ok {
		pb.defaults[el] = d
	}
	pb.eventDefinitions(n, el)
	if t == ElementReceiveTask {
		pb.msgRefs[el] = n.Get("messageRef")
	}
	el.Interrupting = true
	el.ForCompensation = isTrue(n.Get("isForCompensation"))
	if t == ElementStartEvent {
		if v, ok := n.Attr("isInterrupting"); ok && strings.TrimSpace(v) == "false" {
			el.Interrupting = false
		}
	}
	if t == ElementBoundaryEvent {
		pb.attachedRefs[el] = n.Get("attachedToRef")
		if v, ok := n.Attr("cancelActivity"); ok && strings.TrimSpace(v) == "false" {
			el.Interrupting = false
		}
	}
	pb.loopCharacteristics(n, el)
	pb.extensions(n, el)
	return el
}

// eventDefinitions sets the event type of an event from its definition.
func (pb *processBuilder) eventDefinitions(n *node, el *Element) {
	switch el.Type {
	case ElementStartEvent, ElementEndEvent, ElementIntermediateCatchEvent, ElementIntermediateThrowEvent, ElementBoundaryEvent:
	default:
		return
	}
	el.EventType = EventNone
	var found []EventType
	for _, c := range n.Children {
		if c.Name.Space != nsBPMN {
			continue
		}
		if et, ok := eventTypes[c.Name.Local]; ok {
			found = append(found, et)
			if et == EventMessage && len(found) == 1 {
				pb.msgRefs[el] = c.Get("messageRef")
			}
			if et == EventSignal && len(found) == 1 {
				pb.signalRefs[el] = c.Get("signalRef")
			}
			if et == EventTimer && len(found) == 1 {
				pb.timerDefs[el] = c
			}
			if et == EventError && len(found) == 1 {
				pb.errorRefs[el] = c.Get("errorRef")
			}
			if et == EventEscalation && len(found) == 1 {
				pb.escalationRefs[el] = c.Get("escalationRef")
			}
			if et == EventCompensation && len(found) == 1 {
				pb.compensateRefs[el] = strings.TrimSpace(c.Get("activityRef"))
				if w, ok := c.Attr("waitForCompletion"); ok && strings.TrimSpace(w) == "false" {
					pb.problem(el.ID, "a compensation throw event must wait for completion (waitForCompletion=\"false\" is not supported)")
				}
			}
			if et == EventLink && len(found) == 1 {
				el.Link = strings.TrimSpace(c.Get("name"))
			}
		} else if c.Name.Local == "eventDefinitionRef" {
			found = append(found, EventUnspecified)
		}
	}
	switch {
	case len(found) == 1 && found[0] == EventUnspecified:
		el.EventType = EventUnspecified
		pb.kindReported[el] = true
		pb.problem(el.ID, "event definitions referenced with eventDefinitionRef are not supported; define the event definition inside the event")
	case len(found) == 1:
		el.EventType = found[0]
	case len(found) > 1:
		el.EventType = found[0]
		pb.kindReported[el] = true
		pb.problem(el.ID, "an event with more than one event definition is not supported")
	}
}

func (pb *processBuilder) loopCharacteristics(n *node, el *Element) {
	for _, c := range n.Children {
		switch {
		case c.Is(nsBPMN, "multiInstanceLoopCharacteristics"):
			pb.multiInst[el] = true
			pb.loop(el, c)
		case c.Is(nsBPMN, "standardLoopCharacteristics"):
			pb.problem(el.ID, "standard loop characteristics are not supported; use multi-instance instead")
		}
	}
}

func (pb *processBuilder) sequenceFlow(n *node, scope *Element) {
	f := &SequenceFlow{ID: n.Get("id"), Name: n.Get("name")}
	if f.ID == "" {
		pb.problem("", "a sequenceFlow in process '%s' has no id", pb.p.ID)
	} else if _, dup := pb.p.flows[f.ID]; !dup {
		pb.p.flows[f.ID] = f
	}
	pb.p.Flows = append(pb.p.Flows, f)
	pb.rawFlows = append(pb.rawFlows, rawFlow{flow: f, n: n, scope: scope})
	for _, c := range n.Children {
		if c.Is(nsBPMN, "conditionExpression") {
			f.Condition = pb.condition(f.ID, string(c.Text))
			break
		}
	}
}

// resolveFlows links each sequence flow to its source and target and derives
// the elements' incoming and outgoing flows from them.
func (pb *processBuilder) resolveFlows() {
	for _, rf := range pb.rawFlows {
		f := rf.flow
		f.Source = pb.flowEnd(rf, "sourceRef")
		f.Target = pb.flowEnd(rf, "targetRef")
		if f.Source != nil {
			f.Source.Outgoing = append(f.Source.Outgoing, f)
		}
		if f.Target != nil {
			f.Target.Incoming = append(f.Target.Incoming, f)
		}
	}
	for _, el := range pb.p.Elements { // document order, for stable problems
		ref, ok := pb.defaults[el]
		if !ok {
			continue
		}
		switch el.Type {
		case ElementExclusiveGateway, ElementInclusiveGateway:
		default:
			continue // BPMN allows a default on activities; Zeebe ignores it
		}
		f := pb.p.flows[ref]
		switch {
		case f == nil:
			pb.problem(el.ID, "the default flow '%s' is not a sequence flow of the process", ref)
		case f.Source != el:
			pb.problem(el.ID, "the default flow '%s' must start at the gateway", ref)
		default:
			el.Default = f
		}
	}
}

func (pb *processBuilder) flowEnd(rf rawFlow, attr string) *Element {
	ref, ok := rf.n.Attr(attr)
	ref = strings.TrimSpace(ref)
	if !ok || ref == "" {
		pb.problem(rf.flow.ID, "the sequence flow has no %s", attr)
		return nil
	}
	el := pb.p.elements[ref]
	if el == nil {
		pb.problem(rf.flow.ID, "the sequence flow's %s '%s' is not a flow node of process '%s'", attr, ref, pb.p.ID)
		return nil
	}
	if pb.scopes[el] != rf.scope {
		pb.problem(rf.flow.ID, "the sequence flow's %s '%s' is in another scope: a sequence flow cannot cross a sub-process boundary", attr, ref)
		return nil
	}
	return el
}

// messageRef resolves the message an element references. Catching elements other
// than start events need a correlation key; Zeebe checks both at deployment.
func (pb *processBuilder) messageRef(el *Element, ref string) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		pb.problem(el.ID, "the element must reference a message (messageRef)")
		return
	}
	def := pb.messages[ref]
	if def == nil {
		pb.problem(el.ID, "the referenced message '%s' is not defined", ref)
		return
	}
	m := &Message{ID: def.id}
	if strings.TrimSpace(def.name) == "" {
		pb.problem(el.ID, "the referenced message '%s' must have a name", ref)
	} else {
		m.Name = pb.field(el.ID, "message name", def.name)
	}
	if def.hasSubscription && strings.TrimSpace(def.correlationKey) != "" {
		m.CorrelationKey = pb.field(el.ID, "correlation key", def.correlationKey)
	}
	el.Message = m
}

// signalRef resolves the signal a signal event references.
func (pb *processBuilder) signalRef(el *Element, ref string) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		pb.problem(el.ID, "the element must reference a signal (signalRef)")
		return
	}
	name, ok := pb.signals[ref]
	if !ok {
		pb.problem(el.ID, "the referenced signal '%s' is not defined", ref)
		return
	}
	if strings.TrimSpace(name) == "" {
		pb.problem(el.ID, "the referenced signal '%s' must have a name", ref)
		return
	}
	s := &Signal{ID: ref, Name: pb.field(el.ID, "signal name", name)}
	if el.Type == ElementStartEvent && s.Name.IsExpression() {
		pb.problem(el.ID, "the name of signal '%s' must be static on a start event: its subscription opens at deployment", ref)
	}
	el.Signal = s
}

// timerDef reads a timer event's definition: exactly one of timeDuration, timeDate and
// timeCycle, which the event's kind must allow. A static value must parse.
func (pb *processBuilder) timerDef(el *Element, n *node) {
	var found []*Timer
	for _, c := range n.Children {
		var kind TimerKind
		switch {
		case c.Is(nsBPMN, "timeDuration"):
			kind = TimerDuration
		case c.Is(nsBPMN, "timeDate"):
			kind = TimerDate
		case c.Is(nsBPMN, "timeCycle"):
			kind = TimerCycle
		default:
			continue
		}
		text := strings.TrimSpace(string(c.Text))
		if text == "" {
			pb.problem(el.ID, "the timer's %s is empty", c.Name.Local)
			return
		}
		found = append(found, &Timer{Kind: kind, Value: pb.field(el.ID, "timer "+string(kind), text)})
	}
	if len(found) != 1 {
		pb.problem(el.ID, "a timer event must have exactly one of timeDuration, timeDate and timeCycle, but it has %d", len(found))
		return
	}
	t := found[0]
	switch {
	case el.Type == ElementIntermediateCatchEvent && t.Kind == TimerCycle:
		pb.problem(el.ID, "an intermediate timer catch event must have a timeDuration or a timeDate, not a timeCycle")
		return
	case el.Type == ElementBoundaryEvent && el.Interrupting && t.Kind == TimerCycle:
		pb.problem(el.ID, "an interrupting timer boundary event must have a timeDuration or a timeDate; a timeCycle needs cancelActivity=\"false\"")
		return
	}
	if !strings.HasPrefix(strings.TrimSpace(t.Value.Raw), "=") {
		if err := checkStaticTimer(t); err != nil {
			pb.problem(el.ID, "invalid timer %s: %v", t.Kind, err)
			return
		}
	}
	el.Timer = t
}

// errorRef resolves the error an error event references. A boundary event without one
// catches every error.
func (pb *processBuilder) errorRef(el *Element, ref string) {
	ref = strings.TrimSpace(ref)
	catching := el.Type == ElementBoundaryEvent || el.Type == ElementStartEvent
	if ref == "" {
		if catching {
			el.Error = &ErrorDef{CatchAll: true}
			return
		}
		pb.problem(el.ID, "the element must reference an error (errorRef)")
		return
	}
	code, ok := pb.errors[ref]
	if !ok {
		pb.problem(el.ID, "the referenced error '%s' is not defined", ref)
		return
	}
	if strings.TrimSpace(code) == "" {
		if catching {
			el.Error = &ErrorDef{CatchAll: true} // an error without a code catches every error, as in Zeebe
			return
		}
		pb.problem(el.ID, "the referenced error '%s' must have an errorCode", ref)
		return
	}
	el.Error = &ErrorDef{Code: code}
}

// attach links a boundary event to its activity.
func (pb *processBuilder) attach(el *Element, ref string) {
	ref = strings.TrimSpace(ref)
	act := pb.p.elements[ref]
	switch {
	case ref == "":
		pb.problem(el.ID, "a boundary event must be attached to an activity (attachedToRef)")
		return
	case act == nil:
		pb.problem(el.ID, "the boundary event is attached to '%s', which is not an element of the process", ref)
		return
	case !isActivity(act.Type):
		pb.problem(el.ID, "the boundary event is attached to '%s', which is not an activity", ref)
		return
	case act.Parent != el.Parent:
		pb.problem(el.ID, "the boundary event must be in the same scope as its activity '%s'", ref)
		return
	}
	if len(el.Incoming) > 0 {
		pb.problem(el.ID, "a boundary event must not have incoming sequence flows")
	}
	if len(el.Outgoing) == 0 && el.EventType != EventCompensation {
		pb.problem(el.ID, "a boundary event must have at least one outgoing sequence flow")
	}
	el.AttachedTo = act
	act.Boundaries = append(act.Boundaries, el)
}

func isActivity(t ElementType) bool {
	switch t {
	case ElementTask, ElementServiceTask, ElementReceiveTask, ElementUserTask, ElementManualTask, ElementScriptTask,
		ElementSendTask, ElementBusinessRuleTask, ElementCallActivity, ElementSubProcess:
		return true
	}
	return false
}

// loop reads a multi-instance activity's loop characteristics.
func (pb *processBuilder) loop(el *Element, n *node) {
	l := &Loop{Sequential: isTrue(n.Get("isSequential"))}
	found := false
	for _, c := range n.Children {
		switch {
		case c.Is(nsBPMN, "completionCondition"):
			body := strings.TrimSpace(string(c.Text))
			if body != "" {
				f := pb.field(el.ID, "completion condition", "="+strings.TrimPrefix(body, "="))
				l.CompletionCondition = &f
			}
		case c.Is(nsBPMN, "extensionElements"):
			for _, z := range c.Children {
				if !z.Is(nsZeebe, "loopCharacteristics") {
					continue
				}
				found = true
				in := strings.TrimSpace(z.Get("inputCollection"))
				if in == "" {
					pb.problem(el.ID, "the zeebe:loopCharacteristics must have an inputCollection expression")
				} else {
					if !strings.HasPrefix(in, "=") {
						pb.problem(el.ID, "the inputCollection '%s' must be an expression starting with '='", in)
					}
					l.InputCollection = pb.field(el.ID, "input collection", in)
				}
				l.InputElement = strings.TrimSpace(z.Get("inputElement"))
				l.OutputCollection = strings.TrimSpace(z.Get("outputCollection"))
				out := strings.TrimSpace(z.Get("outputElement"))
				if out != "" {
					l.OutputElement = pb.field(el.ID, "output element", out)
				}
				if (l.OutputCollection == "") != (out == "") {
					pb.problem(el.ID, "the zeebe:loopCharacteristics must have both outputCollection and outputElement, or neither")
				}
				for _, name := range []string{l.InputElement, l.OutputCollection} {
					if name != "" && !validPath(name) {
						pb.problem(el.ID, "'%s' is not a variable name", name)
					}
				}
			}
		}
	}
	if !found {
		pb.problem(el.ID, "a multi-instance activity must have a zeebe:loopCharacteristics with an inputCollection")
	}
	el.Loop = l
}

// escalationRef resolves the escalation an escalation event references. A catch event
// without one, or with one without a code, catches every escalation; a throw event needs
// a code.
func (pb *processBuilder) escalationRef(el *Element, ref string) {
	catching := el.Type == ElementBoundaryEvent || el.Type == ElementStartEvent
	ref = strings.TrimSpace(ref)
	code, ok := pb.escalations[ref]
	switch {
	case ref == "" || (ok && strings.TrimSpace(code) == ""):
		if catching {
			el.Escalation = &EscalationDef{CatchAll: true}
			return
		}
		pb.problem(el.ID, "the element must reference an escalation with an escalationCode")
	case !ok:
		pb.problem(el.ID, "the referenced escalation '%s' is not defined", ref)
	default:
		el.Escalation = &EscalationDef{Code: code}
	}
}

// linkEvents pairs each throw link event with the catch link event of the same name in
// its scope.
func (pb *processBuilder) linkEvents() {
	catches := map[*Element]map[string]*Element{}
	for _, el := range pb.p.Elements {
		if el.Type != ElementIntermediateCatchEvent || el.EventType != EventLink {
			continue
		}
		if el.Link == "" {
			pb.problem(el.ID, "a link event must have a name")
			continue
		}
		if catches[el.Parent] == nil {
			catches[el.Parent] = map[string]*Element{}
		}
		if other := catches[el.Parent][el.Link]; other != nil {
			pb.problem(el.ID, "the link name '%s' is used by the catch link events '%s' and '%s' of the same scope", el.Link, other.ID, el.ID)
			continue
		}
		catches[el.Parent][el.Link] = el
	}
	for _, el := range pb.p.Elements {
		if el.Type != ElementIntermediateThrowEvent || el.EventType != EventLink {
			continue
		}
		target := catches[el.Parent][el.Link]
		if target == nil {
			pb.problem(el.ID, "no catch link event named '%s' in the scope of the throw link event", el.Link)
			continue
		}
		el.LinkTarget = target
	}
}

// compensation links each compensation boundary event to its handler (by association),
// and each compensation throw event to the activity it names (if any).
func (pb *processBuilder) compensation() {
	for _, a := range pb.associations {
		src, dst := pb.p.elements[a[0]], pb.p.elements[a[1]]
		if src == nil || dst == nil || src.Type != ElementBoundaryEvent || src.EventType != EventCompensation {
			continue
		}
		if src.CompensationHandler != nil {
			pb.problem(src.ID, "a compensation boundary event must be associated with one compensation handler, but it has several")
			continue
		}
		src.CompensationHandler = dst
	}
	for _, el := range pb.p.Elements {
		if unsupported(kind{el.Type, el.EventType}) != "" {
			continue
		}
		switch {
		case el.Type == ElementBoundaryEvent && el.EventType == EventCompensation:
			h := el.CompensationHandler
			switch {
			case h == nil:
				pb.problem(el.ID, "a compensation boundary event must be associated with a compensation handler")
			case !h.ForCompensation:
				pb.problem(h.ID, "the compensation handler of '%s' must be marked isForCompensation=\"true\"", el.ID)
			case !isTask(h.Type):
				pb.problem(h.ID, "a compensation handler must be a task")
			}
			if len(el.Outgoing) > 0 {
				pb.problem(el.ID, "a compensation boundary event must not have outgoing sequence flows")
			}
			if el.AttachedTo != nil {
				el.AttachedTo.CompensationBoundary = el
			}
		case el.ForCompensation:
			if len(el.Incoming) > 0 || len(el.Outgoing) > 0 {
				pb.problem(el.ID, "a compensation handler must not have sequence flows")
			}
		case (el.Type == ElementIntermediateThrowEvent || el.Type == ElementEndEvent) && el.EventType == EventCompensation:
			if ref := pb.compensateRefs[el]; ref != "" {
				act := pb.p.elements[ref]
				if act == nil || act.Parent != el.Parent {
					pb.problem(el.ID, "the compensation throw event names the activity '%s', which is not an activity of its scope", ref)
					continue
				}
				el.CompensateActivity = act
			}
		}
	}
}

func isTask(t ElementType) bool {
	switch t {
	case ElementTask, ElementServiceTask, ElementReceiveTask, ElementUserTask, ElementManualTask, ElementScriptTask,
		ElementSendTask, ElementBusinessRuleTask:
		return true
	}
	return false
}
