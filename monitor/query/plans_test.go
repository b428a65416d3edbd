package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/monitor/internal/fixture"
)

// The plan tests seed n process instances (key i from 1, start time planStart +
// i*1000, process id "process-<i%100>", ACTIVE in one block of 100 keys in 50 (2%),
// else nine in ten COMPLETED and the rest TERMINATED, one in 97 with an incident, a
// variable orderId = "o-<i>"), and n/10 incidents (key i, create time planStart +
// i*10000, one in twenty ACTIVE, process id "process-<(i/20)%100>"), jobs (one in 50
// FAILED) and messages (one in 20 PUBLISHED). A process id or a state filter keeps
// 1-2% of the rows, as in a read model that has run for a while; a filter that keeps
// most rows is served as well by the list-order index.
const planStart = 1_700_000_000_000

// planSeeds is how many instances each dialect's plan test seeds: 100k on Postgres;
// 10k on SQLite, whose planner decides the same way on 10k rows as on 100k (with the
// statistics of ANALYZE), where seeding 100k under the race detector takes minutes.
var planSeeds = map[readmodel.Dialect]int{readmodel.Postgres: 100_000, readmodel.SQLite: 10_000}

// seedPlans fills db with n instances and the rows described above, then ANALYZEs.
func seedPlans(t *testing.T, db *sql.DB, d readmodel.Dialect, n int) {
	t.Helper()
	series := func(n int) string {
		if d == readmodel.Postgres {
			return fmt.Sprintf("generate_series(1, %d) AS g(i)", n)
		}
		return fmt.Sprintf("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s) AS g", n)
	}
	for _, q := range []string{
		`INSERT INTO process_instances (key, process_definition_key, bpmn_process_id, version, tenant_id, state,
			incident_count, start_time, end_time, parent_process_instance_key, parent_element_instance_key, partition_id)
			SELECT i, 1000 + i % 100, 'process-' || (i % 100), 1, '<default>',
				CASE WHEN (i / 100) % 50 = 0 THEN 'ACTIVE' WHEN i % 10 < 9 THEN 'COMPLETED' ELSE 'TERMINATED' END,
				CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 1700000000000 + i * 1000, NULL, -1, -1, 1 FROM ` + series(n),
		`INSERT INTO variables (scope_key, name, key, process_instance_key, value, value_prefix)
			SELECT i, 'orderId', 10000000 + i, i, '"o-' || i || '"', '"o-' || i || '"' FROM ` + series(n),
		`INSERT INTO incidents (key, error_type, error_message, state, process_instance_key, process_definition_key,
			bpmn_process_id, element_id, create_time)
			SELECT i, 'JOB_NO_RETRIES', 'failed', CASE WHEN i % 20 = 0 THEN 'ACTIVE' ELSE 'RESOLVED' END, i * 10,
				1000 + (i / 20) % 100, 'process-' || ((i / 20) % 100), 'task', 1700000000000 + i * 10000 FROM ` + series(n/10),
		`INSERT INTO jobs (key, type, worker, state, retries, create_time)
			SELECT i, 'type-' || (i % 10), 'w', CASE WHEN i % 50 = 0 THEN 'ACTIVATED' WHEN i % 50 = 1 THEN 'FAILED'
				ELSE 'COMPLETED' END, 1, 1700000000000 + i * 10000 FROM ` + series(n/10),
		`INSERT INTO messages (key, name, correlation_key, state, time_to_live, publish_time)
			SELECT i, 'msg-' || (i % 10), 'c-' || i, CASE WHEN i % 20 = 0 THEN 'PUBLISHED' ELSE 'CORRELATED' END, 60000,
				1700000000000 + i * 10000 FROM ` + series(n/10),
		"ANALYZE",
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("seed: %v\n%s", err, q)
		}
	}
	var got int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM process_instances").Scan(&got); err != nil || got != n {
		t.Fatalf("seeded %d instances (%v), want %d", got, err, n)
	}
}

// planCase is a list whose pages must be served by one of indexes (the first is the
// one the list is built for), in index order.
type planCase struct {
	name    string
	list    func(ctx context.Context, s *Store, p PageRequest) error
	indexes []string
	// sortsFew: the SQLite plan may sort the few rows that an index lookup found (the
	// variable filter finds its instances by the variable, not in list order).
	// Postgres plans may always sort up to fewRows rows: with row estimates the
	// planner sorts the handful of rows a bitmap scan of the expected index found
	// rather than walk the index in order.
	sortsFew bool
	// keyOnly: the list pages by key alone (jobs, keys 1..n/10).
	keyOnly bool
}

