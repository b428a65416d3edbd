package proto_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestDiffGatewayReportsMutations checks the comparator itself: each case breaks one
// thing in a copy of the reference descriptor, and diffGateway must name it. A comparator
// that missed these would let TestGatewayMatchesZeebe pass on a broken .proto.
func TestDiffGatewayReportsMutations(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *testing.T, fd *descriptorpb.FileDescriptorProto)
		want   []string
	}{
		{
			name: "field number",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "ActivateJobsRequest"), "worker").Number = proto.Int32(20)
			},
			want: []string{"field gateway_protocol.ActivateJobsRequest.worker: number is 20, want 2"},
		},
		{
			name: "field missing",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				m := message(t, fd, "CompleteJobRequest")
				m.Field = slices.DeleteFunc(m.Field, func(f *descriptorpb.FieldDescriptorProto) bool {
					return f.GetName() == "variables"
				})
			},
			want: []string{"field gateway_protocol.CompleteJobRequest.variables: missing"},
		},
		{
			name: "field added",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				m := message(t, fd, "CompleteJobRequest")
				m.Field = append(m.Field, &descriptorpb.FieldDescriptorProto{
					Name:     proto.String("extra"),
					JsonName: proto.String("extra"),
					Number:   proto.Int32(9),
					Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
					Type:     descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
				})
			},
			want: []string{"field gateway_protocol.CompleteJobRequest.extra = 9: not in the reference"},
		},
		{
			name: "field type",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "ActivatedJob"), "key").Type = descriptorpb.FieldDescriptorProto_TYPE_UINT64.Enum()
			},
			want: []string{"field gateway_protocol.ActivatedJob.key: type is uint64, want int64"},
		},
		{
			name: "field label",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "ActivateJobsRequest"), "fetchVariable").Label = descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
			},
			want: []string{"field gateway_protocol.ActivateJobsRequest.fetchVariable: label is optional, want repeated"},
		},
		{
			name: "json name",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "PublishMessageRequest"), "timeToLive").JsonName = proto.String("time_to_live")
			},
			want: []string{`field gateway_protocol.PublishMessageRequest.timeToLive: json name is "time_to_live", want "timeToLive"`},
		},
		{
			name: "message type of a field",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "Deployment"), "process").TypeName = proto.String(".gateway_protocol.DecisionMetadata")
			},
			want: []string{`field gateway_protocol.Deployment.process: type name is "gateway_protocol.DecisionMetadata", want "gateway_protocol.ProcessMetadata"`},
		},
		{
			name: "field leaves its oneof",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "Deployment"), "decisionRequirements").OneofIndex = nil
			},
			want: []string{`field gateway_protocol.Deployment.decisionRequirements: oneof is "", want "Metadata"`},
		},
		{
			name: "proto3 optional",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				m := message(t, fd, "SetVariablesRequest")
				m.OneofDecl = append(m.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String("_local")})
				f := field(t, m, "local")
				f.Proto3Optional = proto.Bool(true)
				f.OneofIndex = proto.Int32(int32(len(m.OneofDecl) - 1))
			},
			want: []string{"field gateway_protocol.SetVariablesRequest.local: proto3 optional is true, want false"},
		},
		{
			name: "rpc missing",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				s := fd.Service[0]
				s.Method = slices.DeleteFunc(s.Method, func(m *descriptorpb.MethodDescriptorProto) bool {
					return m.GetName() == "Topology"
				})
			},
			want: []string{"rpc gateway_protocol.Gateway.Topology: missing"},
		},
		{
			name: "rpc streaming",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				method(t, fd, "ActivateJobs").ServerStreaming = proto.Bool(false)
			},
			want: []string{"rpc gateway_protocol.Gateway.ActivateJobs: server streaming is false, want true"},
		},
		{
			name: "rpc input",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				method(t, fd, "FailJob").InputType = proto.String(".gateway_protocol.ThrowErrorRequest")
			},
			want: []string{"rpc gateway_protocol.Gateway.FailJob: input is gateway_protocol.ThrowErrorRequest, want gateway_protocol.FailJobRequest"},
		},
		{
			name: "enum value number",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				enumValue(t, message(t, fd, "Partition"), "PartitionBrokerRole", "FOLLOWER").Number = proto.Int32(5)
			},
			want: []string{"enum value gateway_protocol.Partition.FOLLOWER: number is 5, want 1"},
		},
		{
			name: "nested message missing",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				m := message(t, fd, "ModifyProcessInstanceRequest")
				m.Field = slices.DeleteFunc(m.Field, func(f *descriptorpb.FieldDescriptorProto) bool {
					return f.GetName() == "terminateInstructions"
				})
				m.NestedType = slices.DeleteFunc(m.NestedType, func(n *descriptorpb.DescriptorProto) bool {
					return n.GetName() == "TerminateInstruction"
				})
			},
			want: []string{
				"field gateway_protocol.ModifyProcessInstanceRequest.terminateInstructions: missing",
				"message gateway_protocol.ModifyProcessInstanceRequest.TerminateInstruction: missing",
			},
		},
		{
			name: "every difference at once",
			mutate: func(t *testing.T, fd *descriptorpb.FileDescriptorProto) {
				field(t, message(t, fd, "ActivateJobsRequest"), "worker").Number = proto.Int32(20)
				field(t, message(t, fd, "ActivatedJob"), "key").Type = descriptorpb.FieldDescriptorProto_TYPE_UINT64.Enum()
				method(t, fd, "ActivateJobs").ServerStreaming = proto.Bool(false)
				enumValue(t, message(t, fd, "Partition"), "PartitionBrokerHealth", "DEAD").Number = proto.Int32(7)
			},
			want: []string{
				"rpc gateway_protocol.Gateway.ActivateJobs: server streaming is false, want true",
				"field gateway_protocol.ActivateJobsRequest.worker: number is 20, want 2",
				"field gateway_protocol.ActivatedJob.key: type is uint64, want int64",
				"enum value gateway_protocol.Partition.DEAD: number is 7, want 2",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fd := protodesc.ToFileDescriptorProto(pb.File_gateway_proto)
			tc.mutate(t, fd)
			got := diffGateway(pb.File_gateway_proto, build(t, fd))
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("diff lacks %q; it reported:\n  %s", w, strings.Join(got, "\n  "))
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("diff reported %d differences, want %d:\n  %s", len(got), len(tc.want), strings.Join(got, "\n  "))
			}
		})
	}
}

