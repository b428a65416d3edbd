package file_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/exporters/file"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lines reads a JSON-lines file into the records' positions, checking each line is a
// record's JSON.
func lines(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var rec struct {
			PartitionID int32  `json:"partitionId"`
			Position    int64  `json:"position"`
			ValueType   string `json:"valueType"`
			Intent      string `json:"intent"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
		require.NotEmpty(t, rec.ValueType)
		require.NotEmpty(t, rec.Intent)
		out = append(out, rec.Position)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestWritesEveryRecordAndAcknowledgesAfterSync(t *testing.T) {
	dir := t.TempDir()
	recs := exportertest.SampleRecords()
	h := exportertest.Start(t, file.New(), map[string]string{"path": filepath.Join(dir, "audit.jsonl"), "flush-size": "50", "flush-delay": "20ms"})
	require.NoError(t, h.Export(t.Context(), recs...))
	last := recs[len(recs)-1].Position
	h.WaitAcked(last, 5*time.Second)
	got := lines(t, filepath.Join(dir, "audit-1.jsonl"))
	require.Len(t, got, len(recs))
	for i, r := range recs {
		require.Equal(t, r.Position, got[i])
	}
}

func TestRestartAppendsAfterTheAcknowledgedPosition(t *testing.T) {
	dir := t.TempDir()
	recs := exportertest.SampleRecords()
	settings := map[string]string{"path": filepath.Join(dir, "p{partition}.log")}
	h := exportertest.Start(t, file.New(), settings)
	require.NoError(t, h.Export(t.Context(), recs[:40]...))
	require.NoError(t, h.Close())
	require.EqualValues(t, 40, h.Acked(), "close syncs and acknowledges what is pending")
	h2 := exportertest.Start(t, file.New(), settings, exportertest.Options{Position: 40})
	require.NoError(t, h2.Export(t.Context(), recs[40:]...))
	require.NoError(t, h2.Close())
	got := lines(t, filepath.Join(dir, "p1.log"))
	require.Len(t, got, len(recs))
	require.EqualValues(t, recs[len(recs)-1].Position, got[len(got)-1])
}

func TestRotatesBySize(t *testing.T) {
	dir := t.TempDir()
	recs := exportertest.SampleRecords()
	h := exportertest.Start(t, file.New(), map[string]string{"path": filepath.Join(dir, "r.jsonl"), "max-size": "20KB", "max-files": "3", "flush-size": "10"})
	for range 5 {
		require.NoError(t, h.Export(t.Context(), recs...))
	}
	require.NoError(t, h.Close())
	for _, name := range []string{"r-1.jsonl", "r-1.jsonl.1", "r-1.jsonl.2", "r-1.jsonl.3"} {
		st, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		require.Positive(t, st.Size())
	}
	_, err := os.Stat(filepath.Join(dir, "r-1.jsonl.4"))
	require.True(t, os.IsNotExist(err), "only max-files rotated files are kept")
	// Rotation never splits a record: the newest rotated file ends with a whole line
	// and the current file begins with one.
	lines(t, filepath.Join(dir, "r-1.jsonl.1"))
	lines(t, filepath.Join(dir, "r-1.jsonl"))
}

func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting path: is required"},
		{map[string]string{"path": "x", "max-size": "lots"}, "setting max-size"},
		{map[string]string{"path": "x", "flush-delay": "soon"}, "setting flush-delay"},
		{map[string]string{"path": "x", "pth": "y"}, `unknown setting "pth"`},
	} {
		_, err := exportertest.TryStart(t, file.New(), tc.settings)
		require.ErrorContains(t, err, tc.want)
	}
}

func BenchmarkFileExporter(b *testing.B) {
	recs := exportertest.SampleRecords()
	h := exportertest.Start(b, file.New(), map[string]string{"path": filepath.Join(b.TempDir(), "bench.jsonl"), "flush-size": "1000"})
	b.ResetTimer()
	start := time.Now()
	n := 0
	pos := int64(0)
	for b.Loop() {
		for _, r := range recs {
			pos++
			c := *r
			c.Position = pos
			require.NoError(b, h.Export(b.Context(), &c))
			n++
		}
	}
	h.Close()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "records/s")
}
