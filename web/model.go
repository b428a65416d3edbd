// Package web holds what the monitor shows and how: the data of its pages (this file),
// the templ components that render them (package components), and the static assets
// (CSS, scripts, the vendored BPMN viewer and htmx) served from Static.
//
// The types here are plain data: keys as int64 (rendered as decimal strings), times
// as time.Time (the zero time means "none"). The monitor's query layer fills them
// from the read model.
package web

import "time"

// Counts are the dashboard's headline numbers.
type Counts struct {
	RunningInstances int64
	OpenIncidents    int64
	ActivatableJobs  int64
	Definitions      int64
}

// Topology is the cluster as the gateway sees it; Err is set when the gateway could
// not be asked.
type Topology struct {
	Err               string
	ClusterSize       int32
	PartitionsCount   int32
	ReplicationFactor int32
	GatewayVersion    string
	Brokers           []Broker
}

// Broker is one broker of the Topology.
type Broker struct {
	NodeID     int32
	Address    string
	Version    string
	Partitions []PartitionRole
}

// PartitionRole is a broker's role in one partition and the partition's health there.
type PartitionRole struct {
	ID     int32
	Role   string // LEADER, FOLLOWER, INACTIVE
	Health string // HEALTHY, UNHEALTHY, DEAD
}

// Process is a deployed process definition (one version).
type Process struct {
	Key           int64
	BpmnProcessID string
	Version       int32
	ResourceName  string
	TenantID      string
	DeployTime    time.Time
	// DeleteTime is when the definition was deleted (DeleteResource); zero while it
	// is not.
	DeleteTime       time.Time
	RunningInstances int64
	// XML is the BPMN resource; set only where a page shows the diagram.
	XML string
}

// ProcessInstance is one row of process_instances.
type ProcessInstance struct {
	Key                      int64
	ProcessDefinitionKey     int64
	BpmnProcessID            string
	Version                  int32
	TenantID                 string
	State                    string
	IncidentCount            int64
	StartTime                time.Time
	EndTime                  time.Time
	ParentProcessInstanceKey int64
	ParentElementInstanceKey int64
}

// ElementInstance is one activation of a flow element in an instance.
type ElementInstance struct {
	Key          int64
	ElementID    string
	ElementName  string
	ElementType  string
	FlowScopeKey int64
	State        string
	StartTime    time.Time
	EndTime      time.Time
}

// ElementStats counts, for one BPMN element, its element instances by state and its
// open incidents; the diagram shows them as badges.
type ElementStats struct {
	ElementID  string `json:"-"`
	Active     int64  `json:"active,omitempty"`
	Completed  int64  `json:"completed,omitempty"`
	Terminated int64  `json:"terminated,omitempty"`
	Incidents  int64  `json:"incidents,omitempty"`
}

// DiagramState is what the diagram marks: per element its counts, and the sequence
// flows taken. It is handed to the browser as JSON.
type DiagramState struct {
	Elements map[string]ElementStats `json:"elements"`
	Flows    []string                `json:"flows"`
}

// Element is a flow element of a BPMN process, as the page lists it beside (or, without
// JavaScript, instead of) the diagram.
type Element struct {
	ID   string
	Name string
	Type string // the XML element's local name: serviceTask, startEvent...
}

// Variable is a variable of a scope (the instance or an element instance).
type Variable struct {
	ScopeKey   int64
	Name       string
	Value      string // JSON
	UpdateTime time.Time
}

// Scope is a variable scope with its variables: the instance itself or one of its
// element instances.
type Scope struct {
	Key       int64
	ElementID string
	IsProcess bool
	Variables []Variable
}

// Job is one row of jobs.
type Job struct {
	Key                int64
	Type               string
	Worker             string
	State              string
	Retries            int32
	Deadline           time.Time
	ErrorMessage       string
	ErrorCode          string
	CustomHeaders      string
	ElementID          string
	ElementInstanceKey int64
	ProcessInstanceKey int64
	BpmnProcessID      string
	CreateTime         time.Time
	UpdateTime         time.Time
}

