package proto_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// gatewayProto is our gateway API, by its path in the buf module rooted at this folder.
const gatewayProto = "gateway_protocol/gateway.proto"

// zeebeRPCs is the number of RPCs in Zeebe 8.3's Gateway service. It guards against the
// reference itself changing shape under a different client module version.
const zeebeRPCs = 18

// TestGatewayMatchesZeebe holds our gateway .proto to the descriptor compiled into Zeebe's
// official Go client: any difference that a Zeebe client could notice on the wire, in
// JSON, or in generated code fails the test, and all of them are listed at once.
//
// Our .proto is compiled here rather than through the generated gatewaypb package: both
// define the same full names in package gateway_protocol, and protobuf-go refuses to
// register two files that do so in one binary.
func TestGatewayMatchesZeebe(t *testing.T) {
	want := pb.File_gateway_proto
	if n := want.Services().ByName("Gateway").Methods().Len(); n != zeebeRPCs {
		t.Fatalf("reference Gateway service has %d RPCs, want %d: wrong Zeebe client version in go.mod?", n, zeebeRPCs)
	}
	got := compileGatewayProto(t)
	if diffs := diffGateway(want, got); len(diffs) > 0 {
		t.Fatalf("%s differs from Zeebe 8.3's gateway protocol in %d ways:\n  %s",
			gatewayProto, len(diffs), strings.Join(diffs, "\n  "))
	}
}

func compileGatewayProto(t *testing.T) protoreflect.FileDescriptor {
	t.Helper()
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{"."}}),
	}
	files, err := compiler.Compile(t.Context(), gatewayProto)
	if err != nil {
		t.Fatalf("compile %s: %v", gatewayProto, err)
	}
	return files[0]
}

// diffGateway compares the Gateway service of got with that of want, together with every
// message and enum the service reaches (through method inputs and outputs, field types
// and nesting, recursively) and every top-level type of want's file. It returns one line
// per difference, in a stable order; nil means got is wire- and JSON-identical to want.
func diffGateway(want, got protoreflect.FileDescriptor) []string {
	d := &differ{
		want: indexTypes(want),
		got:  indexTypes(got),
		seen: map[protoreflect.FullName]bool{},
	}
	if want.Package() != got.Package() {
		d.addf("file: package is %q, want %q", got.Package(), want.Package())
	}
	if want.Syntax() != got.Syntax() {
		d.addf("file: syntax is %v, want %v", got.Syntax(), want.Syntax())
	}
	d.services(want.Services(), got.Services())
	for i := range want.Messages().Len() {
		d.enqueue(want.Messages().Get(i).FullName())
	}
	for i := range want.Enums().Len() {
		d.enqueue(want.Enums().Get(i).FullName())
	}
	for len(d.queue) > 0 {
		name := d.queue[0]
		d.queue = d.queue[1:]
		d.typ(name)
	}
	return d.diffs
}

type differ struct {
	want, got map[protoreflect.FullName]protoreflect.Descriptor
	seen      map[protoreflect.FullName]bool
	queue     []protoreflect.FullName
	diffs     []string
}

func (d *differ) addf(format string, args ...any) {
	d.diffs = append(d.diffs, fmt.Sprintf(format, args...))
}

// enqueue schedules a message or enum of want for comparison, once.
func (d *differ) enqueue(name protoreflect.FullName) {
	if !d.seen[name] {
		d.seen[name] = true
		d.queue = append(d.queue, name)
	}
}

func (d *differ) services(want, got protoreflect.ServiceDescriptors) {
	for i := range want.Len() {
		ws := want.Get(i)
		gs := got.ByName(ws.Name())
		if gs == nil {
			d.addf("service %s: missing", ws.FullName())
			for j := range ws.Methods().Len() {
				d.enqueue(ws.Methods().Get(j).Input().FullName())
				d.enqueue(ws.Methods().Get(j).Output().FullName())
			}
			continue
		}
		d.methods(ws, gs)
	}
	for i := range got.Len() {
		if gs := got.Get(i); want.ByName(gs.Name()) == nil {
			d.addf("service %s: not in the reference", gs.FullName())
		}
	}
}

