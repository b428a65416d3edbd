package dmn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/weftlabs/weft/broker/feel"
)

// Parse reads one DMN resource (DMN 1.1 to 1.5). resourceName only labels
// errors. It returns a plain error for input that is not well-formed XML,
// is too large or is not DMN (see ErrNotDMN, ErrTooLarge), and a
// *ValidationError listing every problem for DMN that cannot be evaluated:
// missing or duplicate ids, unknown or cyclic requirements, FEEL that does
// not compile. It never panics.
func Parse(resourceName string, data []byte) (*Definitions, error) {
	return parse(resourceName, data, false)
}

// parse reads a resource. When lenient, an expression that does not compile
// fails only the evaluations that reach it, not the whole model: the TCK
// counts decisions one by one.
func parse(resourceName string, data []byte, lenient bool) (defs *Definitions, err error) {
	defer func() {
		if r := recover(); r != nil {
			defs, err = nil, fmt.Errorf("resource '%s': internal error while parsing: %v", resourceName, r)
		}
	}()
	root, err := readTree(data)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("resource '%s': %w", resourceName, err)
	}
	if err != nil {
		return nil, fmt.Errorf("resource '%s': malformed XML: %w", resourceName, err)
	}
	version, ok := dmnNamespaces[root.Name.Space]
	if !ok || root.Name.Local != "definitions" {
		return nil, fmt.Errorf("resource '%s': %w: the root element is {%s}%s, expected definitions in a DMN model namespace",
			resourceName, ErrNotDMN, root.Name.Space, root.Name.Local)
	}
	b := &builder{
		defs: &Definitions{
			ID:              root.Get("id"),
			Name:            root.Get("name"),
			Namespace:       root.Get("namespace"),
			Version:         version,
			decisionsByID:   map[string]*Decision{},
			decisionsByName: map[string]*Decision{},
			servicesByName:  map[string]*DecisionService{},
			bkmsByName:      map[string]*BusinessKnowledgeModel{},
			names:           newNameSet(),
		},
		itemDefs: map[string]*ItemDefinition{},
		resolved: map[string]*typeInfo{},
		byID:     map[string]*node{},
		lenient:  lenient,
	}
	b.build(root)
	if len(b.problems) > 0 {
		return nil, &ValidationError{Resource: resourceName, Problems: b.problems}
	}
	return b.defs, nil
}

// builder turns the XML tree into the model and collects its problems.
type builder struct {
	defs     *Definitions
	problems []Problem
	itemDefs map[string]*ItemDefinition
	resolved map[string]*typeInfo
	byID     map[string]*node
	// owner names the decision or BKM being built, for messages.
	owner string
	// lenient keeps expressions that do not compile out of problems.
	lenient bool
	// names are the names quoted in the expressions being built: the
	// model's, with those of the current decision or BKM (scopedNames).
	names *nameSet
	// lastErr is the error of the last compile, kept by literal expressions
	// for the evaluations that reach them in lenient mode.
	lastErr error
}

// compileProblem reports FEEL that does not compile.
func (b *builder) compileProblem(id, format string, args ...any) {
	if b.lenient {
		return
	}
	b.problem(id, format, args...)
}

func (b *builder) problem(id, format string, args ...any) {
	b.problems = append(b.problems, Problem{ElementID: id, Message: fmt.Sprintf(format, args...)})
}

// label names an element for a message: its id, else its name.
func label(n *node) string {
	if id := n.Get("id"); id != "" {
		return id
	}
	return n.Get("name")
}

