package readmodel

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// The states the read model writes.
const (
	StateActive     = "ACTIVE"
	StateCompleted  = "COMPLETED"
	StateTerminated = "TERMINATED"
	StateResolved   = "RESOLVED"
	StatePublished  = "PUBLISHED"
	StateCorrelated = "CORRELATED"
	StateExpired    = "EXPIRED"
	StateActivated  = "ACTIVATED"
	StateCreated    = "CREATED"
	StateTriggered  = "TRIGGERED"
	StateCanceled   = "CANCELED"
	StateEvaluated  = "EVALUATED"
	StateFailed     = "FAILED"
)

// valuePrefixLen is how many bytes of a variable's value value_prefix keeps: enough to
// filter on most values, small enough for a Postgres btree entry.
const valuePrefixLen = 256

// ValuePrefix is what the variables table stores in value_prefix for a value: its
// first 256 bytes, cut at a character boundary. Filter instances by a variable with
// "name = ? AND value_prefix = ? AND value = ?" and ValuePrefix(value), so that the
// (name, value_prefix) index serves values of any length.
func ValuePrefix(value string) string {
	if len(value) <= valuePrefixLen {
		return value
	}
	n := valuePrefixLen
	for n > 0 && !utf8.RuneStart(value[n]) {
		n--
	}
	return value[:n]
}

// Projection turns records into row changes. It keeps no state between records: a
// record's effect depends on the record alone (its time is the record's timestamp),
// so that the rows are the same however often the records are written.
type Projection struct {
	// History writes instance_history: one row per record of a process instance.
	History bool
}

// Apply adds the changes of r to b.
func (p Projection) Apply(r *exportersdk.Record, b *Batch) {
	if p.History {
		history(r, b)
	}
	if r.RecordType != exportersdk.Event {
		return
	}
	switch v := r.Value.(type) {
	case *recordpb.ProcessRecord:
		switch r.Intent {
		case "CREATED":
			process(r, v, b)
		case "DELETED":
			deleted(r, v.GetProcessDefinitionKey(), "PROCESS", b)
		}
	case *recordpb.DecisionRequirementsRecord:
		switch r.Intent {
		case "CREATED":
			decisionRequirementsRow(r, v, b)
		case "DELETED":
			deleted(r, v.GetDecisionRequirementsKey(), "DECISION_REQUIREMENTS", b)
		}
	case *recordpb.DecisionRecord:
		switch r.Intent {
		case "CREATED":
			decision(r, v, b)
		case "DELETED":
			deleted(r, v.GetDecisionKey(), "DECISION", b)
		}
	case *recordpb.ProcessInstanceRecord:
		processInstance(r, v, b)
	case *recordpb.JobRecord:
		job(r, r.Key, v, b)
	case *recordpb.JobBatchRecord:
		if r.Intent == "ACTIVATED" {
			for i, key := range v.GetJobKeys() {
				if i < len(v.GetJobs()) {
					job(r, key, v.GetJobs()[i], b)
				}
			}
		}
	case *recordpb.IncidentRecord:
		incident(r, v, b)
	case *recordpb.VariableRecord:
		variable(r, v, b)
	case *recordpb.MessageRecord:
		message(r, v, b)
	case *recordpb.MessageSubscriptionRecord:
		if r.Intent == "CORRELATED" {
			correlated(r, v.GetMessageKey(), v.GetMessageName(), v.GetCorrelationKey(), v.GetTenantId(), b)
		}
	case *recordpb.MessageStartEventSubscriptionRecord:
		if r.Intent == "CORRELATED" {
			correlated(r, v.GetMessageKey(), v.GetMessageName(), v.GetCorrelationKey(), v.GetTenantId(), b)
		}
		startSubscription(r, v.GetProcessDefinitionKey(), v.GetStartEventId(), KindMessage, v.GetMessageName(),
			v.GetBpmnProcessId(), v.GetTenantId(), b)
	case *recordpb.SignalSubscriptionRecord:
		if v.GetCatchEventInstanceKey() <= 0 { // a start event's, not an element instance's
			startSubscription(r, v.GetProcessDefinitionKey(), v.GetCatchEventId(), KindSignal, v.GetSignalName(),
				v.GetBpmnProcessId(), v.GetTenantId(), b)
		} else {
			signalSubscription(r, v, b)
		}
	case *recordpb.ProcessMessageSubscriptionRecord:
		messageSubscription(r, v, b)
	case *recordpb.TimerRecord:
		timer(r, v, b)
	case *recordpb.DecisionEvaluationRecord:
		decisionEvaluation(r, v, b)
	}
}

