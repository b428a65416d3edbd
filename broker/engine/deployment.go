package engine

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"path"
	"strings"

	"github.com/weftlabs/weft/broker/bpmn"
	"github.com/weftlabs/weft/broker/dmn"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// deploy processes DEPLOYMENT CREATE: it parses and validates every resource, gives
// each new or changed process a new version, and finds unchanged ones again.
func (p *processing) deploy() {
	d := p.cmd.GetDeployment()
	if p.cmd.GetKey() > 0 && (len(d.GetProcessesMetadata()) > 0 || len(d.GetDecisionRequirementsMetadata()) > 0) {
		p.receiveDeployment()
		return
	}
	if len(d.GetResources()) == 0 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to deploy at least one resource, but none given")
		return
	}
	type parsed struct {
		res  *recordpb.DeploymentResource
		proc *bpmn.Process
	}
	var all []parsed
	var drgs []parsedDMN
	var problems []string
	seen := map[string]string{}
	seenDecisions := map[string]string{}
	for _, res := range d.GetResources() {
		name := res.GetResourceName()
		switch strings.ToLower(path.Ext(name)) {
		case ".bpmn", ".xml":
		case ".dmn":
			defs, err := dmn.Parse(name, res.GetResource())
			if err != nil {
				problems = append(problems, fmt.Sprintf("'%s': %v", name, err))
				continue
			}
			for _, dec := range defs.Decisions {
				if other, dup := seenDecisions[dec.ID]; dup {
					problems = append(problems, fmt.Sprintf("duplicated decision id '%s' in resources '%s' and '%s'", dec.ID, other, name))
				}
				seenDecisions[dec.ID] = name
			}
			drgs = append(drgs, parsedDMN{res, defs})
			continue
		default:
			problems = append(problems, fmt.Sprintf("'%s': resource type is not supported; supported resource types are .bpmn, .xml and .dmn", name))
			continue
		}
		defs, err := bpmn.Parse(name, res.GetResource())
		if err != nil {
			problems = append(problems, err.Error()) // names the resource
			continue
		}
		for _, proc := range defs.Processes {
			if other, dup := seen[proc.ID]; dup {
				problems = append(problems, fmt.Sprintf("duplicated process id '%s' in resources '%s' and '%s'", proc.ID, other, name))
				continue
			}
			seen[proc.ID] = name
			all = append(all, parsed{res, proc})
		}
	}
	if len(problems) > 0 {
		p.reject(recordpb.RejectionType_INVALID_ARGUMENT, "Expected to deploy new resources, but encountered the following errors:\n%s", strings.Join(problems, "\n"))
		return
	}

	deploymentKey := p.tx.NextKey()
	var metas []*recordpb.ProcessMetadata
	for _, x := range all {
		sum := sha256.Sum256(x.res.GetResource())
		latest := p.tx.LatestVersion(x.proc.ID)
		if latest > 0 {
			prev := p.tx.ProcessByVersion(x.proc.ID, latest)
			pr := prev.GetRecord()
			if bytes.Equal(pr.GetChecksum(), sum[:]) && pr.GetResourceName() == x.res.GetResourceName() {
				metas = append(metas, &recordpb.ProcessMetadata{
					BpmnProcessId: x.proc.ID, Version: pr.GetVersion(), ProcessDefinitionKey: pr.GetProcessDefinitionKey(),
					ResourceName: pr.GetResourceName(), Checksum: pr.GetChecksum(), IsDuplicate: true, TenantId: pr.GetTenantId(),
				})
				continue
			}
		}
		key := p.tx.NextKey()
		pr := &recordpb.ProcessRecord{
			BpmnProcessId: x.proc.ID, Version: latest + 1, ProcessDefinitionKey: key,
			ResourceName: x.res.GetResourceName(), Checksum: sum[:], Resource: x.res.GetResource(), TenantId: defaultTenant,
		}
		p.event(key, "CREATED", pr)
		p.e.processes[key] = x.proc
		p.processDeployed(pr)
		metas = append(metas, &recordpb.ProcessMetadata{
			BpmnProcessId: x.proc.ID, Version: latest + 1, ProcessDefinitionKey: key,
			ResourceName: x.res.GetResourceName(), Checksum: sum[:], TenantId: defaultTenant,
		})
	}
	drgMetas, decisionMetas := p.deployDecisions(drgs)
	ev := p.event(deploymentKey, "CREATED", &recordpb.DeploymentRecord{
		Resources: d.GetResources(), ProcessesMetadata: metas, TenantId: defaultTenant,
		DecisionRequirementsMetadata: drgMetas, DecisionsMetadata: decisionMetas,
	})
	fresh := false
	for _, m := range metas {
		fresh = fresh || !m.GetIsDuplicate()
	}
	for _, m := range drgMetas {
		fresh = fresh || !m.GetIsDuplicate()
	}
	if p.e.partitionCount > 1 && fresh {
		p.distribute(deploymentKey, ev)
		return
	}
	p.respond(ev)
}

// defaultTenant is Zeebe's tenant id when multi-tenancy is off.
const defaultTenant = "<default>"

// model returns the executable model of a deployed process definition, parsing it on
// first use; nil if there is no such definition. Element processing asks for it on every
// step, so the cached model is returned without reading the state.
func (p *processing) model(key int64) *bpmn.Process {
	if m, ok := p.e.processes[key]; ok {
		return m
	}
	st := p.tx.Process(key)
	if st == nil {
		return nil
	}
	r := st.GetRecord()
	defs, err := bpmn.Parse(r.GetResourceName(), r.GetResource())
	if err != nil {
		return nil
	}
	for _, proc := range defs.Processes {
		if proc.ID == r.GetBpmnProcessId() {
			p.e.processes[key] = proc
			return proc
		}
	}
	return nil
}