func (b *builder) build(root *node) {
	b.checkIDs(root)
	defs := b.defs
	// Item definitions and names first: expressions are compiled with the
	// model's names quoted and their types resolved.
	for _, c := range root.All("itemDefinition") {
		item := b.itemDefinition(c)
		defs.ItemDefinitions = append(defs.ItemDefinitions, item)
		if item.Name != "" {
			b.itemDefs[item.Name] = item
		}
	}
	b.collectNames(root)
	defs.names.seal()
	b.names = defs.names
	for _, item := range defs.ItemDefinitions {
		b.compileAllowed(item)
	}
	defs.types = b.itemDefs

	inputs := map[string]*InputData{}
	for _, c := range root.All("inputData") {
		in := &InputData{ID: c.Get("id"), Name: c.Get("name")}
		if v := c.Child("variable"); v != nil {
			in.TypeRef = typeRefOf(v)
		}
		in.typ = b.resolveType(in.TypeRef)
		b.requireName(c, in.Name)
		inputs[in.ID] = in
		defs.InputData = append(defs.InputData, in)
	}
	decisionNodes := map[*Decision]*node{}
	for _, c := range root.All("decision") {
		d := &Decision{ID: c.Get("id"), Name: c.Get("name")}
		if v := c.Child("variable"); v != nil {
			d.TypeRef = typeRefOf(v)
			d.VariableName = strings.TrimSpace(v.Get("name"))
			if d.Name == "" {
				d.Name = d.VariableName
			}
		}
		b.requireName(c, d.Name)
		d.typ = b.resolveType(d.TypeRef)
		if d.ID == "" {
			d.ID = d.Name // lenient mode only: strict mode reports the missing id
		}
		defs.decisionsByID[d.ID] = d
		if d.Name != "" {
			if other, dup := defs.decisionsByName[d.Name]; dup {
				b.problem(label(c), "decision name '%s' is also the name of decision '%s'", d.Name, other.ID)
			}
			defs.decisionsByName[d.Name] = d
		}
		decisionNodes[d] = c
		defs.Decisions = append(defs.Decisions, d)
	}
	bkmNodes := map[*BusinessKnowledgeModel]*node{}
	invocables := map[string]Invocable{}
	for _, c := range root.All("businessKnowledgeModel") {
		k := &BusinessKnowledgeModel{ID: c.Get("id"), Name: c.Get("name")}
		if v := c.Child("variable"); v != nil {
			k.TypeRef = typeRefOf(v)
		}
		b.requireName(c, k.Name)
		k.typ = b.resolveType(k.TypeRef)
		bkmNodes[k] = c
		invocables[k.ID] = k
		defs.bkmsByName[k.Name] = k
		defs.BusinessKnowledgeModels = append(defs.BusinessKnowledgeModels, k)
	}
	serviceNodes := map[*DecisionService]*node{}
	for _, c := range root.All("decisionService") {
		s := &DecisionService{ID: c.Get("id"), Name: c.Get("name")}
		if v := c.Child("variable"); v != nil {
			s.TypeRef = typeRefOf(v)
		}
		b.requireName(c, s.Name)
		s.typ = b.resolveType(s.TypeRef)
		serviceNodes[s] = c
		invocables[s.ID] = s
		defs.servicesByName[s.Name] = s
		defs.DecisionServices = append(defs.DecisionServices, s)
	}

	// Requirements.
	for _, d := range defs.Decisions {
		c := decisionNodes[d]
		for _, req := range c.All("informationRequirement") {
			for _, r := range req.Children {
				ref := hrefID(r.Get("href"))
				switch r.Name.Local {
				case "requiredDecision":
					if dep, ok := defs.decisionsByID[ref]; ok {
						d.RequiredDecisions = append(d.RequiredDecisions, dep)
					} else {
						b.problem(label(c), "required decision '%s' does not exist", ref)
					}
				case "requiredInput":
					if in, ok := inputs[ref]; ok {
						d.RequiredInputs = append(d.RequiredInputs, in)
					} else {
						b.problem(label(c), "required input '%s' does not exist", ref)
					}
				}
			}
		}
		d.RequiredKnowledge = b.knowledge(c, invocables)
	}
	for k, c := range bkmNodes {
		k.RequiredKnowledge = b.knowledge(c, invocables)
	}
	for s, c := range serviceNodes {
		for _, r := range c.Children {
			ref := hrefID(r.Get("href"))
			var list *[]*Decision
			switch r.Name.Local {
			case "outputDecision":
				list = &s.OutputDecisions
			case "encapsulatedDecision":
				list = &s.EncapsulatedDecisions
			case "inputDecision":
				list = &s.InputDecisions
			case "inputData":
				if in, ok := inputs[ref]; ok {
					s.InputData = append(s.InputData, in)
				} else {
					b.problem(label(c), "input data '%s' does not exist", ref)
				}
				continue
			default:
				continue
			}
			if dep, ok := defs.decisionsByID[ref]; ok {
				*list = append(*list, dep)
			} else {
				b.problem(label(c), "%s '%s' does not exist", r.Name.Local, ref)
			}
		}
		if len(s.OutputDecisions) == 0 {
			b.problem(label(c), "decision service has no output decision")
		}
	}
	b.checkCycles()

	// Logic.
	for _, d := range defs.Decisions {
		b.owner = "decision '" + label(decisionNodes[d]) + "'"
		b.names = b.scopedNames(decisionNodes[d], requirementNames(d)...)
		d.Logic = b.expressionIn(decisionNodes[d])
	}
	for _, k := range defs.BusinessKnowledgeModels {
		c := bkmNodes[k]
		b.owner = "business knowledge model '" + label(c) + "'"
		b.names = b.scopedNames(c, invocableNames(k.RequiredKnowledge)...)
		logic := c.Child("encapsulatedLogic")
		if logic == nil {
			k.Logic = &FunctionDefinition{Kind: "FEEL"}
			continue
		}
		k.Logic = b.functionDefinition(logic)
	}
	b.owner = ""
	b.names = defs.names
}

