package gateway

import (
	"context"
	"testing"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestSetVariables(t *testing.T) {
	for _, tt := range []struct {
		local     bool
		semantics string
	}{{true, "LOCAL"}, {false, "PROPAGATE"}} {
		t.Run(tt.semantics, func(t *testing.T) {
			b := newFakeBroker(1, 2, 3)
			b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
				return eventFor(cmd, "UPDATED", keyOn(partition, 77)), nil
			})
			client := startGateway(t, b, Options{})

			resp, err := client.SetVariables(t.Context(), &gatewaypb.SetVariablesRequest{
				ElementInstanceKey: keyOn(3, 12), Variables: `{"x":[1,2]}`, Local: tt.local,
			})
			noError(t, err)
			equal(t, keyOn(3, 77), resp.GetKey())

			sent := b.sent()
			equal(t, 1, len(sent))
			equal(t, int32(3), sent[0].partition)
			equal(t, recordpb.ValueType_VARIABLE_DOCUMENT, sent[0].cmd.GetValueType())
			equal(t, "UPDATE", sent[0].cmd.GetIntent())
			protoEqual(t, &recordpb.VariableDocumentRecord{
				ScopeKey: keyOn(3, 12), UpdateSemantics: tt.semantics, Variables: []byte(`{"x":[1,2]}`),
			}, sent[0].cmd.GetVariableDocument())
		})
	}
}
