// Package readmodeltest is the conformance suite of the read model exporters: the same
// tests run against every dialect (Run), and a record stream for benchmarks (Stream).
package readmodeltest

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// lastDefinitionKey is the highest key the sample's deployment made: keys above it
// belong to instances and are renumbered for every copy.
const lastDefinitionKey = 2251799813685254

// firstInstancePosition is the sample's first record after its deployments.
const firstInstancePosition = 9

// Stream returns n records of partition 1 from position 1: the sample's deployments,
// then its instance records (two instances with jobs, an incident, a message, a timer,
// a decision and a cancellation) again and again with new keys, positions and later
// timestamps.
func Stream(n int) []*exportersdk.Record {
	sample := exportertest.SampleRecords()
	var out []*exportersdk.Record
	for _, r := range sample {
		if len(out) == n || r.Position >= firstInstancePosition {
			break
		}
		out = append(out, r)
	}
	template := sample[firstInstancePosition-1:]
	for round := int64(0); len(out) < n; round++ {
		for _, r := range template {
			if len(out) == n {
				break
			}
			pb := proto.Clone(r.Proto()).(*recordpb.Record)
			m := pb.ProtoReflect()
			shiftKeys(m, round*1_000_000)
			pos := int64(len(out) + 1)
			m.Set(m.Descriptor().Fields().ByName("position"), protoreflect.ValueOfInt64(pos))
			ts := m.Get(m.Descriptor().Fields().ByName("timestamp")).Int()
			m.Set(m.Descriptor().Fields().ByName("timestamp"), protoreflect.ValueOfInt64(ts+round*100_000))
			if src := m.Get(m.Descriptor().Fields().ByName("source_record_position")).Int(); src > 0 {
				m.Set(m.Descriptor().Fields().ByName("source_record_position"),
					protoreflect.ValueOfInt64(src-r.Position+pos))
			}
			out = append(out, exportersdk.FromProto(pb))
		}
	}
	return out
}

// shiftKeys adds offset to every instance key in m (fields named key or *_key(s), and
// nested messages).
func shiftKeys(m protoreflect.Message, offset int64) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		isKey := name == "key" || strings.HasSuffix(name, "_key") || strings.HasSuffix(name, "_keys")
		switch {
		case fd.Kind() == protoreflect.MessageKind && fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				shiftKeys(l.Get(i).Message(), offset)
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
			shiftKeys(v.Message(), offset)
		case fd.Kind() == protoreflect.Int64Kind && isKey && fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				if k := l.Get(i).Int(); k > lastDefinitionKey {
					l.Set(i, protoreflect.ValueOfInt64(k+offset))
				}
			}
		case fd.Kind() == protoreflect.Int64Kind && isKey:
			if k := v.Int(); k > lastDefinitionKey {
				m.Set(fd, protoreflect.ValueOfInt64(k+offset))
			}
		}
		return true
	})
}
