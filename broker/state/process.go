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

// LatestVersion returns the highest version ever deployed of a BPMN process id, 0 for
// none; a new deployment takes the next one, even when versions were deleted.
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

// LatestProcess returns the latest version of a BPMN process id that is not deleted, or nil.
func (t *Txn) LatestProcess(bpmnProcessID string) *statepb.Process {
	prefix := append(append([]byte{cfProcessVersion}, bpmnProcessID...), 0)
	var key int64
	t.scan(prefix, func(k, v []byte) bool {
		if len(k) == len(prefix)+4 {
			key = int64(decodeU64(v)) // versions ascend: the last one wins
		}
		return true
	})
	if key == 0 {
		return nil
	}
	return t.Process(key)
}

// MarkProcessDeleted takes a process definition out of its versions: it starts no more
// instances, while its running ones still find it by key.
func (t *Txn) MarkProcessDeleted(key int64) {
	p := t.Process(key)
	if p == nil {
		return
	}
	p.Deleted = true
	r := p.GetRecord()
	t.putProto(i64Key(cfProcess, key), p)
	t.set(i64Key(cfProcessDeleted, key), nil)
	t.del(processVersionKey(r.GetBpmnProcessId(), r.GetVersion()))
}

// DeleteProcess removes a process definition for good.
func (t *Txn) DeleteProcess(key int64) {
	if p := t.Process(key); p != nil {
		r := p.GetRecord()
		if int64(decodeU64(t.get(processVersionKey(r.GetBpmnProcessId(), r.GetVersion())))) == key {
			t.del(processVersionKey(r.GetBpmnProcessId(), r.GetVersion()))
		}
	}
	t.del(i64Key(cfProcess, key))
	t.del(i64Key(cfProcessRunning, key))
	t.del(i64Key(cfProcessDeleted, key))
}

// IsProcessDeleted reports whether a process definition was deleted (and drains), without
// reading the definition.
func (t *Txn) IsProcessDeleted(key int64) bool { return t.has(i64Key(cfProcessDeleted, key)) }

// AddRunningInstances counts the running instances of a process definition.
func (t *Txn) AddRunningInstances(key int64, delta int64) {
	n := int64(decodeU64(t.get(i64Key(cfProcessRunning, key)))) + delta
	if n <= 0 {
		t.del(i64Key(cfProcessRunning, key))
		return
	}
	t.set(i64Key(cfProcessRunning, key), encodeU64(uint64(n)))
}

// RunningInstances returns the number of running instances of a process definition.
func (t *Txn) RunningInstances(key int64) int64 {
	return int64(decodeU64(t.get(i64Key(cfProcessRunning, key))))
}
