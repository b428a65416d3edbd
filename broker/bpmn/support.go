package bpmn

import "strings"

// kind is what the engine has to know how to run: an element type together
// with the trigger of an event (EventUnspecified for non-events).
type kind struct {
	Type  ElementType
	Event EventType
}

// level says how far along support for a kind is.
type level int

const (
	// notInZeebe: Zeebe 8.3 rejects the kind too. Also the answer for any kind
	// missing from the table.
	notInZeebe level = iota
	// notYet: Zeebe 8.3 runs the kind; Weft parses it but does not run it yet.
	notYet
	// runs: the engine runs the kind.
	runs
)

// support is the one table of which kinds of element the engine runs. Parse
// rejects a process that uses any kind not marked runs, with one problem per
// element. Supporting a new kind in the engine means changing its line here
// to runs (and fully modelling its attributes in this package).
var support = map[kind]level{
	{ElementStartEvent, EventNone}:              runs,
	{ElementEndEvent, EventNone}:                runs,
	{ElementServiceTask, EventUnspecified}:      runs,
	{ElementExclusiveGateway, EventUnspecified}: runs,
	{ElementParallelGateway, EventUnspecified}:  runs,

	{ElementStartEvent, EventMessage}:    runs,
	{ElementStartEvent, EventTimer}:      runs,
	{ElementStartEvent, EventSignal}:     runs,
	{ElementStartEvent, EventError}:      runs, // event sub-processes only
	{ElementStartEvent, EventEscalation}: runs, // event sub-processes only

	{ElementIntermediateCatchEvent, EventMessage}: runs,
	{ElementIntermediateCatchEvent, EventTimer}:   runs,
	{ElementIntermediateCatchEvent, EventSignal}:  runs,
	{ElementIntermediateCatchEvent, EventLink}:    runs,

	{ElementIntermediateThrowEvent, EventNone}:       runs,
	{ElementIntermediateThrowEvent, EventMessage}:    runs,
	{ElementIntermediateThrowEvent, EventSignal}:     runs,
	{ElementIntermediateThrowEvent, EventEscalation}: runs,
	{ElementIntermediateThrowEvent, EventLink}:       runs,

	{ElementBoundaryEvent, EventMessage}:    runs,
	{ElementBoundaryEvent, EventTimer}:      runs,
	{ElementBoundaryEvent, EventError}:      runs,
	{ElementBoundaryEvent, EventSignal}:     runs,
	{ElementBoundaryEvent, EventEscalation}: runs,

	{ElementBoundaryEvent, EventCompensation}:          runs, // as Zeebe 8.5 runs it
	{ElementIntermediateThrowEvent, EventCompensation}: runs,
	{ElementEndEvent, EventCompensation}:               runs,
	{ElementEndEvent, EventError}:                      runs,
	{ElementEndEvent, EventMessage}:                    runs,
	{ElementEndEvent, EventTerminate}:                  runs,
	{ElementEndEvent, EventSignal}:                     runs,
	{ElementEndEvent, EventEscalation}:                 runs,

	{ElementTask, EventUnspecified}:              runs,
	{ElementUserTask, EventUnspecified}:          runs,
	{ElementManualTask, EventUnspecified}:        runs,
	{ElementReceiveTask, EventUnspecified}:       runs,
	{ElementScriptTask, EventUnspecified}:        runs,
	{ElementSendTask, EventUnspecified}:          runs,
	{ElementBusinessRuleTask, EventUnspecified}:  runs,
	{ElementCallActivity, EventUnspecified}:      runs,
	{ElementSubProcess, EventUnspecified}:        runs,
	{ElementEventSubProcess, EventUnspecified}:   runs,
	{ElementMultiInstanceBody, EventUnspecified}: runs,

	{ElementEventBasedGateway, EventUnspecified}: runs,
	{ElementInclusiveGateway, EventUnspecified}:  runs,
}

// unsupported returns the problem message for a kind the engine does not
// run, or "" when it runs it.
func unsupported(k kind) string {
	switch support[k] {
	case runs:
		return ""
	case notYet:
		return describe(k) + " is not supported yet"
	default:
		return describe(k) + " is not supported"
	}
}

// describe names a kind in words: "timer start event", "service task",
// "multi-instance body".
func describe(k kind) string {
	var words string
	switch k.Type {
	case ElementMultiInstanceBody:
		words = "multi-instance activity"
	case ElementSubProcess:
		words = "sub-process"
	case ElementEventSubProcess:
		words = "event sub-process"
	case ElementAdHocSubProcess:
		words = "ad-hoc sub-process"
	case ElementEventBasedGateway:
		words = "event-based gateway"
	default:
		words = strings.ToLower(strings.ReplaceAll(string(k.Type), "_", " "))
	}
	if k.Event != EventUnspecified {
		words = strings.ToLower(string(k.Event)) + " " + words
	}
	return words
}
