package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// deleteResource processes RESOURCE_DELETION DELETE (DeleteResource): a process definition
// or a decision requirements graph is deleted on this partition and, through a command
// distribution, on every other; the request is answered once all have it. A deleted
// process definition starts no instance from then on, and the version before it (if
// any) takes over its start events; its running instances go on, and it is removed when
// the last one ends. A distributed deletion is processed once per key.
func (p *processing) deleteResource() {
	c := p.cmd.GetResourceDeletion()
	distributed := p.cmd.GetKey() > 0
	if distributed && p.tx.Received(p.cmd.GetKey()) {
		p.respond(p.event(p.cmd.GetKey(), "DELETED", proto.Clone(c).(*recordpb.ResourceDeletionRecord)))
		return
	}
	rk := c.GetResourceKey()
	proc := p.tx.Process(rk)
	drg := p.tx.DecisionRequirements(rk)
	if (proc == nil || proc.GetDeleted()) && drg == nil {
		if distributed { // this partition never had it, or has it deleted already
			p.tx.PutReceived(p.cmd.GetKey())
			p.respond(p.event(p.cmd.GetKey(), "DELETED", proto.Clone(c).(*recordpb.ResourceDeletionRecord)))
			return
		}
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to delete resource but no resource found with key `%d`", rk)
		return
	}
	key := p.cmd.GetKey()
	if distributed {
		p.tx.PutReceived(key)
	} else {
		key = p.tx.NextKey()
	}
	rec := &recordpb.ResourceDeletionRecord{ResourceKey: rk, TenantId: defaultTenant}
	p.event(key, "DELETING", proto.Clone(rec).(*recordpb.ResourceDeletionRecord))
	if proc != nil && !proc.GetDeleted() {
		p.deleteProcess(proc.GetRecord())
	} else {
		p.deleteDecisionRequirements(drg)
	}
	done := p.event(key, "DELETED", rec)
	if !distributed && p.e.partitionCount > 1 {
		p.distributeCommand(key, &recordpb.CommandDistributionRecord{
			PartitionId: p.e.partitionID, ValueType: recordpb.ValueType_RESOURCE_DELETION, Intent: "DELETE",
			ResourceDeletion: proto.Clone(rec).(*recordpb.ResourceDeletionRecord),
		}, done)
		return
	}
	p.respond(done)
}

// deleteProcess deletes a process definition: PROCESS DELETING now, DELETED once no
// instance of it runs.
func (p *processing) deleteProcess(pr *recordpb.ProcessRecord) {
	pdk := pr.GetProcessDefinitionKey()
	latest := p.tx.LatestProcess(pr.GetBpmnProcessId())
	wasLatest := latest != nil && latest.GetRecord().GetProcessDefinitionKey() == pdk
	if wasLatest {
		p.closeStartEvents(pdk)
	}
	p.event(pdk, "DELETING", proto.Clone(pr).(*recordpb.ProcessRecord))
	if wasLatest {
		if prev := p.tx.LatestProcess(pr.GetBpmnProcessId()); prev != nil {
			p.openStartEvents(prev.GetRecord())
		}
	}
	p.maybeRemoveProcess(pdk)
}

// maybeRemoveProcess removes a deleted process definition once no instance of it runs.
func (p *processing) maybeRemoveProcess(pdk int64) {
	if !p.tx.IsProcessDeleted(pdk) {
		return // the common case, checked without reading the definition
	}
	st := p.tx.Process(pdk)
	if st == nil || !st.GetDeleted() || p.tx.RunningInstances(pdk) > 0 {
		return
	}
	rec := proto.Clone(st.GetRecord()).(*recordpb.ProcessRecord)
	p.event(pdk, "DELETED", rec)
}

// deleteDecisionRequirements deletes a DMN resource and its decisions; the versions
// before them become the latest again.
func (p *processing) deleteDecisionRequirements(drg *recordpb.DecisionRequirementsRecord) {
	for _, d := range p.tx.DecisionsOf(drg.GetDecisionRequirementsKey()) {
		p.event(d.GetDecisionKey(), "DELETED", proto.Clone(d).(*recordpb.DecisionRecord))
	}
	p.event(drg.GetDecisionRequirementsKey(), "DELETED", proto.Clone(drg).(*recordpb.DecisionRequirementsRecord))
}