// Incident is one row of incidents.
type Incident struct {
	Key                  int64
	ErrorType            string
	ErrorMessage         string
	State                string
	ProcessInstanceKey   int64
	ProcessDefinitionKey int64
	BpmnProcessID        string
	ElementID            string
	ElementInstanceKey   int64
	JobKey               int64
	CreateTime           time.Time
	ResolveTime          time.Time
}

// Timer is one row of timers.
type Timer struct {
	Key                int64
	ElementInstanceKey int64
	TargetElementID    string
	DueDate            time.Time
	Repetitions        int32
	State              string
}

// MessageSubscription is an instance's subscription to a message.
type MessageSubscription struct {
	ElementInstanceKey int64
	MessageName        string
	ElementID          string
	CorrelationKey     string
	State              string
	UpdateTime         time.Time
}

// SignalSubscription is an element instance's wait for a signal.
type SignalSubscription struct {
	ElementInstanceKey int64
	CatchEventID       string // the catch event, or the boundary event of an activity
	SignalName         string
	State              string
	UpdateTime         time.Time
}

// Message is one row of messages.
type Message struct {
	Key            int64
	Name           string
	CorrelationKey string
	MessageID      string
	State          string
	Variables      string
	TimeToLive     time.Duration
	PublishTime    time.Time
	CorrelateTime  time.Time
	ExpireTime     time.Time
}

// StartEvent is a message or signal start event of a process definition: what starts
// an instance of it, and on how many of the partitions that know it the event waits.
type StartEvent struct {
	ProcessDefinitionKey int64
	BpmnProcessID        string
	Version              int32
	ElementID            string
	Kind                 string // MESSAGE or SIGNAL
	Name                 string // the message's or the signal's name
	Open                 int    // partitions where it waits
	Partitions           int    // partitions that opened it
}

// HistoryRecord is one record of an instance's history.
type HistoryRecord struct {
	PartitionID int32
	Position    int64
	RecordKey   int64
	RecordType  string
	ValueType   string
	Intent      string
	ElementID   string
	Time        time.Time
}

// Decision is a deployed decision (one version) of a decision requirements graph.
type Decision struct {
	Key                     int64
	DecisionID              string
	Name                    string
	Version                 int32
	DecisionRequirementsKey int64
	DecisionRequirementsID  string
	TenantID                string
	DeployTime              time.Time
	// DeleteTime is when the decision was deleted (DeleteResource); zero while it is
	// not.
	DeleteTime time.Time
}

// DecisionLogic is how a decision decides, as parsed from the DMN XML: a decision
// table, a literal expression, or neither (Kind "").
type DecisionLogic struct {
	Kind       string // "decisionTable", "literalExpression" or ""
	Table      *DecisionTable
	Expression string
	// Err says why the XML could not be read; the page shows it instead.
	Err string
}

// DecisionTable is a DMN decision table: its columns and rules.
type DecisionTable struct {
	HitPolicy   string
	Aggregation string
	Inputs      []TableColumn
	Outputs     []TableColumn
	Rules       []TableRule
}

// TableColumn is an input (with its expression) or an output of a decision table.
type TableColumn struct {
	ID         string
	Label      string
	Expression string // inputs: the input expression; outputs: the output name
	TypeRef    string
}

// TableRule is a row of a decision table: one entry per input and per output.
type TableRule struct {
	ID          string
	Inputs      []string
	Outputs     []string
	Description string
}

// DecisionEvaluation is one row of decision_evaluations.
type DecisionEvaluation struct {
	Key                int64
	DecisionKey        int64
	DecisionID         string
	DecisionName       string
	DecisionVersion    int32
	ProcessInstanceKey int64
	ElementID          string
	State              string
	Output             string
	FailureMessage     string
	FailedDecisionID   string
	EvaluatedDecisions string // JSON
	Time               time.Time
}
