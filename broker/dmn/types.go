package dmn

import (
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// typeInfo is a resolved typeRef: a FEEL built-in type, a structure of
// components, a collection of an element type, optionally restricted by
// allowed values. A nil *typeInfo accepts every value.
type typeInfo struct {
	name string
	// kind is the FEEL type name a value's Kind().String() must equal; ""
	// accepts any kind (Any, or a structure checked by its components).
	kind       string
	collection bool
	elem       *typeInfo // for collections: the type of the items
	components []component
	allowed    unaryTests
	function   bool
	// output is a function type's result type.
	output *typeInfo
}

type component struct {
	name string
	typ  *typeInfo
}

// builtinTypes maps DMN typeRef names of FEEL's types to the FEEL type names
// values report.
var builtinTypes = map[string]string{
	"number":                    "number",
	"string":                    "string",
	"boolean":                   "boolean",
	"date":                      "date",
	"time":                      "time",
	"dateTime":                  "date and time",
	"date and time":             "date and time",
	"dayTimeDuration":           "days and time duration",
	"days and time duration":    "days and time duration",
	"yearMonthDuration":         "years and months duration",
	"years and months duration": "years and months duration",
	"duration":                  "",
	"context":                   "context",
	"list":                      "list",
	"function":                  "function",
	"range":                     "range",
	"Any":                       "",
	"any":                       "",
	"null":                      "null",
}

// resolveType turns a typeRef into a typeInfo using the model's item
// definitions. An empty or unknown typeRef yields nil (any value).
func (b *builder) resolveType(typeRef string) *typeInfo {
	typeRef = strings.TrimSpace(typeRef)
	if typeRef == "" {
		return nil
	}
	if t, ok := b.resolved[typeRef]; ok {
		return t
	}
	if item, ok := b.itemDefs[typeRef]; ok {
		return b.itemType(item, true)
	}
	name := typeRef
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name, "<") {
		name = name[i+1:]
	}
	if item, ok := b.itemDefs[name]; ok {
		return b.itemType(item, true)
	}
	if kind, ok := builtinTypes[name]; ok {
		if kind == "" {
			return nil
		}
		t := &typeInfo{name: name, kind: kind}
		b.resolved[typeRef] = t
		return t
	}
	if strings.HasPrefix(name, "list<") && strings.HasSuffix(name, ">") && strings.Count(name, "<") <= 32 {
		elem := b.resolveType(name[len("list<") : len(name)-1])
		return &typeInfo{name: name, kind: "list", collection: true, elem: elem}
	}
	if strings.HasPrefix(name, "context<") {
		return &typeInfo{name: name, kind: "context"}
	}
	if strings.HasPrefix(name, "function<") {
		return &typeInfo{name: name, kind: "function", function: true}
	}
	// A name from an imported model (prefix.type) or an unknown name: the
	// model is accepted and the value left unchecked.
	return nil
}

// itemType resolves an item definition. Named (top-level) definitions are
// memoised before their parts are resolved, so that recursive types end;
// components are resolved each time.
func (b *builder) itemType(item *ItemDefinition, named bool) *typeInfo {
	if named {
		if t, ok := b.resolved[item.Name]; ok {
			return t
		}
	}
	t := &typeInfo{name: item.Name}
	if named {
		b.resolved[item.Name] = t
	}
	var base *typeInfo
	switch {
	case len(item.Components) > 0:
		base = &typeInfo{name: item.Name, kind: "context"}
		for _, c := range item.Components {
			base.components = append(base.components, component{name: c.Name, typ: b.itemType(c, false)})
		}
	case item.Function:
		base = &typeInfo{name: item.Name, kind: "function", function: true, output: b.resolveType(item.FunctionOutput)}
	default:
		base = b.resolveType(item.TypeRef)
	}
	var elem typeInfo
	if base != nil {
		elem = *base
	}
	elem.name = item.Name
	if item.allowed != nil {
		elem.allowed = item.allowed
	}
	if item.IsCollection {
		e := elem
		*t = typeInfo{name: item.Name, kind: "list", collection: true, elem: &e}
	} else {
		*t = elem
	}
	return t
}

// resultType is the type of a function's results given the typeRef of the
// BKM or decision service variable: a function type's output type. Any
// other type says nothing about the result.
func resultType(t *typeInfo) *typeInfo {
	if t == nil || !t.function {
		return nil
	}
	return t.output
}

// conform returns v when it conforms to t, after DMN's singleton-list
// conversions, and null otherwise: a value of the wrong type becomes null.
func (ev *evaluation) conform(v feel.Value, t *typeInfo) feel.Value {
	if out, ok := ev.conforms(v, t, 0); ok {
		return out
	}
	return feel.Null{}
}

func (ev *evaluation) conforms(v feel.Value, t *typeInfo, depth int) (feel.Value, bool) {
	if v == nil {
		v = feel.Null{}
	}
	if t == nil || v.Kind() == feel.KindNull || depth > 64 {
		return v, true
	}
	if t.collection {
		list, ok := v.(feel.List)
		if !ok {
			// A single value where a list is expected is a singleton list.
			item, ok := ev.conforms(v, t.elem, depth+1)
			if !ok {
				return nil, false
			}
			list = feel.List{item}
			return list, ev.allowedOK(list, t)
		}
		out := make(feel.List, len(list))
		for i, item := range list {
			c, ok := ev.conforms(item, t.elem, depth+1)
			if !ok || (c.Kind() == feel.KindNull && item.Kind() != feel.KindNull) {
				return nil, false
			}
			out[i] = c
		}
		return out, ev.allowedOK(out, t)
	}
	if list, ok := v.(feel.List); ok && t.kind != "list" && t.kind != "" && len(list) == 1 {
		// A singleton list where an item is expected is its item, once:
		// [[10]] is not a number.
		if _, nested := list[0].(feel.List); nested {
			return nil, false
		}
		return ev.conforms(list[0], t, depth+1)
	}
	if t.kind != "" && v.Kind().String() != t.kind {
		return nil, false
	}
	if len(t.components) > 0 {
		ctx, ok := v.(*feel.Context)
		if !ok {
			return nil, false
		}
		for _, c := range t.components {
			cv, ok := ctx.Get(c.name)
			if !ok {
				return nil, false
			}
			if _, ok := ev.conforms(cv, c.typ, depth+1); !ok {
				return nil, false
			}
		}
	}
	return v, ev.allowedOK(v, t)
}

func (ev *evaluation) allowedOK(v feel.Value, t *typeInfo) bool {
	if t.allowed == nil {
		return true
	}
	r, err := t.allowed.Test(v, nil)
	return err == nil && feel.IsTrue(r)
}
