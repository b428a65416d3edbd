package dmn

import (
	"github.com/weftlabs/weft/broker/feel"
)

// scope is the names an expression sees: the entries of enclosing boxed
// contexts, a function's parameters, a decision's requirements, and at the
// root the caller's variables. It implements feel.Variables, handing FEEL
// each value as JSON.
//
// Invocables (BKMs, decision services, boxed function definitions) live
// beside the values in funcs: FEEL values cannot carry functions yet, so
// only boxed invocations can call them.
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

// Value hands out a name in scope as a FEEL value, without the JSON round
// trip that loses dates, times, durations, ranges and functions. FEEL does
// not ask for it yet; Variable serves until it does.
func (s *scope) Value(name string) (feel.Value, bool) {
	v, ok, err := s.lookup(name)
	if err != nil || !ok {
		return nil, false
	}
	return v, true
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
