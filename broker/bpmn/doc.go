// Package bpmn reads BPMN 2.0 XML, as the Camunda Modeler writes it for
// Zeebe, into the executable model the engine runs.
//
// [Parse] reads one deployment resource. It matches elements by namespace,
// never by prefix, reads the Zeebe extension elements (task definitions,
// task headers, input and output mappings), compiles every expression with
// package feel, and checks the rules Zeebe 8.3 checks at deployment. It
// rejects, with a [ValidationError] that names every offending element,
// both what Zeebe would reject and what the engine does not run yet: the
// kinds of element the engine runs are listed in one table, support, in
// support.go.
//
// Every flow node is parsed, whether the engine runs it or not, so ids,
// types and sequence flows are known for all of them. Sequence flows'
// sourceRef and targetRef are the truth about how elements connect; the
// <incoming> and <outgoing> children that modelers also write are not read.
//
// The diagram (BPMNDiagram) and other vendors' extensions are skipped
// unread. Input is bounded: a resource larger than 16 MiB, nested deeper
// than 256 elements or holding more than 500,000 BPMN elements is refused
// with [ErrTooLarge]. Parse never panics.
package bpmn
