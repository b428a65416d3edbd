package readmodel

// Table is one table that the projection writes: its name, its columns in the order
// of the schema, and how many leading columns make the primary key.
type Table struct {
	// Name is the table's name, the same in every dialect.
	Name string
	// Columns are the column names in schema order, the key columns first.
	Columns []string
	// Key is the number of leading columns that make the primary key.
	Key int
	// keepEarliest names a column: an existing row is replaced only by a row with a
	// smaller value there. Definitions are written by every partition (deployments are
	// distributed), each with its own record time; keeping the earliest makes the row
	// the same whatever order the partitions write in.
	keepEarliest string
}

// The tables, in the order a flush writes them. Times are milliseconds since the Unix
// epoch (record timestamps); keys that name nothing are -1, as in the records.
var (
	processDefinitions = &Table{Name: "process_definitions", Key: 1, keepEarliest: "deploy_time", Columns: []string{
		"key", "bpmn_process_id", "version", "resource_name", "bpmn_xml", "tenant_id", "deploy_time"}}
	decisionRequirements = &Table{Name: "decision_requirements", Key: 1, keepEarliest: "deploy_time", Columns: []string{
		"key", "decision_requirements_id", "name", "version", "namespace", "resource_name", "dmn_xml", "tenant_id", "deploy_time"}}
	decisions = &Table{Name: "decisions", Key: 1, keepEarliest: "deploy_time", Columns: []string{
		"key", "decision_id", "name", "version", "decision_requirements_key", "decision_requirements_id", "tenant_id", "deploy_time"}}
	processInstances = &Table{Name: "process_instances", Key: 1, Columns: []string{
		"key", "process_definition_key", "bpmn_process_id", "version", "tenant_id", "state", "incident_count",
		"start_time", "end_time", "parent_process_instance_key", "parent_element_instance_key", "partition_id"}}
	elementInstances = &Table{Name: "element_instances", Key: 1, Columns: []string{
		"key", "process_instance_key", "process_definition_key", "bpmn_process_id", "element_id", "element_type",
		"event_type", "flow_scope_key", "state", "start_time", "end_time", "tenant_id"}}
	sequenceFlows = &Table{Name: "sequence_flows", Key: 1, Columns: []string{
		"key", "process_instance_key", "process_definition_key", "element_id", "flow_scope_key", "time"}}
	variables = &Table{Name: "variables", Key: 2, Columns: []string{
		"scope_key", "name", "key", "process_instance_key", "process_definition_key", "bpmn_process_id",
		"value", "value_prefix", "tenant_id", "create_time", "update_time"}}
	variableHistory = &Table{Name: "variable_history", Key: 2, Columns: []string{
		"partition_id", "position", "key", "scope_key", "name", "process_instance_key", "value", "intent", "time"}}
	jobs = &Table{Name: "jobs", Key: 1, Columns: []string{
		"key", "type", "worker", "state", "retries", "deadline", "error_message", "error_code", "custom_headers",
		"element_id", "element_instance_key", "process_instance_key", "process_definition_key", "bpmn_process_id",
		"tenant_id", "create_time", "update_time", "end_time"}}
	incidents = &Table{Name: "incidents", Key: 1, Columns: []string{
		"key", "error_type", "error_message", "state", "process_instance_key", "process_definition_key",
		"bpmn_process_id", "element_id", "element_instance_key", "job_key", "variable_scope_key", "tenant_id",
		"create_time", "resolve_time"}}
	messages = &Table{Name: "messages", Key: 1, Columns: []string{
		"key", "name", "correlation_key", "message_id", "state", "variables", "time_to_live", "deadline",
		"tenant_id", "publish_time", "correlate_time", "expire_time"}}
	messageSubscriptions = &Table{Name: "message_subscriptions", Key: 2, Columns: []string{
		"element_instance_key", "message_name", "key", "process_instance_key", "bpmn_process_id", "element_id",
		"correlation_key", "message_key", "interrupting", "state", "tenant_id", "create_time", "update_time"}}
	timers = &Table{Name: "timers", Key: 1, Columns: []string{
		"key", "process_instance_key", "element_instance_key", "process_definition_key", "target_element_id",
		"due_date", "repetitions", "state", "tenant_id", "create_time", "end_time"}}
	decisionEvaluations = &Table{Name: "decision_evaluations", Key: 1, Columns: []string{
		"key", "decision_key", "decision_id", "decision_name", "decision_version", "decision_requirements_key",
		"decision_requirements_id", "process_definition_key", "bpmn_process_id", "process_instance_key",
		"element_instance_key", "element_id", "state", "output", "failure_message", "failed_decision_id",
		"evaluated_decisions", "tenant_id", "evaluation_time"}}
	// resourceDeletions marks deleted definitions (process, decision requirements,
	// decision); every partition deletes them, each at its own time: the earliest is
	// kept.
	resourceDeletions = &Table{Name: "resource_deletions", Key: 1, keepEarliest: "delete_time", Columns: []string{
		"key", "resource_type", "delete_time"}}
	// startSubscriptions has the message and signal start events of definitions, per
	// partition: each partition opens and closes them on its own.
	startSubscriptions = &Table{Name: "start_subscriptions", Key: 3, Columns: []string{
		"process_definition_key", "partition_id", "start_event_id", "kind", "name", "bpmn_process_id", "tenant_id",
		"state", "create_time", "delete_time"}}
	// signalSubscriptions has the signal waits of element instances.
	signalSubscriptions = &Table{Name: "signal_subscriptions", Key: 2, Columns: []string{
		"element_instance_key", "catch_event_id", "signal_name", "process_definition_key", "bpmn_process_id",
		"tenant_id", "state", "create_time", "update_time"}}
	instanceHistory = &Table{Name: "instance_history", Key: 3, Columns: []string{
		"partition_id", "position", "process_instance_key", "record_key", "record_type", "value_type", "intent",
		"element_id", "time"}}
)

