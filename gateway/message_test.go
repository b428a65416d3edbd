package gateway

import (
	"context"
	"math"
	"testing"

	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestPublishMessage(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	b.setHandler(func(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		return eventFor(cmd, "PUBLISHED", keyOn(partition, 5)), nil
	})
	client := startGateway(t, b, Options{})

	// "hello" hashes to 99162322, and 99162322 mod 3 is 1: the second partition.
	resp, err := client.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{
		Name: "paid", CorrelationKey: "hello", TimeToLive: 60_000, MessageId: "m-1", Variables: `{"amount":3}`,
	})
	noError(t, err)
	equal(t, keyOn(2, 5), resp.GetKey())

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, int32(2), sent[0].partition)
	equal(t, recordpb.ValueType_MESSAGE, sent[0].cmd.GetValueType())
	equal(t, "PUBLISH", sent[0].cmd.GetIntent())
	protoEqual(t, &recordpb.MessageRecord{
		Name: "paid", CorrelationKey: "hello", TimeToLive: 60_000, MessageId: "m-1", Variables: []byte(`{"amount":3}`),
	}, sent[0].cmd.GetMessage())
}

func TestCorrelationHashIsZeebes(t *testing.T) {
	for _, tt := range []struct {
		key  string
		hash int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"polygenelubricants", math.MinInt32}, // Java's String.hashCode is MIN_VALUE too
		{"é", -61*31 - 87},                    // UTF-8 bytes 0xC3 0xA9, taken as signed
	} {
		equal(t, tt.hash, placement.CorrelationHash(tt.key))
	}
}

func TestMessagePartition(t *testing.T) {
	parts := []int32{1, 2, 3}
	for _, tt := range []struct {
		key  string
		want int32
	}{
		{"", 1},
		{"hello", 2},              // 99162322 mod 3 = 1
		{"polygenelubricants", 3}, // MinInt32 mod 3 = -2, so index 2: no overflow from negating first
		{"é", 2},                  // -1978 mod 3 = -1, so index 1
	} {
		equal(t, tt.want, messagePartition(tt.key, parts))
	}
	// Partition ids that are not 1..N are indexed, not computed.
	equal(t, int32(7), messagePartition("hello", []int32{4, 7, 9}))
}
