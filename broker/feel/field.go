package feel

import "strings"

// Field is a BPMN attribute that Zeebe reads either as a FEEL expression
// (the text starts with '=') or as a static string, such as a job type or a
// retry count.
type Field struct {
	// Raw is the attribute as written.
	Raw string
	// Static is the value of a static field.
	Static string
	// Expr is the compiled expression of an expression field, else nil.
	Expr *Expression
}

// ParseField reads an expression-or-static attribute. Text starting with '='
// compiles the rest as FEEL, and a syntax error is returned as the
// *SyntaxError of that rest; any other text is a static string.
func ParseField(s string) (Field, error) {
	rest, ok := strings.CutPrefix(s, "=")
	if !ok {
		return Field{Raw: s, Static: s}, nil
	}
	expr, err := Compile(rest)
	if err != nil {
		return Field{}, err
	}
	return Field{Raw: s, Expr: expr}, nil
}

// IsExpression reports whether the field holds an expression.
func (f Field) IsExpression() bool { return f.Expr != nil }

// Evaluate returns the field's value: the expression's result, or the static
// text as a String.
func (f Field) Evaluate(vars Variables) (Value, error) {
	if f.Expr == nil {
		return String(f.Static), nil
	}
	return f.Expr.Evaluate(vars)
}
