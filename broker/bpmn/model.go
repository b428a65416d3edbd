package bpmn

import (
	"sync"

	"github.com/weftlabs/weft/broker/feel"
)

// ElementType names a kind of BPMN element with Zeebe's BpmnElementType
// names, so records and the engine speak the same words as Zeebe.
type ElementType string

// Element types. The names are Zeebe's, except ComplexGateway, Transaction
// and AdHocSubProcess, which Zeebe 8.3 has no record type for because it
// never runs them; Weft names them only to reject them with a clear message.
const (
	ElementProcess                ElementType = "PROCESS"
	ElementSubProcess             ElementType = "SUB_PROCESS"
	ElementEventSubProcess        ElementType = "EVENT_SUB_PROCESS"
	ElementAdHocSubProcess        ElementType = "AD_HOC_SUB_PROCESS"
	ElementTransaction            ElementType = "TRANSACTION"
	ElementStartEvent             ElementType = "START_EVENT"
	ElementIntermediateCatchEvent ElementType = "INTERMEDIATE_CATCH_EVENT"
	ElementIntermediateThrowEvent ElementType = "INTERMEDIATE_THROW_EVENT"
	ElementBoundaryEvent          ElementType = "BOUNDARY_EVENT"
	ElementEndEvent               ElementType = "END_EVENT"
	ElementTask                   ElementType = "TASK"
	ElementServiceTask            ElementType = "SERVICE_TASK"
	ElementReceiveTask            ElementType = "RECEIVE_TASK"
	ElementUserTask               ElementType = "USER_TASK"
	ElementManualTask             ElementType = "MANUAL_TASK"
	ElementScriptTask             ElementType = "SCRIPT_TASK"
	ElementSendTask               ElementType = "SEND_TASK"
	ElementBusinessRuleTask       ElementType = "BUSINESS_RULE_TASK"
	ElementCallActivity           ElementType = "CALL_ACTIVITY"
	ElementExclusiveGateway       ElementType = "EXCLUSIVE_GATEWAY"
	ElementParallelGateway        ElementType = "PARALLEL_GATEWAY"
	ElementEventBasedGateway      ElementType = "EVENT_BASED_GATEWAY"
	ElementInclusiveGateway       ElementType = "INCLUSIVE_GATEWAY"
	ElementComplexGateway         ElementType = "COMPLEX_GATEWAY"
	ElementSequenceFlow           ElementType = "SEQUENCE_FLOW"
	ElementMultiInstanceBody      ElementType = "MULTI_INSTANCE_BODY"
)

// EventType names the trigger of an event with Zeebe's BpmnEventType names.
// Elements that are not events have EventUnspecified.
type EventType string

// Event types. EventConditional and EventCancel have no Zeebe 8.3 name; Weft
// names them only to reject them with a clear message.
const (
	EventUnspecified  EventType = "UNSPECIFIED"
	EventNone         EventType = "NONE"
	EventMessage      EventType = "MESSAGE"
	EventTimer        EventType = "TIMER"
	EventError        EventType = "ERROR"
	EventSignal       EventType = "SIGNAL"
	EventEscalation   EventType = "ESCALATION"
	EventTerminate    EventType = "TERMINATE"
	EventLink         EventType = "LINK"
	EventCompensation EventType = "COMPENSATION"
	EventConditional  EventType = "CONDITIONAL"
	EventCancel       EventType = "CANCEL"
)

// Definitions is one parsed and validated BPMN resource: its executable
// processes in document order. Non-executable processes (pools of other
// participants, documentation) are left out because they are never deployed.
type Definitions struct {
	Processes []*Process
}

// Process is one executable process with every flow element it contains,
// nested ones included.
type Process struct {
	ID, Name string
	// Elements holds every flow node, nested ones included, in document
	// order: a sub-process comes before the elements inside it.
	Elements []*Element
	// Flows holds every sequence flow, nested ones included, in document order.
	Flows []*SequenceFlow
	// NoneStart is the process-level none start event; nil when the process
	// starts only through other start events.
	NoneStart *Element
	// SignalStarts are the process-level signal start events, in document order.
	SignalStarts []*Element
	// TimerStarts are the process-level timer start events, in document order.
	TimerStarts []*Element
	// MessageStarts are the process-level message start events, in document order.
	MessageStarts []*Element
	// EventSubProcesses are the event sub-processes at process level.
	EventSubProcesses []*Element
	// HasInclusiveJoin is set when an inclusive gateway of the process joins flows.
	HasInclusiveJoin bool

	elements map[string]*Element
	flows    map[string]*SequenceFlow

	// reach memoizes CanReach: the elements each element can reach.
	reachOnce sync.Once
	reachMu   sync.Mutex
	reach     map[*Element]map[*Element]bool
}

