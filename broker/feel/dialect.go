package feel

// Dialect selects the semantics where the DMN standard and feel-scala 1.17
// (the FEEL engine Zeebe 8.3 bundles) disagree. Zeebe is the default: the
// package-level Compile and CompileUnaryTests use it, and BPMN expressions
// must keep to it. DMN follows DMN 1.5 and its TCK, for decision models.
//
// The differences under DMN: strings count code points (string length,
// substring); a value that is not a list filters as a one-item list
// (true[1]); a unary comparison in parentheses is a range value ((< 10));
// number literals may have an exponent (1.23e4); equal instants are equal
// date-times whatever their zones; date-times with 24:00:00, date-time minus
// date and for over date ranges are defined; a context literal with a
// duplicate key is null; null conforms to every type of a context type;
// function arguments coerce a singleton list to its item and an item to a
// list (upper case(["a"]), string join("a")); built-in parameter names are
// the standard's (abs(n), get value(m, key)), and DMN 1.5's built-ins
// range() and list replace() exist; regular expressions follow XML Schema
// (character class subtraction, \p{Is...} blocks, flag x) and reject
// unknown flags.
type Dialect uint8

const (
	// Zeebe is feel-scala 1.17 as Zeebe 8.3 evaluates it.
	Zeebe Dialect = iota
	// DMN is FEEL as DMN 1.5 and the DMN TCK define it.
	DMN
)

// String names the dialect.
func (d Dialect) String() string {
	if d == DMN {
		return "DMN"
	}
	return "Zeebe"
}

// Compile parses a FEEL expression of the dialect; see the package-level
// Compile.
func (d Dialect) Compile(src string) (*Expression, error) {
	root, err := parse(src, d)
	if err != nil {
		return nil, err
	}
	return &Expression{src: src, root: root, dialect: d}, nil
}

// CompileUnaryTests parses unary tests of the dialect; see the package-level
// CompileUnaryTests.
func (d Dialect) CompileUnaryTests(src string) (*UnaryTests, error) {
	return compileUnaryTests(src, d)
}

// dmn reports whether the evaluation follows the DMN dialect.
func (ev *evaluator) dmn() bool { return ev.dialect == DMN }
