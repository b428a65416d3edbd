package feel

import (
	"sort"
)

// List functions, as feel-scala 1.17 defines them. Arguments of the wrong
// type make the result null.
var listBuiltins = map[string][]builtin{
	"list contains": {{params: []string{"list", "element"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return Bool(indexOfValue(list, args[1], 0) >= 0)
	}}},
	"count": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return IntNumber(int64(len(list)))
	}}},
	"min":     {{params: []string{"list"}, variadic: true, invoke: func(args []Value) Value { return extreme(args[0], -1) }}},
	"max":     {{params: []string{"list"}, variadic: true, invoke: func(args []Value) Value { return extreme(args[0], 1) }}},
	"sum":     {{params: []string{"list"}, variadic: true, invoke: builtinSum}},
	"product": {{params: []string{"list"}, variadic: true, invoke: builtinProduct}},
	"mean":    {{params: []string{"list"}, variadic: true, invoke: builtinMean}},
	"median":  {{params: []string{"list"}, variadic: true, invoke: builtinMedian}},
	"and":     {{params: []string{"list"}, variadic: true, invoke: builtinAll}},
	"all":     {{params: []string{"list"}, variadic: true, invoke: builtinAll}},
	"or":      {{params: []string{"list"}, variadic: true, invoke: builtinAny}},
	"any":     {{params: []string{"list"}, variadic: true, invoke: builtinAny}},
	"sublist": {
		{params: []string{"list", "start position"}, invoke: func(args []Value) Value {
			list, ok := args[0].(List)
			start, ok2 := intArg(args[1])
			if !ok || !ok2 {
				return Null{}
			}
			from := listSliceIndex(len(list), start)
			return sliceList(list, from, int64(len(list)))
		}},
		{params: []string{"list", "start position", "length"}, invoke: func(args []Value) Value {
			list, ok := args[0].(List)
			start, ok2 := intArg(args[1])
			length, ok3 := intArg(args[2])
			if !ok || !ok2 || !ok3 {
				return Null{}
			}
			from := listSliceIndex(len(list), start)
			return sliceList(list, from, from+length)
		}},
	},
	"append": {{params: []string{"list", "items"}, variadic: true, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		items, _ := args[1].(List)
		out := make(List, 0, len(list)+len(items))
		return append(append(out, list...), items...)
	}}},
	"concatenate": {{params: []string{"lists"}, variadic: true, invoke: func(args []Value) Value {
		lists, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return joinLists(lists)
	}}},
	"insert before": {{params: []string{"list", "position", "newItem"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		pos, ok2 := intArg(args[1])
		if !ok || !ok2 {
			return Null{}
		}
		at := clampIndex(listSliceIndex(len(list), pos), len(list))
		out := make(List, 0, len(list)+1)
		out = append(out, list[:at]...)
		out = append(out, args[2])
		return append(out, list[at:]...)
	}}},
	"remove": {{params: []string{"list", "position"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		pos, ok2 := intArg(args[1])
		if !ok || !ok2 {
			return Null{}
		}
		// As feel-scala: take(index(pos)) ++ drop(index(pos + 1)).
		take := clampIndex(listSliceIndex(len(list), pos), len(list))
		drop := clampIndex(listSliceIndex(len(list), pos+1), len(list))
		out := append(List{}, list[:take]...)
		return append(out, list[drop:]...)
	}}},
	"reverse": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		out := make(List, len(list))
		for i, v := range list {
			out[len(list)-1-i] = v
		}
		return out
	}}},
	"index of": {{params: []string{"list", "match"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		out := List{}
		for i := indexOfValue(list, args[1], 0); i >= 0; i = indexOfValue(list, args[1], i+1) {
			out = append(out, IntNumber(int64(i+1)))
		}
		return out
	}}},
	"union": {{params: []string{"lists"}, variadic: true, invoke: func(args []Value) Value {
		lists, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return distinct(joinLists(lists))
	}}},
	"distinct values": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return distinct(list)
	}}},
	"flatten": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return flattenList(List{}, list)
	}}},
	"sort": {{params: []string{"list", "precedes"}, withEval: builtinSort}},
	"string join": {
		{params: []string{"list"}, invoke: func(args []Value) Value {
			return joinStrings(args[0], String(""), String(""), String(""))
		}},
		{params: []string{"list", "delimiter"}, invoke: func(args []Value) Value {
			return joinStrings(args[0], orEmpty(args[1]), String(""), String(""))
		}},
		{params: []string{"list", "delimiter", "prefix", "suffix"}, invoke: func(args []Value) Value {
			return joinStrings(args[0], orEmpty(args[1]), args[2], args[3])
		}},
	},
}

