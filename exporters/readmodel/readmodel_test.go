package readmodel

import (
	"strings"
	"testing"
	"unicode/utf8"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestValuePrefix(t *testing.T) {
	if got := ValuePrefix(`"short"`); got != `"short"` {
		t.Errorf("ValuePrefix of a short value = %q, want it whole", got)
	}
	long := `"` + strings.Repeat("a", valuePrefixLen-2) + "é" + `"` // é straddles byte 256
	got := ValuePrefix(long)
	if len(got) > valuePrefixLen || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Errorf("ValuePrefix cut %d bytes (valid UTF-8: %v), want at most %d at a character boundary",
			len(got), utf8.ValidString(got), valuePrefixLen)
	}
	if len(got) != valuePrefixLen-1 {
		t.Errorf("ValuePrefix kept %d bytes, want %d (up to the character that straddles the limit)", len(got), valuePrefixLen-1)
	}
}

func TestCleanMakesTextStorable(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		"nul\x00byte": "nulbyte",
		"bad\xffutf8": "bad\uFFFDutf8",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStatementsSplitLargeBatches: a batch with more rows than one statement's
// parameters allow is written in several statements, and every row is in one.
func TestStatementsSplitLargeBatches(t *testing.T) {
	b := NewBatch()
	const n = 5000
	for i := range n {
		r, _ := b.row(sequenceFlows, rowKey{a: int64(n - i)})
		r.int(sfKey, int64(n-i))
		r.int(sfInstanceKey, 1)
		r.int(sfDefinitionKey, 2)
		r.str(sfElementID, "f")
		r.int(sfFlowScopeKey, 1)
		r.int(sfTime, 3)
	}
	for _, d := range []Dialect{Postgres, SQLite} {
		stmts := b.Statements(d)
		if len(stmts) < 2 {
			t.Fatalf("%s: %d statements for %d rows of 6 columns, want a split under %d parameters", d, len(stmts), n, maxParams)
		}
		rows, prev := 0, int64(0)
		for _, s := range stmts {
			if len(s.Args) > maxParams {
				t.Errorf("%s: statement with %d parameters", d, len(s.Args))
			}
			for i := 0; i < len(s.Args); i += 6 {
				if k := s.Args[i].(int64); k <= prev {
					t.Fatalf("%s: key %d after %d: rows are not in key order", d, k, prev)
				} else {
					prev = k
				}
				rows++
			}
		}
		if rows != n {
			t.Errorf("%s: %d rows written, want %d", d, rows, n)
		}
	}
	if s := b.Statements(Postgres)[0].SQL; !strings.Contains(s, "($1, $2, $3, $4, $5, $6), ($7,") {
		t.Errorf("Postgres statement does not number its parameters: %.120s", s)
	}
	if s := b.Statements(SQLite)[0].SQL; !strings.Contains(s, "(?, ?, ?, ?, ?, ?), (?,") {
		t.Errorf("SQLite statement does not use ? parameters: %.120s", s)
	}
}

// TestDefinitionsKeepEarliest: a definition written by several partitions keeps the
// earliest deploy time, in the batch and in the database.
func TestDefinitionsKeepEarliest(t *testing.T) {
	b := NewBatch()
	p := Projection{}
	for _, ts := range []int64{100, 200} {
		p.Apply(&exportersdk.Record{Position: ts, RecordType: exportersdk.Event, ValueType: recordpb.ValueType_PROCESS,
			Intent: "CREATED", Key: 7, Timestamp: ts,
			Value: &recordpb.ProcessRecord{ProcessDefinitionKey: 7, BpmnProcessId: "p", Version: 1}}, b)
	}
	stmts := b.Statements(SQLite)
	if len(stmts) != 1 {
		t.Fatalf("%d statements, want 1", len(stmts))
	}
	if got := stmts[0].Args[pdDeployTime]; got != int64(100) {
		t.Errorf("deploy_time %v, want the first record's 100", got)
	}
	if !strings.HasSuffix(stmts[0].SQL, "WHERE excluded.deploy_time < process_definitions.deploy_time") {
		t.Errorf("upsert of a definition does not keep the earliest row: %s", stmts[0].SQL)
	}
}

// TestProjectionMergesRows: the records of one element instance in one batch make one
// row, and the batch counts them.
func TestProjectionMergesRows(t *testing.T) {
	b := NewBatch()
	p := Projection{History: true}
	for _, r := range exportertest.SampleRecords() {
		p.Apply(r, b)
	}
	if n := len(b.rows[b.tix[elementInstances]]); n != 10 {
		t.Errorf("%d element instance rows, want 10 (7 of the completed instance, 3 of the cancelled one)", n)
	}
	if n := len(b.rows[b.tix[instanceHistory]]); n != 74+25 {
		t.Errorf("%d history rows, want 99", n)
	}
	b.Reset()
	if b.Len() != 0 || len(b.Statements(Postgres)) != 0 {
		t.Errorf("reset batch has %d rows", b.Len())
	}
}

func TestMigrationsOfBothDialectsMatch(t *testing.T) {
	pg, lite := Migrations(Postgres), Migrations(SQLite)
	if len(pg) == 0 || len(pg) != len(lite) {
		t.Fatalf("%d Postgres and %d SQLite migrations, want the same non-zero number", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].Version != lite[i].Version || pg[i].Name != lite[i].Name {
			t.Errorf("migration %d: Postgres %d_%s, SQLite %d_%s", i, pg[i].Version, pg[i].Name, lite[i].Version, lite[i].Name)
		}
		if strings.Count(pg[i].SQL, "CREATE INDEX") != strings.Count(lite[i].SQL, "CREATE INDEX") {
			t.Errorf("migration %d_%s: the dialects create different numbers of indexes", pg[i].Version, pg[i].Name)
		}
	}
}
