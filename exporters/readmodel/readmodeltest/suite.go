package readmodeltest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// ackTimeout bounds every wait for an acknowledgement.
const ackTimeout = 30 * time.Second

// Target is one dialect's exporter and database, for Run.
type Target struct {
	// New returns a new exporter.
	New func() exportersdk.Exporter
	// NewDatabase returns the settings of an exporter writing to a new, empty database.
	NewDatabase func(t testing.TB) map[string]string
	// Query runs sql (no parameters) on the database of settings and returns the
	// column names and the rows, every value as text and NULL as "NULL".
	Query func(t testing.TB, settings map[string]string, sql string) (cols []string, rows [][]string)
	// Break makes writes to the database of settings fail until restore is called.
	Break func(t testing.TB, settings map[string]string) (restore func())
	// BreakSettings are added to the settings of the exporter that Break breaks (such
	// as a short busy timeout).
	BreakSettings map[string]string
}

// Run runs the conformance suite against tg.
func Run(t *testing.T, tg Target) {
	t.Run("Schema", func(t *testing.T) { testSchema(t, tg) })
	t.Run("SampleRows", func(t *testing.T) { testSampleRows(t, tg) })
	t.Run("IncidentCount", func(t *testing.T) { testIncidentCount(t, tg) })
	t.Run("ReplayIdentical", func(t *testing.T) { testReplay(t, tg) })
	t.Run("BatchBoundaries", func(t *testing.T) { testBatchBoundaries(t, tg) })
	t.Run("RestartFromStoredPosition", func(t *testing.T) { testRestart(t, tg) })
	t.Run("FailingDatabase", func(t *testing.T) { testFailure(t, tg) })
	t.Run("HistoryOff", func(t *testing.T) { testHistoryOff(t, tg) })
	t.Run("Partitions", func(t *testing.T) { testPartitions(t, tg) })
	t.Run("Deletions", func(t *testing.T) { testDeletions(t, tg) })
	t.Run("StartSubscriptions", func(t *testing.T) { testStartSubscriptions(t, tg) })
}

func with(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// exportAll exports rs through a new exporter with settings and waits for the last
// position to be acknowledged.
func exportAll(t *testing.T, tg Target, settings map[string]string, rs []*exportersdk.Record, opts ...exportertest.Options) *exportertest.Harness {
	t.Helper()
	h := exportertest.Start(t, tg.New(), settings, opts...)
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatalf("export: %v", err)
	}
	h.WaitAcked(rs[len(rs)-1].Position, ackTimeout)
	return h
}

// Dump returns every table of the read model as text, rows in key order: two dumps
// are equal when the databases hold the same rows.
func Dump(t testing.TB, tg Target, settings map[string]string) string {
	t.Helper()
	var sb strings.Builder
	for _, tb := range append(readmodel.Tables(), readmodel.Table{Name: "exporter_positions", Key: 2}) {
		cols, rows := tg.Query(t, settings, "SELECT * FROM "+tb.Name+" ORDER BY "+strings.Join(keyColumns(tb), ", "))
		sb.WriteString("== " + tb.Name + " (" + strings.Join(cols, ", ") + ")\n")
		for _, r := range rows {
			sb.WriteString(strings.Join(r, " | "))
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func keyColumns(tb readmodel.Table) []string {
	if tb.Name == "exporter_positions" {
		return []string{"exporter_id", "partition_id"}
	}
	return tb.Columns[:tb.Key]
}

// diff returns the first differing line of two dumps, for failure messages.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  got  " + x + "\n  want " + y
		}
	}
	return ""
}

