package gateway

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Signals go to the partitions in turn, with their name and variables; bad input is
// refused before any partition sees it.
func TestBroadcastSignal(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		return eventFor(cmd, "BROADCASTED", keyOn(partition, 9)), nil
	})
	client := startGateway(t, b, Options{})

	first, err := client.BroadcastSignal(t.Context(), &gatewaypb.BroadcastSignalRequest{SignalName: "stop", Variables: `{"why":"maintenance"}`})
	noError(t, err)
	second, err := client.BroadcastSignal(t.Context(), &gatewaypb.BroadcastSignalRequest{SignalName: "stop"})
	noError(t, err)
	sent := b.sent()
	equal(t, 2, len(sent))
	equal(t, keyOn(sent[0].partition, 9), first.GetKey())
	equal(t, keyOn(sent[1].partition, 9), second.GetKey())
	if sent[0].partition == sent[1].partition {
		t.Errorf("both signals went to partition %d; they should take turns", sent[0].partition)
	}
	equal(t, recordpb.ValueType_SIGNAL, sent[0].cmd.GetValueType())
	equal(t, "BROADCAST", sent[0].cmd.GetIntent())
	protoEqual(t, &recordpb.SignalRecord{SignalName: "stop", Variables: []byte(`{"why":"maintenance"}`)}, sent[0].cmd.GetSignal())

	_, err = client.BroadcastSignal(t.Context(), &gatewaypb.BroadcastSignalRequest{})
	requireStatus(t, err, codes.InvalidArgument, "signal name")
	_, err = client.BroadcastSignal(t.Context(), &gatewaypb.BroadcastSignalRequest{SignalName: "s", Variables: `[1]`})
	requireStatus(t, err, codes.InvalidArgument)
	equal(t, 2, len(b.sent()))
}
