package partition_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/exporting"
	"github.com/weftlabs/weft/broker/partition"
	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// journal is what the test exporters saw, across instances, leaders and restarts.
type journal struct {
	mu sync.Mutex
	// runs holds, per opened instance, the positions it took in order.
	runs [][]int64
	// metadata is what each instance read at Open.
	metadata [][]byte
}

func (j *journal) all() [][]int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([][]int64, len(j.runs))
	for i, r := range j.runs {
		out[i] = slices.Clone(r)
	}
	return out
}

// testExporter records every record it takes. It fails Export every failEvery calls
// and Open for the first failOpens calls (across instances), acknowledges at most up
// to ackLimit (0: no limit), and stores "m<position>" as metadata.
type testExporter struct {
	j         *journal
	failEvery int
	failOpens *atomic.Int32
	ackLimit  int64
	// ackBelow, when set, is a limit the test moves: positions above it are not
	// acknowledged.
	ackBelow *atomic.Int64
	broken   *atomic.Bool

	run   int
	calls int
	ctl   exportersdk.Controller
	cfg   *exportersdk.Config
}

func (e *testExporter) Configure(cfg *exportersdk.Config) error {
	e.cfg = cfg
	cfg.Settings.String("note", "")
	return nil
}

func (e *testExporter) Open(_ context.Context, c exportersdk.Controller) error {
	if e.failOpens != nil && e.failOpens.Add(-1) >= 0 {
		return errors.New("test: open refused")
	}
	e.ctl = c
	e.j.mu.Lock()
	e.j.runs = append(e.j.runs, nil)
	e.j.metadata = append(e.j.metadata, c.ReadMetadata())
	e.run = len(e.j.runs) - 1
	e.j.mu.Unlock()
	return nil
}

func (e *testExporter) Export(_ context.Context, r *exportersdk.Record) error {
	e.calls++
	if e.broken != nil && e.broken.Load() {
		return errors.New("test: sink down")
	}
	if e.failEvery > 0 && e.calls%e.failEvery == 0 {
		return errors.New("test: flaky sink")
	}
	e.j.mu.Lock()
	e.j.runs[e.run] = append(e.j.runs[e.run], r.Position)
	e.j.mu.Unlock()
	if (e.ackLimit == 0 || r.Position <= e.ackLimit) && (e.ackBelow == nil || r.Position <= e.ackBelow.Load()) {
		e.ctl.UpdateLastExportedPositionWithMetadata(r.Position, fmt.Appendf(nil, "m%d", r.Position))
	}
	return nil
}

func (e *testExporter) Close() error { return nil }

func spec(t *testing.T, s string, f exporting.Factory) exporting.Spec {
	t.Helper()
	typ := s
	if i := slices.Index([]byte(s), ':'); i >= 0 {
		typ = s[:i]
	}
	sp, err := exporting.ParseSpec(s, map[string]exporting.Factory{typ: f})
	require.NoError(t, err)
	return sp
}

func exportingConfig(specs ...exporting.Spec) *exporting.Config {
	return &exporting.Config{Exporters: specs, ReplicateInterval: 20 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Logger: quietLogger()}
}

// runWork deploys the one-task process and creates n instances, returning the last
// position.
func runWork(t *testing.T, p *partition.Partition, n int) int64 {
	t.Helper()
	event(t, p, deployCmd())
	for range n {
		event(t, p, createCmd())
	}
	return p.State().LastPosition()
}

func positions(t *testing.T, p *partition.Partition) map[string]int64 {
	t.Helper()
	ps, err := p.State().ExporterPositions()
	require.NoError(t, err)
	out := map[string]int64{}
	for _, e := range ps {
		out[e.ID] = e.Position
	}
	return out
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// A flaky exporter (Open refused twice, every third Export failing) still receives every
// record once, in order; its position is replicated and the records it acknowledged are
// deleted.
func TestExportEveryRecordInOrderDespiteFailures(t *testing.T) {
	j := &journal{}
	var failOpens atomic.Int32
	failOpens.Store(2)
	cfg := partition.Config{Dir: t.TempDir(), Exporting: exportingConfig(spec(t, "flaky", func() exportersdk.Exporter {
		return &testExporter{j: j, failEvery: 3, failOpens: &failOpens}
	}))}
	p, _ := open(t, cfg)
	last := runWork(t, p, 30)
	require.Eventually(t, func() bool { return positions(t, p)["flaky"] == last }, 20*time.Second, 10*time.Millisecond)
	runs := j.all()
	require.Len(t, runs, 1, "one instance opened after two refused opens")
	require.Equal(t, seq(1, last), runs[0])
	require.Eventually(t, func() bool {
		c, err := p.State().CompactedTo()
		require.NoError(t, err)
		return c == last
	}, 10*time.Second, 10*time.Millisecond)
	rs, err := p.State().Records(1, last)
	require.NoError(t, err)
	require.Empty(t, rs, "acknowledged records are deleted")
}

// Records are deleted only up to the lowest acknowledged position of all exporters.
func TestCompactionWaitsForTheSlowestExporter(t *testing.T) {
	j1, j2 := &journal{}, &journal{}
	cfg := partition.Config{Dir: t.TempDir(), Exporting: exportingConfig(
		spec(t, "fast", func() exportersdk.Exporter { return &testExporter{j: j1} }),
		spec(t, "slow", func() exportersdk.Exporter { return &testExporter{j: j2, ackLimit: 10} }),
	)}
	p, _ := open(t, cfg)
	last := runWork(t, p, 20)
	require.Eventually(t, func() bool {
		ps := positions(t, p)
		return ps["fast"] == last && ps["slow"] == 10
	}, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		c, err := p.State().CompactedTo()
		require.NoError(t, err)
		return c == 10
	}, 10*time.Second, 10*time.Millisecond)
	// Later replication rounds (they carry the fast exporter's new positions) delete
	// nothing more: the slow exporter holds the rest back.
	for range 3 {
		event(t, p, createCmd())
	}
	last = p.State().LastPosition()
	require.Eventually(t, func() bool { return positions(t, p)["fast"] == last }, 20*time.Second, 10*time.Millisecond)
	c, err := p.State().CompactedTo()
	require.NoError(t, err)
	require.EqualValues(t, 10, c)
	rs, err := p.State().Records(1, last)
	require.NoError(t, err)
	require.Len(t, rs, int(last-10))
	require.EqualValues(t, 11, rs[0].GetPosition())
	require.Eventually(t, func() bool { return slices.Equal(seq(1, last), j2.all()[0]) }, 20*time.Second, 10*time.Millisecond,
		"the slow exporter still receives everything, in order")
}