// TestDiffGatewayIdentical checks that an unchanged copy of the reference shows no
// difference, so a report from the comparator always means something changed.
func TestDiffGatewayIdentical(t *testing.T) {
	fd := build(t, protodesc.ToFileDescriptorProto(pb.File_gateway_proto))
	if diffs := diffGateway(pb.File_gateway_proto, fd); len(diffs) > 0 {
		t.Fatalf("unchanged copy reported as different:\n  %s", strings.Join(diffs, "\n  "))
	}
}

// build links a descriptor proto without registering it anywhere, so it can share full
// names with the reference.
func build(t *testing.T, fd *descriptorpb.FileDescriptorProto) protoreflect.FileDescriptor {
	t.Helper()
	f, err := protodesc.NewFile(fd, new(protoregistry.Files))
	if err != nil {
		t.Fatalf("build mutated descriptor: %v", err)
	}
	return f
}

func message(t *testing.T, fd *descriptorpb.FileDescriptorProto, name string) *descriptorpb.DescriptorProto {
	t.Helper()
	for _, m := range fd.MessageType {
		if m.GetName() == name {
			return m
		}
	}
	t.Fatalf("no message %s", name)
	return nil
}

func field(t *testing.T, m *descriptorpb.DescriptorProto, name string) *descriptorpb.FieldDescriptorProto {
	t.Helper()
	for _, f := range m.Field {
		if f.GetName() == name {
			return f
		}
	}
	t.Fatalf("no field %s.%s", m.GetName(), name)
	return nil
}

func method(t *testing.T, fd *descriptorpb.FileDescriptorProto, name string) *descriptorpb.MethodDescriptorProto {
	t.Helper()
	for _, m := range fd.Service[0].Method {
		if m.GetName() == name {
			return m
		}
	}
	t.Fatalf("no rpc %s", name)
	return nil
}

func enumValue(t *testing.T, m *descriptorpb.DescriptorProto, enum, name string) *descriptorpb.EnumValueDescriptorProto {
	t.Helper()
	for _, e := range m.EnumType {
		if e.GetName() != enum {
			continue
		}
		for _, v := range e.Value {
			if v.GetName() == name {
				return v
			}
		}
	}
	t.Fatalf("no enum value %s.%s.%s", m.GetName(), enum, name)
	return nil
}