func (d *differ) methods(want, got protoreflect.ServiceDescriptor) {
	for i := range want.Methods().Len() {
		wm := want.Methods().Get(i)
		d.enqueue(wm.Input().FullName())
		d.enqueue(wm.Output().FullName())
		gm := got.Methods().ByName(wm.Name())
		if gm == nil {
			d.addf("rpc %s: missing", wm.FullName())
			continue
		}
		if g, w := gm.Input().FullName(), wm.Input().FullName(); g != w {
			d.addf("rpc %s: input is %s, want %s", wm.FullName(), g, w)
		}
		if g, w := gm.Output().FullName(), wm.Output().FullName(); g != w {
			d.addf("rpc %s: output is %s, want %s", wm.FullName(), g, w)
		}
		if g, w := gm.IsStreamingClient(), wm.IsStreamingClient(); g != w {
			d.addf("rpc %s: client streaming is %t, want %t", wm.FullName(), g, w)
		}
		if g, w := gm.IsStreamingServer(), wm.IsStreamingServer(); g != w {
			d.addf("rpc %s: server streaming is %t, want %t", wm.FullName(), g, w)
		}
	}
	for i := range got.Methods().Len() {
		if gm := got.Methods().Get(i); want.Methods().ByName(gm.Name()) == nil {
			d.addf("rpc %s: not in the reference", gm.FullName())
		}
	}
}

// typ compares the message or enum of want named name with got's type of the same name.
func (d *differ) typ(name protoreflect.FullName) {
	w := d.want[name]
	g, ok := d.got[name]
	switch {
	case w == nil:
		d.addf("type %s: referenced but not defined in the reference", name)
	case !ok:
		d.addf("%s %s: missing", kindOf(w), name)
	case kindOf(w) != kindOf(g):
		d.addf("type %s: is %s, want %s", name, kindOf(g), kindOf(w))
	default:
		switch w := w.(type) {
		case protoreflect.MessageDescriptor:
			d.message(w, g.(protoreflect.MessageDescriptor))
		case protoreflect.EnumDescriptor:
			d.enum(w, g.(protoreflect.EnumDescriptor))
		}
	}
}

func (d *differ) message(want, got protoreflect.MessageDescriptor) {
	for i := range want.Fields().Len() {
		wf := want.Fields().Get(i)
		switch wf.Kind() {
		case protoreflect.MessageKind, protoreflect.GroupKind:
			d.enqueue(wf.Message().FullName())
		case protoreflect.EnumKind:
			d.enqueue(wf.Enum().FullName())
		}
		gf := got.Fields().ByName(wf.Name())
		if gf == nil {
			d.addf("field %s: missing", wf.FullName())
			continue
		}
		d.field(wf, gf)
	}
	for i := range got.Fields().Len() {
		if gf := got.Fields().Get(i); want.Fields().ByName(gf.Name()) == nil {
			d.addf("field %s = %d: not in the reference", gf.FullName(), gf.Number())
		}
	}

	wantOneofs, gotOneofs := oneofNames(want), oneofNames(got)
	for _, n := range wantOneofs {
		if !slices.Contains(gotOneofs, n) {
			d.addf("oneof %s.%s: missing", want.FullName(), n)
		}
	}
	for _, n := range gotOneofs {
		if !slices.Contains(wantOneofs, n) {
			d.addf("oneof %s.%s: not in the reference", got.FullName(), n)
		}
	}

	for i := range want.Messages().Len() {
		d.enqueue(want.Messages().Get(i).FullName())
	}
	for i := range want.Enums().Len() {
		d.enqueue(want.Enums().Get(i).FullName())
	}
	for i := range got.Messages().Len() {
		if gm := got.Messages().Get(i); want.Messages().ByName(gm.Name()) == nil {
			d.addf("message %s: not in the reference", gm.FullName())
		}
	}
	for i := range got.Enums().Len() {
		if ge := got.Enums().Get(i); want.Enums().ByName(ge.Name()) == nil {
			d.addf("enum %s: not in the reference", ge.FullName())
		}
	}
}