// A filtered exporter receives only its value types, and its position passes the
// records it does not take, so they can be deleted.
func TestFilteredExporterPassesOtherRecords(t *testing.T) {
	j := &journal{}
	var got []recordpb.ValueType
	var mu sync.Mutex
	cfg := partition.Config{Dir: t.TempDir(), Exporting: exportingConfig(spec(t, "jobs:value-types=JOB,record-types=EVENT", func() exportersdk.Exporter {
		return &filterProbe{testExporter: testExporter{j: j}, seen: func(r *exportersdk.Record) {
			mu.Lock()
			got = append(got, r.ValueType)
			mu.Unlock()
		}}
	}))}
	p, _ := open(t, cfg)
	last := runWork(t, p, 5)
	require.Eventually(t, func() bool { return positions(t, p)["jobs"] == last }, 20*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 5, "one JOB CREATED event per instance")
	for _, vt := range got {
		require.Equal(t, recordpb.ValueType_JOB, vt)
	}
}

type filterProbe struct {
	testExporter
	seen func(*exportersdk.Record)
}

func (f *filterProbe) Export(ctx context.Context, r *exportersdk.Record) error {
	f.seen(r)
	return f.testExporter.Export(ctx, r)
}

// After a restart the exporter resumes after its replicated position and reads back
// the metadata it stored with it.
func TestExporterResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	j := &journal{}
	cfg := partition.Config{Dir: dir, Exporting: exportingConfig(spec(t, "audit", func() exportersdk.Exporter { return &testExporter{j: j} }))}
	p, closeP := open(t, cfg)
	last := runWork(t, p, 5)
	require.Eventually(t, func() bool { return positions(t, p)["audit"] == last }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, closeP())

	p2, _ := open(t, cfg)
	for range 3 {
		event(t, p2, createCmd())
	}
	last2 := p2.State().LastPosition()
	require.Eventually(t, func() bool { return positions(t, p2)["audit"] == last2 }, 20*time.Second, 10*time.Millisecond)
	runs := j.all()
	require.Len(t, runs, 2)
	require.Equal(t, seq(last+1, last2), runs[1], "the second run starts after the acknowledged position")
	j.mu.Lock()
	require.Equal(t, fmt.Sprintf("m%d", last), string(j.metadata[1]))
	j.mu.Unlock()
}

// An exporter removed from the configuration no longer holds records back.
func TestRemovedExporterIsForgotten(t *testing.T) {
	dir := t.TempDir()
	j := &journal{}
	both := partition.Config{Dir: dir, Exporting: exportingConfig(
		spec(t, "keep", func() exportersdk.Exporter { return &testExporter{j: j} }),
		spec(t, "gone", func() exportersdk.Exporter { return &testExporter{j: &journal{}, ackLimit: 3} }),
	)}
	p, closeP := open(t, both)
	last := runWork(t, p, 3)
	require.Eventually(t, func() bool { ps := positions(t, p); return ps["keep"] == last && ps["gone"] == 3 }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, closeP())

	one := partition.Config{Dir: dir, Exporting: exportingConfig(spec(t, "keep", func() exportersdk.Exporter { return &testExporter{j: j} }))}
	p2, _ := open(t, one)
	require.Eventually(t, func() bool {
		_, ok := positions(t, p2)["gone"]
		c, err := p2.State().CompactedTo()
		require.NoError(t, err)
		return !ok && c == last
	}, 20*time.Second, 10*time.Millisecond)
}