// Element returns the flow node with the given id, or nil if the process has none.
func (p *Process) Element(id string) *Element {
	return p.elements[id]
}

// Flow returns the sequence flow with the given id, or nil if the process has none.
func (p *Process) Flow(id string) *SequenceFlow {
	return p.flows[id]
}

// Element is one flow node of a process: an event, activity or gateway.
type Element struct {
	ID, Name  string
	Type      ElementType
	EventType EventType
	// Parent is the enclosing sub-process, nil at process level.
	Parent *Element
	// Incoming and Outgoing are derived from the sequence flows' sourceRef
	// and targetRef, in the flows' document order; the <incoming> and
	// <outgoing> children that modelers write are not read.
	Incoming, Outgoing []*SequenceFlow
	// Default is the default flow of an exclusive or inclusive gateway.
	Default *SequenceFlow
	// JobType is zeebe:taskDefinition's type; zero when the element has no
	// task definition.
	JobType feel.Field
	// JobRetries is zeebe:taskDefinition's retries, "3" when not written.
	JobRetries feel.Field
	// Headers are zeebe:taskHeaders' entries in document order.
	Headers []Header
	// Inputs and Outputs are zeebe:ioMapping's entries in document order.
	Inputs, Outputs []Mapping
	// Message is the message a message event or receive task waits for or throws;
	// nil for other elements.
	Message *Message
	// Signal is the signal a signal event waits for or broadcasts; nil for other
	// elements.
	Signal *Signal
	// Timer is a timer event's definition; nil for other elements.
	Timer *Timer
	// Error is an error event's definition; nil for other elements.
	Error *ErrorDef
	// Escalation is an escalation event's definition; nil for other elements.
	Escalation *EscalationDef
	// Link is a link event's name; empty for other elements.
	Link string
	// LinkTarget is the catch link event a throw link event leads to.
	LinkTarget *Element
	// AttachedTo is the activity a boundary event is attached to; nil for other elements.
	AttachedTo *Element
	// Interrupting is false for a non-interrupting boundary event (cancelActivity="false")
	// and a non-interrupting start event of an event sub-process (isInterrupting="false");
	// true for every other element.
	Interrupting bool
	// Boundaries are the boundary events attached to an activity, in document order.
	Boundaries []*Element
	// ForCompensation marks a compensation handler (isForCompensation="true"): it runs
	// only when a compensation throw event compensates the activity it belongs to.
	ForCompensation bool
	// CompensationHandler is the handler a compensation boundary event is associated with.
	CompensationHandler *Element
	// CompensationBoundary is an activity's compensation boundary event, nil for none.
	CompensationBoundary *Element
	// CompensateActivity is the activity a compensation throw event names (activityRef);
	// nil to compensate every completed activity of its scope.
	CompensateActivity *Element
	// Start is the start event of a sub-process: the none start event of an embedded
	// one, the event's start event of an event sub-process.
	Start *Element
	// EventSubProcesses are the event sub-processes directly inside a sub-process.
	EventSubProcesses []*Element
	// Script is a script task's zeebe:script: a FEEL expression and the variable that
	// takes its result; nil when the task is job-based (zeebe:taskDefinition).
	Script *Script
	// Loop is a multi-instance activity's loop characteristics; nil for other elements.
	Loop *Loop
	// Decision is a business rule task's zeebe:calledDecision; nil for other elements.
	Decision *CalledDecision
	// Called is a call activity's zeebe:calledElement; nil for other elements.
	Called *Called
	// Assignment is a user task's zeebe:assignmentDefinition and related attributes,
	// handed to job workers as headers; nil for other elements.
	Assignment *Assignment
}

// Called is what a call activity calls: the BPMN process id of the process (static or
// an expression), and whether all variables flow into the child instance and back.
type Called struct {
	ProcessID                   feel.Field
	PropagateAllChildVariables  bool
	PropagateAllParentVariables bool
}