func testSchema(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	exportAll(t, tg, settings, exportertest.SampleRecords()[:1])
	for _, tb := range readmodel.Tables() {
		cols, _ := tg.Query(t, settings, "SELECT * FROM "+tb.Name+" WHERE 1 = 0")
		if !slices.Equal(cols, tb.Columns) {
			t.Errorf("table %s has columns\n  %v\nthe projection writes\n  %v", tb.Name, cols, tb.Columns)
		}
	}
	_, rows := tg.Query(t, settings, "SELECT version, name FROM schema_migrations ORDER BY version")
	if len(rows) == 0 || rows[0][0] != "1" || rows[0][1] != "init" {
		t.Errorf("schema_migrations = %v, want version 1 init first", rows)
	}
}

// expect checks that sql returns want (rows of values joined by " | ").
func expect(t *testing.T, tg Target, settings map[string]string, sql string, want ...string) {
	t.Helper()
	_, rows := tg.Query(t, settings, sql)
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = strings.Join(r, " | ")
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s\ngot:\n  %s\nwant:\n  %s", sql, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func testSampleRows(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	exportAll(t, tg, settings, exportertest.SampleRecords())
	const (
		order   = "2251799813685255"
		cancel  = "2251799813685282"
		created = "1700000000000"
		later   = "1700000061000"
	)
	expect(t, tg, settings, "SELECT key, bpmn_process_id, version, resource_name, tenant_id, deploy_time FROM process_definitions",
		"2251799813685254 | shop | 1 | shop.bpmn | <default> | "+created)
	expect(t, tg, settings, "SELECT COUNT(*) FROM process_definitions WHERE bpmn_xml LIKE '%<bpmn:process id=\"shop\"%'", "1")
	expect(t, tg, settings, "SELECT key, decision_requirements_id, name, version, resource_name FROM decision_requirements",
		"2251799813685250 | dinner | Dinner | 1 | dish.dmn")
	expect(t, tg, settings, "SELECT COUNT(*) FROM decision_requirements WHERE dmn_xml LIKE '%<decision id=\"dish\"%'", "1")
	expect(t, tg, settings, "SELECT key, decision_id, name, version, decision_requirements_key FROM decisions ORDER BY key",
		"2251799813685251 | season | Season | 1 | 2251799813685250",
		"2251799813685252 | dish | Dish | 1 | 2251799813685250")

	expect(t, tg, settings, "SELECT key, process_definition_key, bpmn_process_id, version, state, incident_count,"+
		" start_time, end_time, parent_process_instance_key, partition_id FROM process_instances ORDER BY key",
		order+" | 2251799813685254 | shop | 1 | COMPLETED | 0 | "+created+" | "+later+" | -1 | 1",
		cancel+" | 2251799813685254 | shop | 1 | TERMINATED | 0 | "+later+" | "+later+" | -1 | 1")
	expect(t, tg, settings, "SELECT element_id, element_type, event_type, state, flow_scope_key FROM element_instances"+
		" WHERE process_instance_key = "+order+" ORDER BY key",
		"shop | PROCESS | UNSPECIFIED | COMPLETED | -1",
		"start | START_EVENT | NONE | COMPLETED | "+order,
		"charge | SERVICE_TASK | UNSPECIFIED | COMPLETED | "+order,
		"paid | INTERMEDIATE_CATCH_EVENT | MESSAGE | COMPLETED | "+order,
		"wait | INTERMEDIATE_CATCH_EVENT | TIMER | COMPLETED | "+order,
		"decide | BUSINESS_RULE_TASK | UNSPECIFIED | COMPLETED | "+order,
		"end | END_EVENT | NONE | COMPLETED | "+order)
	expect(t, tg, settings, "SELECT element_id, state, start_time, end_time FROM element_instances"+
		" WHERE process_instance_key = "+cancel+" ORDER BY key",
		"shop | TERMINATED | "+later+" | "+later,
		"start | COMPLETED | "+later+" | "+later,
		"charge | TERMINATED | "+later+" | "+later)
	expect(t, tg, settings, "SELECT element_id FROM sequence_flows WHERE process_instance_key = "+order+" ORDER BY key",
		"f1", "f2", "f3", "f4", "f5")
	expect(t, tg, settings, "SELECT element_id FROM sequence_flows WHERE process_instance_key = "+cancel, "f1")

	expect(t, tg, settings, "SELECT name, value, value_prefix, scope_key, create_time, update_time FROM variables"+
		" WHERE process_instance_key = "+order+" ORDER BY key",
		`orderId | "o-1" | "o-1" | `+order+" | "+created+" | "+created,
		"month | 1 | 1 | "+order+" | "+created+" | "+created,
		"guests | 3 | 3 | "+order+" | "+created+" | "+created,
		`receipt | "r-1" | "r-1" | `+order+" | "+created+" | "+created,
		"amount | 42.5 | 42.5 | "+order+" | "+created+" | "+created,
		`meal | "Roastbeef" | "Roastbeef" | `+order+" | "+later+" | "+later)
	expect(t, tg, settings, "SELECT name, value FROM variables WHERE process_instance_key = "+cancel+" ORDER BY key",
		`orderId | "o-2"`, "month | 7", "guests | 2", `note | "call-first"`)
	expect(t, tg, settings, "SELECT position, name, value, intent, time FROM variable_history ORDER BY position",
		`10 | orderId | "o-1" | CREATED | `+created, "11 | month | 1 | CREATED | "+created,
		"12 | guests | 3 | CREATED | "+created, `40 | receipt | "r-1" | CREATED | `+created,
		"58 | amount | 42.5 | CREATED | "+created, `81 | meal | "Roastbeef" | CREATED | `+later,
		`94 | orderId | "o-2" | CREATED | `+later, "95 | month | 7 | CREATED | "+later,
		"96 | guests | 2 | CREATED | "+later, `113 | note | "call-first" | CREATED | `+later)
	// Filtering instances by a variable's value, as the monitor does.
	expect(t, tg, settings, "SELECT p.key FROM process_instances p JOIN variables v ON v.process_instance_key = p.key"+
		` WHERE v.name = 'orderId' AND v.value_prefix = '"o-2"' AND v.value = '"o-2"'`, cancel)

	expect(t, tg, settings, "SELECT key, type, worker, state, retries, deadline, error_message, custom_headers,"+
		" element_id, element_instance_key, process_instance_key, create_time, end_time FROM jobs ORDER BY key",
		"2251799813685262 | payment | w | COMPLETED | 2 | 1700000060000 | card | {\"currency\":\"EUR\"} | charge | 2251799813685261 | "+order+" | "+created+" | "+created,
		"2251799813685289 | payment |  | CANCELED | 1 | -1 |  | {\"currency\":\"EUR\"} | charge | 2251799813685288 | "+cancel+" | "+later+" | "+later)
	expect(t, tg, settings, "SELECT key, error_type, error_message, state, process_instance_key, element_id,"+
		" element_instance_key, job_key, create_time, resolve_time FROM incidents",
		"2251799813685264 | JOB_NO_RETRIES | card | RESOLVED | "+order+" | charge | 2251799813685261 | 2251799813685262 | "+created+" | "+created)

	expect(t, tg, settings, "SELECT key, name, correlation_key, state, variables, time_to_live, deadline, publish_time,"+
		" correlate_time, expire_time FROM messages",
		`2251799813685271 | paid | o-1 | CORRELATED | {"amount":42.5} | 60000 | 1700000060000 | `+created+" | "+created+" | NULL")
	expect(t, tg, settings, "SELECT element_instance_key, message_name, key, process_instance_key, element_id,"+
		" correlation_key, message_key, interrupting, state, create_time FROM message_subscriptions",
		"2251799813685268 | paid | 2251799813685269 | "+order+" | paid | o-1 | 2251799813685271 | 1 | DELETED | "+created)
	expect(t, tg, settings, "SELECT key, process_instance_key, element_instance_key, target_element_id, due_date,"+
		" repetitions, state, create_time, end_time FROM timers",
		"2251799813685275 | "+order+" | 2251799813685274 | wait | 1700000060000 | 1 | TRIGGERED | "+created+" | "+later)
	expect(t, tg, settings, "SELECT key, decision_key, decision_id, decision_version, process_instance_key,"+
		" element_instance_key, element_id, state, output, failure_message, evaluation_time FROM decision_evaluations",
		"2251799813685278 | 2251799813685252 | dish | 1 | "+order+` | 2251799813685277 | decide | EVALUATED | "Roastbeef" |  | `+later)
	expect(t, tg, settings, "SELECT COUNT(*) FROM decision_evaluations WHERE evaluated_decisions LIKE '[{\"decisionId\":\"season\"%'"+
		" AND evaluated_decisions LIKE '%\"decisionId\":\"dish\"%'", "1")

	expect(t, tg, settings, "SELECT process_instance_key, COUNT(*) FROM instance_history GROUP BY process_instance_key ORDER BY process_instance_key",
		order+" | 74", cancel+" | 25")
	expect(t, tg, settings, "SELECT position, record_type, value_type, intent, element_id, record_key FROM instance_history"+
		" WHERE process_instance_key = "+cancel+" AND position BETWEEN 110 AND 116 ORDER BY position",
		"110 | EVENT | JOB | CREATED | charge | 2251799813685289",
		"113 | EVENT | VARIABLE | CREATED |  | 2251799813685291",
		"114 | COMMAND | PROCESS_INSTANCE | CANCEL |  | "+cancel,
		"115 | EVENT | PROCESS_INSTANCE | ELEMENT_TERMINATING | shop | "+cancel,
		"116 | COMMAND | PROCESS_INSTANCE | TERMINATE_ELEMENT | charge | 2251799813685288")
	expect(t, tg, settings, "SELECT exporter_id, partition_id, position, record_time FROM exporter_positions",
		"test | 1 | 122 | "+later)
}