// A new leader resumes every exporter from the position the old leader replicated:
// records acknowledged before the failover are not exported again, those exported but not
// acknowledged are exported again, and none is missed.
func TestExporterPositionsSurviveFailover(t *testing.T) {
	j := &journal{}
	var ackBelow atomic.Int64
	ackBelow.Store(1 << 62)
	cfg := partition.Config{Exporting: exportingConfig(spec(t, "audit", func() exportersdk.Exporter { return &testExporter{j: j, ackBelow: &ackBelow} }))}
	rs := newReplicaSet(t, cfg)
	l := rs.leader()
	last := runWork(t, rs.replicas[l], 10)
	require.Eventually(t, func() bool { return positions(t, rs.replicas[l])["audit"] == last }, 20*time.Second, 10*time.Millisecond)
	// The exporter takes the next records without acknowledging them.
	ackBelow.Store(last)
	for range 3 {
		event(t, rs.replicas[l], createCmd())
	}
	unacked := rs.replicas[l].State().LastPosition()
	require.Eventually(t, func() bool { r := j.all(); return len(r) == 1 && len(r[0]) > 0 && r[0][len(r[0])-1] == unacked }, 20*time.Second, 10*time.Millisecond)
	rs.converged()
	for i, p := range rs.replicas {
		require.Equal(t, last, positions(t, p)["audit"], "replica %d holds the position", i)
	}
	rs.stop(l)
	ackBelow.Store(1 << 62)
	l2 := rs.leader()
	for range 5 {
		event(t, rs.replicas[l2], createCmd())
	}
	last2 := rs.replicas[l2].State().LastPosition()
	require.Eventually(t, func() bool { return positions(t, rs.replicas[l2])["audit"] == last2 }, 20*time.Second, 10*time.Millisecond)
	runs := j.all()
	require.Len(t, runs, 2, "one instance per leader")
	require.Equal(t, seq(1, unacked), runs[0])
	require.Equal(t, seq(last+1, last2), runs[1], "the new leader starts after the replicated position: the unacknowledged records again, then the new ones")
}

// An exporter that cannot export is reported stuck (metric and log) and keeps its
// records; when the disk fills, the partition refuses commands instead of failing, and
// takes them again once the exporter recovers and the records are deleted.
func TestStuckExporterHoldsRecordsAndDiskBackPressure(t *testing.T) {
	j := &journal{}
	var broken atomic.Bool
	broken.Store(true)
	ec := exportingConfig(spec(t, "stuck", func() exportersdk.Exporter { return &testExporter{j: j, broken: &broken} }))
	ec.StuckAfter = 100 * time.Millisecond
	var pp atomic.Pointer[partition.Partition]
	// The disk holds 1 MiB; every retained record takes 10 KiB of it.
	freeDisk := func(string) (int64, error) {
		p := pp.Load()
		if p == nil {
			return 1 << 30, nil
		}
		c, err := p.State().CompactedTo()
		if err != nil {
			return 0, err
		}
		return (1 << 20) - (p.State().LastPosition()-c)*10<<10, nil
	}
	p, _ := open(t, partition.Config{Dir: t.TempDir(), Exporting: ec, MinFreeDisk: 512 << 10, FreeDisk: freeDisk})
	pp.Store(p)
	event(t, p, deployCmd())
	require.Eventually(t, func() bool { return gauge(t, "weft_exporter_stuck", "stuck") == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return !p.Healthy() }, 10*time.Second, 10*time.Millisecond, "a stuck exporter makes the partition unhealthy")

	// Fill the disk: creations are refused once the watermark is passed.
	var refused error
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := p.Execute(ctx, createCmd())
		if err != nil {
			refused = err
			return true
		}
		return false
	}, 30*time.Second, 50*time.Millisecond)
	require.ErrorIs(t, refused, partition.ErrDiskFull)
	c, err := p.State().CompactedTo()
	require.NoError(t, err)
	require.Zero(t, c, "nothing is deleted while the exporter has acknowledged nothing")

	broken.Store(false)
	last := p.State().LastPosition()
	require.Eventually(t, func() bool { return positions(t, p)["stuck"] == last }, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return gauge(t, "weft_exporter_stuck", "stuck") == 0 }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return p.Healthy() }, 20*time.Second, 10*time.Millisecond, "healthy again once the exporter moves and the disk has room")
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := p.Execute(ctx, createCmd())
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "commands are taken again once the records are deleted")
	require.Equal(t, seq(1, last), j.all()[0][:last])
}

// gauge reads a weft_exporter_* gauge of partition 1 for the exporter.
func gauge(t *testing.T, name, exporter string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["partition"] == "1" && labels["exporter"] == exporter {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// Every record carries the version of the broker that led when it was written.
func TestRecordsCarryTheBrokerVersion(t *testing.T) {
	p, _ := open(t, partition.Config{Dir: t.TempDir(), Version: "8.3.0-test"})
	event(t, p, deployCmd())
	for _, r := range records(t, p) {
		require.Equal(t, "8.3.0-test", r.GetBrokerVersion(), dump(r))
	}
}