func process(r *exportersdk.Record, v *recordpb.ProcessRecord, b *Batch) {
	row, created := b.row(processDefinitions, rowKey{a: v.GetProcessDefinitionKey()})
	if !created {
		return // the earliest record of a definition wins, here as in the database
	}
	row.int(pdKey, v.GetProcessDefinitionKey())
	row.str(pdBpmnProcessID, v.GetBpmnProcessId())
	row.int32(pdVersion, v.GetVersion())
	row.str(pdResourceName, v.GetResourceName())
	row.str(pdBpmnXML, string(v.GetResource()))
	row.str(pdTenantID, v.GetTenantId())
	row.int(pdDeployTime, r.Timestamp)
}

func decisionRequirementsRow(r *exportersdk.Record, v *recordpb.DecisionRequirementsRecord, b *Batch) {
	row, created := b.row(decisionRequirements, rowKey{a: v.GetDecisionRequirementsKey()})
	if !created {
		return
	}
	row.int(drKey, v.GetDecisionRequirementsKey())
	row.str(drID, v.GetDecisionRequirementsId())
	row.str(drName, v.GetDecisionRequirementsName())
	row.int32(drVersion, v.GetDecisionRequirementsVersion())
	row.str(drNamespace, v.GetNamespace())
	row.str(drResourceName, v.GetResourceName())
	row.str(drDmnXML, string(v.GetResource()))
	row.str(drTenantID, v.GetTenantId())
	row.int(drDeployTime, r.Timestamp)
}

func decision(r *exportersdk.Record, v *recordpb.DecisionRecord, b *Batch) {
	row, created := b.row(decisions, rowKey{a: v.GetDecisionKey()})
	if !created {
		return
	}
	row.int(dKey, v.GetDecisionKey())
	row.str(dID, v.GetDecisionId())
	row.str(dName, v.GetDecisionName())
	row.int32(dVersion, v.GetVersion())
	row.int(dRequirementsKey, v.GetDecisionRequirementsKey())
	row.str(dRequirementsID, v.GetDecisionRequirementsId())
	row.str(dTenantID, v.GetTenantId())
	row.int(dDeployTime, r.Timestamp)
}

// deleted marks a definition deleted; the earliest deletion (of all partitions) wins.
func deleted(r *exportersdk.Record, key int64, resourceType string, b *Batch) {
	row, created := b.row(resourceDeletions, rowKey{a: key})
	if !created {
		return
	}
	row.int(rdKey, key)
	row.str(rdResourceType, resourceType)
	row.int(rdDeleteTime, r.Timestamp)
}

// Kinds of start_subscriptions rows.
const (
	KindMessage = "MESSAGE"
	KindSignal  = "SIGNAL"
)