func testIncidentCount(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	rs := exportertest.SampleRecords()
	h := exportAll(t, tg, settings, rs[:31]) // up to the incident's creation
	const q = "SELECT i.state, p.incident_count FROM incidents i JOIN process_instances p ON p.key = i.process_instance_key"
	expect(t, tg, settings, q, "ACTIVE | 1")
	expect(t, tg, settings, "SELECT COUNT(*) FROM process_instances WHERE incident_count > 0", "1")
	if err := h.Export(t.Context(), rs[31:]...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(rs[len(rs)-1].Position, ackTimeout)
	expect(t, tg, settings, q, "RESOLVED | 0")
}

// testReplay writes the sample, forgets the stored position and writes it again: the
// projection alone (without the position check) must leave the same rows.
func testReplay(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	rs := exportertest.SampleRecords()
	h := exportAll(t, tg, settings, rs)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	once := Dump(t, tg, settings)
	tg.Query(t, settings, "DELETE FROM exporter_positions")
	h2 := exportAll(t, tg, settings, exportertest.SampleRecords())
	if err := h2.Close(); err != nil {
		t.Fatal(err)
	}
	if twice := Dump(t, tg, settings); twice != once {
		t.Fatalf("rows after replaying the records differ from rows after one pass: %s", diff(twice, once))
	}
	if !strings.Contains(once, "== process_instances") || strings.Count(once, "\n") < 100 {
		t.Fatalf("dump looks empty:\n%s", once)
	}
}

// testBatchBoundaries writes the sample in batches of one, of seven and of all: the
// rows must not depend on where batches end.
func testBatchBoundaries(t *testing.T, tg Target) {
	var want string
	for _, size := range []string{"1000", "7", "1"} {
		settings := tg.NewDatabase(t)
		h := exportAll(t, tg, with(settings, "batch-size", size), exportertest.SampleRecords())
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		got := Dump(t, tg, settings)
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("batch-size %s: rows differ from batch-size 1000: %s", size, diff(got, want))
		}
	}
}