// knowledge resolves the knowledgeRequirements of a decision or BKM.
func (b *builder) knowledge(c *node, invocables map[string]Invocable) []Invocable {
	var out []Invocable
	for _, req := range c.All("knowledgeRequirement") {
		for _, r := range req.All("requiredKnowledge") {
			ref := hrefID(r.Get("href"))
			if inv, ok := invocables[ref]; ok {
				out = append(out, inv)
			} else {
				b.problem(label(c), "required knowledge '%s' does not exist", ref)
			}
		}
	}
	return out
}

// hrefID returns the id an href points at: "#id", or "namespace#id" for an
// element of an imported model.
func hrefID(href string) string {
	href = strings.TrimSpace(href)
	if i := strings.LastIndexByte(href, '#'); i >= 0 {
		return href[i+1:]
	}
	return href
}

// typeRefOf reads a typeRef given as an attribute (DMN 1.2+) or a child
// element (item definitions).
func typeRefOf(n *node) string {
	if t, ok := n.Attr("typeRef"); ok {
		return strings.TrimSpace(t)
	}
	return strings.TrimSpace(n.TextOf("typeRef"))
}

func (b *builder) requireName(n *node, name string) {
	if strings.TrimSpace(name) == "" {
		b.problem(label(n), "%s has no name", n.Name.Local)
	}
}

// checkIDs reports ids used by more than one element, and elements of the
// graph without an id.
func (b *builder) checkIDs(root *node) {
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		if id, ok := n.Attr("id"); ok && id != "" {
			if _, dup := b.byID[id]; dup {
				b.problem(id, "the id is used by more than one element")
			} else {
				b.byID[id] = n
			}
		}
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	for _, c := range root.Children {
		switch c.Name.Local {
		case "decision", "inputData", "businessKnowledgeModel", "decisionService":
			if c.Get("id") == "" && !b.lenient {
				b.problem(c.Get("name"), "%s has no id", c.Name.Local)
			}
		}
	}
}

// checkCycles rejects requirement cycles between decisions, with one
// depth-first walk over the whole graph. Knowledge requirements between BKMs
// may recurse (a BKM calling itself is legal FEEL); evaluation bounds the
// call depth instead.
func (b *builder) checkCycles() {
	const (
		active = 1
		done   = 2
	)
	state := make(map[*Decision]int, len(b.defs.Decisions))
	type frame struct {
		d    *Decision
		next int
	}
	for _, start := range b.defs.Decisions {
		if state[start] != 0 {
			continue
		}
		// An explicit stack: a long requirement chain must not exhaust the
		// goroutine stack here.
		stack := []frame{{d: start}}
		state[start] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.d.RequiredDecisions) {
				state[top.d] = done
				stack = stack[:len(stack)-1]
				continue
			}
			dep := top.d.RequiredDecisions[top.next]
			top.next++
			switch state[dep] {
			case active:
				b.problem(dep.ID, "decision requirements form a cycle through decision '%s'", dep.Name)
				return
			case 0:
				state[dep] = active
				stack = append(stack, frame{d: dep})
			}
		}
	}
}

