package dmn

import (
	"github.com/weftlabs/weft/broker/feel"
)

// scope is the names an expression sees: the entries of enclosing boxed
// contexts, a function's parameters, a decision's requirements, and at the
// root the caller's variables. It implements feel.ValueVariables, so FEEL
// receives values as they are (a date stays a date).
//
// Invocables (BKMs, decision services, boxed function definitions) live
// beside the values in funcs, for boxed invocations; FEEL sees them as
// function values through evalScope.
type scope struct {
	parent *scope
	names  map[string]feel.Value
	funcs  map[string]callable
	// ext is the caller's variables, at the root scope only.
	ext feel.Variables
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, names: map[string]feel.Value{}}
}

// lookup returns the value bound to name, searching outwards.
func (s *scope) lookup(name string) (feel.Value, bool, error) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.names[name]; ok {
			return v, true, nil
		}
		if c.ext != nil {
			if vv, ok := c.ext.(feel.ValueVariables); ok {
				if v, ok := vv.VariableValue(name); ok {
					return v, true, nil
				}
			}
			if raw, ok := c.ext.Variable(name); ok {
				v, err := feel.FromJSON(raw)
				if err != nil {
					return nil, false, err
				}
				return v, true, nil
			}
		}
	}
	return nil, false, nil
}

// function returns the invocable bound to name, searching outwards.
func (s *scope) function(name string) (callable, bool) {
	for c := s; c != nil; c = c.parent {
		if f, ok := c.funcs[name]; ok {
			return f, true
		}
		if _, ok := c.names[name]; ok {
			return nil, false // a value hides an outer function of the same name
		}
	}
	return nil, false
}

// VariableValue hands out a name in scope as a FEEL value (feel's
// ValueVariables), without the JSON round trip that would turn dates,
// durations, ranges and functions into strings or nulls. A caller's
// variable that is not valid JSON is left to Variable, so that FEEL
// reports it.
func (s *scope) VariableValue(name string) (feel.Value, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.names[name]; ok {
			return v, true
		}
		if c.ext == nil {
			continue
		}
		if vv, ok := c.ext.(feel.ValueVariables); ok {
			if v, ok := vv.VariableValue(name); ok {
				return v, true
			}
		}
		if raw, ok := c.ext.Variable(name); ok {
			v, err := feel.FromJSON(raw)
			if err != nil {
				return nil, false
			}
			return v, true
		}
	}
	return nil, false
}

// Variable hands FEEL the JSON of a name in scope.
func (s *scope) Variable(name string) ([]byte, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.names[name]; ok {
			raw, err := feel.ToJSON(v)
			if err != nil {
				return []byte("null"), true
			}
			return raw, true
		}
		if c.ext != nil {
			if raw, ok := c.ext.Variable(name); ok {
				return raw, true
			}
		}
	}
	return nil, false
}

func (s *scope) bind(name string, v feel.Value) {
	if v == nil {
		v = feel.Null{}
	}
	s.names[name] = v
}

func (s *scope) bindFunc(name string, f callable) {
	if s.funcs == nil {
		s.funcs = map[string]callable{}
	}
	s.funcs[name] = f
}

// callable is a function a boxed invocation can call: a business knowledge
// model, a decision service or a boxed function definition.
type callable interface {
	// params names the parameters in order.
	params() []string
	// call runs the function with one argument per parameter.
	call(ev *evaluation, args []feel.Value) (feel.Value, error)
}

// evalScope is a scope as one evaluation's FEEL expressions see it: a
// business knowledge model or decision service in scope is a FEEL function
// value (feel.NewFunction) that runs the invocable natively, with DMN's
// coercion of arguments and results and its errors (a UNIQUE table with
// two matching rules fails the decision).
type evalScope struct {
	*scope
	ev *evaluation
}

// VariableValue hands out a name in scope, an invocable as a function.
func (s *evalScope) VariableValue(name string) (feel.Value, bool) {
	for c := s.scope; c != nil; c = c.parent {
		if _, ok := c.names[name]; ok {
			break
		}
		if f, ok := c.funcs[name]; ok {
			ev := s.ev
			return feel.NewFunction(f.params(), func(args []feel.Value) (feel.Value, error) {
				if t, ok := f.(typedCallable); ok && !ev.argsConform(args, t.paramTypes()) {
					return feel.Null{}, nil // a call FEEL would refuse
				}
				return f.call(ev, args)
			}), true
		}
		if c.ext != nil {
			break
		}
	}
	return s.scope.VariableValue(name)
}

// typedCallable is a callable whose parameters have types that FEEL calls
// must meet: an argument that does not conform makes the call null.
type typedCallable interface {
	paramTypes() []*typeInfo
}

// argsConform reports whether every argument that is not null conforms to
// its parameter's type.
func (ev *evaluation) argsConform(args []feel.Value, types []*typeInfo) bool {
	for i, a := range args {
		if i >= len(types) || a == nil || a.Kind() == feel.KindNull {
			continue
		}
		if _, ok := ev.conforms(a, types[i], 0); !ok {
			return false
		}
	}
	return true
}

// paramTypes are the types of the service's input data, then of its input
// decisions.
func (f *serviceFunc) paramTypes() []*typeInfo {
	var types []*typeInfo
	for _, in := range f.svc.InputData {
		types = append(types, in.typ)
	}
	for _, d := range f.svc.InputDecisions {
		types = append(types, d.typ)
	}
	return types
}
