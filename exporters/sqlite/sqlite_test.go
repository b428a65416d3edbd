package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/exporters/readmodel/readmodeltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newDatabase(t testing.TB) map[string]string {
	return map[string]string{"path": filepath.Join(t.TempDir(), "readmodel.db")}
}

// openRaw opens the file with its own connections, outside the writers' registry, as
// another process (or the monitor) would.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, DefaultBusyTimeout, false))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func query(t testing.TB, settings map[string]string, q string) ([]string, [][]string) {
	t.Helper()
	db := openRaw(t, settings["path"])
	defer db.Close()
	return readmodeltest.QueryDB(t, db, q)
}

// lockFile holds the file's write lock from another connection, as another process
// would: the exporter's transactions fail once their busy timeout passes.
func lockFile(t testing.TB, settings map[string]string) func() {
	t.Helper()
	db := openRaw(t, settings["path"])
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	restore := func() {
		once.Do(func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Error(err)
			}
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(restore)
	return restore
}

func target() readmodeltest.Target {
	return readmodeltest.Target{
		New:           New,
		NewDatabase:   newDatabase,
		Query:         query,
		Break:         lockFile,
		BreakSettings: map[string]string{"busy-timeout": "50ms"},
	}
}

func TestConformance(t *testing.T) { readmodeltest.Run(t, target()) }

func TestConfigure(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting path: is required"},
		{map[string]string{"path": "a?b"}, "setting path: must not contain '?'"},
		{map[string]string{"path": "x.db", "batch-size": "0"}, "setting batch-size"},
		{map[string]string{"path": "x.db", "flush-interval": "soon"}, "setting flush-interval"},
		{map[string]string{"path": "x.db", "busy-timeout": "-1s"}, "setting busy-timeout"},
		{map[string]string{"path": "x.db", "bulk-size": "5"}, `unknown setting "bulk-size"`},
	} {
		_, err := exportertest.TryStart(t, New(), tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: error %v, want one containing %q", tc.settings, err, tc.want)
		}
	}
}

