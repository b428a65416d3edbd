// Package sqlite is the SQLite read model exporter: the embedded default of `weft dev`,
// so that the monitor needs no database service. It projects a partition's records into
// the tables of package readmodel, in one file, in WAL mode so that readers (the
// monitor) read while the exporters write.
//
// The exporters of several partitions in one process share one writer connection per
// file (a registry keyed by the file's absolute path), so their transactions take
// turns instead of failing on SQLite's single-writer lock. Configure it with the
// setting path (the database file) and optionally busy-timeout, batch-size,
// flush-interval and history.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporters/readmodel"
)

// DefaultBusyTimeout is how long a statement waits for another process's lock on the
// file before it fails.
const DefaultBusyTimeout = 5 * time.Second

// New returns a SQLite read model exporter.
func New() exportersdk.Exporter {
	return readmodel.NewExporter(readmodel.SQLite, func(s *exportersdk.Settings) readmodel.Store {
		st := &store{path: s.Required("path"), busyTimeout: s.Duration("busy-timeout", DefaultBusyTimeout)}
		if strings.ContainsRune(st.path, '?') {
			s.Fail("path", errors.New("must not contain '?'"))
		}
		return st
	})
}

// dsn is the driver's data source name for a file: the busy timeout, WAL, and for
// writers BEGIN IMMEDIATE, so that a write transaction takes the file's write lock up
// front rather than failing to upgrade a read lock. Synchronous stays FULL (the
// default): a position is acknowledged, and the broker may delete its records, only
// once the commit is on disk.
func dsn(path string, busy time.Duration, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	if writer {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Open opens the read model in the file at path for reading (creating and migrating it
// when needed): the way for the monitor to read what the exporters write, in the same
// process or another. The pool's connections read concurrently with the writers.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open %s: path must not contain '?'", path)
	}
	db, err := sql.Open("sqlite", dsn(path, DefaultBusyTimeout, false))
	if err != nil {
		return nil, err
	}
	if err := migrateRetrying(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// migrateRetrying migrates, retrying while SQLite answers SQLITE_BUSY: when several
// connections open a new file at once (the exporters' writer and the monitor's
// readers), setting up WAL can be refused at once, without the busy timeout.
func migrateRetrying(ctx context.Context, db *sql.DB) error {
	wait := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := Migrate(ctx, db)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || attempt == 10 {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// Migrate applies the read model's migrations that the database lacks, in one
// transaction that holds the file's write lock (BEGIN IMMEDIATE), so that concurrent
// callers, in this process or others, do not race.
func Migrate(ctx context.Context, db *sql.DB) (err error) {
	// A database that has every migration needs no write lock: check that first, as
	// a reader, so that opening a busy read model does not queue behind its writers.
	if applied, err := appliedVersions(ctx, db); err == nil &&
		len(readmodel.Pending(readmodel.Migrations(readmodel.SQLite), applied)) == 0 {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		if _, cerr := conn.ExecContext(context.WithoutCancel(ctx), end); cerr != nil && err == nil {
			err = fmt.Errorf("migrate: %w", cerr)
		}
	}()
	if _, err := conn.ExecContext(ctx, readmodel.CreateMigrationsTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range readmodel.Pending(readmodel.Migrations(readmodel.SQLite), applied) {
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: %d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name); err != nil {
			return fmt.Errorf("migrate: %d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// appliedVersions returns the versions in schema_migrations; an error when the table
// is missing.
func appliedVersions(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) ([]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	var applied []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		applied = append(applied, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return applied, nil
}

// writers holds one writer per file, shared by the exporters (one per partition) that
// write it. Lock order: writers.mu, then nothing.
var writers = struct {
	mu sync.Mutex
	m  map[string]*writer
}{m: map[string]*writer{}}

// writer is a file's one write connection: database/sql hands it to one transaction at
// a time, so the exporters' transactions queue in the process instead of contending for
// SQLite's lock.
type writer struct {
	key  string
	db   *sql.DB
	refs int
}

// acquire returns the writer of the file at path, opening and migrating it on first
// use. The first opener's busy timeout applies.
func acquire(ctx context.Context, path string, busy time.Duration) (*writer, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	writers.mu.Lock()
	defer writers.mu.Unlock()
	if w := writers.m[abs]; w != nil {
		w.refs++
		return w, nil
	}
	db, err := sql.Open("sqlite", dsn(abs, busy, true))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrateRetrying(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	w := &writer{key: abs, db: db, refs: 1}
	writers.m[abs] = w
	return w, nil
}

func (w *writer) release() error {
	writers.mu.Lock()
	defer writers.mu.Unlock()
	w.refs--
	if w.refs > 0 {
		return nil
	}
	delete(writers.m, w.key)
	return w.db.Close()
}

type store struct {
	path        string
	busyTimeout time.Duration
	w           *writer
}

func (s *store) Open(ctx context.Context, exporterID string, partitionID int32) (int64, error) {
	if s.w == nil {
		w, err := acquire(ctx, s.path, s.busyTimeout)
		if err != nil {
			return 0, err
		}
		s.w = w
	}
	var pos int64
	err := s.w.db.QueryRowContext(ctx, readmodel.PositionQuery(readmodel.SQLite), exporterID, partitionID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read position: %w", err)
	}
	return pos, nil
}

func (s *store) Write(ctx context.Context, stmts []readmodel.Statement) error {
	if s.w == nil {
		return errors.New("store is not open")
	}
	tx, err := s.w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	return tx.Commit()
}

func (s *store) Close() error {
	if s.w == nil {
		return nil
	}
	err := s.w.release()
	s.w = nil
	return err
}
