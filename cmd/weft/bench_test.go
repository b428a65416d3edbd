package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	// The official client's generated types share their protobuf names with ours.
	_ "github.com/weftlabs/weft/internal/protoconflict"
)

const benchModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench-definitions" targetNamespace="http://weftlabs.dev/bench">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toWork" sourceRef="start" targetRef="work"/>
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements><zeebe:taskDefinition type="bench"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>`

// BenchmarkOneTaskInstance measures instances of a one-task process run end to end
// through the gateway with the official client against an in-process `weft dev`: each
// of b.N instances is created by one of the creators, and its job activated and
// completed by one of the workers. "fsync" syncs the Raft log as `weft dev` does;
// "nosync" does not.
func BenchmarkOneTaskInstance(b *testing.B) {
	for _, v := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(v.name, func(b *testing.B) { benchOneTaskInstance(b, v.noSync) })
	}
}

func benchOneTaskInstance(b *testing.B, noSync bool) {
	const creators, workers = 16, 8
	dev, err := startDev(b.Context(), devConfig{
		dataDir: b.TempDir(), gatewayAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0", monitorAddr: "127.0.0.1:0",
		noSync: noSync,
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	if _, err := client.NewDeployResourceCommand().AddResource([]byte(benchModel), "bench.bpmn").Send(b.Context()); err != nil {
		b.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
	defer cancel()
	var toCreate, completed atomic.Int64
	toCreate.Store(int64(b.N))
	var failMu sync.Mutex
	var failure error
	fail := func(err error) {
		failMu.Lock()
		if failure == nil {
			failure = err
		}
		failMu.Unlock()
		cancel()
	}

	b.ResetTimer()
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for toCreate.Add(-1) >= 0 && ctx.Err() == nil {
				if _, err := client.NewCreateInstanceCommand().BPMNProcessId("bench").LatestVersion().Send(ctx); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	for range workers {
		wg.Go(func() {
			for completed.Load() < int64(b.N) && ctx.Err() == nil {
				pollCtx, done := context.WithTimeout(ctx, time.Second)
				jobs, err := client.NewActivateJobsCommand().JobType("bench").MaxJobsToActivate(64).Timeout(time.Minute).Send(pollCtx)
				done()
				if err != nil && status.Code(err) != codes.DeadlineExceeded && ctx.Err() == nil {
					fail(err)
					return
				}
				for _, j := range jobs {
					if _, err := client.NewCompleteJobCommand().JobKey(j.GetKey()).Send(ctx); err != nil {
						fail(err)
						return
					}
					if completed.Add(1) == int64(b.N) {
						// Wake the other workers' long polls.
						cancel()
					}
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	if n := completed.Load(); n != int64(b.N) {
		b.Fatalf("completed %d of %d instances", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instances/s")
}
