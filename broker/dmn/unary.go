package dmn

import (
	"github.com/weftlabs/weft/broker/feel"
)

// unaryTests is a compiled list of unary tests (an input entry, input or
// output values, an item definition's allowed values): Test tells whether
// input passes, true, false or null. *feel.UnaryTests is the one
// implementation; the interface keeps nil checks honest.
type unaryTests interface {
	Test(input feel.Value, vars feel.Variables) (feel.Value, error)
	Source() string
}

// compileUnaryTests compiles src as FEEL unary tests.
func compileUnaryTests(src string) (unaryTests, error) {
	u, err := feel.DMN.CompileUnaryTests(src)
	if err != nil {
		return nil, err
	}
	return u, nil
}
