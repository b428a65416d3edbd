package query

import (
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/internal/pgtest"
	"github.com/weftlabs/weft/monitor/internal/fixture"
	"github.com/weftlabs/weft/web"
)

// TestMain stops the Postgres cluster that the tests over readmodel.Postgres start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// eachDialect runs f as a subtest per dialect of the read model: the store must
// answer the same over SQLite and over Postgres.
func eachDialect(t *testing.T, f func(t *testing.T, d readmodel.Dialect)) {
	for _, d := range fixture.Dialects {
		t.Run(d.String(), func(t *testing.T) { f(t, d) })
	}
}

func newStore(t *testing.T, db *sql.DB, d readmodel.Dialect) *Store {
	t.Helper()
	s, err := New(db, d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keysOf(pis []web.ProcessInstance) []int64 {
	out := make([]int64, len(pis))
	for i, pi := range pis {
		out[i] = pi.Key
	}
	return out
}

// allPages walks a filter's pages older and older, then back newer and newer, and
// returns the keys in the order seen going older.
func allPages(t *testing.T, s *Store, f InstanceFilter, limit int) []int64 {
	t.Helper()
	var keys []int64
	var pages [][]int64
	req := PageRequest{Limit: limit}
	for n := 0; ; n++ {
		if n > 10_000 {
			t.Fatal("pagination does not end")
		}
		items, page, err := s.Instances(t.Context(), f, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > limit {
			t.Fatalf("page of %d rows, limit %d", len(items), limit)
		}
		if n > 0 && page.Newer == nil {
			t.Fatalf("page %d has no link to newer rows", n)
		}
		pages = append(pages, keysOf(items))
		keys = append(keys, keysOf(items)...)
		if page.Older == nil {
			break
		}
		req = PageRequest{After: page.Older, Limit: limit}
	}
	// Back again: each Newer link leads to the page before.
	for i := len(pages) - 1; i > 0; i-- {
		first := pages[i][0]
		c := Cursor{Time: fixture.StartOf(first), Key: first}
		items, _, err := s.Instances(t.Context(), f, PageRequest{Before: &c, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if got := keysOf(items); !slices.Equal(got, pages[i-1]) {
			t.Fatalf("newer than page %d: got %v, want %v", i, got, pages[i-1])
		}
	}
	return keys
}

// want returns the seeded keys 1..n that keep, in list order: start time, then key,
// descending.
func want(n int, keep func(k int64) bool) []int64 {
	var out []int64
	for k := int64(n); k >= 1; k-- {
		if keep(k) {
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b int64) int {
		if c := fixture.StartOf(b) - fixture.StartOf(a); c != 0 {
			return int(c)
		}
		return int(b - a)
	})
	return out
}

func TestInstancesKeysetPagination(t *testing.T) { eachDialect(t, testInstancesKeysetPagination) }

func testInstancesKeysetPagination(t *testing.T, d readmodel.Dialect) {
	db := fixture.EmptyIn(t, d)
	const n = 1234
	fixture.SeedInstances(t, db, n)
	s := newStore(t, db, d)
	got := allPages(t, s, InstanceFilter{}, 50)
	if w := want(n, func(int64) bool { return true }); !slices.Equal(got, w) {
		t.Fatalf("all pages: %d keys, want %d; first %v, want %v", len(got), len(w), got[:5], w[:5])
	}
	// A page size that splits the groups of equal start times.
	if got := allPages(t, s, InstanceFilter{State: StateActive}, 7); !slices.Equal(got, want(n, func(k int64) bool { return k%3 == 0 })) {
		t.Fatalf("active instances paged by 7: %v...", got[:min(10, len(got))])
	}
}

func TestInstanceFilters(t *testing.T) { eachDialect(t, testInstanceFilters) }

func testInstanceFilters(t *testing.T, d readmodel.Dialect) {
	db := fixture.EmptyIn(t, d)
	const n = 300
	fixture.SeedInstances(t, db, n)
	s := newStore(t, db, d)
	from, to := time.UnixMilli(fixture.StartOf(30)), time.UnixMilli(fixture.StartOf(60))
	for _, tc := range []struct {
		name string
		f    InstanceFilter
		keep func(k int64) bool
	}{
		{"process", InstanceFilter{BpmnProcessID: "p1"}, func(k int64) bool { return k%3 == 1 }},
		{"process and version", InstanceFilter{BpmnProcessID: "p1", Version: 2}, func(k int64) bool { return k%3 == 1 && k%2 == 1 }},
		{"definition", InstanceFilter{ProcessDefinitionKey: 101}, func(k int64) bool { return k%2 == 0 }},
		{"completed", InstanceFilter{State: StateCompleted}, func(k int64) bool { return k%3 == 1 }},
		{"terminated", InstanceFilter{State: StateTerminated}, func(k int64) bool { return k%3 == 2 }},
		{"incidents", InstanceFilter{State: StateIncident}, func(k int64) bool { return k%5 == 0 }},
		{"start time range", InstanceFilter{From: from, To: to}, func(k int64) bool {
			return fixture.StartOf(k) >= from.UnixMilli() && fixture.StartOf(k) < to.UnixMilli()
		}},
		{"variable", InstanceFilter{VariableName: "n", VariableValue: VariableJSON("7")}, func(k int64) bool { return k%10 == 7 }},
		{"variable and state", InstanceFilter{VariableName: "n", VariableValue: "4", State: StateActive},
			func(k int64) bool { return k%10 == 4 && k%3 == 0 }},
		{"variable without match", InstanceFilter{VariableName: "n", VariableValue: VariableJSON("x")}, func(int64) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := allPages(t, s, tc.f, 20)
			if w := want(n, tc.keep); !slices.Equal(got, w) {
				t.Fatalf("got %d keys %v, want %d keys %v", len(got), got[:min(8, len(got))], len(w), w[:min(8, len(w))])
			}
		})
	}
	if _, _, err := s.Instances(t.Context(), InstanceFilter{State: "BOGUS"}, PageRequest{}); err == nil {
		t.Fatal("an unknown state filtered nothing instead of failing")
	}
}

func TestSampleReadModel(t *testing.T) { eachDialect(t, testSampleReadModel) }

func testSampleReadModel(t *testing.T, d readmodel.Dialect) {
	db := fixture.SampleIn(t, d)
	fixture.SeedRunning(t, db)
	s := newStore(t, db, d)
	ctx := t.Context()
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts != (web.Counts{RunningInstances: 2, OpenIncidents: 1, ActivatableJobs: 0, Definitions: 1}) {
		t.Fatalf("counts %+v", counts)
	}
	ps, err := s.Processes(ctx)
	if err != nil || len(ps) != 1 || ps[0].BpmnProcessID != "shop" || ps[0].RunningInstances != 2 {
		t.Fatalf("processes %+v, %v", ps, err)
	}
	p, err := s.Process(ctx, fixture.ShopDefinition)
	if err != nil || !strings.Contains(p.XML, `<bpmn:process id="shop"`) {
		t.Fatalf("process %+v, %v", p, err)
	}
	st, err := s.ProcessDiagram(ctx, p)
	if err != nil || st.Elements["charge"] != (web.ElementStats{Active: 1, Incidents: 1}) || len(st.Elements) != 1 {
		t.Fatalf("process diagram %+v, %v", st, err)
	}
	if _, err := s.Process(ctx, 42); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing process: %v", err)
	}

	done := int64(2251799813685255)
	st, err = s.InstanceDiagram(ctx, done)
	if err != nil || !slices.Equal(st.Flows, []string{"f1", "f2", "f3", "f4", "f5"}) || st.Elements["decide"].Completed != 1 ||
		st.Elements["charge"].Incidents != 0 {
		t.Fatalf("instance diagram %+v, %v", st, err)
	}
	scopes, err := s.Scopes(ctx, fixture.RunningInstance)
	if err != nil || len(scopes) != 2 || !scopes[0].IsProcess || scopes[1].ElementID != "charge" ||
		scopes[0].Variables[0].Value != `"o-9"` {
		t.Fatalf("scopes %+v, %v", scopes, err)
	}
	hist, more, err := s.History(ctx, done, Cursor{}, 10)
	if err != nil || len(hist) != 10 || !more || hist[0].Position != 10 || hist[0].ValueType != "VARIABLE" {
		t.Fatalf("history %+v, %v, %v", hist, more, err)
	}
	next, _, err := s.History(ctx, done, Cursor{Time: 1, Key: hist[9].Position}, 10)
	if err != nil || next[0].Position <= hist[9].Position {
		t.Fatalf("history next page %+v, %v", next, err)
	}
	children, err := s.ChildInstances(ctx, fixture.RunningInstance, 10)
	if err != nil || len(children) != 1 || children[0].Key != fixture.ChildInstance {
		t.Fatalf("children %+v, %v", children, err)
	}
	jobs, _, err := s.Jobs(ctx, JobFilter{Type: "payment", State: "FAILED"}, PageRequest{})
	if err != nil || len(jobs) != 1 || jobs[0].Key != fixture.FailedJob {
		t.Fatalf("failed payment jobs %+v, %v", jobs, err)
	}
	incs, _, err := s.Incidents(ctx, IncidentFilter{State: readmodel.StateResolved}, PageRequest{})
	if err != nil || len(incs) != 1 || incs[0].ErrorType != "JOB_NO_RETRIES" {
		t.Fatalf("resolved incidents %+v, %v", incs, err)
	}
	msgs, _, err := s.Messages(ctx, MessageFilter{Name: "paid"}, PageRequest{})
	if err != nil || len(msgs) != 1 || msgs[0].State != "CORRELATED" || msgs[0].TimeToLive != time.Minute {
		t.Fatalf("messages %+v, %v", msgs, err)
	}
	ds, err := s.Decisions(ctx)
	if err != nil || len(ds) != 2 || ds[0].DecisionID != "dish" {
		t.Fatalf("decisions %+v, %v", ds, err)
	}
	dec, xml, err := s.Decision(ctx, ds[0].Key)
	if err != nil || dec.Name != "Dish" || !strings.Contains(xml, "dishTable") {
		t.Fatalf("decision %+v, %d bytes of XML, %v", dec, len(xml), err)
	}
	evs, _, err := s.Evaluations(ctx, EvaluationFilter{DecisionKey: dec.Key}, PageRequest{})
	if err != nil || len(evs) != 1 || evs[0].Output != `"Roastbeef"` || !strings.Contains(evs[0].EvaluatedDecisions, "season") {
		t.Fatalf("evaluations %+v, %v", evs, err)
	}
}

func TestRebind(t *testing.T) {
	s := &Store{d: readmodel.Postgres}
	if got := s.rebind("a = ? AND (b, c) < (?, ?)"); got != "a = $1 AND (b, c) < ($2, $3)" {
		t.Fatal(got)
	}
	if got := (&Store{d: readmodel.SQLite}).rebind("a = ?"); got != "a = ?" {
		t.Fatal(got)
	}
}

func TestCursorAndVariableJSON(t *testing.T) {
	c := Cursor{Time: 1700000000000, Key: 2251799813685255}
	if got, ok := ParseCursor(c.String()); !ok || got != c {
		t.Fatalf("round trip %v: %v %v", c, got, ok)
	}
	for _, bad := range []string{"", "1", "a.b", "1.x"} {
		if _, ok := ParseCursor(bad); ok {
			t.Errorf("ParseCursor(%q) ok", bad)
		}
	}
	for in, out := range map[string]string{`o-1`: `"o-1"`, `"o-1"`: `"o-1"`, `42.50`: `42.50`, `{ "a" : 1 }`: `{"a":1}`, `true`: `true`} {
		if got := VariableJSON(in); got != out {
			t.Errorf("VariableJSON(%q) = %q, want %q", in, got, out)
		}
	}
}

// TestDialectEdges pins what the dialects could answer differently: text order under
// a Postgres locale, rows without a time, keys with partition bits, case, and cursors
// from URLs that do not fit a column.
func TestDialectEdges(t *testing.T) {
	eachDialect(t, func(t *testing.T, d readmodel.Dialect) {
		db := fixture.EmptyIn(t, d)
		if d == readmodel.Postgres {
			db = localeDatabase(t)
		}
		s := newStore(t, db, d)
		ctx := t.Context()
		p1, p2 := int64(2)<<51|1, int64(1)<<51|5 // keys of partitions 2 and 1
		for _, q := range []string{
			`INSERT INTO process_definitions (key, bpmn_process_id, version, deploy_time) VALUES
				(1, 'b', 1, 1), (2, 'B', 1, 1), (3, 'a', 1, 1), (4, '_z', 1, 1), (5, 'a-1', 1, 1), (6, 'a1', 1, 1), (7, 'a', 2, 1)`,
			// An instance without a start time (its activation was not exported), one at
			// the epoch, and one of a partition-2 key started before one of partition 1.
			fmt.Sprintf(`INSERT INTO process_instances (key, bpmn_process_id, state, incident_count, start_time) VALUES
				(10, 'a', 'ACTIVE', 0, NULL), (11, 'a', 'ACTIVE', 0, 0), (%d, 'a', 'ACTIVE', 0, 1000), (%d, 'a', 'ACTIVE', 0, 2000)`, p1, p2),
			fmt.Sprintf(`INSERT INTO messages (key, name, state, publish_time) VALUES (%d, 'm', 'PUBLISHED', 1000), (%d, 'm', 'PUBLISHED', 2000)`, p1, p2),
			`INSERT INTO instance_history (partition_id, position, process_instance_key, time) VALUES (1, 1, 11, 0), (2, 1, 11, 0)`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
		ids, err := s.ProcessIDs(ctx)
		if want := []string{"B", "_z", "a", "a-1", "a1", "b"}; err != nil || !slices.Equal(ids, want) {
			t.Errorf("process ids %q (%v), want byte order %q", ids, err, want)
		}
		ps, err := s.Processes(ctx)
		if err != nil || len(ps) != 7 || ps[2].BpmnProcessID != "a" || ps[2].Version != 2 {
			t.Errorf("processes %+v, %v", ps, err)
		}
		// Every page of one row, older and older: the epoch-start instance is reached
		// and the instance without a start time is not listed.
		var keys []int64
		req := PageRequest{Limit: 1}
		for range 10 {
			items, page, err := s.Instances(ctx, InstanceFilter{}, req)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, keysOf(items)...)
			if page.Older == nil {
				break
			}
			req = PageRequest{After: page.Older, Limit: 1}
		}
		if want := []int64{p2, p1, 11}; !slices.Equal(keys, want) {
			t.Errorf("instance pages %v, want %v", keys, want)
		}
		if pi, err := s.Instance(ctx, 10); err != nil || pi.StartTime != (time.Time{}) {
			t.Errorf("instance without a start time: %+v, %v", pi, err)
		}
		if items, _, err := s.Instances(ctx, InstanceFilter{BpmnProcessID: "A"}, PageRequest{}); err != nil || len(items) != 0 {
			t.Errorf("process id filter is not case-sensitive: %d rows, %v", len(items), err)
		}
		msgs, _, err := s.Messages(ctx, MessageFilter{}, PageRequest{})
		if err != nil || len(msgs) != 2 || msgs[0].Key != p2 {
			t.Errorf("messages %+v, %v: want the latest published first", msgs, err)
		}
		hist, _, err := s.History(ctx, 11, Cursor{Time: 1 << 40, Key: 1}, 10)
		if err != nil || len(hist) != 0 {
			t.Errorf("history after a partition beyond INTEGER: %+v, %v", hist, err)
		}
		hist, _, err = s.History(ctx, 11, Cursor{Time: 1, Key: 1}, 10)
		if err != nil || len(hist) != 1 || hist[0].PartitionID != 2 {
			t.Errorf("history after (1, 1): %+v, %v", hist, err)
		}
	})
}

// localeDatabase returns a migrated, empty Postgres read model in a database whose
// collation is ICU's en-US (test clusters are initialized with the C locale, which
// sorts as SQLite does): the monitor must list the same order under any locale.
func localeDatabase(t *testing.T) *sql.DB {
	t.Helper()
	url := pgtest.NewDatabase(t)
	name := pgtest.DatabaseName(url)
	locale := name + "_en"
	pgtest.Admin(t, `CREATE DATABASE "`+locale+`" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`)
	t.Cleanup(func() { pgtest.Admin(t, `DROP DATABASE IF EXISTS "`+locale+`" WITH (FORCE)`) })
	return fixture.OpenPostgres(t, strings.Replace(url, "/"+name+"?", "/"+locale+"?", 1))
}
