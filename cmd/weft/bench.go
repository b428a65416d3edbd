package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// benchConfig is the configuration of `weft bench`.
type benchConfig struct {
	gatewayAddr string
	instances   int
	workers     int
	inFlight    int
	timeout     time.Duration
	noSync      bool
	cpuProfile  string
	// exporters run on the in-process broker, to measure their cost.
	exporters exporterFlags
}

func parseBenchFlags(args []string, lookup func(string) (string, bool), out io.Writer) (benchConfig, error) {
	var cfg benchConfig
	fs := flag.NewFlagSet("weft bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.gatewayAddr, "gateway-addr", "", "gateway to measure; empty starts a broker in this process, with its data in a temporary directory")
	fs.IntVar(&cfg.instances, "instances", 10000, "number of one-task instances to create and complete")
	fs.IntVar(&cfg.workers, "workers", 4, "concurrent job workers")
	fs.IntVar(&cfg.inFlight, "in-flight", 64, "concurrent instance creations")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "give up after this long")
	fs.BoolVar(&cfg.noSync, "no-sync", false, "with the in-process broker: skip fsync of the Raft log (measures processing, not the disk)")
	cfg.exporters.register(fs)
	fs.StringVar(&cfg.cpuProfile, "cpu-profile", "", "write a CPU profile of this process (broker included when in-process) to the file")
	if err := parseFlags(fs, args, lookup); err != nil {
		return cfg, err
	}
	switch {
	case cfg.instances < 1:
		return cfg, fmt.Errorf("--instances must be at least 1, got %d", cfg.instances)
	case cfg.workers < 1:
		return cfg, fmt.Errorf("--workers must be at least 1, got %d", cfg.workers)
	case cfg.inFlight < 1:
		return cfg, fmt.Errorf("--in-flight must be at least 1, got %d", cfg.inFlight)
	case cfg.gatewayAddr != "" && len(cfg.exporters.specs) > 0:
		return cfg, errors.New("--exporter runs on the in-process broker: it cannot go with --gateway-addr")
	}
	return cfg, nil
}

const benchProcess = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench" targetNamespace="https://weft.dev/bench">
  <bpmn:process id="weft-bench" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="s1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="weft-bench"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="s2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>`

// runBench measures one-task instances end to end through the gateway: each instance is
// created, its job activated and completed by a worker, and counted when its completion
// is acknowledged. It prints throughput and latency.
func runBench(ctx context.Context, cfg benchConfig, out io.Writer, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	addr := cfg.gatewayAddr
	if addr == "" {
		dir, err := os.MkdirTemp("", "weft-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		d, err := startDev(ctx, devConfig{dataDir: dir, gatewayAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0", monitorAddr: "127.0.0.1:0", noSync: cfg.noSync,
			partitionFlags: partitionFlags{exporters: cfg.exporters}}, log)
		if err != nil {
			return err
		}
		defer d.Close()
		addr = d.GatewayAddr()
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()
	gw := gatewaypb.NewGatewayClient(conn)
	if _, err := gw.DeployResource(ctx, &gatewaypb.DeployResourceRequest{Resources: []*gatewaypb.Resource{{Name: "weft-bench.bpmn", Content: []byte(benchProcess)}}}); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}

	var (
		mu        sync.Mutex
		createdAt = map[int64]time.Time{}
		latencies = make([]time.Duration, 0, cfg.instances)
		completed atomic.Int64
		refused   atomic.Int64
		firstErr  error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range cfg.inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(cfg.instances) && ctx.Err() == nil {
				t := time.Now()
				resp, err := gw.CreateProcessInstance(ctx, &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "weft-bench", Version: -1})
				for status.Code(err) == codes.ResourceExhausted && ctx.Err() == nil {
					// Back-pressure: the broker asks for less load; back off and retry.
					refused.Add(1)
					time.Sleep(5 * time.Millisecond)
					resp, err = gw.CreateProcessInstance(ctx, &gatewaypb.CreateProcessInstanceRequest{BpmnProcessId: "weft-bench", Version: -1})
				}
				if err != nil {
					fail(fmt.Errorf("create instance: %w", err))
					return
				}
				mu.Lock()
				createdAt[resp.GetProcessInstanceKey()] = t
				mu.Unlock()
			}
		}()
	}
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for completed.Load() < int64(cfg.instances) && ctx.Err() == nil {
				stream, err := gw.ActivateJobs(ctx, &gatewaypb.ActivateJobsRequest{
					Type: "weft-bench", Worker: "weft-bench", Timeout: 60_000, MaxJobsToActivate: 64, RequestTimeout: 1000,
				})
				if err != nil {
					fail(fmt.Errorf("activate jobs: %w", err))
					return
				}
				for {
					batch, err := stream.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						if ctx.Err() == nil {
							fail(fmt.Errorf("activate jobs: %w", err))
						}
						return
					}
					// Complete the batch's jobs concurrently, as a job worker with as many
					// handlers as jobs does.
					var batchWG sync.WaitGroup
					for _, job := range batch.GetJobs() {
						batchWG.Add(1)
						go func() {
							defer batchWG.Done()
							if _, err := gw.CompleteJob(ctx, &gatewaypb.CompleteJobRequest{JobKey: job.GetKey()}); err != nil {
								if ctx.Err() == nil {
									fail(fmt.Errorf("complete job: %w", err))
								}
								return
							}
							done := time.Now()
							mu.Lock()
							if t, ok := createdAt[job.GetProcessInstanceKey()]; ok {
								latencies = append(latencies, done.Sub(t))
							}
							mu.Unlock()
							completed.Add(1)
						}()
					}
					batchWG.Wait()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bench did not finish within --timeout %s: %d of %d instances completed", cfg.timeout, completed.Load(), cfg.instances)
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(out, "instances      %d one-task instances, %d in flight, %d workers\n", cfg.instances, cfg.inFlight, cfg.workers)
	fmt.Fprintf(out, "elapsed        %s\n", elapsed.Round(time.Millisecond))
	fmt.Fprintf(out, "throughput     %.0f instances/s (each: create, activate, complete)\n", float64(cfg.instances)/elapsed.Seconds())
	fmt.Fprintf(out, "latency        p50 %s  p90 %s  p99 %s  max %s (create to completion acknowledged)\n", pct(0.5), pct(0.9), pct(0.99), pct(1))
	fmt.Fprintf(out, "back-pressure  %d creations refused and retried\n", refused.Load())
	return nil
}