// collectNames gathers the names FEEL text may use unquoted, for every
// expression of the model: those that FEEL could not read otherwise (with
// spaces), and the item components, which follow a dot. A name that FEEL
// would read as an expression ("Person.Gender", "a-b") is quoted only in
// the scopes that define it (see scopedNames).
func (b *builder) collectNames(root *node) {
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		switch n.Name.Local {
		case "itemComponent", "itemDefinition":
			b.defs.names.add(n.Get("name"))
		}
		for _, name := range definedNames(n) {
			if !readsAsExpression(name) {
				b.defs.names.add(name)
			}
		}
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
}

// definedNames returns the names element n defines. An invocation's binding
// names the callee's parameter, which is no name of the caller's scope.
func definedNames(n *node) []string {
	switch n.Name.Local {
	case "decision", "inputData", "businessKnowledgeModel", "decisionService",
		"variable", "formalParameter", "column", "output":
		return []string{n.Get("name")}
	case "for", "some", "every":
		return []string{n.Get("iteratorVariable")}
	}
	return nil
}

// readsAsExpression reports whether FEEL reads name, unquoted, as an
// expression of several names (a path, a difference...).
func readsAsExpression(name string) bool {
	return strings.ContainsAny(name, ".-+*/<>=!")
}

// scopedNames returns the names for the expressions under n: the model's,
// with the expression-like names n's subtree defines and those of extra
// (the owner's requirements).
func (b *builder) scopedNames(n *node, extra ...string) *nameSet {
	set := b.defs.names.child()
	var walk func(n *node)
	walk = func(n *node) {
		for _, name := range definedNames(n) {
			if readsAsExpression(name) {
				set.add(name)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	for _, name := range extra {
		set.add(name)
	}
	set.seal()
	return set
}

// requirementNames are the names a decision's requirements bind.
func requirementNames(d *Decision) []string {
	var names []string
	for _, in := range d.RequiredInputs {
		names = append(names, in.Name)
	}
	for _, dep := range d.RequiredDecisions {
		names = append(names, dep.Name, dep.VariableName)
	}
	return append(names, invocableNames(d.RequiredKnowledge)...)
}

func invocableNames(knowledge []Invocable) []string {
	var names []string
	for _, k := range knowledge {
		names = append(names, k.InvocableName())
	}
	return names
}

func (b *builder) itemDefinition(n *node) *ItemDefinition {
	item := &ItemDefinition{
		ID:           n.Get("id"),
		Name:         n.Get("name"),
		TypeRef:      typeRefOf(n),
		IsCollection: isTrue(n.Get("isCollection")),
	}
	if av := n.Child("allowedValues"); av != nil {
		item.AllowedValues = strings.TrimSpace(av.TextOf("text"))
	}
	for _, c := range n.All("itemComponent") {
		item.Components = append(item.Components, b.itemDefinition(c))
	}
	if fi := n.Child("functionItem"); fi != nil {
		item.Function = true
		item.FunctionOutput = strings.TrimSpace(fi.Get("outputTypeRef"))
	}
	return item
}

func (b *builder) compileAllowed(item *ItemDefinition) {
	if item.AllowedValues != "" {
		t, err := compileUnaryTests(b.defs.names.quote(item.AllowedValues))
		if err != nil {
			b.compileProblem(item.ID, "allowed values of item definition '%s' do not compile: %v", item.Name, err)
		} else {
			item.allowed = t
		}
	}
	for _, c := range item.Components {
		b.compileAllowed(c)
	}
}

func isTrue(s string) bool {
	s = strings.TrimSpace(s)
	return s == "true" || s == "1"
}

// compile compiles FEEL text of the model, reporting a problem that names
// the owning element and the expression.
func (b *builder) compile(id, text string) *feel.Expression {
	src := b.resolveInstanceOf(b.names.quote(strings.TrimSpace(text)))
	if src == "" {
		src = "null"
	}
	e, err := feel.DMN.Compile(src)
	b.lastErr = err
	if err != nil {
		b.compileProblem(id, "%s: expression '%s' does not compile: %v", b.owner, strings.TrimSpace(text), err)
		return nil
	}
	return e
}

func (b *builder) compileTests(id, text string) unaryTests {
	t, err := compileUnaryTests(b.names.quote(text))
	if err != nil {
		b.compileProblem(id, "%s: unary tests '%s' do not compile: %v", b.owner, strings.TrimSpace(text), err)
		return nil
	}
	return t
}
