package gateway

import (
	"testing"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestJobCommands(t *testing.T) {
	jobKey := keyOn(2, 17)
	tests := []struct {
		name   string
		call   func(gatewaypb.GatewayClient, *testing.T) error
		intent string
		value  *recordpb.JobRecord
	}{
		{
			name: "CompleteJob",
			call: func(c gatewaypb.GatewayClient, t *testing.T) error {
				_, err := c.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: jobKey, Variables: `{"done":true}`})
				return err
			},
			intent: "COMPLETE",
			value:  &recordpb.JobRecord{Variables: []byte(`{"done":true}`)},
		},
		{
			name: "CompleteJob without variables",
			call: func(c gatewaypb.GatewayClient, t *testing.T) error {
				_, err := c.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: jobKey})
				return err
			},
			intent: "COMPLETE",
			value:  &recordpb.JobRecord{},
		},
		{
			name: "FailJob",
			call: func(c gatewaypb.GatewayClient, t *testing.T) error {
				_, err := c.FailJob(t.Context(), &gatewaypb.FailJobRequest{
					JobKey: jobKey, Retries: 2, ErrorMessage: "boom", RetryBackOff: 1500, Variables: `{"attempt":1}`,
				})
				return err
			},
			intent: "FAIL",
			value:  &recordpb.JobRecord{Retries: 2, ErrorMessage: "boom", RetryBackoff: 1500, Variables: []byte(`{"attempt":1}`)},
		},
		{
			name: "ThrowError",
			call: func(c gatewaypb.GatewayClient, t *testing.T) error {
				_, err := c.ThrowError(t.Context(), &gatewaypb.ThrowErrorRequest{
					JobKey: jobKey, ErrorCode: "NO_STOCK", ErrorMessage: "out of stock", Variables: `{"sku":"a"}`,
				})
				return err
			},
			intent: "THROW_ERROR",
			value:  &recordpb.JobRecord{ErrorCode: "NO_STOCK", ErrorMessage: "out of stock", Variables: []byte(`{"sku":"a"}`)},
		},
		{
			name: "UpdateJobRetries",
			call: func(c gatewaypb.GatewayClient, t *testing.T) error {
				_, err := c.UpdateJobRetries(t.Context(), &gatewaypb.UpdateJobRetriesRequest{JobKey: jobKey, Retries: 5})
				return err
			},
			intent: "UPDATE_RETRIES",
			value:  &recordpb.JobRecord{Retries: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBroker(1, 2, 3)
			client := startGateway(t, b, Options{})
			noError(t, tt.call(client, t))

			sent := b.sent()
			equal(t, 1, len(sent))
			equal(t, int32(2), sent[0].partition)
			cmd := sent[0].cmd
			equal(t, recordpb.RecordType_COMMAND, cmd.GetRecordType())
			equal(t, recordpb.ValueType_JOB, cmd.GetValueType())
			equal(t, tt.intent, cmd.GetIntent())
			equal(t, jobKey, cmd.GetKey())
			protoEqual(t, tt.value, cmd.GetJob())
		})
	}
}

func TestResolveIncident(t *testing.T) {
	b := newFakeBroker(1, 2)
	client := startGateway(t, b, Options{})

	_, err := client.ResolveIncident(t.Context(), &gatewaypb.ResolveIncidentRequest{IncidentKey: keyOn(2, 8)})
	noError(t, err)

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, int32(2), sent[0].partition)
	equal(t, recordpb.ValueType_INCIDENT, sent[0].cmd.GetValueType())
	equal(t, "RESOLVE", sent[0].cmd.GetIntent())
	equal(t, keyOn(2, 8), sent[0].cmd.GetKey())
}
