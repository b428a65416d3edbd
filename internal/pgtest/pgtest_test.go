package pgtest

import (
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestNewDatabaseIsEmptyAndSeparate(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	ca, err := pgx.Connect(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(t.Context())
	if _, err := ca.Exec(t.Context(), "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(t.Context())
	var n int
	if err := cb.QueryRow(t.Context(), "SELECT count(*) FROM pg_tables WHERE tablename = 't'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("table of database %s seen in %s", DatabaseName(a), DatabaseName(b))
	}
	var user string
	if err := ca.QueryRow(t.Context(), "SELECT current_user").Scan(&user); err != nil {
		t.Fatal(err)
	}
	if user != "postgres" {
		t.Fatalf("connected as %q, want postgres", user)
	}
}

func TestBinDirNamesInstallScriptWhenMissing(t *testing.T) {
	dir, err := BinDir()
	if err != nil {
		if want := "scripts/install-postgres"; !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not name %s", err, want)
		}
		return
	}
	if _, err := os.Stat(dir + "/postgres"); err != nil {
		t.Fatalf("BinDir %s has no postgres: %v", dir, err)
	}
}