func testRestart(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	ref := tg.NewDatabase(t)
	rs := exportertest.SampleRecords()
	exportAll(t, tg, ref, rs).Close()
	want := Dump(t, tg, ref)

	h := exportAll(t, tg, settings, rs[:60])
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// The broker lost the acknowledgement (position 0) and sends everything again.
	h2 := exportertest.Start(t, tg.New(), settings, exportertest.Options{Position: 0})
	if got := h2.Acked(); got != 60 {
		t.Fatalf("acknowledged %d on open, want the stored position 60", got)
	}
	if err := h2.Export(t.Context(), exportertest.SampleRecords()...); err != nil {
		t.Fatal(err)
	}
	h2.WaitAcked(122, ackTimeout)
	if err := h2.Close(); err != nil {
		t.Fatal(err)
	}
	if got := Dump(t, tg, settings); got != want {
		t.Fatalf("rows after a restart differ from rows of one pass: %s", diff(got, want))
	}
}

func testFailure(t *testing.T, tg Target) {
	settings := with(tg.NewDatabase(t), "batch-size", "10", "flush-interval", "20ms")
	for k, v := range tg.BreakSettings {
		settings[k] = v
	}
	ref := tg.NewDatabase(t)
	rs := exportertest.SampleRecords()
	exportAll(t, tg, with(ref, "batch-size", "10"), rs).Close()
	want := Dump(t, tg, ref)

	h := exportAll(t, tg, settings, rs[:20])
	restore := tg.Break(t, settings)
	// The batch fills up and cannot be written: Export refuses a record within one
	// batch, and nothing past position 20 is acknowledged.
	next := 20
	var exportErr error
	for ; next < len(rs) && exportErr == nil; next++ {
		exportErr = h.Export(t.Context(), rs[next])
	}
	if exportErr == nil {
		t.Fatal("Export succeeded for every record while the database was broken")
	}
	next-- // the refused record
	if next > 20+10 {
		t.Errorf("Export refused position %d, want a refusal once a batch of 10 is pending", rs[next].Position)
	}
	if got := h.Acked(); got != 20 {
		t.Fatalf("acknowledged %d while the database was broken, want 20", got)
	}
	restore()
	// The broker retries the refused record until it is taken, then goes on.
	deadline := time.Now().Add(ackTimeout)
	for {
		err := h.Export(t.Context(), rs[next])
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Export still fails %s after the database came back: %v", ackTimeout, err)
		}
		waitBriefly(t)
	}
	if err := h.Export(t.Context(), rs[next+1:]...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(122, ackTimeout)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// position 20's batch boundary differs from the reference, the rows must not.
	if got := Dump(t, tg, settings); got != want {
		t.Fatalf("rows after recovering from a failure differ from rows of one pass: %s", diff(got, want))
	}
}

