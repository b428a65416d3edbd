package exportersdk

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/weftlabs/weft/internal/jsontext"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// RecordVersion is the recordVersion every record's JSON carries.
const RecordVersion = 1

// MarshalJSON encodes the record in the JSON form of Zeebe's exporters, so that readers
// of Zeebe records read Weft's:
//
//	{"partitionId":1,"position":12,"sourceRecordPosition":10,"key":2251799813685251,
//	 "timestamp":1700000000000,"recordType":"EVENT","valueType":"JOB","intent":"CREATED",
//	 "rejectionType":"NULL_VAL","rejectionReason":"","brokerVersion":"8.3.0",
//	 "recordVersion":1,"value":{"type":"payment","retries":3,"variables":{...},...}}
//
// Value fields use Zeebe's camelCase names; every field is present, numbers are JSON
// numbers (keys need 64-bit integers to read exactly), enums are their names, variable
// documents are JSON objects, a variable's value is the JSON text of the value as a
// string, custom headers are an object, and other bytes (resources, checksums) are
// base64.
func (r *Record) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// AppendJSON appends the record's JSON (see MarshalJSON) to b.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"partitionId":`...)
	b = strconv.AppendInt(b, int64(r.PartitionID), 10)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, r.Position, 10)
	b = append(b, `,"sourceRecordPosition":`...)
	b = strconv.AppendInt(b, r.SourceRecordPosition, 10)
	b = append(b, `,"key":`...)
	b = strconv.AppendInt(b, r.Key, 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, r.Timestamp, 10)
	b = append(b, `,"recordType":"`...)
	b = append(b, r.RecordType.String()...)
	b = append(b, `","valueType":"`...)
	b = append(b, r.ValueType.String()...)
	b = append(b, `","intent":`...)
	b = appendString(b, r.Intent)
	b = append(b, `,"rejectionType":"`...)
	b = append(b, r.RejectionType.String()...)
	b = append(b, `","rejectionReason":`...)
	b = appendString(b, r.RejectionReason)
	b = append(b, `,"brokerVersion":`...)
	b = appendString(b, r.BrokerVersion)
	b = append(b, `,"recordVersion":`...)
	b = strconv.AppendInt(b, RecordVersion, 10)
	b = append(b, `,"value":`...)
	if r.Value == nil {
		b = append(b, "{}"...)
	} else {
		b = appendMessage(b, r.Value.ProtoReflect())
	}
	return append(b, '}')
}

func appendMessage(b []byte, m protoreflect.Message) []byte {
	fields := m.Descriptor().Fields()
	_, isVariable := m.Interface().(*recordpb.VariableRecord)
	b = append(b, '{')
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, fd.JSONName())
		b = append(b, ':')
		v := m.Get(fd)
		switch {
		case fd.IsList() && fd.Name() == "custom_headers":
			l := v.List()
			b = append(b, '{')
			for j := 0; j < l.Len(); j++ {
				if j > 0 {
					b = append(b, ',')
				}
				h := l.Get(j).Message()
				hd := h.Descriptor().Fields()
				b = appendString(b, h.Get(hd.ByName("key")).String())
				b = append(b, ':')
				b = appendString(b, h.Get(hd.ByName("value")).String())
			}
			b = append(b, '}')
		case fd.IsList():
			l := v.List()
			b = append(b, '[')
			for j := 0; j < l.Len(); j++ {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendValue(b, fd, l.Get(j))
			}
			b = append(b, ']')
		case fd.Kind() == protoreflect.BytesKind && fd.Name() == "variables":
			b = appendDocument(b, v.Bytes())
		case fd.Kind() == protoreflect.BytesKind && isVariable && fd.Name() == "value":
			b = appendString(b, string(v.Bytes()))
		default:
			b = appendValue(b, fd, v)
		}
	}
	return append(b, '}')
}

// appendValue appends one singular value (or one element of a list).
func appendValue(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(b, v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case protoreflect.StringKind:
		return appendString(b, v.String())
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"')
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return appendString(b, string(ev.Name()))
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if !v.Message().IsValid() {
			return append(b, "null"...)
		}
		return appendMessage(b, v.Message())
	}
	return append(b, "null"...)
}

// appendDocument appends a variables document: its JSON as is when it is a valid JSON
// object, {} when empty.
func appendDocument(b []byte, doc []byte) []byte {
	if len(doc) == 0 {
		return append(b, "{}"...)
	}
	if json.Valid(doc) {
		return append(b, doc...)
	}
	return appendString(b, string(doc))
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte { return jsontext.AppendString(b, s) }

func protoValueOf(m proto.Message) protoreflect.Value {
	return protoreflect.ValueOfMessage(m.ProtoReflect())
}
