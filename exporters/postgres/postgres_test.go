package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/exporters/readmodel/readmodeltest"
	"github.com/weftlabs/weft/exporters/sqlite"
	"github.com/weftlabs/weft/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newDatabase(t testing.TB) map[string]string {
	return map[string]string{"url": pgtest.NewDatabase(t)}
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func query(t testing.TB, settings map[string]string, sql string) ([]string, [][]string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), settings["url"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	return queryConn(t, conn, sql)
}

func queryConn(t testing.TB, conn *pgx.Conn, sql string) ([]string, [][]string) {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var cols []string
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, fd.Name)
	}
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return cols, out
}

// cutOff closes the database to new connections and ends the open ones, as a
// database that went down would.
func cutOff(t testing.TB, settings map[string]string) func() {
	t.Helper()
	name := pgx.Identifier{pgtest.DatabaseName(settings["url"])}.Sanitize()
	pgtest.Admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
	pgtest.Admin(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+
		pgtest.DatabaseName(settings["url"])+"' AND pid <> pg_backend_pid()")
	var once sync.Once
	restore := func() {
		once.Do(func() { pgtest.Admin(t, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true") })
	}
	t.Cleanup(restore)
	return restore
}

func target() readmodeltest.Target {
	return readmodeltest.Target{New: New, NewDatabase: newDatabase, Query: query, Break: cutOff}
}

func TestConformance(t *testing.T) { readmodeltest.Run(t, target()) }

func TestConfigure(t *testing.T) {
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting url: is required"},
		{map[string]string{"url": "postgres://x:notaport/db"}, "setting url: is not a Postgres connection string"},
		{map[string]string{"url": "postgres://localhost/db", "batch-size": "-3"}, "setting batch-size"},
		{map[string]string{"url": "postgres://localhost/db", "history": "maybe"}, "setting history"},
		{map[string]string{"url": "postgres://localhost/db", "path": "x"}, `unknown setting "path"`},
	} {
		_, err := exportertest.TryStart(t, New(), tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: error %v, want one containing %q", tc.settings, err, tc.want)
		}
	}
}

// TestOpenFailsWithoutDatabase: Open reports an unreachable database (the broker
// retries it) instead of starting.
func TestOpenFailsWithoutDatabase(t *testing.T) {
	url := pgtest.NewDatabase(t)
	name := pgtest.DatabaseName(url)
	missing := strings.Replace(url, "/"+name+"?", "/"+name+"_missing?", 1)
	_, err := exportertest.TryStart(t, New(), map[string]string{"url": missing})
	if err == nil || !strings.Contains(err.Error(), "open read model") {
		t.Fatalf("open error %v, want an open read model error", err)
	}
}

// TestSameRowsAsSQLite writes the sample into Postgres and SQLite: the two read models
// must hold the same rows, so that one query layer reads either.
func TestSameRowsAsSQLite(t *testing.T) {
	pg := newDatabase(t)
	h := exportertest.Start(t, New(), pg)
	if err := h.Export(t.Context(), exportertest.SampleRecords()...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(122, time.Minute)
	lite := map[string]string{"path": filepath.Join(t.TempDir(), "readmodel.db")}
	hl := exportertest.Start(t, sqlite.New(), lite)
	if err := hl.Export(t.Context(), exportertest.SampleRecords()...); err != nil {
		t.Fatal(err)
	}
	hl.WaitAcked(122, time.Minute)
	db, err := sqlite.Open(t.Context(), lite["path"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	liteTarget := readmodeltest.Target{Query: func(t testing.TB, _ map[string]string, q string) ([]string, [][]string) {
		return readmodeltest.QueryDB(t, db, q)
	}}
	got, want := readmodeltest.Dump(t, target(), pg), readmodeltest.Dump(t, liteTarget, lite)
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("Postgres and SQLite rows differ at line %d:\n  postgres %s\n  sqlite   %s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("Postgres dump has %d lines, SQLite's %d", len(gl), len(wl))
	}
}

// TestConcurrentMigrations opens one new database from many connections at once: the
// advisory lock lets one migrate and the others find the schema done.
func TestConcurrentMigrations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := Open(t.Context(), url)
			if err == nil {
				err = conn.Close(t.Context())
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
	_, rows := queryConn(t, connect(t, url), "SELECT COUNT(*) FROM schema_migrations")
	if want := strconv.Itoa(len(readmodel.Migrations(readmodel.Postgres))); rows[0][0] != want {
		t.Fatalf("schema_migrations has %s rows, want %s", rows[0][0], want)
	}
}

// TestListQueriesUseIndexes seeds 100k process instances (and as many incidents,
// variables, element instances and jobs) and checks with EXPLAIN that Postgres serves
// the monitor's list queries from an index, without a sequential scan or a sort.
func TestListQueriesUseIndexes(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	n := readmodeltest.SeedInstances
	seed := fmt.Sprintf(`
		INSERT INTO process_instances (key, process_definition_key, bpmn_process_id, version, tenant_id, state,
			incident_count, start_time, end_time, parent_process_instance_key, parent_element_instance_key, partition_id)
		SELECT g, 1, 'process-' || (g %% 20), 1, '<default>',
			CASE WHEN g %% 10 = 0 THEN 'ACTIVE' WHEN g %% 10 < 8 THEN 'COMPLETED' ELSE 'TERMINATED' END,
			CASE WHEN g %% 100 = 0 THEN 1 ELSE 0 END, 1700000000000 + g * 1000, NULL, -1, -1, 1
		FROM generate_series(1, %[1]d) g;
		INSERT INTO incidents (key, error_type, error_message, state, process_instance_key, create_time)
		SELECT g, 'JOB_NO_RETRIES', 'failed', CASE WHEN g %% 20 = 0 THEN 'ACTIVE' ELSE 'RESOLVED' END, g,
			1700000000000 + g * 1000 FROM generate_series(1, %[1]d) g;
		INSERT INTO variables (scope_key, name, key, process_instance_key, value, value_prefix)
		SELECT g, 'orderId', g, g, '"o-' || g || '"', '"o-' || g || '"' FROM generate_series(1, %[1]d) g;
		INSERT INTO element_instances (key, process_instance_key, element_id, state)
		SELECT g, g / 10, 'task', 'ACTIVE' FROM generate_series(1, %[1]d) g;
		INSERT INTO jobs (key, type, worker, state)
		SELECT g, 'type-' || (g %% 10), 'w', CASE WHEN g %% 50 = 0 THEN 'ACTIVATED' ELSE 'COMPLETED' END
		FROM generate_series(1, %[1]d) g;
		ANALYZE;`, n)
	if _, err := conn.Exec(t.Context(), seed); err != nil {
		t.Fatalf("seed: %v", err)
	}
	var count int
	if err := conn.QueryRow(t.Context(), "SELECT COUNT(*) FROM process_instances").Scan(&count); err != nil || count != n {
		t.Fatalf("seeded %d instances (%v), want %d", count, err, n)
	}
	for _, q := range readmodeltest.MonitorQueries {
		var raw []byte
		if err := conn.QueryRow(t.Context(), "EXPLAIN (FORMAT JSON) "+q.SQL).Scan(&raw); err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		var plans []struct {
			Plan planNode `json:"Plan"`
		}
		if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
			t.Fatalf("%s: plan %s: %v", q.Name, raw, err)
		}
		var nodes []planNode
		plans[0].Plan.walk(func(p planNode) { nodes = append(nodes, p) })
		used := false
		for _, p := range nodes {
			used = used || slices.Contains(q.Indexes, p.IndexName)
			if p.NodeType == "Seq Scan" || p.NodeType == "Sort" || p.NodeType == "Incremental Sort" {
				t.Errorf("%s: plan has a %s:\n%s", q.Name, p.NodeType, raw)
			}
		}
		if !used {
			t.Errorf("%s: plan uses none of %v:\n%s", q.Name, q.Indexes, raw)
		}
	}
}

type planNode struct {
	NodeType  string     `json:"Node Type"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
}

func (p planNode) walk(f func(planNode)) {
	f(p)
	for _, c := range p.Plans {
		c.walk(f)
	}
}

func BenchmarkExport(b *testing.B) {
	readmodeltest.Benchmark(b, target(), nil)
}
