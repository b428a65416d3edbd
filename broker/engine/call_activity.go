package engine

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// A call activity creates an instance of another process (the latest version of its
// BPMN process id) on the same partition, as its child: the child's value names the
// parent instance and the call activity. The child takes the call activity's variables
// (all of them, or only those of its input mappings); when it completes, its variables
// come back (all of them, or only through the output mappings) and the call activity
// completes. Terminating the call activity terminates the child first.

// activateCallActivity starts a call activity's child instance.
func (p *processing) activateCallActivity(el element) {
	c := el.model.Called
	vars := scopeVariables{p: p, scope: el.key}
	processID, err := evalString(c.ProcessID, vars)
	if err != nil {
		p.elementIncident(el, "EXTRACT_VALUE_ERROR", err.Error())
		return
	}
	st := p.tx.LatestProcess(processID)
	if st == nil {
		p.elementIncident(el, "CALLED_ELEMENT_ERROR", fmt.Sprintf("Expected process with BPMN process id '%s' to be deployed, but not found.", processID))
		return
	}
	pr := st.GetRecord()
	model := p.model(pr.GetProcessDefinitionKey())
	if model == nil || model.NoneStart == nil {
		p.elementIncident(el, "CALLED_ELEMENT_ERROR", fmt.Sprintf("Expected process with BPMN process id '%s' to have a none start event, but it has none.", processID))
		return
	}
	if !p.openBoundaryEvents(el) {
		return
	}
	p.lifecycle(el, piActivated)
	var entries []jsonEntry
	if c.PropagateAllParentVariables {
		entries, _ = parseObject(p.collectVariables(el.key, nil))
	} else {
		entries = p.localVariables(el.key)
	}
	key := p.tx.NextKey()
	child := &recordpb.ProcessInstanceRecord{
		BpmnProcessId: pr.GetBpmnProcessId(), Version: pr.GetVersion(), ProcessDefinitionKey: pr.GetProcessDefinitionKey(),
		ProcessInstanceKey: key, ElementId: pr.GetBpmnProcessId(), FlowScopeKey: -1,
		BpmnElementType: string(bpmn.ElementProcess), BpmnEventType: "UNSPECIFIED",
		ParentProcessInstanceKey: el.value.GetProcessInstanceKey(), ParentElementInstanceKey: el.key,
		TenantId: tenantOf(pr.GetTenantId()),
	}
	p.mergeLocal(key, child, entries)
	p.command(key, piActivateElement, child)
}

// childCompleted completes the call activity of a child instance that is about to
// complete, with the child's variables.
func (p *processing) childCompleted(child element) {
	parentKey := child.value.GetParentElementInstanceKey()
	ei := p.tx.ElementInstance(parentKey)
	if ei == nil || ei.GetState() != piActivated {
		return
	}
	act, ok := p.resolve(parentKey, ei.GetValue())
	if !ok || act.model.Called == nil {
		return
	}
	entries, _ := parseObject(p.collectVariables(child.key, nil))
	switch {
	case len(act.model.Outputs) > 0:
		p.mergeLocal(act.key, act.value, entries) // the output mappings pick from them
	case act.model.Called.PropagateAllChildVariables:
		p.mergePropagate(act.key, act.value, entries)
	}
	p.command(act.key, piCompleteElement, proto.Clone(act.value).(*recordpb.ProcessInstanceRecord))
}

// terminateChild starts terminating a call activity's child instance; it reports false
// when there is none left, so the call activity can finish terminating at once.
func (p *processing) terminateChild(callActivityKey int64) bool {
	ei := p.tx.ElementInstance(callActivityKey)
	childKey := ei.GetChildInstanceKey()
	if childKey <= 0 {
		return false
	}
	child := p.tx.ElementInstance(childKey)
	if child == nil {
		return false
	}
	if child.GetState() != piTerminating {
		p.command(childKey, piTerminateElement, proto.Clone(child.GetValue()).(*recordpb.ProcessInstanceRecord))
	}
	return true
}

// childTerminated lets a terminating call activity finish once its child is gone.
func (p *processing) childTerminated(child element) {
	parentKey := child.value.GetParentElementInstanceKey()
	ei := p.tx.ElementInstance(parentKey)
	if ei == nil || ei.GetState() != piTerminating || len(p.tx.Children(parentKey)) > 0 {
		return
	}
	if act, ok := p.resolve(parentKey, ei.GetValue()); ok {
		p.finishTermination(act)
	}
}
