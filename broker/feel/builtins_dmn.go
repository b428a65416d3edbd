package feel

import (
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// dmnBuiltins replace or add built-ins under the DMN dialect, where DMN 1.5
// and its TCK define a function differently from feel-scala 1.17. A name
// here hides the feel-scala overloads of the same name.
var dmnBuiltins = map[string][]builtin{
	// Strings count code points, not UTF-16 units.
	"string length": {stringBuiltin(func(s string) Value {
		return IntNumber(int64(utf8.RuneCountInString(s)))
	})},
	"substring": {
		{params: []string{"string", "start position"}, invoke: func(args []Value) Value {
			s, ok := args[0].(String)
			start, ok2 := intArg(args[1])
			if !ok || !ok2 {
				return Null{}
			}
			r := []rune(string(s))
			from := listSliceIndex(len(r), start)
			return substringRunes(r, from, int64(len(r)))
		}},
		{params: []string{"string", "start position", "length"}, invoke: func(args []Value) Value {
			s, ok := args[0].(String)
			start, ok2 := intArg(args[1])
			length, ok3 := intArg(args[2])
			if !ok || !ok2 || !ok3 {
				return Null{}
			}
			r := []rune(string(s))
			from := listSliceIndex(len(r), start)
			return substringRunes(r, from, from+length)
		}},
	},
	"abs": {absBuiltin("n")},
	"get value": {
		contextBuiltins["get value"][0],
		{params: []string{"m", "key"}, invoke: contextBuiltins["get value"][0].invoke},
	},
	"get entries": {
		contextBuiltins["get entries"][0],
		{params: []string{"m"}, invoke: contextBuiltins["get entries"][0].invoke},
	},
	"context put": {
		{params: []string{"context", "key", "value"}, positional: true, invoke: contextBuiltins["context put"][0].invoke},
		{params: []string{"context", "key", "value"}, invoke: func(args []Value) Value {
			c, ok := args[0].(*Context)
			k, ok2 := args[1].(String)
			if !ok || !ok2 {
				return Null{}
			}
			return withEntry(c, string(k), args[2])
		}},
		{params: []string{"context", "keys", "value"}, invoke: func(args []Value) Value {
			c, ok := args[0].(*Context)
			k, ok2 := args[1].(List)
			if !ok || !ok2 {
				return Null{}
			}
			return putPath(c, k, args[2])
		}},
	},
	"context merge": {{params: []string{"contexts"}, variadic: true, invoke: func(args []Value) Value {
		return mergeContexts([]Value{asList(args[0])})
	}}},
	"context": {{params: []string{"entries"}, invoke: func(args []Value) Value {
		c := &Context{}
		list, ok := asList(args[0]).(List)
		if !ok {
			return Null{}
		}
		for _, item := range list {
			e, ok := item.(*Context)
			if !ok {
				return Null{}
			}
			k, ok := e.Get("key")
			ks, ok2 := k.(String)
			v, ok3 := e.Get("value")
			if !ok || !ok2 || !ok3 {
				return Null{}
			}
			if _, dup := c.Get(string(ks)); dup {
				return Null{}
			}
			c.put(string(ks), v)
		}
		return c
	}}},
	"string join": {
		{params: []string{"list"}, invoke: func(args []Value) Value {
			return joinStrings(asList(args[0]), String(""), String(""), String(""))
		}},
		{params: []string{"list", "delimiter"}, invoke: func(args []Value) Value {
			return joinStrings(asList(args[0]), orEmpty(args[1]), String(""), String(""))
		}},
		{params: []string{"list", "delimiter", "prefix", "suffix"}, invoke: func(args []Value) Value {
			return joinStrings(asList(args[0]), orEmpty(args[1]), orEmpty(args[2]), orEmpty(args[3]))
		}},
	},
	"decimal":         {dmnRounding(roundHalfEven)},
	"round up":        {dmnRounding(roundUp)},
	"round down":      {dmnRounding(roundDown)},
	"round half up":   {dmnRounding(roundHalfUp)},
	"round half down": {dmnRounding(roundHalfDown)},
	"range":           {{params: []string{"from"}, withEval: builtinRange}},
	"list replace": {
		{params: []string{"list", "position", "newItem"}, withEval: builtinListReplace},
		{params: []string{"list", "match", "newItem"}, withEval: builtinListReplace},
	},
	"matches": {
		{params: []string{"input", "pattern"}, invoke: func(args []Value) Value {
			return xsdMatches(args[0], args[1], String(""))
		}},
		{params: []string{"input", "pattern", "flags"}, invoke: func(args []Value) Value {
			return xsdMatches(args[0], args[1], args[2])
		}},
	},
	"replace": {
		{params: []string{"input", "pattern", "replacement"}, invoke: func(args []Value) Value {
			return xsdReplace(args[0], args[1], args[2], String(""))
		}},
		{params: []string{"input", "pattern", "replacement", "flags"}, invoke: func(args []Value) Value {
			return xsdReplace(args[0], args[1], args[2], args[3])
		}},
	},
}

// overloads returns the built-in's overloads in the evaluation's dialect.
func (ev *evaluator) overloads(name string) []builtin {
	if ev.dmn() {
		if b, ok := dmnBuiltins[name]; ok {
			return b
		}
	}
	return builtins[name]
}

// asList is DMN's coercion of a value to a list: a list stays, null stays
// null, anything else becomes a one-item list.
func asList(v Value) Value {
	switch v.(type) {
	case List, Null:
		return v
	}
	if v == nil {
		return Null{}
	}
	return List{v}
}

// substringRunes is substring over code points: out of range is null.
func substringRunes(r []rune, from, until int64) Value {
	if from < 0 || until > int64(len(r)) || from > until {
		return Null{}
	}
	return String(string(r[from:until]))
}

// The scales of DMN's rounding functions are those of an IEEE 754
// decimal128: from -6111 to 6176.
const (
	minDMNScale = -6111
	maxDMNScale = 6176
)

func dmnRounding(mode apd.Rounder) builtin {
	return builtin{params: []string{"n", "scale"}, invoke: func(args []Value) Value {
		n, ok := args[0].(Number)
		scale, ok2 := intArg(args[1])
		if !ok || !ok2 || scale < minDMNScale || scale > maxDMNScale {
			return Null{}
		}
		return numberOrNull(roundScale(n, scale, mode))
	}}
}

// builtinListReplace is list replace(list, position, newItem), which
// replaces the item at a position (1-based, negative from the end, the
// fraction dropped), and list replace(list, match, newItem), which
// replaces every item for which match(item, newItem) is true.
func builtinListReplace(ev *evaluator, args []Value) (Value, error) {
	list, ok := asList(args[0]).(List)
	if !ok {
		return Null{}, nil
	}
	switch sel := args[1].(type) {
	case Number:
		pos, ok := intArg(sel)
		if !ok || pos == 0 || pos > int64(len(list)) || -pos > int64(len(list)) {
			return Null{}, nil
		}
		out := append(List{}, list...)
		out[listSliceIndex(len(list), pos)] = args[2]
		return out, nil
	case *Function:
		out := make(List, len(list))
		for i, item := range list {
			keep, err := ev.callFunction(sel, item, args[2])
			if err != nil {
				return nil, err
			}
			b, isBool := keep.(Bool)
			if !isBool {
				return Null{}, nil
			}
			if b {
				out[i] = args[2]
			} else {
				out[i] = item
			}
		}
		return out, nil
	}
	return Null{}, nil
}

// builtinRange is DMN 1.5's range(from): a range literal written as a
// string, "[1..10]", "(@\"2020-01-01\"..@\"2021-01-01\"]". Its bounds must be
// literals or a date, time or duration constructor of a string literal;
// bounds of different kinds, a start after the end or anything else is null.
func builtinRange(ev *evaluator, args []Value) (Value, error) {
	s, ok := args[0].(String)
	if !ok || len(s) > maxRangeSource {
		return Null{}, nil
	}
	root, err := parse(string(s), DMN)
	if err != nil {
		return Null{}, nil
	}
	r, ok := root.(*rangeNode)
	if !ok || !rangeBoundLiteral(r.start) || !rangeBoundLiteral(r.end) {
		return Null{}, nil
	}
	sub := &evaluator{src: string(s), dialect: DMN}
	v, evalErr := r.eval(sub, nil)
	if evalErr != nil {
		return Null{}, nil
	}
	rv, ok := v.(Range)
	if !ok {
		return Null{}, nil
	}
	if c, ok := orderOf(rv.Start, rv.End); !ok || c > 0 {
		return Null{}, nil
	}
	return rv, nil
}

// maxRangeSource bounds the string range() parses.
const maxRangeSource = 4096

// rangeBoundLiteral admits a literal or a temporal constructor of a string
// literal as a bound of range().
func rangeBoundLiteral(n node) bool {
	switch x := n.(type) {
	case *literalNode:
		return true
	case *callNode:
		switch x.name {
		case "date", "time", "date and time", "duration", "years and months duration":
		default:
			return false
		}
		if len(x.args) != 1 || x.argNames != nil {
			return false
		}
		lit, ok := x.args[0].(*literalNode)
		if !ok {
			return false
		}
		_, isString := lit.value.(String)
		return isString
	}
	return false
}