// Column indexes, one block per table, in the order of Table.Columns.
const (
	pdKey = iota
	pdBpmnProcessID
	pdVersion
	pdResourceName
	pdBpmnXML
	pdTenantID
	pdDeployTime
)

const (
	drKey = iota
	drID
	drName
	drVersion
	drNamespace
	drResourceName
	drDmnXML
	drTenantID
	drDeployTime
)

const (
	dKey = iota
	dID
	dName
	dVersion
	dRequirementsKey
	dRequirementsID
	dTenantID
	dDeployTime
)

const (
	piKey = iota
	piDefinitionKey
	piBpmnProcessID
	piVersion
	piTenantID
	piState
	piIncidentCount
	piStartTime
	piEndTime
	piParentInstanceKey
	piParentElementInstanceKey
	piPartitionID
)

const (
	eiKey = iota
	eiInstanceKey
	eiDefinitionKey
	eiBpmnProcessID
	eiElementID
	eiElementType
	eiEventType
	eiFlowScopeKey
	eiState
	eiStartTime
	eiEndTime
	eiTenantID
)

const (
	sfKey = iota
	sfInstanceKey
	sfDefinitionKey
	sfElementID
	sfFlowScopeKey
	sfTime
)

const (
	vScopeKey = iota
	vName
	vKey
	vInstanceKey
	vDefinitionKey
	vBpmnProcessID
	vValue
	vValuePrefix
	vTenantID
	vCreateTime
	vUpdateTime
)

const (
	vhPartitionID = iota
	vhPosition
	vhKey
	vhScopeKey
	vhName
	vhInstanceKey
	vhValue
	vhIntent
	vhTime
)

const (
	jKey = iota
	jType
	jWorker
	jState
	jRetries
	jDeadline
	jErrorMessage
	jErrorCode
	jCustomHeaders
	jElementID
	jElementInstanceKey
	jInstanceKey
	jDefinitionKey
	jBpmnProcessID
	jTenantID
	jCreateTime
	jUpdateTime
	jEndTime
)

const (
	incKey = iota
	incErrorType
	incErrorMessage
	incState
	incInstanceKey
	incDefinitionKey
	incBpmnProcessID
	incElementID
	incElementInstanceKey
	incJobKey
	incVariableScopeKey
	incTenantID
	incCreateTime
	incResolveTime
)

const (
	mKey = iota
	mName
	mCorrelationKey
	mMessageID
	mState
	mVariables
	mTimeToLive
	mDeadline
	mTenantID
	mPublishTime
	mCorrelateTime
	mExpireTime
)

const (
	msElementInstanceKey = iota
	msMessageName
	msKey
	msInstanceKey
	msBpmnProcessID
	msElementID
	msCorrelationKey
	msMessageKey
	msInterrupting
	msState
	msTenantID
	msCreateTime
	msUpdateTime
)

const (
	tKey = iota
	tInstanceKey
	tElementInstanceKey
	tDefinitionKey
	tTargetElementID
	tDueDate
	tRepetitions
	tState
	tTenantID
	tCreateTime
	tEndTime
)

const (
	deKey = iota
	deDecisionKey
	deDecisionID
	deDecisionName
	deDecisionVersion
	deRequirementsKey
	deRequirementsID
	deDefinitionKey
	deBpmnProcessID
	deInstanceKey
	deElementInstanceKey
	deElementID
	deState
	deOutput
	deFailureMessage
	deFailedDecisionID
	deEvaluatedDecisions
	deTenantID
	deEvaluationTime
)

const (
	rdKey = iota
	rdResourceType
	rdDeleteTime
)

const (
	ssDefinitionKey = iota
	ssPartitionID
	ssStartEventID
	ssKind
	ssName
	ssBpmnProcessID
	ssTenantID
	ssState
	ssCreateTime
	ssDeleteTime
)

const (
	sgElementInstanceKey = iota
	sgCatchEventID
	sgSignalName
	sgDefinitionKey
	sgBpmnProcessID
	sgTenantID
	sgState
	sgCreateTime
	sgUpdateTime
)

const (
	ihPartitionID = iota
	ihPosition
	ihInstanceKey
	ihRecordKey
	ihRecordType
	ihValueType
	ihIntent
	ihElementID
	ihTime
)

// tables is every table the projection writes, in flush order.
var tables = []*Table{
	processDefinitions, decisionRequirements, decisions,
	processInstances, elementInstances, sequenceFlows,
	variables, variableHistory,
	jobs, incidents,
	messages, messageSubscriptions, timers,
	decisionEvaluations, instanceHistory, resourceDeletions, startSubscriptions, signalSubscriptions,
}

// Tables returns the tables the projection writes, in the order a flush writes them;
// the schema also has schema_migrations and exporter_positions.
func Tables() []Table {
	out := make([]Table, len(tables))
	for i, t := range tables {
		out[i] = *t
		out[i].Columns = append([]string(nil), t.Columns...)
	}
	return out
}