// startSubscription records the opening (CREATED) or closing (DELETED) of a start
// event's subscription on the record's partition; other intents (a message that
// started an instance) change nothing.
func startSubscription(r *exportersdk.Record, definitionKey int64, eventID, kind, name, bpmnProcessID, tenantID string, b *Batch) {
	if !opensOrCloses(r) || definitionKey <= 0 {
		return
	}
	row, _ := b.row(startSubscriptions, rowKey{a: definitionKey, b: int64(r.PartitionID), s: clean(eventID)})
	row.int(ssDefinitionKey, definitionKey)
	row.int32(ssPartitionID, r.PartitionID)
	row.str(ssStartEventID, eventID)
	row.str(ssKind, kind)
	row.str(ssName, name)
	row.str(ssBpmnProcessID, bpmnProcessID)
	row.str(ssTenantID, tenantID)
	row.str(ssState, r.Intent)
	if r.Intent == StateCreated {
		row.int(ssCreateTime, r.Timestamp)
		row.put(ssDeleteTime, nil) // open again (its newer version was deleted)
	} else {
		row.int(ssDeleteTime, r.Timestamp)
	}
}

// opensOrCloses reports whether r is a subscription's CREATED or DELETED event.
func opensOrCloses(r *exportersdk.Record) bool {
	return r.RecordType == exportersdk.Event && (r.Intent == StateCreated || r.Intent == "DELETED")
}

// signalSubscription records an element instance's wait for a signal: CREATED when
// it opens, DELETED when the signal came or the element instance was left.
func signalSubscription(r *exportersdk.Record, v *recordpb.SignalSubscriptionRecord, b *Batch) {
	if !opensOrCloses(r) {
		return
	}
	row, _ := b.row(signalSubscriptions, rowKey{a: v.GetCatchEventInstanceKey(), s: clean(v.GetCatchEventId())})
	row.int(sgElementInstanceKey, v.GetCatchEventInstanceKey())
	row.str(sgCatchEventID, v.GetCatchEventId())
	row.str(sgSignalName, v.GetSignalName())
	row.int(sgDefinitionKey, v.GetProcessDefinitionKey())
	row.str(sgBpmnProcessID, v.GetBpmnProcessId())
	row.str(sgTenantID, v.GetTenantId())
	row.str(sgState, r.Intent)
	row.int(sgUpdateTime, r.Timestamp)
	if r.Intent == StateCreated {
		row.int(sgCreateTime, r.Timestamp)
	}
}

// lifecycle maps an element instance intent to the state it enters and whether it
// starts or ends the element instance; other intents change no state.
func lifecycle(intent string) (state string, start, end bool) {
	switch intent {
	case "ELEMENT_ACTIVATING":
		return StateActive, true, false
	case "ELEMENT_COMPLETED":
		return StateCompleted, false, true
	case "ELEMENT_TERMINATED":
		return StateTerminated, false, true
	}
	return "", false, false
}

func processInstance(r *exportersdk.Record, v *recordpb.ProcessInstanceRecord, b *Batch) {
	if r.Intent == "SEQUENCE_FLOW_TAKEN" {
		row, _ := b.row(sequenceFlows, rowKey{a: r.Key})
		row.int(sfKey, r.Key)
		row.int(sfInstanceKey, v.GetProcessInstanceKey())
		row.int(sfDefinitionKey, v.GetProcessDefinitionKey())
		row.str(sfElementID, v.GetElementId())
		row.int(sfFlowScopeKey, v.GetFlowScopeKey())
		row.int(sfTime, r.Timestamp)
		return
	}
	state, start, end := lifecycle(r.Intent)
	ei, _ := b.row(elementInstances, rowKey{a: r.Key})
	ei.int(eiKey, r.Key)
	ei.int(eiInstanceKey, v.GetProcessInstanceKey())
	ei.int(eiDefinitionKey, v.GetProcessDefinitionKey())
	ei.str(eiBpmnProcessID, v.GetBpmnProcessId())
	ei.str(eiElementID, v.GetElementId())
	ei.str(eiElementType, v.GetBpmnElementType())
	ei.str(eiEventType, v.GetBpmnEventType())
	ei.int(eiFlowScopeKey, v.GetFlowScopeKey())
	ei.str(eiTenantID, v.GetTenantId())
	if state != "" {
		ei.str(eiState, state)
	}
	if start {
		ei.int(eiStartTime, r.Timestamp)
	}
	if end {
		ei.int(eiEndTime, r.Timestamp)
	}
	if v.GetBpmnElementType() != "PROCESS" || r.Key != v.GetProcessInstanceKey() {
		return
	}
	pi, _ := b.row(processInstances, rowKey{a: r.Key})
	pi.int(piKey, r.Key)
	pi.int(piDefinitionKey, v.GetProcessDefinitionKey())
	pi.str(piBpmnProcessID, v.GetBpmnProcessId())
	pi.int32(piVersion, v.GetVersion())
	pi.str(piTenantID, v.GetTenantId())
	pi.int(piParentInstanceKey, v.GetParentProcessInstanceKey())
	pi.int(piParentElementInstanceKey, v.GetParentElementInstanceKey())
	pi.int32(piPartitionID, r.PartitionID)
	if state != "" {
		pi.str(piState, state)
	}
	if start {
		pi.int(piStartTime, r.Timestamp)
	}
	if end {
		pi.int(piEndTime, r.Timestamp)
	}
}

