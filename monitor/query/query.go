// Package query is the monitor's one way into the read model: every page's rows come
// from a function here, in SQL that runs on both dialects of package readmodel (SQLite
// and Postgres). It only reads; changes go through the gateway.
//
// Lists page by keyset on a (time, key) pair, newest first, and never by OFFSET, so a
// page costs the same at row one and row one million: each list's ORDER BY matches an
// index of the schema (see readmodeltest.MonitorQueries).
package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
)

// ErrNotFound is returned by the functions that read one entity by key when there is
// no such row.
var ErrNotFound = errors.New("not found")

// Store reads the read model in db, which speaks dialect d. It is safe for concurrent
// use, as *sql.DB is.
type Store struct {
	db *sql.DB
	d  readmodel.Dialect
	// trace, when set (by tests), sees every list query before it runs.
	trace func(q string, args []any)
}

// New returns a Store over db.
func New(db *sql.DB, d readmodel.Dialect) (*Store, error) {
	if d != readmodel.SQLite && d != readmodel.Postgres {
		return nil, fmt.Errorf("query: unknown dialect %s", d)
	}
	return &Store{db: db, d: d}, nil
}

// Cursor is a position in a list ordered by (Time, Key) descending: the list resumes
// after (older than) or before (newer than) it.
type Cursor struct {
	Time int64 // milliseconds since the epoch, or a second ordering column
	Key  int64
}

// String encodes c for a URL: "time.key".
func (c Cursor) String() string {
	return strconv.FormatInt(c.Time, 10) + "." + strconv.FormatInt(c.Key, 10)
}

// ParseCursor decodes String's form; ok is false for anything else.
func ParseCursor(s string) (c Cursor, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return Cursor{}, false
	}
	t, err1 := strconv.ParseInt(a, 10, 64)
	k, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return Cursor{}, false
	}
	return Cursor{Time: t, Key: k}, true
}

// PageRequest asks for one page of a list: Limit rows older than After, or (when
// Before is set) newer than Before; neither means the newest rows.
type PageRequest struct {
	After  *Cursor
	Before *Cursor
	Limit  int
}

// Page says where a list continues: the cursors for the previous (newer) and next
// (older) pages, nil where the list ends.
type Page struct {
	Newer *Cursor
	Older *Cursor
}

// DefaultLimit is the page size when a PageRequest asks for none; MaxLimit bounds it.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func (p PageRequest) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// builder assembles a statement with ? placeholders, rebound to $n for Postgres.
type builder struct {
	sb    strings.Builder
	where []string
	args  []any
}

// cond adds a WHERE condition with ? placeholders for args.
func (b *builder) cond(c string, args ...any) {
	b.where = append(b.where, c)
	b.args = append(b.args, args...)
}

// whereSQL returns " WHERE a AND b" or "".
func (b *builder) whereSQL() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// rebind turns ? placeholders into the dialect's: $1, $2... for Postgres. The
// monitor's SQL has no ? inside string literals.
func (s *Store) rebind(q string) string {
	if s.d != readmodel.Postgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			continue
		}
		sb.WriteByte(q[i])
	}
	return sb.String()
}

// bytewise orders by the text expression e in byte order (UTF-8 order of code
// points), as SQLite's default BINARY collation does: a Postgres database sorts text
// by its locale's collation (where "a" < "B" and punctuation is skipped), so the two
// dialects would list names in different orders.
func (s *Store) bytewise(e string) string {
	if s.d == readmodel.Postgres {
		return e + ` COLLATE "C"`
	}
	return e
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.trace != nil {
		s.trace(s.rebind(q), args)
	}
	return s.db.QueryContext(ctx, s.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.rebind(q), args...)
}

// keysetPage runs a list query: selectFrom (SELECT ... FROM t), the conditions of b,
// ordered by (timeCol, keyCol) descending (by keyCol alone when timeCol is ""), paged
// by p. scan reads one row and returns
// its cursor.
func keysetPage[T any](ctx context.Context, s *Store, selectFrom string, b *builder, timeCol, keyCol string,
	p PageRequest, scan func(*sql.Rows) (T, Cursor, error)) ([]T, Page, error) {
	n := p.limit()
	cols, order, asc := "("+timeCol+", "+keyCol+")", " ORDER BY "+timeCol+" DESC, "+keyCol+" DESC",
		" ORDER BY "+timeCol+" ASC, "+keyCol+" ASC"
	at := func(c *Cursor) []any { return []any{c.Time, c.Key} }
	marks := "(?, ?)"
	if timeCol == "" { // a list ordered by its key alone
		cols, order, asc, marks = keyCol, " ORDER BY "+keyCol+" DESC", " ORDER BY "+keyCol+" ASC", "?"
		at = func(c *Cursor) []any { return []any{c.Key} }
	}
	newer := p.Before != nil
	switch {
	case newer:
		b.cond(cols+" > "+marks, at(p.Before)...)
		order = asc
	case p.After != nil:
		b.cond(cols+" < "+marks, at(p.After)...)
	}
	q := selectFrom + b.whereSQL() + order + " LIMIT " + strconv.Itoa(n+1)
	rows, err := s.query(ctx, q, b.args...)
	if err != nil {
		return nil, Page{}, err
	}
	defer rows.Close()
	var items []T
	var cursors []Cursor
	for rows.Next() {
		it, c, err := scan(rows)
		if err != nil {
			return nil, Page{}, err
		}
		items = append(items, it)
		cursors = append(cursors, c)
	}
	if err := rows.Err(); err != nil {
		return nil, Page{}, err
	}
	more := len(items) > n
	if more {
		items, cursors = items[:n], cursors[:n]
	}
	var page Page
	if newer {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
			cursors[i], cursors[j] = cursors[j], cursors[i]
		}
		if more {
			page.Newer = &cursors[0]
		}
		if len(items) > 0 {
			page.Older = &cursors[len(cursors)-1]
		} else {
			page.Older = p.Before // nothing newer: continue from where the request stood
		}
		return items, page, nil
	}
	if more {
		page.Older = &cursors[len(cursors)-1]
	}
	if p.After != nil {
		if len(items) > 0 {
			page.Newer = &cursors[0]
		} else {
			page.Newer = p.After
		}
	}
	return items, page, nil
}

// ms turns a record time (milliseconds since the epoch, 0 for none) into a time.
func ms(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// count runs a query that returns one integer.
func (s *Store) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	if err := s.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// collect runs q and scans every row with scan.
func collect[T any](ctx context.Context, s *Store, q string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// one maps sql.ErrNoRows to ErrNotFound, naming what was looked up.
func one(err error, what string, key int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %d: %w", what, key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, key, err)
	}
	return nil
}
