package feel

import (
	"fmt"
	"unicode/utf8"
)

// SyntaxError reports an expression that cannot be compiled. Offset is the
// byte offset of the problem in Source; Line and Column (both 1-based, the
// column counted in characters) locate it for people.
type SyntaxError struct {
	Source  string
	Offset  int
	Line    int
	Column  int
	Message string
}

// Error names the expression, the position and the problem.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("failed to parse FEEL expression '%s': %s at line %d, column %d",
		e.Source, e.Message, e.Line, e.Column)
}

func newSyntaxError(src string, offset int, format string, args ...any) *SyntaxError {
	if offset < 0 {
		offset = 0
	}
	if offset > len(src) {
		offset = len(src)
	}
	line, col := 1, 1
	for i := 0; i < offset; {
		r, size := utf8.DecodeRuneInString(src[i:])
		i += size
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{
		Source:  src,
		Offset:  offset,
		Line:    line,
		Column:  col,
		Message: fmt.Sprintf(format, args...),
	}
}

// EvalError reports an evaluation that could not produce a value. Expression
// failures that FEEL defines as null (unknown names, type mismatches, division
// by zero) are not EvalErrors; what remains are problems with the inputs, such
// as a variable whose JSON cannot be read.
type EvalError struct {
	Source  string
	Message string
	Err     error
}

// Error names the expression and the problem.
func (e *EvalError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("failed to evaluate FEEL expression '%s': %s: %v", e.Source, e.Message, e.Err)
	}
	return fmt.Sprintf("failed to evaluate FEEL expression '%s': %s", e.Source, e.Message)
}

// Unwrap returns the underlying cause, if any.
func (e *EvalError) Unwrap() error { return e.Err }