// jobEnds are the job intents that end a job.
var jobEnds = map[string]bool{"COMPLETED": true, "CANCELED": true, "ERROR_THROWN": true}

func job(r *exportersdk.Record, key int64, v *recordpb.JobRecord, b *Batch) {
	if key <= 0 {
		return
	}
	row, _ := b.row(jobs, rowKey{a: key})
	row.int(jKey, key)
	row.str(jType, v.GetType())
	row.str(jWorker, v.GetWorker())
	row.int32(jRetries, v.GetRetries())
	row.int(jDeadline, v.GetDeadline())
	row.str(jErrorMessage, v.GetErrorMessage())
	row.str(jErrorCode, v.GetErrorCode())
	row.str(jCustomHeaders, headersJSON(v.GetCustomHeaders()))
	row.str(jElementID, v.GetElementId())
	row.int(jElementInstanceKey, v.GetElementInstanceKey())
	row.int(jInstanceKey, v.GetProcessInstanceKey())
	row.int(jDefinitionKey, v.GetProcessDefinitionKey())
	row.str(jBpmnProcessID, v.GetBpmnProcessId())
	row.str(jTenantID, v.GetTenantId())
	row.int(jUpdateTime, r.Timestamp)
	switch r.Intent {
	case "RETRIES_UPDATED", "TIMEOUT_UPDATED":
		// The job keeps its state; only retries or the deadline change.
	case "ACTIVATED": // a job batch's job
		row.str(jState, StateActivated)
	default:
		row.str(jState, r.Intent)
	}
	if r.Intent == "CREATED" {
		row.int(jCreateTime, r.Timestamp)
	}
	if jobEnds[r.Intent] {
		row.int(jEndTime, r.Timestamp)
	}
}

// headersJSON encodes custom headers as a JSON object, in the model's order.
func headersJSON(hs []*recordpb.Header) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, h := range hs {
		if i > 0 {
			sb.WriteByte(',')
		}
		k, _ := json.Marshal(clean(h.GetKey()))
		v, _ := json.Marshal(clean(h.GetValue()))
		sb.Write(k)
		sb.WriteByte(':')
		sb.Write(v)
	}
	sb.WriteByte('}')
	return sb.String()
}