func (d *differ) field(want, got protoreflect.FieldDescriptor) {
	name := want.FullName()
	if g, w := got.Number(), want.Number(); g != w {
		d.addf("field %s: number is %d, want %d", name, g, w)
	}
	if g, w := got.Kind(), want.Kind(); g != w {
		d.addf("field %s: type is %v, want %v", name, g, w)
	}
	if g, w := got.Cardinality(), want.Cardinality(); g != w {
		d.addf("field %s: label is %v, want %v", name, g, w)
	}
	if g, w := got.JSONName(), want.JSONName(); g != w {
		d.addf("field %s: json name is %q, want %q", name, g, w)
	}
	if g, w := got.HasOptionalKeyword(), want.HasOptionalKeyword(); g != w {
		d.addf("field %s: proto3 optional is %t, want %t", name, g, w)
	}
	if g, w := got.IsPacked(), want.IsPacked(); g != w {
		d.addf("field %s: packed is %t, want %t", name, g, w)
	}
	if g, w := realOneof(got), realOneof(want); g != w {
		d.addf("field %s: oneof is %q, want %q", name, g, w)
	}
	if g, w := typeName(got), typeName(want); g != w {
		d.addf("field %s: type name is %q, want %q", name, g, w)
	}
}

func (d *differ) enum(want, got protoreflect.EnumDescriptor) {
	for i := range want.Values().Len() {
		wv := want.Values().Get(i)
		gv := got.Values().ByName(wv.Name())
		switch {
		case gv == nil:
			d.addf("enum value %s: missing", wv.FullName())
		case gv.Number() != wv.Number():
			d.addf("enum value %s: number is %d, want %d", wv.FullName(), gv.Number(), wv.Number())
		}
	}
	for i := range got.Values().Len() {
		if gv := got.Values().Get(i); want.Values().ByName(gv.Name()) == nil {
			d.addf("enum value %s = %d: not in the reference", gv.FullName(), gv.Number())
		}
	}
}

// indexTypes maps the full name of every message and enum in fd, nested ones included.
func indexTypes(fd protoreflect.FileDescriptor) map[protoreflect.FullName]protoreflect.Descriptor {
	index := map[protoreflect.FullName]protoreflect.Descriptor{}
	var walk func(protoreflect.MessageDescriptors, protoreflect.EnumDescriptors)
	walk = func(msgs protoreflect.MessageDescriptors, enums protoreflect.EnumDescriptors) {
		for i := range enums.Len() {
			index[enums.Get(i).FullName()] = enums.Get(i)
		}
		for i := range msgs.Len() {
			m := msgs.Get(i)
			index[m.FullName()] = m
			walk(m.Messages(), m.Enums())
		}
	}
	walk(fd.Messages(), fd.Enums())
	return index
}

func kindOf(d protoreflect.Descriptor) string {
	switch d.(type) {
	case protoreflect.MessageDescriptor:
		return "message"
	case protoreflect.EnumDescriptor:
		return "enum"
	}
	return fmt.Sprintf("%T", d)
}

// realOneof names the oneof a field is declared in; a proto3 optional field's synthetic
// oneof does not count, HasOptionalKeyword covers it.
func realOneof(f protoreflect.FieldDescriptor) protoreflect.Name {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return o.Name()
	}
	return ""
}

func oneofNames(m protoreflect.MessageDescriptor) []protoreflect.Name {
	var names []protoreflect.Name
	for i := range m.Oneofs().Len() {
		if o := m.Oneofs().Get(i); !o.IsSynthetic() {
			names = append(names, o.Name())
		}
	}
	return names
}

// typeName is the full name of a field's message or enum type, empty for scalars.
func typeName(f protoreflect.FieldDescriptor) protoreflect.FullName {
	switch {
	case f.Message() != nil:
		return f.Message().FullName()
	case f.Enum() != nil:
		return f.Enum().FullName()
	}
	return ""
}
