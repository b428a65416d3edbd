package readmodel

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Dialect is the SQL flavour a Store speaks. The schema has the same tables and
// columns in every dialect; only types and parameter placeholders differ.
type Dialect int

// The dialects.
const (
	// Postgres numbers its parameters: $1, $2...
	Postgres Dialect = iota + 1
	// SQLite takes ? parameters.
	SQLite
)

// String names the dialect.
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// maxParams bounds the parameters of one statement, below both SQLite's default limit
// (32766) and Postgres's (65535).
const maxParams = 16000

// Statement is one SQL statement with its arguments: int64, string or nil values.
type Statement struct {
	// SQL is the statement's text, with the dialect's placeholders.
	SQL string
	// Args are the values of the placeholders, in order.
	Args []any
}

// rowKey is a primary key: one or two integers and a string, by table.
type rowKey struct {
	a, b int64
	s    string
}

func compareKeys(x, y rowKey) int {
	if c := cmp.Compare(x.a, y.a); c != 0 {
		return c
	}
	if c := cmp.Compare(x.b, y.b); c != 0 {
		return c
	}
	return strings.Compare(x.s, y.s)
}

// row is the change a batch makes to one row: the values of the columns it sets
// (bit i of set for column i). Columns not set keep their stored value, or their
// default when the row is new.
type row struct {
	key  rowKey
	vals []any
	set  uint64
}

func (r *row) put(col int, v any) {
	r.vals[col] = v
	r.set |= 1 << col
}