// Loop is a multi-instance activity's bpmn:multiInstanceLoopCharacteristics with its
// zeebe:loopCharacteristics: the activity runs once per item of the input collection,
// one after the other or all at once.
type Loop struct {
	Sequential bool
	// InputCollection is an expression that gives the list of items.
	InputCollection feel.Field
	// InputElement names the variable that holds an instance's item; empty for none.
	InputElement string
	// OutputCollection names the variable that collects the instances' output elements;
	// empty for none.
	OutputCollection string
	// OutputElement is an expression evaluated in each instance as it completes.
	OutputElement feel.Field
	// CompletionCondition ends the activity early when true; nil for none.
	CompletionCondition *feel.Field
}

// CalledDecision is the DMN decision a business rule task evaluates (its id static or
// an expression) and the variable that takes the result.
type CalledDecision struct {
	DecisionID     feel.Field
	ResultVariable string
}

// Script is a FEEL script of a script task.
type Script struct {
	Expression     feel.Field
	ResultVariable string
}

// Assignment is what a user task tells its job worker (a task list) besides headers:
// zeebe:assignmentDefinition's assignee, candidate groups and users, the form key of
// zeebe:formDefinition, and zeebe:taskSchedule's due and follow-up dates. Each is
// static or an expression; empty when not written.
type Assignment struct {
	Assignee, CandidateGroups, CandidateUsers feel.Field
	FormKey                                   string
	DueDate, FollowUpDate                     feel.Field
}

// TimerKind says how a timer event's definition reads.
type TimerKind string

// Timer definition kinds.
const (
	TimerDuration TimerKind = "duration" // timeDuration: ISO 8601 duration
	TimerDate     TimerKind = "date"     // timeDate: ISO 8601 date-time
	TimerCycle    TimerKind = "cycle"    // timeCycle: repeating interval or cron expression
)

// Timer is a timer event's definition: its kind and value, static or an expression
// that gives the text (or, for durations and dates, a FEEL duration or date-time).
type Timer struct {
	Kind  TimerKind
	Value feel.Field
}

// EscalationDef is an escalation event's definition: the code it throws or catches. A
// catch event without a code catches every escalation.
type EscalationDef struct {
	Code     string
	CatchAll bool
}

// ErrorDef is an error event's definition: the error code it throws or catches. A
// catch event without a code (no errorRef) catches every error.
type ErrorDef struct {
	Code     string
	CatchAll bool
}

// Signal is a bpmn:signal that an element references: its name, static or an
// expression (a start event's name must be static: its subscription opens at
// deployment, when there are no variables).
type Signal struct {
	ID   string
	Name feel.Field
}

// Message is a bpmn:message that an element references: its name (static or an
// expression) and zeebe:subscription's correlation key, an expression evaluated when
// an element starts to wait for the message.
type Message struct {
	ID             string
	Name           feel.Field
	CorrelationKey feel.Field
}

// Header is one zeebe:header of a task: a static key and value handed to
// the job worker.
type Header struct {
	Key, Value string
}

// Mapping is one zeebe:input or zeebe:output entry. Source is an expression
// ("=a.b") or a static value; Target is a variable name or a dotted path
// ("a.b") that receives the result.
type Mapping struct {
	Source feel.Field
	Target string
}

// SequenceFlow connects two flow nodes of the same scope.
type SequenceFlow struct {
	ID, Name       string
	Source, Target *Element
	// Condition is the flow's conditionExpression, nil when it has none. The
	// body is an expression whether or not it starts with '=', as in Zeebe;
	// Raw always carries the leading '='.
	Condition *feel.Field
}

// CanReach reports whether a token at from can reach to by sequence flows of their
// scope, also through the boundary events attached to the elements on the way. An
// element reaches itself only through a cycle.
func (p *Process) CanReach(from, to *Element) bool {
	p.reachOnce.Do(func() { p.reach = map[*Element]map[*Element]bool{} })
	p.reachMu.Lock()
	defer p.reachMu.Unlock()
	set, ok := p.reach[from]
	if !ok {
		set = map[*Element]bool{}
		var stack []*Element
		push := func(el *Element) {
			for _, f := range el.Outgoing {
				if t := f.Target; t != nil && !set[t] {
					set[t] = true
					stack = append(stack, t)
				}
			}
			for _, b := range el.Boundaries {
				if !set[b] {
					set[b] = true
					stack = append(stack, b)
				}
			}
		}
		push(from)
		for len(stack) > 0 {
			el := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			push(el)
		}
		p.reach[from] = set
	}
	return set[to]
}