func incident(r *exportersdk.Record, v *recordpb.IncidentRecord, b *Batch) {
	var state string
	switch r.Intent {
	case "CREATED":
		state = StateActive
	case "RESOLVED":
		state = StateResolved
	default:
		return
	}
	row, _ := b.row(incidents, rowKey{a: r.Key})
	row.int(incKey, r.Key)
	row.str(incErrorType, v.GetErrorType())
	row.str(incErrorMessage, v.GetErrorMessage())
	row.str(incState, state)
	row.int(incInstanceKey, v.GetProcessInstanceKey())
	row.int(incDefinitionKey, v.GetProcessDefinitionKey())
	row.str(incBpmnProcessID, v.GetBpmnProcessId())
	row.str(incElementID, v.GetElementId())
	row.int(incElementInstanceKey, v.GetElementInstanceKey())
	row.int(incJobKey, v.GetJobKey())
	row.int(incVariableScopeKey, v.GetVariableScopeKey())
	row.str(incTenantID, v.GetTenantId())
	if state == StateActive {
		row.int(incCreateTime, r.Timestamp)
	} else {
		row.int(incResolveTime, r.Timestamp)
	}
	if k := v.GetProcessInstanceKey(); k > 0 {
		b.inc[k] = struct{}{}
	}
}

func variable(r *exportersdk.Record, v *recordpb.VariableRecord, b *Batch) {
	switch r.Intent {
	case "CREATED", "UPDATED", "MIGRATED":
	default:
		return
	}
	value := clean(string(v.GetValue()))
	row, _ := b.row(variables, rowKey{a: v.GetScopeKey(), s: clean(v.GetName())})
	row.int(vScopeKey, v.GetScopeKey())
	row.str(vName, v.GetName())
	row.int(vKey, r.Key)
	row.int(vInstanceKey, v.GetProcessInstanceKey())
	row.int(vDefinitionKey, v.GetProcessDefinitionKey())
	row.str(vBpmnProcessID, v.GetBpmnProcessId())
	row.put(vValue, value)
	row.put(vValuePrefix, ValuePrefix(value))
	row.str(vTenantID, v.GetTenantId())
	row.int(vUpdateTime, r.Timestamp)
	if r.Intent == "CREATED" {
		row.int(vCreateTime, r.Timestamp)
	}
	if r.Intent == "MIGRATED" {
		return // the value did not change
	}
	h, _ := b.row(variableHistory, rowKey{a: int64(r.PartitionID), b: r.Position})
	h.int32(vhPartitionID, r.PartitionID)
	h.int(vhPosition, r.Position)
	h.int(vhKey, r.Key)
	h.int(vhScopeKey, v.GetScopeKey())
	h.str(vhName, v.GetName())
	h.int(vhInstanceKey, v.GetProcessInstanceKey())
	h.put(vhValue, value)
	h.str(vhIntent, r.Intent)
	h.int(vhTime, r.Timestamp)
}

func message(r *exportersdk.Record, v *recordpb.MessageRecord, b *Batch) {
	if r.Intent != "PUBLISHED" && r.Intent != "EXPIRED" {
		return
	}
	row, _ := b.row(messages, rowKey{a: r.Key})
	row.int(mKey, r.Key)
	row.str(mName, v.GetName())
	row.str(mCorrelationKey, v.GetCorrelationKey())
	row.str(mMessageID, v.GetMessageId())
	row.str(mVariables, document(v.GetVariables()))
	row.int(mTimeToLive, v.GetTimeToLive())
	row.int(mDeadline, v.GetDeadline())
	row.str(mTenantID, v.GetTenantId())
	if r.Intent == "PUBLISHED" {
		row.str(mState, StatePublished)
		row.int(mPublishTime, r.Timestamp)
	} else {
		row.str(mState, StateExpired)
		row.int(mExpireTime, r.Timestamp)
	}
}

// correlated marks a message correlated to a subscription or a message start event.
func correlated(r *exportersdk.Record, messageKey int64, name, correlationKey, tenant string, b *Batch) {
	if messageKey <= 0 {
		return
	}
	row, _ := b.row(messages, rowKey{a: messageKey})
	row.int(mKey, messageKey)
	row.str(mName, name)
	row.str(mCorrelationKey, correlationKey)
	row.str(mTenantID, tenant)
	row.str(mState, StateCorrelated)
	row.int(mCorrelateTime, r.Timestamp)
}

