package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// corpusDir holds real models written for Zeebe by other people, beside the repository.
const corpusDir = "../../../shared/corpus"

// Every real model that deploys runs: an instance of each process with a none start
// event is created and driven as far as it goes without workers (timers fired, jobs
// completed once, subscriptions delivered), and the engine neither panics nor stops with
// a command it cannot process. What an instance does is the model's business; that the
// engine processes it to a consistent stop is what this checks.
func TestCorpusModelsRun(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "SOURCES.tsv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus of real Zeebe models not found at %s (expected beside the repository, at ../shared/corpus)", corpusDir)
	}
	require.NoError(t, err)
	ran, instances := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		name := strings.Split(line, "\t")[0]
		if !strings.HasSuffix(name, ".bpmn") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpusDir, "models", name))
		require.NoError(t, err)
		h := newHarness(t)
		resp := runNoPanic(t, h, name, deployCmd(name, string(data)))
		if resp == nil || resp.GetRecordType() != recordpb.RecordType_EVENT {
			continue // not deployable here; the bpmn corpus test checks the verdicts
		}
		ran++
		for _, m := range resp.GetDeployment().GetProcessesMetadata() {
			c := runNoPanic(t, h, name, createCmd(m.GetBpmnProcessId(), ""))
			if c.GetRecordType() != recordpb.RecordType_EVENT {
				continue // no none start event
			}
			instances++
			drive(t, h, name)
		}
	}
	t.Logf("corpus: %d models deployed, %d instances driven", ran, instances)
}

// runNoPanic processes a command, failing the test with the model's name on a panic.
func runNoPanic(t *testing.T, h *harness, name string, cmd *recordpb.Record) (resp *recordpb.Record) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: processing %s %s panicked: %v\n%s", name, cmd.GetValueType(), cmd.GetIntent(), r, debug.Stack())
		}
	}()
	return h.exec(cmd)
}

// drive plays workers, timers and leaders for a while: each round completes the
// activatable jobs, fires the due timers an hour ahead and delivers the subscription
// commands. Bounded: a model that loops with timers stops after the rounds.
func drive(t *testing.T, h *harness, name string) {
	t.Helper()
	for range 5 {
		for _, jobType := range activatableTypes(t, h) {
			b := runNoPanic(t, h, name, activateCmd(jobType, 100, 60_000))
			for _, k := range b.GetJobBatch().GetJobKeys() {
				runNoPanic(t, h, name, jobCmd("COMPLETE", k, &recordpb.JobRecord{Variables: []byte("{}")}))
			}
		}
		h.now += 3_600_000
		due, err := h.db.DueTimers(0, h.now, 100)
		require.NoError(t, err)
		for _, d := range due {
			runNoPanic(t, h, name, &recordpb.Record{ValueType: recordpb.ValueType_TIMER, Intent: "TRIGGER", Key: d.Key,
				Value: &recordpb.Record_Timer{Timer: &recordpb.TimerRecord{}}})
		}
		sends, err := h.db.PendingSends(100)
		require.NoError(t, err)
		for _, s := range sends {
			runNoPanic(t, h, name, s.Send.GetCommand())
		}
	}
}

// activatableTypes lists the job types of the jobs created so far.
func activatableTypes(t *testing.T, h *harness) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, r := range h.all() {
		if r.GetValueType() == recordpb.ValueType_JOB && r.GetIntent() == "CREATED" && !seen[r.GetJob().GetType()] {
			seen[r.GetJob().GetType()] = true
			out = append(out, r.GetJob().GetType())
		}
	}
	return out
}
