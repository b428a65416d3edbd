package feel

// node is a compiled expression. Nodes are immutable after parsing, so one
// tree can be evaluated by many goroutines at once. eval returns an error only
// for problems outside the expression's own semantics (see EvalError); every
// FEEL-level failure is the value null.
type node interface {
	eval(ev *evaluator, sc *scope) (Value, error)
	// depth is the height of the tree under the node, which bounds the
	// recursion of eval.
	depth() int
}

func maxDepth(nodes ...node) int {
	d := 0
	for _, n := range nodes {
		if n != nil && n.depth() > d {
			d = n.depth()
		}
	}
	return d + 1
}

// literalNode is a constant: number, string, boolean or null.
type literalNode struct {
	value Value
}

// nameNode reads a variable, an entry of an enclosing context literal, or a
// name bound by a filter (item) or a unary test (?).
type nameNode struct {
	name string
}

// pathNode is target.key.
type pathNode struct {
	target node
	key    string
	d      int
}

// filterNode is target[index]: an index when index is a number, otherwise a
// condition kept per item.
type filterNode struct {
	target node
	index  node
	d      int
}

// listNode is [a, b, ...].
type listNode struct {
	items []node
	d     int
}

// contextNode is {key: value, ...}; later entries see earlier ones by name.
type contextNode struct {
	keys   []string
	values []node
	d      int
}

// arithNode is one of + - * / **.
type arithNode struct {
	op          tokenKind
	left, right node
	d           int
}

// negateNode is -x.
type negateNode struct {
	x node
	d int
}

// compareNode is one of = != < <= > >=.
type compareNode struct {
	op          tokenKind
	left, right node
	d           int
}

// andNode and orNode follow FEEL's three-valued logic.
type andNode struct {
	left, right node
	d           int
}

type orNode struct {
	left, right node
	d           int
}

// ifNode is if cond then a else b.
type ifNode struct {
	cond, then, els node
	d               int
}

// betweenNode is x between low and high.
type betweenNode struct {
	x, low, high node
	d            int
}

// inNode is x in test or x in (test, test, ...).
type inNode struct {
	x     node
	tests []unaryTest
	d     int
}

// unaryTest is one test of an in-expression. op is tokLt, tokLe, tokGt or
// tokGe for a comparison with the input, tokEq ("= e", or a boolean
// literal) and tokNe ("!= e") for equality with the input, and tokEOF for an
// expression test.
type unaryTest struct {
	op   tokenKind
	expr node
	// usesInput is set when the expression names '?'.
	usesInput bool
}

// callNode invokes a function by name. With argNames set, the arguments are
// named; otherwise they are positional.
type callNode struct {
	name     string
	args     []node
	argNames []string
	d        int
}

// qualifiedCallNode invokes a function held in a context entry (a.b(x)).
// Values read from JSON never hold functions, so for now it is always null.
type qualifiedCallNode struct {
	target node
	name   string
	args   []node
	d      int
}

func (n *literalNode) depth() int       { return 1 }
func (n *nameNode) depth() int          { return 1 }
func (n *pathNode) depth() int          { return n.d }
func (n *filterNode) depth() int        { return n.d }
func (n *listNode) depth() int          { return n.d }
func (n *contextNode) depth() int       { return n.d }
func (n *arithNode) depth() int         { return n.d }
func (n *negateNode) depth() int        { return n.d }
func (n *compareNode) depth() int       { return n.d }
func (n *andNode) depth() int           { return n.d }
func (n *orNode) depth() int            { return n.d }
func (n *ifNode) depth() int            { return n.d }
func (n *betweenNode) depth() int       { return n.d }
func (n *inNode) depth() int            { return n.d }
func (n *callNode) depth() int          { return n.d }
func (n *qualifiedCallNode) depth() int { return n.d }

// iteration is one "name in list" or "name in start..end" of a for, some or
// every expression.
type iteration struct {
	name string
	in   node
	end  node // nil unless a range
}

// forNode is for i in a, j in b return body. Every later iteration sees the
// names of the earlier ones; the result is one list over all combinations.
type forNode struct {
	iters []iteration
	body  node
	d     int
}

// quantifiedNode is some (or every) i in a satisfies cond.
type quantifiedNode struct {
	every bool
	iters []iteration
	cond  node
	d     int
}

func (n *forNode) depth() int        { return n.d }
func (n *quantifiedNode) depth() int { return n.d }

func iterationNodes(iters []iteration, extra node) []node {
	nodes := []node{extra}
	for _, it := range iters {
		nodes = append(nodes, it.in, it.end)
	}
	return nodes
}
