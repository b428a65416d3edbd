// Package dmn parses DMN 1.1 to 1.5 decision models and evaluates their
// decisions as Zeebe 8.3 does for business rule tasks and EvaluateDecision.
//
// [Parse] reads one .dmn resource into immutable [Definitions], rejecting a
// model that cannot run with a [ValidationError] that names every offending
// element. [Definitions.Evaluate] evaluates a decision and the decisions it
// requires, in dependency order, against variables given as JSON, and
// returns the decision's value with every evaluated decision (and, for
// decision tables, the evaluated inputs and matched rules), shaped like
// Zeebe's EvaluateDecision response. A decision that cannot produce a value
// (a UNIQUE table with two matching rules, a FEEL expression that fails)
// returns an [EvalError] naming it, which the engine turns into an incident.
//
// Expressions are FEEL, compiled and evaluated by broker/feel. Definitions
// may be evaluated from many goroutines at once.
package dmn