// intArg reads a number argument as Java's intValue does for the values that
// matter: truncated towards zero. Numbers beyond ±2^31 are refused (null).
func intArg(v Value) (int64, bool) {
	n, ok := v.(Number)
	if !ok {
		return 0, false
	}
	t, ok := truncate(n)
	if !ok || t < -(1<<31) || t >= 1<<31 {
		return 0, false
	}
	return t, true
}

// truncate drops n's fraction.
func truncate(n Number) (int64, bool) {
	r, ok := roundScale(n, 0, roundDown)
	if !ok {
		return 0, false
	}
	return r.Int64()
}

// listSliceIndex turns a FEEL position (1-based, negative from the end) into
// a 0-based index, as feel-scala's listIndex does; 0 means the end.
func listSliceIndex(size int, pos int64) int64 {
	if pos > 0 {
		return pos - 1
	}
	return int64(size) + pos
}

func clampIndex(i int64, size int) int {
	switch {
	case i < 0:
		return 0
	case i > int64(size):
		return size
	}
	return int(i)
}

// sliceList is Scala's slice: the bounds are clamped, never an error.
func sliceList(list List, from, until int64) List {
	f, u := clampIndex(from, len(list)), clampIndex(until, len(list))
	if u <= f {
		return List{}
	}
	return append(List{}, list[f:u]...)
}

// indexOfValue finds v in list from index from, by FEEL equality.
func indexOfValue(list List, v Value, from int) int {
	for i := from; i < len(list); i++ {
		if eq, ok := valuesEqual(list[i], v); ok && eq {
			return i
		}
	}
	return -1
}

// joinLists appends the items of every list; a non-list joins as one item.
func joinLists(lists List) List {
	out := List{}
	for _, l := range lists {
		if items, ok := l.(List); ok {
			out = append(out, items...)
		} else {
			out = append(out, l)
		}
	}
	return out
}

// distinct keeps the first of equal items. Items are bucketed by a key that
// equal values share, so long lists stay fast.
func distinct(list List) List {
	out := List{}
	buckets := map[string][]Value{}
	for _, v := range list {
		k := hashKey(v)
		dup := false
		for _, seen := range buckets[k] {
			if eq, ok := valuesEqual(seen, v); ok && eq {
				dup = true
				break
			}
		}
		if !dup {
			buckets[k] = append(buckets[k], v)
			out = append(out, v)
		}
	}
	return out
}

// hashKey is equal for equal values (it may also be equal for others).
func hashKey(v Value) string {
	switch t := v.(type) {
	case Number:
		return "d" + string(t.appendJSON(nil))
	case String:
		return "s" + string(t)
	case Bool:
		return "b" + t.String()
	case List:
		return "l" + IntNumber(int64(len(t))).String()
	case *Context:
		return "c" + IntNumber(int64(t.Len())).String()
	}
	return "n"
}

func flattenList(out, list List) List {
	for _, v := range list {
		if items, ok := v.(List); ok {
			out = flattenList(out, items)
		} else {
			out = append(out, v)
		}
	}
	return out
}

func orEmpty(v Value) Value {
	if isNull(v) {
		return String("")
	}
	return v
}

// joinStrings joins a list of strings, skipping nulls; any other item, or a
// delimiter, prefix or suffix that is not a string, is null.
func joinStrings(v, delimiter, prefix, suffix Value) Value {
	list, ok := v.(List)
	d, ok2 := delimiter.(String)
	p, ok3 := prefix.(String)
	s, ok4 := suffix.(String)
	if !ok || !ok2 || !ok3 || !ok4 {
		return Null{}
	}
	var b []byte
	b = append(b, p...)
	first := true
	for _, item := range list {
		switch x := item.(type) {
		case Null:
		case String:
			if !first {
				b = append(b, d...)
			}
			first = false
			b = append(b, x...)
		default:
			return Null{}
		}
	}
	b = append(b, s...)
	return String(b)
}

