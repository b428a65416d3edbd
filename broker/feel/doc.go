// Package feel implements the FEEL expression language (Friendly Enough
// Expression Language) as Zeebe 8.3 evaluates it through feel-scala 1.17:
// sequence-flow conditions, input and output mappings, job types and retries.
//
// An expression is compiled once with [Compile] and evaluated many times with
// [Expression.Evaluate] against [Variables] that hand out raw JSON. A result
// is a [Value]; [ToJSON] turns it back into JSON, byte for byte the same for
// the same inputs.
//
// Evaluation follows feel-scala's lenient rules: an unknown variable or
// function, a missing context entry, an argument of the wrong type or a
// comparison of values of different types yields null rather than an error.
// Numbers are exact decimals rounded to 34 significant digits, as Java's
// DECIMAL128 does, so 0.1 + 0.2 is exactly 0.3.
//
// The values include dates, times, dates and times and durations (written
// to JSON as strings in Java's toString form, as Zeebe does), ranges and
// function values. [CompileUnaryTests] compiles the unary tests of DMN
// decision table cells.
//
// now() and today() read a [Clock], and uuid() and random number() a
// [RandomSource], that the caller passes with the variables ([WithClock],
// [WithRandom]); a replicated engine must pass the same ones on every
// replica, or not rely on these functions.
//
// A compiled [Expression] or [UnaryTests] is immutable and may be evaluated
// from many goroutines at once.
package feel
