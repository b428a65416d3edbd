package gateway

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// createdAnswer answers PROCESS_INSTANCE_CREATION CREATE with an instance on the partition.
func createdAnswer(_ context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	resp := eventFor(cmd, "CREATED", keyOn(partition, 100))
	v := cmd.GetProcessInstanceCreation()
	resp.Value = &recordpb.Record_ProcessInstanceCreation{ProcessInstanceCreation: &recordpb.ProcessInstanceCreationRecord{
		BpmnProcessId:        "order",
		Version:              3,
		ProcessDefinitionKey: keyOn(1, 7),
		ProcessInstanceKey:   keyOn(partition, 100),
		Variables:            v.GetVariables(),
	}}
	return resp, nil
}

func TestCreateProcessInstanceGoesToPartitionsInTurn(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	b.setHandler(createdAnswer)
	client := startGateway(t, b, Options{})

	for _, want := range []int32{1, 2, 3, 1} {
		resp, err := client.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{
			BpmnProcessId: "order", Version: -1, Variables: `{"a":1}`,
			StartInstructions: []*gatewaypb.ProcessInstanceCreationStartInstruction{{ElementId: "task"}},
		})
		noError(t, err)
		protoEqual(t, &gatewaypb.CreateProcessInstanceResponse{
			ProcessDefinitionKey: keyOn(1, 7), BpmnProcessId: "order", Version: 3, ProcessInstanceKey: keyOn(want, 100),
		}, resp)
	}

	sent := b.sent()
	equal(t, 4, len(sent))
	for i, want := range []int32{1, 2, 3, 1} {
		equal(t, want, sent[i].partition)
		cmd := sent[i].cmd
		equal(t, recordpb.RecordType_COMMAND, cmd.GetRecordType())
		equal(t, recordpb.ValueType_PROCESS_INSTANCE_CREATION, cmd.GetValueType())
		equal(t, "CREATE", cmd.GetIntent())
		protoEqual(t, &recordpb.ProcessInstanceCreationRecord{
			BpmnProcessId: "order", Version: -1, Variables: []byte(`{"a":1}`),
			StartInstructions: []*recordpb.StartInstruction{{ElementId: "task"}},
		}, cmd.GetProcessInstanceCreation())
	}
}

// A partition under back-pressure hands a creation by process id to the next one; only
// when every partition refuses does the client get RESOURCE_EXHAUSTED. Other errors
// are not retried elsewhere (the creation may have happened).
func TestCreateProcessInstanceTriesTheNextPartitionUnderBackpressure(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	var busy map[int32]bool
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		if busy[partition] {
			return nil, ErrBackpressure
		}
		if partition == 3 && busy[0] {
			return nil, errors.New("leadership lost: outcome unknown")
		}
		return createdAnswer(ctx, partition, cmd)
	})
	client := startGateway(t, b, Options{})
	create := func() (*gatewaypb.CreateProcessInstanceResponse, error) {
		return client.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1})
	}

	busy = map[int32]bool{1: true}
	resp, err := create() // starts at partition 1: busy, goes on to 2
	noError(t, err)
	equal(t, keyOn(2, 100), resp.GetProcessInstanceKey())
	var tried []int32
	for _, c := range b.sent() {
		tried = append(tried, c.partition)
		equal(t, c.partition, c.cmd.GetPartitionId())
	}
	if !slices.Equal([]int32{1, 2}, tried) {
		t.Fatalf("tried partitions %v, want [1 2]", tried)
	}

	busy = map[int32]bool{1: true, 2: true, 3: true}
	_, err = create()
	requireStatus(t, err, codes.ResourceExhausted)
	equal(t, 2+3, len(b.sent()))

	busy = map[int32]bool{0: true, 2: true} // starts at 3: an unknown outcome is not retried
	_, err = create()
	if err == nil || status.Code(err) == codes.ResourceExhausted {
		t.Fatalf("want the unknown outcome's error, got %v", err)
	}
	equal(t, 2+3+1, len(b.sent()))
}

func TestCreateProcessInstanceByKeyGoesToTheKeysPartition(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	b.setHandler(createdAnswer)
	client := startGateway(t, b, Options{})

	for range 2 {
		_, err := client.CreateProcessInstance(t.Context(), &gatewaypb.CreateProcessInstanceRequest{
			ProcessDefinitionKey: keyOn(2, 5),
		})
		noError(t, err)
	}
	for _, s := range b.sent() {
		equal(t, int32(2), s.partition)
		protoEqual(t, &recordpb.ProcessInstanceCreationRecord{ProcessDefinitionKey: keyOn(2, 5)},
			s.cmd.GetProcessInstanceCreation())
	}
}