func (r *row) int(col int, v int64)   { r.put(col, v) }
func (r *row) str(col int, v string)  { r.put(col, clean(v)) }
func (r *row) bool(col int, v bool)   { r.put(col, boolInt(v)) }
func (r *row) has(col int) bool       { return r.set&(1<<col) != 0 }
func (r *row) int32(col int, v int32) { r.put(col, int64(v)) }
func (r *row) maybe(col int, v string) { // sets v unless it is empty
	if v != "" {
		r.str(col, v)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Batch is the changes of a run of records, merged per row in record order, and
// written in one transaction. A Batch is used by one goroutine.
type Batch struct {
	rows [][]*row           // per table index, in first-touched order
	idx  []map[rowKey]*row  // per table index
	tix  map[*Table]int     // table -> index
	inc  map[int64]struct{} // process instances whose incident count to recompute
}

// NewBatch returns an empty batch.
func NewBatch() *Batch {
	b := &Batch{rows: make([][]*row, len(tables)), idx: make([]map[rowKey]*row, len(tables)),
		tix: make(map[*Table]int, len(tables)), inc: map[int64]struct{}{}}
	for i, t := range tables {
		b.tix[t] = i
		b.idx[i] = map[rowKey]*row{}
	}
	return b
}

// Len is the number of rows the batch changes.
func (b *Batch) Len() int {
	n := len(b.inc)
	for _, rs := range b.rows {
		n += len(rs)
	}
	return n
}

// Reset empties the batch.
func (b *Batch) Reset() {
	for i := range b.rows {
		clear(b.rows[i])
		b.rows[i] = b.rows[i][:0]
		clear(b.idx[i])
	}
	clear(b.inc)
}

// row returns the batch's change to the row of t with key k, new (and created
// reports so) when the batch does not touch it yet.
func (b *Batch) row(t *Table, k rowKey) (r *row, created bool) {
	i := b.tix[t]
	if r := b.idx[i][k]; r != nil {
		return r, false
	}
	r = &row{key: k, vals: make([]any, len(t.Columns))}
	b.idx[i][k] = r
	b.rows[i] = append(b.rows[i], r)
	return r, true
}

// Statements returns the SQL that applies the batch, in dialect d: per table, one
// multi-row upsert per set of columns written (rows sorted by key, so that
// concurrent writers lock rows in the same order), then the derived columns.
func (b *Batch) Statements(d Dialect) []Statement {
	var out []Statement
	for i, t := range tables {
		rs := b.rows[i]
		if len(rs) == 0 {
			continue
		}
		groups := map[uint64][]*row{}
		for _, r := range rs {
			groups[r.set] = append(groups[r.set], r)
		}
		for _, set := range slices.Sorted(maps.Keys(groups)) {
			g := groups[set]
			slices.SortFunc(g, func(x, y *row) int { return compareKeys(x.key, y.key) })
			cols := columnsOf(t, set)
			per := max(1, maxParams/len(cols))
			for start := 0; start < len(g); start += per {
				out = append(out, upsert(d, t, cols, g[start:min(start+per, len(g))]))
			}
		}
	}
	if len(b.inc) > 0 {
		keys := slices.Sorted(maps.Keys(b.inc))
		for start := 0; start < len(keys); start += maxParams {
			out = append(out, incidentCounts(d, keys[start:min(start+maxParams, len(keys))]))
		}
	}
	return out
}

func columnsOf(t *Table, set uint64) []int {
	var cols []int
	for c := range t.Columns {
		if set&(1<<c) != 0 || c < t.Key {
			cols = append(cols, c)
		}
	}
	return cols
}

// upsert writes rows (which all set cols) with one INSERT ... ON CONFLICT DO UPDATE.
func upsert(d Dialect, t *Table, cols []int, rows []*row) Statement {
	var sb strings.Builder
	args := make([]any, 0, len(cols)*len(rows))
	sb.WriteString("INSERT INTO ")
	sb.WriteString(t.Name)
	sb.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(t.Columns[c])
	}
	sb.WriteString(") VALUES ")
	for ri, r := range rows {
		if ri > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for i, c := range cols {
			if i > 0 {
				sb.WriteString(", ")
			}
			args = append(args, r.vals[c])
			writeParam(&sb, d, len(args))
		}
		sb.WriteByte(')')
	}
	sb.WriteString(" ON CONFLICT (")
	sb.WriteString(strings.Join(t.Columns[:t.Key], ", "))
	sb.WriteString(") DO ")
	if len(cols) == t.Key {
		sb.WriteString("NOTHING")
		return Statement{SQL: sb.String(), Args: args}
	}
	sb.WriteString("UPDATE SET ")
	for i, c := range cols[t.Key:] {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(t.Columns[c])
		sb.WriteString(" = excluded.")
		sb.WriteString(t.Columns[c])
	}
	if t.keepEarliest != "" {
		sb.WriteString(" WHERE excluded.")
		sb.WriteString(t.keepEarliest)
		sb.WriteString(" < ")
		sb.WriteString(t.Name)
		sb.WriteByte('.')
		sb.WriteString(t.keepEarliest)
	}
	return Statement{SQL: sb.String(), Args: args}
}

// incidentCounts recomputes process_instances.incident_count from the incidents
// table, so that writing the same incidents twice counts them once.
func incidentCounts(d Dialect, keys []int64) Statement {
	var sb strings.Builder
	args := make([]any, len(keys))
	sb.WriteString("UPDATE process_instances SET incident_count = (SELECT COUNT(*) FROM incidents" +
		" WHERE incidents.process_instance_key = process_instances.key AND incidents.state = 'ACTIVE')" +
		" WHERE key IN (")
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		args[i] = k
		writeParam(&sb, d, i+1)
	}
	sb.WriteByte(')')
	return Statement{SQL: sb.String(), Args: args}
}

func writeParam(sb *strings.Builder, d Dialect, n int) {
	if d == Postgres {
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(n))
		return
	}
	sb.WriteByte('?')
}

// PositionStatement stores the exporter's position: the last record of a batch, and
// that record's time. The position only moves forward.
func PositionStatement(d Dialect, exporterID string, partitionID int32, position, recordTime int64) Statement {
	var sb strings.Builder
	sb.WriteString("INSERT INTO exporter_positions (exporter_id, partition_id, position, record_time) VALUES (")
	for i := 1; i <= 4; i++ {
		if i > 1 {
			sb.WriteString(", ")
		}
		writeParam(&sb, d, i)
	}
	sb.WriteString(") ON CONFLICT (exporter_id, partition_id) DO UPDATE SET position = excluded.position," +
		" record_time = excluded.record_time WHERE excluded.position > exporter_positions.position")
	return Statement{SQL: sb.String(), Args: []any{exporterID, int64(partitionID), position, recordTime}}
}

// PositionQuery reads the exporter's stored position; it takes the exporter id and
// the partition id, and returns no row when none is stored.
func PositionQuery(d Dialect) string {
	if d == Postgres {
		return "SELECT position FROM exporter_positions WHERE exporter_id = $1 AND partition_id = $2"
	}
	return "SELECT position FROM exporter_positions WHERE exporter_id = ? AND partition_id = ?"
}