// TestPartitionsShareOneWriter runs several partitions' exporters on one file at once
// while a reader reads: no write fails on SQLite's lock, every partition's position is
// stored, and the reader never waits for the writers.
func TestPartitionsShareOneWriter(t *testing.T) {
	settings := newDatabase(t)
	settings["batch-size"] = "5"
	const partitions = 4
	rs := readmodeltest.Stream(400)
	var hs []*exportertest.Harness
	for p := int32(1); p <= partitions; p++ {
		hs = append(hs, exportertest.Start(t, New(), settings, exportertest.Options{PartitionID: p}))
	}
	reader, err := Open(t.Context(), settings["path"])
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var wg sync.WaitGroup
	errs := make(chan error, partitions)
	for i, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each partition writes its own copy of the stream, with its own keys.
			own := readmodeltest.Stream(len(rs))
			for _, r := range own {
				r.PartitionID = int32(i + 1)
				if r.Key > 2251799813685254 {
					r.Key += int64(i+1) << 51
				}
			}
			errs <- h.Export(t.Context(), own...)
		}()
	}
	for i := 0; i < 20; i++ {
		if _, rows := readmodeltest.QueryDB(t, reader, "SELECT COUNT(*) FROM element_instances"); len(rows) != 1 {
			t.Fatal("no count")
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hs {
		h.WaitAcked(int64(len(rs)), time.Minute)
	}
	_, rows := readmodeltest.QueryDB(t, reader, "SELECT partition_id, position FROM exporter_positions ORDER BY partition_id")
	if len(rows) != partitions {
		t.Fatalf("positions %v, want one per partition", rows)
	}
	for _, r := range rows {
		if r[1] != fmt.Sprint(len(rs)) {
			t.Errorf("partition %s stored position %s, want %d", r[0], r[1], len(rs))
		}
	}
	writers.mu.Lock()
	n := len(writers.m)
	writers.mu.Unlock()
	if n != 1 {
		t.Errorf("%d writers open for one file, want 1", n)
	}
}

// TestConcurrentOpen migrates one new file from many goroutines at once.
func TestConcurrentOpen(t *testing.T) {
	path := newDatabase(t)["path"]
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(t.Context(), path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, rows := query(t, map[string]string{"path": path}, "SELECT COUNT(*) FROM schema_migrations")
	if want := strconv.Itoa(len(readmodel.Migrations(readmodel.SQLite))); rows[0][0] != want {
		t.Fatalf("schema_migrations has %s rows, want %s", rows[0][0], want)
	}
}

// TestListQueriesUseIndexes seeds 10k instances (SQLite's planner decides the same way
// on 10k as on 100k rows, and seeding 100k under the race detector takes minutes) and
// checks that SQLite serves the monitor's list queries from an index, without sorting.
func TestListQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100k rows; skipped with -short")
	}
	path := newDatabase(t)["path"]
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := readmodeltest.SeedInstances / 10
	seed := []string{
		fmt.Sprintf(`INSERT INTO process_instances (key, process_definition_key, bpmn_process_id, version, tenant_id, state,
			incident_count, start_time, end_time, parent_process_instance_key, parent_element_instance_key, partition_id)
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			SELECT i, 1, 'process-' || (i %% 20), 1, '<default>',
				CASE WHEN i %% 10 = 0 THEN 'ACTIVE' WHEN i %% 10 < 8 THEN 'COMPLETED' ELSE 'TERMINATED' END,
				CASE WHEN i %% 100 = 0 THEN 1 ELSE 0 END, 1700000000000 + i * 1000, NULL, -1, -1, 1 FROM g`, n),
		fmt.Sprintf(`INSERT INTO incidents (key, error_type, error_message, state, process_instance_key, create_time)
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			SELECT i, 'JOB_NO_RETRIES', 'failed', CASE WHEN i %% 20 = 0 THEN 'ACTIVE' ELSE 'RESOLVED' END, i,
				1700000000000 + i * 1000 FROM g`, n),
		fmt.Sprintf(`INSERT INTO variables (scope_key, name, key, process_instance_key, value, value_prefix)
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			SELECT i, 'orderId', i, i, '"o-' || i || '"', '"o-' || i || '"' FROM g`, n),
		fmt.Sprintf(`INSERT INTO element_instances (key, process_instance_key, element_id, state)
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			SELECT i, i / 10, 'task', 'ACTIVE' FROM g`, n),
		fmt.Sprintf(`INSERT INTO jobs (key, type, worker, state)
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)
			SELECT i, 'type-' || (i %% 10), 'w', CASE WHEN i %% 50 = 0 THEN 'ACTIVATED' ELSE 'COMPLETED' END FROM g`, n),
		"ANALYZE",
	}
	for _, s := range seed {
		if _, err := db.ExecContext(t.Context(), s); err != nil {
			t.Fatalf("seed: %v\n%s", err, s)
		}
	}
	for _, q := range readmodeltest.MonitorQueries {
		_, rows := readmodeltest.QueryDB(t, db, "EXPLAIN QUERY PLAN "+q.SQL)
		var plan []string
		for _, r := range rows {
			plan = append(plan, r[len(r)-1])
		}
		text := strings.Join(plan, "\n")
		used := false
		for _, line := range plan {
			f := strings.Fields(line)
			for i := 0; i+1 < len(f); i++ {
				used = used || f[i] == "INDEX" && slices.Contains(q.Indexes, f[i+1])
			}
		}
		if !used {
			t.Errorf("%s: plan uses none of %v:\n%s", q.Name, q.Indexes, text)
		}
		if strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan sorts:\n%s", q.Name, text)
		}
	}
}

func BenchmarkExport(b *testing.B) {
	readmodeltest.Benchmark(b, target(), nil)
}

// The monitor opens the read model (sqlite.Open) while the exporters create it: on a new
// file, both migrate at once, and neither fails.
func TestOpenWhileTheExporterCreatesTheFile(t *testing.T) {
	for i := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("rm-%d.db", i))
		h := make(chan error, 1)
		go func() {
			_, err := exportertest.TryStart(t, New(), map[string]string{"path": path})
			h <- err
		}()
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-h; err != nil {
			t.Fatalf("exporter %d: %v", i, err)
		}
	}
}

// Opening a read model that has every migration takes no write lock: the monitor opens
// it while an exporter's transaction holds the lock, without waiting for it.
func TestOpenMigratedFileWhileAWriterHoldsTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readmodel.db")
	first, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()

	w := openRaw(t, path)
	defer w.Close()
	conn, err := w.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	// With a lock wait of 10 ms, a migration that wanted the lock would fail at once.
	db, err := sql.Open("sqlite", dsn(path, 10*time.Millisecond, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Migrate(t.Context(), db); err != nil {
		t.Fatalf("migrate an up-to-date file while a writer holds its lock: %v", err)
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM process_instances").Scan(&n); err != nil {
		t.Fatal(err)
	}
}