func planCases(n int) []planCase {
	instances := func(f InstanceFilter) func(context.Context, *Store, PageRequest) error {
		return func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Instances(ctx, f, p)
			return err
		}
	}
	incidents := func(f IncidentFilter) func(context.Context, *Store, PageRequest) error {
		return func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Incidents(ctx, f, p)
			return err
		}
	}
	from, to := time.UnixMilli(planStart+int64(n)/4*1000), time.UnixMilli(planStart+int64(n)/2*1000)
	return []planCase{
		{name: "instances", list: instances(InstanceFilter{}), indexes: []string{"process_instances_by_start"}},
		{name: "instances of a process", list: instances(InstanceFilter{BpmnProcessID: "process-7"}),
			indexes: []string{"process_instances_by_process_start"}},
		{name: "instances of a process version", list: instances(InstanceFilter{BpmnProcessID: "process-7", Version: 1}),
			indexes: []string{"process_instances_by_process_start"}},
		{name: "active instances", list: instances(InstanceFilter{State: StateActive}),
			indexes: []string{"process_instances_by_state"}},
		// Most instances are completed: walking the list-order index and skipping the
		// others reads about as few rows.
		{name: "completed instances", list: instances(InstanceFilter{State: StateCompleted}),
			indexes: []string{"process_instances_by_state", "process_instances_by_start"}},
		{name: "instances with incidents", list: instances(InstanceFilter{State: StateIncident}),
			indexes: []string{"process_instances_with_incidents"}},
		{name: "active instances of a process", list: instances(InstanceFilter{BpmnProcessID: "process-7", State: StateActive}),
			indexes: []string{"process_instances_by_process"}},
		{name: "instances started in a range", list: instances(InstanceFilter{From: from, To: to}),
			indexes: []string{"process_instances_by_start"}},
		{name: "instances by variable", list: instances(InstanceFilter{VariableName: "orderId", VariableValue: VariableJSON("o-77")}),
			indexes: []string{"variables_by_value"}, sortsFew: true},
		{name: "incidents", list: incidents(IncidentFilter{}), indexes: []string{"incidents_by_create"}},
		{name: "active incidents", list: incidents(IncidentFilter{State: readmodel.StateActive}),
			indexes: []string{"incidents_by_state"}},
		// Most incidents are resolved (see completed instances).
		{name: "resolved incidents", list: incidents(IncidentFilter{State: readmodel.StateResolved}),
			indexes: []string{"incidents_by_state", "incidents_by_create"}},
		{name: "active incidents of a process", list: incidents(IncidentFilter{State: readmodel.StateActive, BpmnProcessID: "process-7"}),
			indexes: []string{"incidents_by_process"}},
		{name: "failed jobs", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Jobs(ctx, JobFilter{State: "FAILED"}, p)
			return err
		}, indexes: []string{"jobs_by_state"}},
		{name: "jobs", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Jobs(ctx, JobFilter{}, p)
			return err
		}, indexes: []string{"jobs_by_create"}},
		// A tenth of the jobs have each type: walking the list order and skipping the
		// others reads about as few rows.
		{name: "jobs of a type", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Jobs(ctx, JobFilter{Type: "type-3"}, p)
			return err
		}, indexes: []string{"jobs_by_type_create", "jobs_by_create"}},
		// Every failed job of the seed has type-1: either index finds exactly them.
		{name: "failed jobs of a type", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Jobs(ctx, JobFilter{Type: "type-1", State: "FAILED"}, p)
			return err
		}, indexes: []string{"jobs_by_type", "jobs_by_state"}},
		{name: "messages", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Messages(ctx, MessageFilter{}, p)
			return err
		}, indexes: []string{"messages_by_publish"}},
		{name: "published messages", list: func(ctx context.Context, s *Store, p PageRequest) error {
			_, _, err := s.Messages(ctx, MessageFilter{State: "PUBLISHED"}, p)
			return err
		}, indexes: []string{"messages_by_state"}},
	}
}