func messageSubscription(r *exportersdk.Record, v *recordpb.ProcessMessageSubscriptionRecord, b *Batch) {
	if v.GetElementInstanceKey() <= 0 {
		return
	}
	row, _ := b.row(messageSubscriptions, rowKey{a: v.GetElementInstanceKey(), s: clean(v.GetMessageName())})
	row.int(msElementInstanceKey, v.GetElementInstanceKey())
	row.str(msMessageName, v.GetMessageName())
	if r.Key > 0 {
		row.int(msKey, r.Key)
	}
	row.int(msInstanceKey, v.GetProcessInstanceKey())
	row.str(msBpmnProcessID, v.GetBpmnProcessId())
	row.maybe(msElementID, v.GetElementId())
	row.str(msCorrelationKey, v.GetCorrelationKey())
	row.int(msMessageKey, v.GetMessageKey())
	row.bool(msInterrupting, v.GetInterrupting())
	row.str(msState, r.Intent)
	row.str(msTenantID, v.GetTenantId())
	row.int(msUpdateTime, r.Timestamp)
	if r.Intent == "CREATING" {
		row.int(msCreateTime, r.Timestamp)
	}
}

func timer(r *exportersdk.Record, v *recordpb.TimerRecord, b *Batch) {
	var state string
	switch r.Intent {
	case "CREATED":
		state = StateCreated
	case "TRIGGERED":
		state = StateTriggered
	case "CANCELED":
		state = StateCanceled
	default:
		return
	}
	row, _ := b.row(timers, rowKey{a: r.Key})
	row.int(tKey, r.Key)
	row.int(tInstanceKey, v.GetProcessInstanceKey())
	row.int(tElementInstanceKey, v.GetElementInstanceKey())
	row.int(tDefinitionKey, v.GetProcessDefinitionKey())
	row.str(tTargetElementID, v.GetTargetElementId())
	row.int(tDueDate, v.GetDueDate())
	row.int32(tRepetitions, v.GetRepetitions())
	row.str(tState, state)
	row.str(tTenantID, v.GetTenantId())
	if state == StateCreated {
		row.int(tCreateTime, r.Timestamp)
	} else {
		row.int(tEndTime, r.Timestamp)
	}
}

func decisionEvaluation(r *exportersdk.Record, v *recordpb.DecisionEvaluationRecord, b *Batch) {
	var state string
	switch r.Intent {
	case "EVALUATED":
		state = StateEvaluated
	case "FAILED":
		state = StateFailed
	default:
		return
	}
	row, _ := b.row(decisionEvaluations, rowKey{a: r.Key})
	row.int(deKey, r.Key)
	row.int(deDecisionKey, v.GetDecisionKey())
	row.str(deDecisionID, v.GetDecisionId())
	row.str(deDecisionName, v.GetDecisionName())
	row.int32(deDecisionVersion, v.GetDecisionVersion())
	row.int(deRequirementsKey, v.GetDecisionRequirementsKey())
	row.str(deRequirementsID, v.GetDecisionRequirementsId())
	row.int(deDefinitionKey, v.GetProcessDefinitionKey())
	row.str(deBpmnProcessID, v.GetBpmnProcessId())
	row.int(deInstanceKey, v.GetProcessInstanceKey())
	row.int(deElementInstanceKey, v.GetElementInstanceKey())
	row.str(deElementID, v.GetElementId())
	row.str(deState, state)
	row.str(deOutput, v.GetDecisionOutput())
	row.str(deFailureMessage, v.GetEvaluationFailureMessage())
	row.str(deFailedDecisionID, v.GetFailedDecisionId())
	row.str(deEvaluatedDecisions, evaluatedDecisionsJSON(r))
	row.str(deTenantID, v.GetTenantId())
	row.int(deEvaluationTime, r.Timestamp)
}