// waitBriefly waits a few milliseconds between retries, as the broker's back-off does.
func waitBriefly(t *testing.T) {
	timer := time.NewTimer(20 * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-t.Context().Done():
	}
}

func testHistoryOff(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	exportAll(t, tg, with(settings, "history", "false"), exportertest.SampleRecords()).Close()
	expect(t, tg, settings, "SELECT COUNT(*) FROM instance_history", "0")
	expect(t, tg, settings, "SELECT COUNT(*) FROM variable_history", "10")
	expect(t, tg, settings, "SELECT COUNT(*) FROM process_instances", "2")
}

// testPartitions runs two partitions' exporters on one database at once: each stores
// its own position, and the definitions both write are one row each.
func testPartitions(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	rs1 := exportertest.SampleRecords()
	rs2 := exportertest.SampleRecords()
	// Partition 2 sees the deployment later (distributed), and instances of its own.
	for _, r := range rs2 {
		r.PartitionID = 2
		r.Timestamp += 5
		if r.Key > 2251799813685254 {
			r.Key += 1 << 51
		}
	}
	h1 := exportertest.Start(t, tg.New(), settings)
	h2 := exportertest.Start(t, tg.New(), settings, exportertest.Options{PartitionID: 2})
	done := make(chan error, 2)
	go func() { done <- h1.Export(t.Context(), rs1...) }()
	go func() { done <- h2.Export(t.Context(), rs2[:8]...) }() // only its deployment records
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	h1.WaitAcked(122, ackTimeout)
	h2.WaitAcked(8, ackTimeout)
	expect(t, tg, settings, "SELECT partition_id, position FROM exporter_positions ORDER BY partition_id", "1 | 122", "2 | 8")
	expect(t, tg, settings, "SELECT key, deploy_time FROM process_definitions", "2251799813685254 | 1700000000000")
	expect(t, tg, settings, "SELECT COUNT(*) FROM decisions", "2")
}

