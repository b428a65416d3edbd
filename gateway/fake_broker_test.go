package gateway

import (
	"context"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// fakeBroker is an in-memory Broker. It records every command it is sent and answers
// with handler when one is set. Without a handler it answers JOB_BATCH ACTIVATE from its
// own queues of activatable jobs (one per partition), and any other command with an EVENT
// that echoes the command's value type, key and value.
type fakeBroker struct {
	partitions []int32

	mu          sync.Mutex
	commands    []sentCommand
	handler     func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error)
	jobs        map[int32][]queuedJob
	watches     map[string]map[int]chan struct{}
	nextWatch   int
	watchesMade int
	topology    *Topology
	topoErr     error
}

type sentCommand struct {
	partition int32
	cmd       *recordpb.Record
}

type queuedJob struct {
	key int64
	job *recordpb.JobRecord
}

func newFakeBroker(partitions ...int32) *fakeBroker {
	return &fakeBroker{
		partitions: partitions,
		jobs:       map[int32][]queuedJob{},
		watches:    map[string]map[int]chan struct{}{},
	}
}

func (b *fakeBroker) Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	b.mu.Lock()
	b.commands = append(b.commands, sentCommand{partition: partition, cmd: proto.CloneOf(cmd)})
	handler := b.handler
	b.mu.Unlock()
	if handler != nil {
		return handler(ctx, partition, cmd)
	}
	return b.answer(partition, cmd), nil
}

func (b *fakeBroker) Partitions() []int32 { return slices.Clone(b.partitions) }

func (b *fakeBroker) Topology(context.Context) (*Topology, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.topology, b.topoErr
}

func (b *fakeBroker) WatchJobs(jobType string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	id := b.nextWatch
	b.nextWatch++
	b.watchesMade++
	if b.watches[jobType] == nil {
		b.watches[jobType] = map[int]chan struct{}{}
	}
	b.watches[jobType][id] = ch
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.watches[jobType], id)
			b.mu.Unlock()
		})
	}
}

// setHandler scripts the answers to commands.
func (b *fakeBroker) setHandler(h func(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handler = h
}

// answer is the unscripted answer to cmd.
func (b *fakeBroker) answer(partition int32, cmd *recordpb.Record) *recordpb.Record {
	if cmd.GetValueType() == recordpb.ValueType_JOB_BATCH && cmd.GetIntent() == intentActivate {
		return b.activate(partition, cmd)
	}
	return eventFor(cmd, "DONE", cmd.GetKey())
}

// activate takes up to max_jobs_to_activate queued jobs of the command's type.
func (b *fakeBroker) activate(partition int32, cmd *recordpb.Record) *recordpb.Record {
	want := cmd.GetJobBatch()
	b.mu.Lock()
	defer b.mu.Unlock()
	batch := proto.CloneOf(want)
	var rest []queuedJob
	for _, q := range b.jobs[partition] {
		if q.job.GetType() != want.GetType() || int32(len(batch.Jobs)) >= want.GetMaxJobsToActivate() {
			rest = append(rest, q)
			continue
		}
		job := proto.CloneOf(q.job)
		job.Worker = want.GetWorker()
		batch.JobKeys = append(batch.JobKeys, q.key)
		batch.Jobs = append(batch.Jobs, job)
	}
	b.jobs[partition] = rest
	resp := eventFor(cmd, "ACTIVATED", 2251799813685249)
	resp.Value = &recordpb.Record_JobBatch{JobBatch: batch}
	return resp
}

// addJob queues an activatable job on partition and wakes the watchers of its type.
func (b *fakeBroker) addJob(partition int32, key int64, job *recordpb.JobRecord) {
	b.mu.Lock()
	b.jobs[partition] = append(b.jobs[partition], queuedJob{key: key, job: job})
	b.mu.Unlock()
	b.notify(job.GetType())
}

// notify signals every watcher of jobType without blocking, as a Broker must.
func (b *fakeBroker) notify(jobType string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.watches[jobType] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// openWatches counts the watches of jobType not canceled yet.
func (b *fakeBroker) openWatches(jobType string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.watches[jobType])
}

// watchesOpened counts every watch ever made.
func (b *fakeBroker) watchesOpened() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.watchesMade
}

// sent returns the commands received so far.
func (b *fakeBroker) sent() []sentCommand {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.commands)
}

// eventFor is an EVENT answering cmd with the given intent and key, echoing cmd's value.
func eventFor(cmd *recordpb.Record, intent string, key int64) *recordpb.Record {
	resp := proto.CloneOf(cmd)
	resp.RecordType = recordpb.RecordType_EVENT
	resp.Intent = intent
	resp.Key = key
	return resp
}

// rejectionFor is a COMMAND_REJECTION of cmd.
func rejectionFor(cmd *recordpb.Record, t recordpb.RejectionType, reason string) *recordpb.Record {
	resp := proto.CloneOf(cmd)
	resp.RecordType = recordpb.RecordType_COMMAND_REJECTION
	resp.RejectionType = t
	resp.RejectionReason = reason
	return resp
}
