package readmodel

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one step of the schema: migrations/<dialect>/<version>_<name>.sql. A
// database records the versions it has applied in schema_migrations (version, name).
type Migration struct {
	// Version orders the migrations; schema_migrations records it once applied.
	Version int
	// Name is the file name's part after the version.
	Name string
	// SQL is the file: one or more statements.
	SQL string
}

// MigrationLockID is the Postgres advisory lock key that serializes migrations, so that
// exporters of several partitions (and the monitor) opening one database at once do
// not race: 0x77656674 is "weft".
const MigrationLockID int64 = 0x77656674_0001

// CreateMigrationsTable creates schema_migrations when it is missing; the same SQL in
// every dialect.
const CreateMigrationsTable = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"

// Migrations returns the migrations of a dialect, by version.
func Migrations(d Dialect) []Migration {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		panic(fmt.Sprintf("readmodel: no migrations for %s: %v", d, err)) // the files are embedded
	}
	var out []Migration
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			panic(fmt.Sprintf("readmodel: migration %s: want <version>_<name>.sql", e.Name()))
		}
		sql, _ := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		out = append(out, Migration{Version: v, Name: name, SQL: string(sql)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out
}

// Pending returns the migrations of all whose versions are not in applied.
func Pending(all []Migration, applied []int) []Migration {
	var out []Migration
	for _, m := range all {
		if !slices.Contains(applied, m.Version) {
			out = append(out, m)
		}
	}
	return out
}
