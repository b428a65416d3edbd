// Package pgtest gives tests a throwaway PostgreSQL cluster: the first NewDatabase of a
// test binary starts one from the Debian package's binaries (/usr/lib/postgresql/*/bin)
// in a temporary directory, on a free loopback port and a unix socket in that
// directory, and Main stops it when the binary's tests end. Each test gets its own
// database, dropped when the test ends.
//
// PostgreSQL refuses to run as root, so when the tests run as root the cluster runs as
// the `postgres` OS user (which the Debian package creates). When the binaries are
// missing, NewDatabase fails the test and says to run scripts/install-postgres.
//
// Use it from a package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds initdb plus the server's start-up.
const startTimeout = 60 * time.Second

var (
	mu      sync.Mutex
	cluster *Cluster
	started bool
	failed  error
	dbSeq   atomic.Int64
)

// Main runs the tests, stops the cluster if one was started, and then, when the tests
// passed, fails if goroutines are left (go.uber.org/goleak, with leakOpts). Call it
// from TestMain and exit with its result.
func Main(m *testing.M, leakOpts ...goleak.Option) (code int) {
	code = m.Run()
	defer func() {
		if code != 0 {
			return
		}
		if err := goleak.Find(leakOpts...); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}()
	mu.Lock()
	c := cluster
	cluster = nil
	mu.Unlock()
	if c != nil {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop cluster: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// shared returns the test binary's cluster, starting it on first use.
func shared(tb testing.TB) *Cluster {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !started {
		started = true
		cluster, failed = Start()
	}
	if failed != nil {
		tb.Fatalf("pgtest: %v", failed)
	}
	return cluster
}

// NewDatabase creates an empty database on the test binary's cluster and returns its
// URL (postgres://postgres@127.0.0.1:PORT/NAME?sslmode=disable). The database is
// dropped, with any connections still open to it, when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	c := shared(tb)
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), sanitize(tb.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
		}
	})
	return c.URL(name)
}

// Admin runs sql as the superuser on the maintenance database of the test binary's
// cluster: for tests that block or cut connections to their database.
func Admin(tb testing.TB, sql string) {
	tb.Helper()
	c := shared(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Exec(ctx, sql); err != nil {
		tb.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// DatabaseName returns the database of a URL that NewDatabase returned.
func DatabaseName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	err  error         // the server's exit status, once done is closed
}

// BinDir returns the directory of PostgreSQL's server binaries, the newest version
// under /usr/lib/postgresql, or an error that says how to install them.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return "", errors.New("PostgreSQL binaries not found (no /usr/lib/postgresql/*/bin/initdb): run scripts/install-postgres")
	}
	slices.SortFunc(found, func(a, b string) int { return versionOf(a) - versionOf(b) })
	return found[len(found)-1], nil
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start initializes and starts a cluster in a new temporary directory. Stop it with
// Stop.
func Start() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A free port can be taken between choosing and binding it: try a few.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c := &Cluster{dir: dir, port: port, done: make(chan struct{})}
		if lastErr = c.start(ctx, bin, data, cred); lastErr == nil {
			return c, nil
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// credential returns the user to run PostgreSQL as: postgres when running as root,
// the current user otherwise (nil).
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres OS user to run PostgreSQL as (%v): run scripts/install-postgres", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) start(ctx context.Context, bin, data string, cred *syscall.Credential) error {
	logPath := filepath.Join(c.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// The server is a child of the test binary and gets SIGINT (fast shutdown) if the
	// binary dies without calling Stop, so a killed test run leaves no server behind.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(c.port), "-k", c.dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB")
	c.cmd.Dir = c.dir
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-c.done:
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited: %v\n%s", c.err, out)
		case <-ctx.Done():
			c.kill()
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres did not accept connections within %s: %v\n%s", startTimeout, err, out)
		case <-tick.C:
		}
	}
}

// URL returns the URL of database name on the cluster, as the superuser.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, url.PathEscape(name))
}

// Exec runs sql on the maintenance database as the superuser.
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Stop shuts the server down (fast shutdown, then SIGKILL after 30s), waits for it
// and removes the cluster's directory.
func (c *Cluster) Stop() error {
	defer os.RemoveAll(c.dir)
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(30 * time.Second):
		c.kill()
		return errors.New("postgres did not stop within 30s; stopped it with an immediate shutdown")
	}
}

// kill stops the server with an immediate shutdown (SIGQUIT, which also ends its
// backends), and SIGKILL if that does not do within 10s.
func (c *Cluster) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}
