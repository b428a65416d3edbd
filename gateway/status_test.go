package gateway

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestRejectionsBecomeStatuses(t *testing.T) {
	for _, tt := range []struct {
		rejection recordpb.RejectionType
		code      codes.Code
	}{
		{recordpb.RejectionType_INVALID_ARGUMENT, codes.InvalidArgument},
		{recordpb.RejectionType_NOT_FOUND, codes.NotFound},
		{recordpb.RejectionType_ALREADY_EXISTS, codes.AlreadyExists},
		{recordpb.RejectionType_INVALID_STATE, codes.FailedPrecondition},
		{recordpb.RejectionType_EXCEEDED_BATCH_RECORD_SIZE, codes.ResourceExhausted},
		{recordpb.RejectionType_PROCESSING_ERROR, codes.Internal},
		{recordpb.RejectionType_NULL_VAL, codes.Internal},
	} {
		t.Run(tt.rejection.String(), func(t *testing.T) {
			b := newFakeBroker(1)
			b.setHandler(func(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
				return rejectionFor(cmd, tt.rejection, "Expected to complete job with key '2251799813685251', but no such job was found"), nil
			})
			client := startGateway(t, b, Options{})

			_, err := client.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: keyOn(1, 3)})
			requireStatus(t, err, tt.code)
			want := fmt.Sprintf("Command 'COMPLETE' rejected with code '%s': Expected to complete job with key '2251799813685251', but no such job was found", tt.rejection)
			equal(t, want, status.Convert(err).Message())
		})
	}
}

func TestBrokerErrorsBecomeStatuses(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code codes.Code
	}{
		{ErrPartitionUnavailable, codes.Unavailable},
		{fmt.Errorf("partition 1: %w", ErrPartitionUnavailable), codes.Unavailable},
		{ErrBackpressure, codes.ResourceExhausted},
		{fmt.Errorf("partition 1: %w", ErrBackpressure), codes.ResourceExhausted},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{context.Canceled, codes.Canceled},
		{status.Error(codes.Aborted, "leader changed"), codes.Aborted},
		{errors.New("disk on fire"), codes.Internal},
	} {
		t.Run(tt.err.Error(), func(t *testing.T) {
			b := newFakeBroker(1)
			b.setHandler(func(context.Context, int32, *recordpb.Record) (*recordpb.Record, error) {
				return nil, tt.err
			})
			client := startGateway(t, b, Options{})

			_, err := client.CancelProcessInstance(t.Context(), &gatewaypb.CancelProcessInstanceRequest{ProcessInstanceKey: keyOn(1, 3)})
			requireStatus(t, err, tt.code)
		})
	}
}

func TestUnexpectedBrokerAnswersAreInternal(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer func(cmd *recordpb.Record) *recordpb.Record
	}{
		{"no record", func(*recordpb.Record) *recordpb.Record { return nil }},
		{"a command", func(cmd *recordpb.Record) *recordpb.Record { return cmd }},
		{"another value type", func(cmd *recordpb.Record) *recordpb.Record {
			resp := eventFor(cmd, "CREATED", 1)
			resp.ValueType = recordpb.ValueType_PROCESS_INSTANCE
			return resp
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBroker(1)
			b.setHandler(func(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
				return tt.answer(cmd), nil
			})
			client := startGateway(t, b, Options{})

			_, err := client.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{Name: "m"})
			requireStatus(t, err, codes.Internal, "MESSAGE PUBLISH")
		})
	}
}

func TestKeyOfUnknownPartitionIsNotFound(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	client := startGateway(t, b, Options{})

	for _, key := range []int64{keyOn(4, 1), keyOn(9, 12345), 5 /* partition 0 */} {
		_, err := client.CompleteJob(t.Context(), &gatewaypb.CompleteJobRequest{JobKey: key})
		requireStatus(t, err, codes.NotFound, fmt.Sprintf("key '%d'", key), "no such job")
	}
	_, err := client.ResolveIncident(t.Context(), &gatewaypb.ResolveIncidentRequest{IncidentKey: keyOn(4, 1)})
	requireStatus(t, err, codes.NotFound, fmt.Sprintf("key '%d'", keyOn(4, 1)), "no such incident")
	equal(t, 0, len(b.sent()))
}

func TestNoPartitionsIsUnavailable(t *testing.T) {
	client := startGateway(t, newFakeBroker(), Options{})

	_, err := client.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "p", Version: -1})
	requireStatus(t, err, codes.Unavailable)
	_, err = client.PublishMessage(t.Context(), &gatewaypb.PublishMessageRequest{Name: "m"})
	requireStatus(t, err, codes.Unavailable)
}
