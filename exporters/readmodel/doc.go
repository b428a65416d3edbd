// Package readmodel is the read model that the monitor reads: one projection of the
// record log into SQL tables, written by two exporters with one schema shape (the same
// tables and columns), so that one query layer reads either:
//
//   - exporters/postgres writes a Postgres database (setting url);
//   - exporters/sqlite writes a SQLite file in WAL mode (setting path), the default of
//     `weft dev`.
//
// The schema lives in embedded migrations (migrations/<dialect>/NNNN_name.sql),
// applied in order and recorded in schema_migrations. To read the read model, open it
// with postgres.Open(ctx, url) (a *pgx.Conn, migrated) or sqlite.Open(ctx, path) (a
// *sql.DB for concurrent readers, migrated); postgres.Migrate and sqlite.Migrate apply
// the migrations on their own.
//
// Conventions of every table: times are milliseconds since the Unix epoch, taken from
// record timestamps (never the wall clock); keys are the engine's 64-bit keys and -1
// where a record says "none"; JSON (variable values, documents, custom headers,
// evaluated decisions) is stored as text; flags are integers 0 or 1. The tables and
// their keys are listed by Tables; the README of this folder describes each column and
// the indexes the monitor's queries rely on (tested with EXPLAIN in both dialects, see
// readmodeltest.MonitorQueries).
//
// Writes are idempotent: a row's columns are set from the record alone, history rows
// are keyed by (partition, position), and derived columns (an instance's incident
// count) are recomputed from the rows, so writing the same records again leaves the
// same rows. The exporters also store their position in the batch's transaction and
// skip records at or below it.
package readmodel