// extreme is min (dir -1) or max (dir 1) of a list of numbers or of strings.
func extreme(v Value, dir int) Value {
	list, ok := v.(List)
	if !ok || len(list) == 0 {
		return Null{}
	}
	best := list[0]
	if best.Kind() != KindNumber && best.Kind() != KindString {
		return Null{}
	}
	for _, item := range list[1:] {
		if item.Kind() != best.Kind() {
			return Null{}
		}
		if c := compareOrdered(item, best); c*dir > 0 {
			best = item
		}
	}
	return best
}

// compareOrdered orders two numbers or two strings of the same kind.
func compareOrdered(a, b Value) int {
	if x, ok := a.(Number); ok {
		return x.Cmp(b.(Number))
	}
	return compareUTF16(string(a.(String)), string(b.(String)))
}

// numbers returns the items of a non-empty list of numbers.
func numbers(v Value) ([]Number, bool) {
	list, ok := v.(List)
	if !ok || len(list) == 0 {
		return nil, false
	}
	out := make([]Number, len(list))
	for i, item := range list {
		n, ok := item.(Number)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func sumOf(ns []Number) (Number, bool) {
	total := IntNumber(0)
	for _, n := range ns {
		var ok bool
		if total, ok = total.add(n); !ok {
			return Number{}, false
		}
	}
	return total, true
}

func numberOrNull(n Number, ok bool) Value {
	if !ok {
		return Null{}
	}
	return n
}

func builtinSum(args []Value) Value {
	ns, ok := numbers(args[0])
	if !ok {
		return Null{}
	}
	return numberOrNull(sumOf(ns))
}

func builtinProduct(args []Value) Value {
	ns, ok := numbers(args[0])
	if !ok {
		return Null{}
	}
	p := IntNumber(1)
	for _, n := range ns {
		if p, ok = p.mul(n); !ok {
			return Null{}
		}
	}
	return p
}

func builtinMean(args []Value) Value {
	ns, ok := numbers(args[0])
	if !ok {
		return Null{}
	}
	total, ok := sumOf(ns)
	if !ok {
		return Null{}
	}
	return numberOrNull(total.quo(IntNumber(int64(len(ns)))))
}

func builtinMedian(args []Value) Value {
	ns, ok := numbers(args[0])
	if !ok {
		return Null{}
	}
	sorted := append([]Number(nil), ns...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Cmp(sorted[j]) < 0 })
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	s, ok := sorted[mid-1].add(sorted[mid])
	if !ok {
		return Null{}
	}
	return numberOrNull(s.quo(IntNumber(2)))
}

// builtinAll folds as feel-scala does: false wins, a non-boolean makes the
// result null unless a false follows.
func builtinAll(args []Value) Value {
	list, ok := args[0].(List)
	if !ok {
		return Null{}
	}
	var acc Value = Bool(true)
	for _, item := range list {
		switch {
		case acc == Bool(false):
		case acc == Bool(true) && item.Kind() == KindBoolean:
			acc = item
		case isNull(acc) && item == Bool(false):
			acc = item
		default:
			acc = Null{}
		}
	}
	return acc
}

func builtinAny(args []Value) Value {
	list, ok := args[0].(List)
	if !ok {
		return Null{}
	}
	var acc Value = Bool(false)
	for _, item := range list {
		switch {
		case acc == Bool(true):
		case acc == Bool(false) && item.Kind() == KindBoolean:
			acc = item
		case isNull(acc) && item == Bool(true):
			acc = item
		default:
			acc = Null{}
		}
	}
	return acc
}

// builtinSort is sort(list, precedes): a stable sort by a function of two
// items that is true when the first comes before the second. A precedes
// that is not a function, or a list item the function cannot order, makes
// the result null.
func builtinSort(ev *evaluator, args []Value) (Value, error) {
	list, ok := args[0].(List)
	f, ok2 := args[1].(*Function)
	if !ok || !ok2 {
		return Null{}, nil
	}
	out := append(List{}, list...)
	var failure error
	undecided := false
	sort.SliceStable(out, func(i, j int) bool {
		if failure != nil {
			return false
		}
		v, err := ev.callFunction(f, out[i], out[j])
		if err != nil {
			failure = err
			return false
		}
		b, isBool := v.(Bool)
		if !isBool {
			undecided = true
		}
		return bool(b)
	})
	switch {
	case failure != nil:
		return nil, failure
	case undecided:
		return Null{}, nil
	}
	return out, nil
}
