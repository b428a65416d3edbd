// Package postgres is the Postgres read model exporter: it projects a partition's
// records into the tables of package readmodel (process instances, element instances,
// variables, jobs, incidents, messages, timers, decisions...) that the monitor reads.
//
// It writes batches of records as multi-row upserts in one transaction that also
// stores the exporter's position, and acknowledges the position once the transaction
// commits. Configure it with the setting url (a libpq URL or key=value string) and
// optionally batch-size, flush-interval and history.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporters/readmodel"
)

// New returns a Postgres read model exporter.
func New() exportersdk.Exporter {
	return readmodel.NewExporter(readmodel.Postgres, func(s *exportersdk.Settings) readmodel.Store {
		st := &store{url: s.Required("url")}
		if st.url != "" {
			if _, err := pgx.ParseConfig(st.url); err != nil {
				s.Fail("url", errors.New("is not a Postgres connection string"))
			}
		}
		return st
	})
}

// Open connects to the database at url and applies the read model's migrations: the
// way for a reader (the monitor) to open the read model. The connection is not safe
// for concurrent use.
func Open(ctx context.Context, url string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, conn); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// Migrate applies the read model's migrations that the database lacks, each in its own
// transaction, under an advisory lock so that concurrent callers do not race.
func Migrate(ctx context.Context, conn *pgx.Conn) (err error) {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", readmodel.MigrationLockID); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", readmodel.MigrationLockID); uerr != nil && err == nil {
			err = fmt.Errorf("migrate: unlock: %w", uerr)
		}
	}()
	if _, err := conn.Exec(ctx, readmodel.CreateMigrationsTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range readmodel.Pending(readmodel.Migrations(readmodel.Postgres), applied) {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments Exec uses the simple protocol, which runs a file of
			// several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// closeTimeout bounds closing a connection.
const closeTimeout = 5 * time.Second

// store is one connection per exporter (per partition).
type store struct {
	url  string
	conn *pgx.Conn
}

func (s *store) connect(ctx context.Context) error {
	if s.conn != nil && !s.conn.IsClosed() {
		return nil
	}
	cfg, err := pgx.ParseConfig(s.url)
	if err != nil {
		return err
	}
	// Batches differ in their number of rows, so their statements rarely repeat:
	// preparing and caching each would cost more than it saves.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	s.conn = conn
	return nil
}

func (s *store) Open(ctx context.Context, exporterID string, partitionID int32) (int64, error) {
	if err := s.connect(ctx); err != nil {
		return 0, err
	}
	if err := Migrate(ctx, s.conn); err != nil {
		s.drop()
		return 0, err
	}
	var pos int64
	err := s.conn.QueryRow(ctx, readmodel.PositionQuery(readmodel.Postgres), exporterID, partitionID).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		s.drop()
		return 0, fmt.Errorf("read position: %w", err)
	}
	return pos, nil
}

// Write sends the statements in one pipeline inside a transaction. After an error the
// connection is dropped, and the next Write connects again.
func (s *store) Write(ctx context.Context, stmts []readmodel.Statement) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, st := range stmts {
			b.Queue(st.SQL, st.Args...)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		s.drop()
	}
	return err
}

// drop closes the connection after a failure: whatever state it is in, a new one is
// simpler to reason about.
func (s *store) drop() {
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = s.conn.Close(ctx)
		s.conn = nil
	}
}

func (s *store) Close() error {
	s.drop()
	return nil
}