// evaluatedDecisionsJSON returns the record's evaluated decisions in the JSON of
// Zeebe's exporters (the SDK's record JSON), so that readers see one format.
func evaluatedDecisionsJSON(r *exportersdk.Record) string {
	var doc struct {
		Value struct {
			EvaluatedDecisions json.RawMessage `json:"evaluatedDecisions"`
		} `json:"value"`
	}
	if err := json.Unmarshal(r.AppendJSON(nil), &doc); err != nil || len(doc.Value.EvaluatedDecisions) == 0 {
		return "[]"
	}
	return string(doc.Value.EvaluatedDecisions)
}

// document returns a variables document as text: {} when empty.
func document(doc []byte) string {
	if len(doc) == 0 {
		return "{}"
	}
	return string(doc)
}

// history adds the instance_history rows of r: one per process instance the record
// belongs to.
func history(r *exportersdk.Record, b *Batch) {
	add := func(instanceKey int64, elementID string) {
		if instanceKey <= 0 {
			return
		}
		row, created := b.row(instanceHistory, rowKey{a: int64(r.PartitionID), b: r.Position, s: keyString(instanceKey)})
		if !created {
			return
		}
		row.int32(ihPartitionID, r.PartitionID)
		row.int(ihPosition, r.Position)
		row.int(ihInstanceKey, instanceKey)
		row.int(ihRecordKey, r.Key)
		row.str(ihRecordType, r.RecordType.String())
		row.str(ihValueType, r.ValueType.String())
		row.str(ihIntent, r.Intent)
		row.str(ihElementID, elementID)
		row.int(ihTime, r.Timestamp)
	}
	switch v := r.Value.(type) {
	case *recordpb.ProcessInstanceRecord:
		add(v.GetProcessInstanceKey(), v.GetElementId())
	case *recordpb.ProcessInstanceCreationRecord:
		add(v.GetProcessInstanceKey(), "")
	case *recordpb.ProcessInstanceResultRecord:
		add(v.GetProcessInstanceKey(), "")
	case *recordpb.JobRecord:
		add(v.GetProcessInstanceKey(), v.GetElementId())
	case *recordpb.JobBatchRecord:
		for _, j := range v.GetJobs() {
			add(j.GetProcessInstanceKey(), j.GetElementId())
		}
	case *recordpb.IncidentRecord:
		add(v.GetProcessInstanceKey(), v.GetElementId())
	case *recordpb.VariableRecord:
		add(v.GetProcessInstanceKey(), "")
	case *recordpb.MessageSubscriptionRecord:
		add(v.GetProcessInstanceKey(), "")
	case *recordpb.ProcessMessageSubscriptionRecord:
		add(v.GetProcessInstanceKey(), v.GetElementId())
	case *recordpb.MessageStartEventSubscriptionRecord:
		add(v.GetProcessInstanceKey(), v.GetStartEventId())
	case *recordpb.TimerRecord:
		add(v.GetProcessInstanceKey(), v.GetTargetElementId())
	case *recordpb.DecisionEvaluationRecord:
		add(v.GetProcessInstanceKey(), v.GetElementId())
	case *recordpb.ProcessEventRecord:
		add(v.GetProcessInstanceKey(), v.GetTargetElementId())
	case *recordpb.ProcessInstanceModificationRecord:
		add(v.GetProcessInstanceKey(), "")
	case *recordpb.CompensationSubscriptionRecord:
		add(v.GetProcessInstanceKey(), v.GetCompensableActivityId())
	}
}

// keyString makes an int64 the string part of a row key (instance_history has three
// key columns).
func keyString(k int64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + k%10)
		k /= 10
		if k == 0 {
			break
		}
	}
	return string(buf[i:])
}

// clean makes s storable as text in every dialect: valid UTF-8 without NUL, which
// Postgres refuses in text. Invalid bytes become U+FFFD; NUL is dropped.
func clean(s string) string {
	ok := utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
	if ok {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
