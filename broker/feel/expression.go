package feel

import (
	"fmt"
)

// Expression is a compiled FEEL expression. It is immutable: one Expression
// may be evaluated by many goroutines at once.
type Expression struct {
	src     string
	root    node
	dialect Dialect
}

// Compile parses a FEEL expression, given without Zeebe's leading '='. A
// syntax error, or a construct this package does not support yet, returns a
// *SyntaxError naming the position and the problem.
func Compile(src string) (*Expression, error) {
	return Zeebe.Compile(src)
}

// Source returns the expression as it was compiled.
func (e *Expression) Source() string { return e.src }

// Evaluate runs the expression against vars, which may be nil. Names the
// expression reads but vars does not have are null. Evaluate never panics;
// when it cannot produce a value it returns a *EvalError naming the
// expression and the problem.
func (e *Expression) Evaluate(vars Variables) (result Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			result = nil
			err = &EvalError{Source: e.src, Message: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	ev := &evaluator{src: e.src, vars: vars, dialect: e.dialect}
	v, err := e.root.eval(ev, nil)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Variables resolves the top-level names of an expression. The engine calls
// Variable from the goroutine that evaluates the expression, at most once per
// name and evaluation; it returns the variable's raw JSON, or ok=false when no
// such variable is visible.
type Variables interface {
	Variable(name string) (json []byte, ok bool)
}

// MapVariables is Variables over a map from name to raw JSON.
type MapVariables map[string][]byte

// Variable returns the JSON stored under name.
func (m MapVariables) Variable(name string) ([]byte, bool) {
	raw, ok := m[name]
	return raw, ok
}

// ValueVariables is implemented by Variables that can hand out FEEL values
// directly, such as the results of other DMN decisions: a date stays a date
// instead of becoming a string in JSON. The evaluator asks VariableValue
// first, from the evaluating goroutine, at most once per name and
// evaluation; ok=false falls back to Variable.
type ValueVariables interface {
	Variables
	VariableValue(name string) (v Value, ok bool)
}

// Values is Variables over FEEL values. A nil Value is null.
type Values map[string]Value

// VariableValue returns the value stored under name.
func (m Values) VariableValue(name string) (Value, bool) {
	v, ok := m[name]
	if ok && v == nil {
		v = Null{}
	}
	return v, ok
}

// Variable returns the value stored under name as JSON.
func (m Values) Variable(name string) ([]byte, bool) {
	v, ok := m[name]
	if !ok {
		return nil, false
	}
	raw, _ := ToJSON(v)
	return raw, true
}
