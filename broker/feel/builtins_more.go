package feel

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// The built-ins feel-scala 1.16 and 1.17 added: statistics, list helpers,
// string helpers and the random ones.
var moreBuiltins = map[string][]builtin{
	"stddev": {{params: []string{"list"}, variadic: true, invoke: builtinStddev}},
	"mode":   {{params: []string{"list"}, variadic: true, invoke: builtinMode}},
	"duplicate values": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		// An item joins the result when it is seen the second time.
		out := List{}
		seen := List{}
		counts := []int{}
		for _, v := range list {
			i := indexOfValue(seen, v, 0)
			if i < 0 {
				seen = append(seen, v)
				counts = append(counts, 1)
				continue
			}
			counts[i]++
			if counts[i] == 2 {
				out = append(out, v)
			}
		}
		return out
	}}},
	"is empty": {{params: []string{"list"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		return Bool(len(list) == 0)
	}}},
	"partition": {{params: []string{"list", "size"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		size, ok2 := intArg(args[1])
		if !ok || !ok2 || size <= 0 {
			return Null{}
		}
		out := List{}
		for i := 0; i < len(list); i += int(size) {
			end := min(i+int(size), len(list))
			out = append(out, append(List{}, list[i:end]...))
		}
		return out
	}}},
	"extract": {{params: []string{"string", "pattern"}, invoke: func(args []Value) Value {
		s, ok := args[0].(String)
		p, ok2 := args[1].(String)
		if !ok || !ok2 {
			return Null{}
		}
		re, err := regexp.Compile(string(p))
		if err != nil {
			return Null{}
		}
		out := List{}
		for _, m := range re.FindAllString(string(s), -1) {
			out = append(out, String(m))
		}
		return out
	}}},
	// trim removes what Java's String.trim removes: characters up to U+0020.
	"trim": {stringBuiltin(func(s string) Value {
		return String(strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }))
	})},
	"to base64": {{params: []string{"value"}, invoke: func(args []Value) Value {
		s, ok := args[0].(String)
		if !ok {
			return Null{}
		}
		return String(base64.StdEncoding.EncodeToString([]byte(s)))
	}}},
	"uuid": {{params: []string{}, withEval: func(ev *evaluator, _ []Value) (Value, error) {
		hi, lo := ev.random(), ev.random()
		hi = hi&^0xF000 | 0x4000     // version 4
		lo = lo&^(0xC<<60) | 0x8<<60 // RFC 4122 variant
		return String(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
			hi>>32, hi>>16&0xFFFF, hi&0xFFFF, lo>>48, lo&0xFFFFFFFFFFFF)), nil
	}}},
	"random number": {{params: []string{}, withEval: func(ev *evaluator, _ []Value) (Value, error) {
		return viaFloat(float64(ev.random()>>11) / (1 << 53)), nil
	}}},
}

// builtinStddev is the sample standard deviation; it needs two numbers or
// more. The square root goes through float64, as feel-scala's does.
func builtinStddev(args []Value) Value {
	ns, ok := numbers(args[0])
	if !ok || len(ns) < 2 {
		return Null{}
	}
	total, ok := sumOf(ns)
	if !ok {
		return Null{}
	}
	count := IntNumber(int64(len(ns)))
	mean, ok := total.quo(count)
	if !ok {
		return Null{}
	}
	squares := IntNumber(0)
	for _, n := range ns {
		d, ok := n.sub(mean)
		if ok {
			d, ok = d.mul(d)
		}
		if ok {
			squares, ok = squares.add(d)
		}
		if !ok {
			return Null{}
		}
	}
	variance, ok := squares.quo(IntNumber(int64(len(ns) - 1)))
	if !ok {
		return Null{}
	}
	return viaFloat(math.Sqrt(variance.Float64()))
}

// builtinMode lists the most frequent items in ascending order; the items
// must be numbers (or all of one ordered kind). An empty list has no mode:
// [].
func builtinMode(args []Value) Value {
	list, ok := args[0].(List)
	if !ok {
		return Null{}
	}
	if len(list) == 0 {
		return List{}
	}
	for _, v := range list {
		if _, ok := orderOf(v, list[0]); !ok {
			return Null{}
		}
	}
	var distinctItems List
	var counts []int
	best := 0
	for _, v := range list {
		i := indexOfValue(distinctItems, v, 0)
		if i < 0 {
			distinctItems = append(distinctItems, v)
			counts = append(counts, 0)
			i = len(counts) - 1
		}
		counts[i]++
		best = max(best, counts[i])
	}
	out := List{}
	for i, v := range distinctItems {
		if counts[i] == best {
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		c, _ := orderOf(out[i], out[j])
		return c < 0
	})
	return out
}