// deletedCopy is the DELETED event of a sample CREATED definition record, at position
// and time.
func deletedCopy(r *exportersdk.Record, partition int32, position, timestamp int64) *exportersdk.Record {
	pb := proto.CloneOf(r.Proto())
	pb.Intent, pb.PartitionId, pb.Position, pb.Timestamp = "DELETED", partition, position, timestamp
	return exportersdk.FromProto(pb)
}

// testDeletions: a deleted process or decision is marked with the earliest deletion
// time of the partitions, whatever order they write in.
func testDeletions(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	rs := exportertest.SampleRecords()
	var process, decision *exportersdk.Record
	for _, r := range rs {
		if r.RecordType == exportersdk.Event && r.Intent == "CREATED" {
			switch r.ValueType.String() {
			case "PROCESS":
				process = r
			case "DECISION":
				decision = r
			}
		}
	}
	if process == nil || decision == nil {
		t.Fatal("the sample has no PROCESS or DECISION CREATED event")
	}
	last := rs[len(rs)-1]
	h1 := exportertest.Start(t, tg.New(), settings)
	if err := h1.Export(t.Context(), append(rs,
		deletedCopy(process, 1, last.Position+1, last.Timestamp+500),
		deletedCopy(decision, 1, last.Position+2, last.Timestamp+500))...); err != nil {
		t.Fatal(err)
	}
	h1.WaitAcked(last.Position+2, ackTimeout)
	// Partition 2 deleted them later: its write does not move the time.
	h2 := exportertest.Start(t, tg.New(), settings, exportertest.Options{PartitionID: 2})
	if err := h2.Export(t.Context(), deletedCopy(process, 2, 1, last.Timestamp+1000), deletedCopy(decision, 2, 2, last.Timestamp+1000)); err != nil {
		t.Fatal(err)
	}
	h2.WaitAcked(2, ackTimeout)
	at := strconv.FormatInt(last.Timestamp+500, 10)
	expect(t, tg, settings, "SELECT key, resource_type, delete_time FROM resource_deletions ORDER BY resource_type",
		strconv.FormatInt(decision.Value.(*recordpb.DecisionRecord).GetDecisionKey(), 10)+" | DECISION | "+at,
		strconv.FormatInt(process.Value.(*recordpb.ProcessRecord).GetProcessDefinitionKey(), 10)+" | PROCESS | "+at)
}

