package feel

// Context functions, get or else and assert, as feel-scala 1.17 defines them.
var contextBuiltins = map[string][]builtin{
	"get value": {{params: []string{"context", "key"}, invoke: func(args []Value) Value {
		c, ok := args[0].(*Context)
		if !ok {
			return Null{}
		}
		switch k := args[1].(type) {
		case String:
			if v, ok := c.Get(string(k)); ok {
				return v
			}
		case List:
			// A path of keys.
			var cur Value = c
			for _, key := range k {
				ks, ok := key.(String)
				cc, ok2 := cur.(*Context)
				if !ok || !ok2 {
					return Null{}
				}
				if cur, ok = cc.Get(string(ks)); !ok {
					return Null{}
				}
			}
			return cur
		}
		return Null{}
	}}},
	"get entries": {{params: []string{"context"}, invoke: func(args []Value) Value {
		c, ok := args[0].(*Context)
		if !ok {
			return Null{}
		}
		out := make(List, 0, c.Len())
		for _, e := range c.entries {
			out = append(out, NewContext(Entry{Key: "key", Value: String(e.Key)}, Entry{Key: "value", Value: e.Value}))
		}
		return out
	}}},
	"context put":   {contextPut("context", "key", "value")},
	"put":           {contextPut("context", "key", "value")},
	"context merge": {{params: []string{"contexts"}, variadic: true, invoke: mergeContexts}},
	"put all":       {{params: []string{"contexts"}, variadic: true, invoke: mergeContexts}},
	"context": {{params: []string{"entries"}, invoke: func(args []Value) Value {
		list, ok := args[0].(List)
		if !ok {
			return Null{}
		}
		c := &Context{}
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
			c.put(string(ks), v)
		}
		return c
	}}},
	"get or else": {{params: []string{"value", "default"}, invoke: func(args []Value) Value {
		if isNull(args[0]) {
			return args[1]
		}
		return args[0]
	}}},
	"assert": {
		{params: []string{"value", "condition"}, fail: func(args []Value) (Value, string) {
			if IsTrue(args[1]) {
				return args[0], ""
			}
			return nil, "assertion failed: the condition is " + display(args[1])
		}},
		{params: []string{"value", "condition", "cause"}, fail: func(args []Value) (Value, string) {
			if IsTrue(args[1]) {
				return args[0], ""
			}
			if s, ok := args[2].(String); ok {
				return nil, "assertion failed: " + string(s)
			}
			return nil, "assertion failed: the condition is " + display(args[1])
		}},
	},
}

func contextPut(params ...string) builtin {
	return builtin{params: params, invoke: func(args []Value) Value {
		c, ok := args[0].(*Context)
		if !ok {
			return Null{}
		}
		switch k := args[1].(type) {
		case String:
			return withEntry(c, string(k), args[2])
		case List:
			return putPath(c, k, args[2])
		}
		return Null{}
	}}
}

// withEntry copies c with key set to v; an existing key keeps its place.
func withEntry(c *Context, key string, v Value) *Context {
	out := NewContext(c.Entries()...)
	out.put(key, v)
	return out
}

// putPath sets the entry at a path of keys, creating missing contexts on the
// way. An empty path, a key that is not a string or a step through a value
// that is not a context is null.
func putPath(c *Context, keys List, v Value) Value {
	if len(keys) == 0 {
		return Null{}
	}
	k, ok := keys[0].(String)
	if !ok {
		return Null{}
	}
	if len(keys) == 1 {
		return withEntry(c, string(k), v)
	}
	inner := &Context{}
	if cur, ok := c.Get(string(k)); ok {
		if inner, ok = cur.(*Context); !ok {
			return Null{}
		}
	}
	nested := putPath(inner, keys[1:], v)
	if isNull(nested) {
		return Null{}
	}
	return withEntry(c, string(k), nested)
}

func mergeContexts(args []Value) Value {
	list, ok := args[0].(List)
	if !ok {
		return Null{}
	}
	out := &Context{}
	for _, item := range list {
		c, ok := item.(*Context)
		if !ok {
			return Null{}
		}
		for _, e := range c.entries {
			out.put(e.Key, e.Value)
		}
	}
	return out
}
