package gateway

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// DeleteResource goes to the partition of the resource's key; a key that is not
// positive never reaches a partition.
func TestDeleteResourceRouting(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		return eventFor(cmd, "DELETED", keyOn(partition, 3)), nil
	})
	client := startGateway(t, b, Options{})
	_, err := client.DeleteResource(t.Context(), &gatewaypb.DeleteResourceRequest{ResourceKey: keyOn(2, 1)})
	noError(t, err)
	sent := b.sent()
	equal(t, int32(2), sent[0].partition)
	equal(t, recordpb.ValueType_RESOURCE_DELETION, sent[0].cmd.GetValueType())
	equal(t, keyOn(2, 1), sent[0].cmd.GetResourceDeletion().GetResourceKey())
	_, err = client.DeleteResource(t.Context(), &gatewaypb.DeleteResourceRequest{})
	requireStatus(t, err, codes.InvalidArgument)
	equal(t, 1, len(b.sent()))
}

func TestRequestsOverTheMessageSizeAreRefused(t *testing.T) {
	b := newFakeBroker(1)
	b.setHandler(deployedAnswer)
	client := startGateway(t, b, Options{})

	_, err := client.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{
		{Name: "huge.bpmn", Content: make([]byte, 5<<20)},
	}})
	requireStatus(t, err, codes.ResourceExhausted)
	equal(t, 0, len(b.sent()))

	// Just under the limit still goes through.
	_, err = client.DeployResource(t.Context(), &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{
		{Name: "big.bpmn", Content: make([]byte, 4<<20-1024)},
	}})
	noError(t, err)
}

func TestPanicsBecomeInternal(t *testing.T) {
	b := newFakeBroker(1)
	b.setHandler(func(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		if cmd.GetValueType() == recordpb.ValueType_MESSAGE {
			return eventFor(cmd, "PUBLISHED", 1), nil
		}
		panic("broken broker")
	})
	var logs logBuffer
	client := startGateway(t, b, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	_, err := client.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: keyOn(1, 1)})
	requireStatus(t, err, codes.Internal, "/gateway_protocol.Gateway/CompleteJob")

	_, err = activateAll(t, t.Context(), client, &gatewaypb.ActivateJobsRequest{
		Type: "t", Worker: "w", Timeout: 1000, MaxJobsToActivate: 1, RequestTimeout: -1,
	})
	requireStatus(t, err, codes.Internal, "/gateway_protocol.Gateway/ActivateJobs")

	for _, want := range []string{"gateway handler panicked", "broken broker", "CompleteJob", "ActivateJobs", "goroutine"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log lacks %q:\n%s", want, logs.String())
		}
	}

	// The gateway still serves.
	_, err = client.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{Name: "m"})
	noError(t, err)
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	equal(t, DefaultLongPollTimeout, o.DefaultLongPollTimeout)
	equal(t, DefaultMaxMessageSize, o.MaxMessageSize)
	equal(t, DefaultRequestTimeout, o.DefaultRequestTimeout)
	if o.Logger == nil {
		t.Fatal("no default logger")
	}
	equal(t, 5, len(ServerOptions(Options{})))
}
