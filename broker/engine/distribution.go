package engine

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
	"github.com/weftlabs/weft/proto/gen/statepb"
)

// distribute starts the distribution of a deployment to every other partition. The
// client's request is answered when the last partition acknowledged, so that an
// instance can be created on any partition as soon as the deployment returns.
func (p *processing) distribute(key int64, created *recordpb.Record) {
	p.distributeCommand(key, &recordpb.CommandDistributionRecord{
		PartitionId: p.e.partitionID, ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE",
		Deployment: created.GetDeployment(),
	}, created)
}

// distributeCommand starts the distribution of a command to every other partition: one
// DISTRIBUTING event per partition marks what the leader's distributor must deliver
// (and redeliver, after a failover, until acknowledged). With a response, the request
// of the command being processed is answered with it once the last partition
// acknowledged; without, nobody waits.
func (p *processing) distributeCommand(key int64, value *recordpb.CommandDistributionRecord, response *recordpb.Record) {
	p.event(key, "STARTED", value)
	// Request metadata, as for a result wait: not part of any event, every replica keeps it.
	d := &statepb.Distribution{Record: value}
	if response != nil {
		d.RequestId, d.Response = p.requestID, response
	}
	p.tx.PutDistribution(key, d)
	for id := int32(1); id <= p.e.partitionCount; id++ {
		if id == p.e.partitionID {
			continue
		}
		to := proto.Clone(value).(*recordpb.CommandDistributionRecord)
		to.PartitionId = id
		p.event(key, "DISTRIBUTING", to)
	}
	p.out.Distribute = true
}

// DistributedCommand returns the command that a pending distribution delivers to its
// partition.
func DistributedCommand(key int64, d *recordpb.CommandDistributionRecord) *recordpb.Record {
	r := &recordpb.Record{RecordType: recordpb.RecordType_COMMAND, Key: key, Intent: d.GetIntent()}
	switch d.GetValueType() {
	case recordpb.ValueType_SIGNAL:
		setValue(r, proto.Clone(d.GetSignal()).(*recordpb.SignalRecord))
	case recordpb.ValueType_RESOURCE_DELETION:
		setValue(r, proto.Clone(d.GetResourceDeletion()).(*recordpb.ResourceDeletionRecord))
	default:
		setValue(r, proto.Clone(d.GetDeployment()).(*recordpb.DeploymentRecord))
	}
	return r
}

// receiveDeployment processes a deployment distributed from another partition: its
// processes get the keys and versions the origin gave them. Receiving it again (the
// origin's acknowledgement was lost) changes nothing and is answered the same.
func (p *processing) receiveDeployment() {
	d := p.cmd.GetDeployment()
	resources := map[string][]byte{}
	for _, r := range d.GetResources() {
		resources[r.GetResourceName()] = r.GetResource()
	}
	for _, m := range d.GetProcessesMetadata() {
		if p.tx.Process(m.GetProcessDefinitionKey()) != nil {
			continue
		}
		pr := &recordpb.ProcessRecord{
			BpmnProcessId: m.GetBpmnProcessId(), Version: m.GetVersion(), ProcessDefinitionKey: m.GetProcessDefinitionKey(),
			ResourceName: m.GetResourceName(), Checksum: m.GetChecksum(), Resource: resources[m.GetResourceName()],
			TenantId: m.GetTenantId(),
		}
		p.event(m.GetProcessDefinitionKey(), "CREATED", pr)
		p.processDeployed(pr)
	}
	p.receiveDecisions(d, resources)
	p.respond(p.event(p.cmd.GetKey(), "CREATED", proto.Clone(d).(*recordpb.DeploymentRecord)))
}

// acknowledgeDistribution processes COMMAND_DISTRIBUTION ACKNOWLEDGE: a partition
// received the distributed command. With the last one, the distribution finishes and
// the waiting request gets its answer.
func (p *processing) acknowledgeDistribution() {
	key := p.cmd.GetKey()
	partition := p.cmd.GetCommandDistribution().GetPartitionId()
	if !p.tx.HasPendingDistribution(key, partition) {
		p.reject(recordpb.RejectionType_NOT_FOUND, "Expected to acknowledge the distribution '%d' to partition %d, but it is not pending", key, partition)
		return
	}
	d := p.tx.Distribution(key)
	ack := proto.Clone(d.GetRecord()).(*recordpb.CommandDistributionRecord)
	ack.PartitionId = partition
	p.respond(p.event(key, "ACKNOWLEDGED", ack))
	if len(p.tx.PendingPartitions(key)) > 0 {
		return
	}
	p.event(key, "FINISHED", proto.Clone(d.GetRecord()).(*recordpb.CommandDistributionRecord))
	p.tx.DeleteDistribution(key)
	if d.GetRequestId() != 0 {
		p.out.Responses = append(p.out.Responses, Response{RequestID: d.GetRequestId(), Record: d.GetResponse()})
	}
}