// testStartSubscriptions: the message and signal start events of a definition are open
// per partition, from CREATED to DELETED; a message that starts an instance does not
// change them. The signal waits of element instances go to signal_subscriptions.
func testStartSubscriptions(t *testing.T, tg Target) {
	settings := tg.NewDatabase(t)
	const v1, v2 = 2251799813685300, 2251799813685310
	var pos int64
	rec := func(partition int32, intent string, at int64, value any) *exportersdk.Record {
		pos++
		pb := &recordpb.Record{Position: pos, SourceRecordPosition: -1, Key: -1, Timestamp: at,
			RecordType: recordpb.RecordType_EVENT, Intent: intent, PartitionId: partition}
		switch v := value.(type) {
		case *recordpb.MessageStartEventSubscriptionRecord:
			pb.ValueType, pb.Value = recordpb.ValueType_MESSAGE_START_EVENT_SUBSCRIPTION,
				&recordpb.Record_MessageStartEventSubscription{MessageStartEventSubscription: v}
		case *recordpb.SignalSubscriptionRecord:
			pb.ValueType, pb.Value = recordpb.ValueType_SIGNAL_SUBSCRIPTION,
				&recordpb.Record_SignalSubscription{SignalSubscription: v}
		}
		return exportersdk.FromProto(pb)
	}
	msg := func(key int64) *recordpb.MessageStartEventSubscriptionRecord {
		return &recordpb.MessageStartEventSubscriptionRecord{ProcessDefinitionKey: key, BpmnProcessId: "order",
			StartEventId: "placed", MessageName: "order-placed", MessageKey: -1, ProcessInstanceKey: -1, TenantId: "<default>"}
	}
	sig := func(key, instance int64, id string) *recordpb.SignalSubscriptionRecord {
		return &recordpb.SignalSubscriptionRecord{ProcessDefinitionKey: key, BpmnProcessId: "order", CatchEventId: id,
			CatchEventInstanceKey: instance, SignalName: "recall", TenantId: "<default>"}
	}
	started := msg(v1)
	started.MessageKey, started.ProcessInstanceKey, started.CorrelationKey = 2251799813685320, 2251799813685321, "o-1"
	p1 := []*exportersdk.Record{
		rec(1, "CREATED", 1000, msg(v1)),
		rec(1, "CREATED", 1000, sig(v1, -1, "recalled")),
		rec(1, "CORRELATED", 1500, started),
		rec(1, "CREATED", 1600, sig(v1, 2251799813685330, "waitRecall")), // an instance's catch event
		rec(1, "CREATED", 1600, sig(v1, 2251799813685331, "recallBoundary")),
		rec(1, "DELETED", 1700, sig(v1, 2251799813685331, "recallBoundary")),
		rec(1, "DELETED", 2000, msg(v1)),
		rec(1, "DELETED", 2000, sig(v1, -1, "recalled")),
		rec(1, "CREATED", 2000, msg(v2)),
	}
	h1 := exportertest.Start(t, tg.New(), settings)
	if err := h1.Export(t.Context(), p1...); err != nil {
		t.Fatal(err)
	}
	h1.WaitAcked(pos, ackTimeout)
	// Partition 2 has seen only the first version so far.
	pos = 0
	h2 := exportertest.Start(t, tg.New(), settings, exportertest.Options{PartitionID: 2})
	if err := h2.Export(t.Context(), rec(2, "CREATED", 1100, msg(v1))); err != nil {
		t.Fatal(err)
	}
	h2.WaitAcked(1, ackTimeout)
	expect(t, tg, settings, "SELECT process_definition_key, partition_id, start_event_id, kind, name, bpmn_process_id,"+
		" tenant_id, state, create_time, COALESCE(delete_time, -1) FROM start_subscriptions"+
		" ORDER BY process_definition_key, partition_id, start_event_id",
		"2251799813685300 | 1 | placed | MESSAGE | order-placed | order | <default> | DELETED | 1000 | 2000",
		"2251799813685300 | 1 | recalled | SIGNAL | recall | order | <default> | DELETED | 1000 | 2000",
		"2251799813685300 | 2 | placed | MESSAGE | order-placed | order | <default> | CREATED | 1100 | -1",
		"2251799813685310 | 1 | placed | MESSAGE | order-placed | order | <default> | CREATED | 2000 | -1")
	// The waits of element instances are in signal_subscriptions.
	expect(t, tg, settings, "SELECT element_instance_key, catch_event_id, signal_name, process_definition_key, bpmn_process_id,"+
		" tenant_id, state, create_time, update_time FROM signal_subscriptions ORDER BY element_instance_key",
		"2251799813685330 | waitRecall | recall | 2251799813685300 | order | <default> | CREATED | 1600 | 1600",
		"2251799813685331 | recallBoundary | recall | 2251799813685300 | order | <default> | DELETED | 1600 | 1700")
}