// TestListPlans seeds a read model per dialect and checks the plans of the monitor's
// own list queries, as the Store builds them (through its trace hook), for the first
// page, a next (older) page and a previous (newer) page: each is served by the
// expected index in list order, with no sequential scan of a table and no sort of
// the matching rows (a sort of the few rows an index lookup found is allowed where
// the case says so).
func TestListPlans(t *testing.T) {
	eachDialect(t, func(t *testing.T, d readmodel.Dialect) {
		n := planSeeds[d]
		db := fixture.EmptyIn(t, d)
		seedPlans(t, db, d, n)
		s := newStore(t, db, d)
		var q string
		var args []any
		s.trace = func(sql string, a []any) { q, args = sql, a }
		for _, pc := range planCases(n) {
			// The middle of the list: of the instances, and (at ten times the
			// interval) of the incidents and messages.
			mid := &Cursor{Time: planStart + int64(n)/2*1000, Key: int64(n) / 2}
			if pc.keyOnly {
				mid = &Cursor{Key: int64(n) / 20}
			}
			for _, page := range []struct {
				name string
				req  PageRequest
			}{{"first page", PageRequest{}}, {"next page", PageRequest{After: mid}}, {"previous page", PageRequest{Before: mid}}} {
				t.Run(pc.name+"/"+page.name, func(t *testing.T) {
					q = ""
					if err := pc.list(t.Context(), s, page.req); err != nil {
						t.Fatal(err)
					}
					if q == "" {
						t.Fatal("the store ran no traced query")
					}
					if d == readmodel.Postgres {
						checkPostgresPlan(t, db, pc, q, args)
					} else {
						checkSQLitePlan(t, db, pc, q, args)
					}
				})
			}
		}
	})
}

// pgPlan is a node of EXPLAIN (FORMAT JSON)'s output.
type pgPlan struct {
	NodeType     string   `json:"Node Type"`
	RelationName string   `json:"Relation Name"`
	IndexName    string   `json:"Index Name"`
	IndexCond    string   `json:"Index Cond"`
	Filter       string   `json:"Filter"`
	PlanRows     float64  `json:"Plan Rows"`
	Plans        []pgPlan `json:"Plans"`
}

// String writes the plan as an indented tree, one node a line.
func (p pgPlan) String() string {
	var sb strings.Builder
	var write func(p pgPlan, depth int)
	write = func(p pgPlan, depth int) {
		fmt.Fprintf(&sb, "%s%s %s %s rows=%.0f", strings.Repeat("  ", depth), p.NodeType, p.RelationName, p.IndexName, p.PlanRows)
		if p.IndexCond != "" {
			sb.WriteString(" cond=" + p.IndexCond)
		}
		if p.Filter != "" {
			sb.WriteString(" filter=" + p.Filter)
		}
		sb.WriteByte('\n')
		for _, c := range p.Plans {
			write(c, depth+1)
		}
	}
	write(p, 0)
	return sb.String()
}

func (p pgPlan) walk(f func(pgPlan)) {
	f(p)
	for _, c := range p.Plans {
		c.walk(f)
	}
}

// fewRows bounds the rows (as Postgres estimates them) that a plan may sort: 1% of
// the seeded instances.
const fewRows = 1000

func checkPostgresPlan(t *testing.T, db *sql.DB, pc planCase, q string, args []any) {
	t.Helper()
	var raw []byte
	if err := db.QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&raw); err != nil {
		t.Fatalf("explain: %v\n%s", err, q)
	}
	var plans []struct {
		Plan pgPlan `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", raw, err)
	}
	used := false
	plans[0].Plan.walk(func(p pgPlan) {
		used = used || slices.Contains(pc.indexes, p.IndexName)
		switch p.NodeType {
		case "Seq Scan":
			t.Errorf("sequential scan of %s", p.RelationName)
		case "Sort", "Incremental Sort":
			if p.PlanRows > fewRows {
				t.Errorf("%s of %.0f rows", p.NodeType, p.PlanRows)
			}
		}
	})
	if !used {
		t.Errorf("no index of %v", pc.indexes)
	}
	if t.Failed() {
		t.Logf("query: %s\nargs: %v\nplan:\n%s", q, args, plans[0].Plan)
	}
}

func checkSQLitePlan(t *testing.T, db *sql.DB, pc planCase, q string, args []any) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, q)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	used, byKey := false, false
	for _, line := range plan {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			used = used || f[i] == "INDEX" && slices.Contains(pc.indexes, f[i+1])
		}
		// SCAN t without an index reads the whole table; SEARCH t USING INTEGER
		// PRIMARY KEY looks rows up by key.
		if len(f) == 2 && f[0] == "SCAN" {
			t.Errorf("scans table %s", f[1])
		}
		byKey = byKey || strings.HasPrefix(line, "SEARCH process_instances USING INTEGER PRIMARY KEY")
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "TEMP B-TREE FOR ORDER BY") && !(pc.sortsFew && byKey) {
		t.Errorf("sorts the matching rows")
	}
	if !used {
		t.Errorf("no index of %v", pc.indexes)
	}
	if t.Failed() {
		t.Logf("query: %s\nargs: %v\nplan:\n%s", q, args, text)
	}
}
