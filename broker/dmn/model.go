package dmn

import "github.com/weftlabs/weft/broker/feel"

// Definitions is one parsed DMN resource: its decision requirements graph
// with the decisions, input data, business knowledge models, decision
// services and item definitions it declares. It is immutable once Parse
// returns it, so many goroutines may evaluate decisions from it at once.
type Definitions struct {
	ID        string
	Name      string
	Namespace string
	// Version is the DMN version of the model namespace: "1.1" to "1.5".
	Version string

	Decisions               []*Decision
	InputData               []*InputData
	BusinessKnowledgeModels []*BusinessKnowledgeModel
	DecisionServices        []*DecisionService
	ItemDefinitions         []*ItemDefinition

	decisionsByID   map[string]*Decision
	decisionsByName map[string]*Decision
	servicesByName  map[string]*DecisionService
	bkmsByName      map[string]*BusinessKnowledgeModel
	types           map[string]*ItemDefinition
	// names are the multi-word and symbol-bearing names of the model, which
	// FEEL text uses unquoted and which are quoted before compiling.
	names *nameSet
}

// Decision returns the decision with the given id.
func (d *Definitions) Decision(id string) (*Decision, bool) {
	dec, ok := d.decisionsByID[id]
	return dec, ok
}

// DecisionByName returns the decision with the given name.
func (d *Definitions) DecisionByName(name string) (*Decision, bool) {
	dec, ok := d.decisionsByName[name]
	return dec, ok
}

// DecisionService returns the decision service with the given name or id.
func (d *Definitions) DecisionService(nameOrID string) (*DecisionService, bool) {
	if s, ok := d.servicesByName[nameOrID]; ok {
		return s, true
	}
	for _, s := range d.DecisionServices {
		if s.ID == nameOrID {
			return s, true
		}
	}
	return nil, false
}

// Decision is one decision of the graph. Its value is bound to Name (the
// name of its variable) in the decisions that require it.
type Decision struct {
	ID   string
	Name string
	// VariableName names the decision's result in the decisions that
	// require it: its variable's name. A decision without a variable (as
	// the Camunda Modeler writes decision tables) is known by its id and
	// by its name.
	VariableName string
	// TypeRef is the type of the decision's variable; a value that does
	// not conform to it becomes null.
	TypeRef string
	// Logic is the decision's value expression; nil for a decision without
	// decision logic, whose value is null.
	Logic Expression

	RequiredDecisions []*Decision
	RequiredInputs    []*InputData
	// RequiredKnowledge holds the business knowledge models and decision
	// services the decision invokes.
	RequiredKnowledge []Invocable

	typ *typeInfo
}

// InputData is a value the caller supplies, bound to Name.
type InputData struct {
	ID      string
	Name    string
	TypeRef string
	typ     *typeInfo
}

// Invocable is a business knowledge model or a decision service: a function
// that decisions and other business knowledge models may call by its name.
type Invocable interface {
	// InvocableName is the name the function is bound to.
	InvocableName() string
	invocableID() string
}

// BusinessKnowledgeModel is a reusable function, its encapsulated logic a
// function definition with parameters.
type BusinessKnowledgeModel struct {
	ID                string
	Name              string
	TypeRef           string
	Logic             *FunctionDefinition
	RequiredKnowledge []Invocable
	typ               *typeInfo
}

// InvocableName returns the BKM's name.
func (b *BusinessKnowledgeModel) InvocableName() string { return b.Name }
func (b *BusinessKnowledgeModel) invocableID() string   { return b.ID }

// DecisionService exposes some decisions as one function: its parameters
// are its input data then its input decisions (by name), its value the
// output decision's value, or a context of them when there are several.
type DecisionService struct {
	ID                    string
	Name                  string
	TypeRef               string
	OutputDecisions       []*Decision
	EncapsulatedDecisions []*Decision
	InputDecisions        []*Decision
	InputData             []*InputData
	typ                   *typeInfo
}

// InvocableName returns the decision service's name.
func (s *DecisionService) InvocableName() string { return s.Name }
func (s *DecisionService) invocableID() string   { return s.ID }

// ItemDefinition is a named type: a FEEL type (TypeRef), optionally
// restricted by allowed values, a collection of it, or a structure of
// components.
type ItemDefinition struct {
	ID            string
	Name          string
	TypeRef       string
	IsCollection  bool
	AllowedValues string
	Components    []*ItemDefinition
	// Function is set for a function item; FunctionOutput is its
	// outputTypeRef. Its parameters are not checked.
	Function       bool
	FunctionOutput string

	allowed unaryTests
}

// Expression is a DMN value expression: a decision table, a FEEL literal
// expression or one of the boxed expressions.
type Expression interface {
	// ExpressionType names the kind of expression as Zeebe reports a
	// decision's type: "DECISION_TABLE", "LITERAL_EXPRESSION", "CONTEXT"...
	ExpressionType() string
	eval(ev *evaluation, sc *scope) (feel.Value, error)
}

// LiteralExpression is a FEEL expression.
type LiteralExpression struct {
	ID      string
	TypeRef string
	Text    string
	expr    *feel.Expression
	typ     *typeInfo
	// compileErr is why expr is nil, in lenient mode.
	compileErr error
}

// ExpressionType returns "LITERAL_EXPRESSION".
func (*LiteralExpression) ExpressionType() string { return "LITERAL_EXPRESSION" }

// HitPolicy says which of a decision table's matching rules make its result.
type HitPolicy string

// The hit policies of DMN 1.4.
const (
	HitUnique      HitPolicy = "UNIQUE"
	HitFirst       HitPolicy = "FIRST"
	HitPriority    HitPolicy = "PRIORITY"
	HitAny         HitPolicy = "ANY"
	HitCollect     HitPolicy = "COLLECT"
	HitRuleOrder   HitPolicy = "RULE ORDER"
	HitOutputOrder HitPolicy = "OUTPUT ORDER"
)

// Aggregation combines a COLLECT table's results into one value.
type Aggregation string

// The aggregations of COLLECT.
const (
	AggregationNone  Aggregation = ""
	AggregationSum   Aggregation = "SUM"
	AggregationMin   Aggregation = "MIN"
	AggregationMax   Aggregation = "MAX"
	AggregationCount Aggregation = "COUNT"
)

// DecisionTable is a decision table: inputs, outputs and rules.
type DecisionTable struct {
	ID          string
	TypeRef     string
	HitPolicy   HitPolicy
	Aggregation Aggregation
	Inputs      []*TableInput
	Outputs     []*TableOutput
	Rules       []*Rule
	typ         *typeInfo
}

// ExpressionType returns "DECISION_TABLE".
func (*DecisionTable) ExpressionType() string { return "DECISION_TABLE" }

// TableInput is one input column: an expression whose value the rules'
// input entries test.
type TableInput struct {
	ID          string
	Label       string
	Expression  string
	TypeRef     string
	InputValues string
	expr        *feel.Expression
	values      unaryTests
	typ         *typeInfo
}

// TableOutput is one output column.
type TableOutput struct {
	ID           string
	Name         string
	Label        string
	TypeRef      string
	OutputValues string
	Default      string
	values       unaryTests
	// priorities are the outputValues' values in order, for PRIORITY and
	// OUTPUT ORDER.
	priorities []feel.Value
	deflt      *feel.Expression
	typ        *typeInfo
}

// Rule is one row: unary tests per input, an expression per output.
type Rule struct {
	ID            string
	InputEntries  []string
	OutputEntries []string
	tests         []unaryTests
	outputs       []*feel.Expression
}