func TestCreateProcessInstanceWithResult(t *testing.T) {
	b := newFakeBroker(1, 2)
	hadDeadline := make(chan bool, 1)
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		_, ok := ctx.Deadline()
		hadDeadline <- ok
		resp := eventFor(cmd, "COMPLETED", keyOn(partition, 9))
		resp.ValueType = recordpb.ValueType_PROCESS_INSTANCE_RESULT
		resp.Value = &recordpb.Record_ProcessInstanceResult{ProcessInstanceResult: &recordpb.ProcessInstanceResultRecord{
			BpmnProcessId: "order", Version: 2, ProcessDefinitionKey: keyOn(1, 7), ProcessInstanceKey: keyOn(partition, 9),
			Variables: []byte(`{"total":12}`),
		}}
		return resp, nil
	})
	client := startGateway(t, b, Options{})

	resp, err := client.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
		Request:        &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: 2, Variables: `{"n":1}`},
		RequestTimeout: 60_000,
		FetchVariables: []string{"total"},
	})
	noError(t, err)
	protoEqual(t, &gatewaypb.CreateProcessInstanceWithResultResponse{
		ProcessDefinitionKey: keyOn(1, 7), BpmnProcessId: "order", Version: 2, ProcessInstanceKey: keyOn(1, 9),
		Variables: `{"total":12}`,
	}, resp)
	equal(t, true, receive(t, hadDeadline))

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, recordpb.ValueType_PROCESS_INSTANCE_CREATION, sent[0].cmd.GetValueType())
	equal(t, "CREATE", sent[0].cmd.GetIntent())
	protoEqual(t, &recordpb.ProcessInstanceCreationRecord{
		BpmnProcessId: "order", Version: 2, Variables: []byte(`{"n":1}`),
		FetchVariables: []string{"total"}, AwaitResult: true,
	}, sent[0].cmd.GetProcessInstanceCreation())
}

func TestCreateProcessInstanceWithResultWithoutVariablesAnswersEmptyObject(t *testing.T) {
	b := newFakeBroker(1)
	b.setHandler(func(_ context.Context, _ int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		resp := eventFor(cmd, "COMPLETED", 1)
		resp.ValueType = recordpb.ValueType_PROCESS_INSTANCE_RESULT
		resp.Value = &recordpb.Record_ProcessInstanceResult{ProcessInstanceResult: &recordpb.ProcessInstanceResultRecord{}}
		return resp, nil
	})
	client := startGateway(t, b, Options{})
	resp, err := client.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
		Request: &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "p", Version: -1},
	})
	noError(t, err)
	equal(t, "{}", resp.GetVariables())
}

// blockUntilDone answers nothing: it waits for the request's context, as a broker does for
// an instance that does not complete.
func blockUntilDone(ctx context.Context, _ int32, _ *recordpb.Record) (*recordpb.Record, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCreateProcessInstanceWithResultHonoursRequestTimeout(t *testing.T) {
	b := newFakeBroker(1)
	b.setHandler(blockUntilDone)
	client := startGateway(t, b, Options{})

	start := time.Now()
	_, err := client.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
		Request:        &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1},
		RequestTimeout: 200,
	})
	requireStatus(t, err, codes.DeadlineExceeded,
		"Expected the process instance of process 'order' (latest version) to complete within requestTimeout 200ms")
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Fatalf("answered after %v, before the request timeout", elapsed)
	}
}

func TestCreateProcessInstanceWithResultUsesTheCallDeadline(t *testing.T) {
	b := newFakeBroker(1)
	deadlines := make(chan time.Time, 1)
	b.setHandler(func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
		d, _ := ctx.Deadline()
		deadlines <- d
		return blockUntilDone(ctx, partition, cmd)
	})
	client := startGateway(t, b, Options{})

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	want, _ := ctx.Deadline()
	_, err := client.CreateProcessInstanceWithResult(ctx, &gatewaypb.CreateProcessInstanceWithResultRequest{
		Request: &gatewaypb.CreateProcessInstanceRequest{ProcessDefinitionKey: keyOn(1, 3)},
	})
	requireStatus(t, err, codes.DeadlineExceeded)
	// The client may give up before the handler runs; the handler still runs, with the
	// deadline the client sent.
	deadline := receive(t, deadlines)
	if deadline.IsZero() || deadline.After(want.Add(time.Second)) {
		t.Fatalf("broker got deadline %v, want about %v", deadline, want)
	}
}

func TestCreateProcessInstanceWithResultUsesTheDefaultRequestTimeout(t *testing.T) {
	b := newFakeBroker(1)
	b.setHandler(blockUntilDone)
	client := startGateway(t, b, Options{DefaultRequestTimeout: 250 * time.Millisecond})

	start := time.Now()
	// No requestTimeout and no deadline of the call: the gateway's default applies.
	_, err := client.CreateProcessInstanceWithResult(t.Context(), &gatewaypb.CreateProcessInstanceWithResultRequest{
		Request: &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "order", Version: -1},
	})
	requireStatus(t, err, codes.DeadlineExceeded, "within the gateway's default request timeout 250ms")
	if elapsed := time.Since(start); elapsed < 250*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("answered after %v, want about 250ms", elapsed)
	}
}

func TestCancelProcessInstance(t *testing.T) {
	b := newFakeBroker(1, 2, 3)
	client := startGateway(t, b, Options{})

	_, err := client.CancelProcessInstance(t.Context(), &gatewaypb.CancelProcessInstanceRequest{ProcessInstanceKey: keyOn(3, 44)})
	noError(t, err)

	sent := b.sent()
	equal(t, 1, len(sent))
	equal(t, int32(3), sent[0].partition)
	equal(t, recordpb.ValueType_PROCESS_INSTANCE, sent[0].cmd.GetValueType())
	equal(t, "CANCEL", sent[0].cmd.GetIntent())
	equal(t, keyOn(3, 44), sent[0].cmd.GetKey())
	equal(t, keyOn(3, 44), sent[0].cmd.GetProcessInstance().GetProcessInstanceKey())
}
