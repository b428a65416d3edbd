package exportersdk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// RecordType says whether a record is a command, an event or a rejection.
type RecordType = recordpb.RecordType

// ValueType names the kind of value a record carries (JOB, PROCESS_INSTANCE...).
type ValueType = recordpb.ValueType

// RejectionType classifies a rejected command (NULL_VAL when the record is none).
type RejectionType = recordpb.RejectionType

// The record types.
const (
	Command          = recordpb.RecordType_COMMAND
	Event            = recordpb.RecordType_EVENT
	CommandRejection = recordpb.RecordType_COMMAND_REJECTION
)

// Record is one record of a partition's log.
type Record struct {
	PartitionID int32
	// Position is the record's place in its partition's log: from 1, no gaps. It is
	// what an exporter acknowledges.
	Position int64
	// SourceRecordPosition is the position of the command the record follows from, -1
	// for none.
	SourceRecordPosition int64
	// Key names the entity the record is about (the partition id is in its top bits),
	// -1 for none.
	Key int64
	// Timestamp is milliseconds since the Unix epoch.
	Timestamp       int64
	RecordType      RecordType
	ValueType       ValueType
	Intent          string
	RejectionType   RejectionType
	RejectionReason string
	BrokerVersion   string
	// Value is the typed value: *recordpb.JobRecord for JOB records,
	// *recordpb.ProcessInstanceRecord for PROCESS_INSTANCE records, and so on.
	Value proto.Message

	pb *recordpb.Record
}

// FromProto wraps a record of the log. The record must not change afterwards.
func FromProto(pb *recordpb.Record) *Record {
	r := &Record{
		PartitionID:          pb.GetPartitionId(),
		Position:             pb.GetPosition(),
		SourceRecordPosition: pb.GetSourceRecordPosition(),
		Key:                  pb.GetKey(),
		Timestamp:            pb.GetTimestamp(),
		RecordType:           pb.GetRecordType(),
		ValueType:            pb.GetValueType(),
		Intent:               pb.GetIntent(),
		RejectionType:        pb.GetRejectionType(),
		RejectionReason:      pb.GetRejectionReason(),
		BrokerVersion:        pb.GetBrokerVersion(),
		pb:                   pb,
	}
	if v := pb.ProtoReflect(); v.IsValid() {
		if od := v.Descriptor().Oneofs().ByName("value"); od != nil {
			if fd := v.WhichOneof(od); fd != nil {
				r.Value = v.Get(fd).Message().Interface()
			}
		}
	}
	return r
}

// Proto returns the record as the log holds it. Do not change it.
func (r *Record) Proto() *recordpb.Record {
	if r.pb == nil {
		r.pb = r.toProto()
	}
	return r.pb
}

func (r *Record) toProto() *recordpb.Record {
	pb := &recordpb.Record{
		PartitionId: r.PartitionID, Position: r.Position, SourceRecordPosition: r.SourceRecordPosition,
		Key: r.Key, Timestamp: r.Timestamp, RecordType: r.RecordType, ValueType: r.ValueType,
		Intent: r.Intent, RejectionType: r.RejectionType, RejectionReason: r.RejectionReason,
		BrokerVersion: r.BrokerVersion,
	}
	if r.Value != nil {
		m := pb.ProtoReflect()
		od := m.Descriptor().Oneofs().ByName("value")
		for i := 0; i < od.Fields().Len(); i++ {
			fd := od.Fields().Get(i)
			if fd.Message().FullName() == r.Value.ProtoReflect().Descriptor().FullName() {
				m.Set(fd, protoValueOf(r.Value))
				break
			}
		}
	}
	return pb
}

// Time is the record's timestamp as a time.
func (r *Record) Time() time.Time { return time.UnixMilli(r.Timestamp) }

// String names the record for logs: "2:17 EVENT JOB CREATED key=...".
func (r *Record) String() string {
	return fmt.Sprintf("%d:%d %s %s %s key=%d", r.PartitionID, r.Position, r.RecordType, r.ValueType, r.Intent, r.Key)
}

// Filter selects the records an exporter receives. Empty lists accept everything.
type Filter struct {
	RecordTypes []RecordType
	ValueTypes  []ValueType
}

// Accepts reports whether the filter lets r through.
func (f Filter) Accepts(r *Record) bool {
	return (len(f.RecordTypes) == 0 || slices.Contains(f.RecordTypes, r.RecordType)) &&
		(len(f.ValueTypes) == 0 || slices.Contains(f.ValueTypes, r.ValueType))
}

// ParseRecordType reads a record type by its name: COMMAND, EVENT or
// COMMAND_REJECTION (REJECTION too), in any case.
func ParseRecordType(s string) (RecordType, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if n == "REJECTION" {
		n = "COMMAND_REJECTION"
	}
	v, ok := recordpb.RecordType_value[n]
	if !ok || v == 0 {
		return 0, fmt.Errorf("unknown record type %q (want COMMAND, EVENT or COMMAND_REJECTION)", s)
	}
	return RecordType(v), nil
}

// ParseValueType reads a value type by its name (JOB, PROCESS_INSTANCE...), in any case.
func ParseValueType(s string) (ValueType, error) {
	v, ok := recordpb.ValueType_value[strings.ToUpper(strings.TrimSpace(s))]
	if !ok || v == 0 {
		return 0, fmt.Errorf("unknown value type %q", s)
	}
	return ValueType(v), nil
}
