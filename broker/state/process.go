package state

import (
	"encoding/binary"

	"github.com/weftlabs/weft/proto/gen/statepb"
)

// PutProcess stores a deployed process definition and makes it the latest version of
// its BPMN process id when its version is higher.
func (t *Txn) PutProcess(p *statepb.Process) {
	r := p.GetRecord()
	t.putProto(i64Key(cfProcess, r.GetProcessDefinitionKey()), p)
	t.set(processVersionKey(r.GetBpmnProcessId(), r.GetVersion()), encodeU64(uint64(r.GetProcessDefinitionKey())))
	if r.GetVersion() > t.LatestVersion(r.GetBpmnProcessId()) {
		t.set(append([]byte{cfProcessLatest}, r.GetBpmnProcessId()...), binary.BigEndian.AppendUint32(nil, uint32(r.GetVersion())))
	}
}

// Process returns the process definition with the key, or nil.
func (t *Txn) Process(key int64) *statepb.Process {
	p := &statepb.Process{}
	if !t.getProto(i64Key(cfProcess, key), p) {
		return nil
	}
	return p
}

// LatestVersion returns the latest version of a BPMN process id, 0 for none.
func (t *Txn) LatestVersion(bpmnProcessID string) int32 {
	v := t.get(append([]byte{cfProcessLatest}, bpmnProcessID...))
	if len(v) != 4 {
		return 0
	}
	return int32(binary.BigEndian.Uint32(v))
}

// ProcessByVersion returns the process definition of a BPMN process id and version, or nil.
func (t *Txn) ProcessByVersion(bpmnProcessID string, version int32) *statepb.Process {
	v := t.get(processVersionKey(bpmnProcessID, version))
	if v == nil {
		return nil
	}
	return t.Process(int64(decodeU64(v)))
}

func processVersionKey(id string, version int32) []byte {
	k := make([]byte, 0, 1+len(id)+1+4)
	k = append(k, cfProcessVersion)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}
