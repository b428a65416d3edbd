package feel

import (
	"sort"
	"strings"
)

// builtin is one overload of a built-in function.
type builtin struct {
	params []string
	invoke func(args []Value) Value
	// variadic collects the positional arguments from the last parameter on
	// into one list, as feel-scala's varargs functions do. When the only
	// parameter is variadic and the call passes a single list, that list is
	// used as it is: min([1, 2]) and min(1, 2) are the same.
	variadic bool
	// fail, when set, replaces invoke for functions that can fail the whole
	// evaluation (assert): a non-empty message becomes an EvalError.
	fail func(args []Value) (Value, string)
	// withEval, when set, replaces invoke for functions that need the
	// evaluation: its clock, its random source, or calling a function value.
	withEval func(ev *evaluator, args []Value) (Value, error)
	// positional marks an overload only positional calls use.
	positional bool
}

// builtins holds the functions implemented so far, by name, each with its
// overloads in the order they are tried.
var builtins = func() map[string][]builtin {
	m := map[string][]builtin{}
	for _, group := range []map[string][]builtin{coreBuiltins, listBuiltins, stringBuiltins, numericBuiltins, contextBuiltins, temporalBuiltins, rangeBuiltins, moreBuiltins} {
		for name, overloads := range group {
			m[name] = overloads
		}
	}
	return m
}()

var coreBuiltins = map[string][]builtin{
	"not": {{params: []string{"negand"}, invoke: builtinNot}},
	"is defined": {{params: []string{"value"}, invoke: func(args []Value) Value {
		return Bool(args[0].Kind() != KindNull)
	}}},
	"string": {{params: []string{"from"}, invoke: builtinString}},
	"number": {
		{params: []string{"from"}, invoke: func(args []Value) Value {
			return numberFrom(args[0], Null{}, Null{})
		}},
		{params: []string{"from", "grouping separator"}, invoke: func(args []Value) Value {
			if args[1].Kind() == KindNull {
				return Null{}
			}
			return numberFrom(args[0], args[1], Null{})
		}},
		{params: []string{"from", "grouping separator", "decimal separator"}, invoke: func(args []Value) Value {
			return numberFrom(args[0], args[1], args[2])
		}},
	},
}

// knownFunctions are FEEL's built-in functions (DMN and feel-scala 1.17).
// Calling one that builtins does not implement yet is a compile error rather
// than a silent null: the caller learns at deployment that the expression
// would not behave as in Zeebe. A name in neither list is a user's unknown
// function, which FEEL evaluates to null.
var knownFunctions = []string{
	// conversion
	"date", "date and time", "time", "number", "string", "duration",
	"years and months duration",
	// boolean and context
	"not", "is defined", "get or else", "assert", "get value", "get entries",
	"put", "put all", "context", "context put", "context merge",
	// string
	"substring", "string length", "upper case", "lower case",
	"substring before", "substring after", "replace", "contains",
	"starts with", "ends with", "matches", "split", "extract", "trim", "uuid",
	"to base64", "string join",
	// list
	"list contains", "count", "min", "max", "sum", "product", "mean",
	"median", "stddev", "mode", "and", "all", "or", "any", "sublist", "append",
	"concatenate", "insert before", "remove", "reverse", "index of", "union",
	"distinct values", "duplicate values", "flatten", "sort", "is empty",
	"partition",
	// numeric
	"decimal", "floor", "ceiling", "round up", "round down", "round half up",
	"round half down", "abs", "modulo", "sqrt", "log", "exp", "odd", "even",
	"random number",
	// range
	"before", "after", "meets", "met by", "overlaps", "overlaps before",
	"overlaps after", "finishes", "finished by", "includes", "during",
	"starts", "started by", "coincides",
	// temporal
	"day of year", "week of year", "day of week", "month of year",
	"last day of month", "now", "today", "is",
}

var knownFunctionSet = func() map[string]bool {
	m := make(map[string]bool, len(knownFunctions))
	for _, name := range knownFunctions {
		m[name] = true
	}
	return m
}()

// multiWordFunctionNames lists the known names that contain spaces, which
// the parser must join from several words. Sorted, so matching never depends
// on map order.
var multiWordFunctionNames = func() []string {
	var names []string
	for _, name := range knownFunctions {
		if strings.Contains(name, " ") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}()

func isKnownFunction(name string) bool { return knownFunctionSet[name] }

func isImplemented(name string) bool {
	_, ok := builtins[name]
	return ok
}

// findBuiltin picks the overload for a call. Positional arguments select by
// count; named arguments select the first overload that has every name, and
// its other parameters are null. No match means the call is null.
func findBuiltin(overloads []builtin, argNames []string, argc int) (builtin, []int, bool) {
	if argNames == nil {
		for _, b := range overloads {
			if len(b.params) == argc || (b.variadic && argc >= len(b.params)) {
				return b, nil, true
			}
		}
		return builtin{}, nil, false
	}
next:
	for _, b := range overloads {
		if b.positional {
			continue
		}
		// slots[i] is the parameter position of argument i.
		slots := make([]int, len(argNames))
		used := make([]bool, len(b.params))
		for i, an := range argNames {
			pos := -1
			for j, pn := range b.params {
				if pn == an {
					pos = j
					break
				}
			}
			if pos < 0 || used[pos] {
				continue next
			}
			used[pos] = true
			slots[i] = pos
		}
		return b, slots, true
	}
	return builtin{}, nil, false
}

func builtinNot(args []Value) Value {
	if b, ok := args[0].(Bool); ok {
		return !b
	}
	return Null{}
}

func builtinString(args []Value) Value {
	switch v := args[0].(type) {
	case Null:
		return Null{}
	case String:
		return v
	default:
		return String(v.String())
	}
}

// numberFrom converts a string to a number, removing a grouping separator
// (" ", "," or ".") and reading a decimal separator ("," or "."), either of
// which may be null. Anything unreadable is null.
func numberFrom(from, grouping, decimal Value) Value {
	s, ok := from.(String)
	if !ok {
		return Null{}
	}
	text := string(s)
	if g, ok := grouping.(String); ok {
		if g != " " && g != "," && g != "." {
			return Null{}
		}
		if d, ok := decimal.(String); ok && d == g {
			return Null{}
		}
		text = strings.ReplaceAll(text, string(g), "")
	} else if grouping.Kind() != KindNull {
		return Null{}
	}
	if d, ok := decimal.(String); ok {
		if d != "," && d != "." {
			return Null{}
		}
		text = strings.ReplaceAll(text, string(d), ".")
	} else if decimal.Kind() != KindNull {
		return Null{}
	}
	n, err := ParseNumber(text)
	if err != nil {
		return Null{}
	}
	return n
}
