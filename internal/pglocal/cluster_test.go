package pglocal_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pglocal"
)

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// dataDir returns a fresh data directory, removed when the test ends, that
// the account PostgreSQL runs as can reach: t.TempDir's directories are
// 0700, and as root pglocal refuses them rather than loosen them.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startCluster starts a throwaway cluster in dir and stops it when the test ends.
func startCluster(t *testing.T, dir string) *pglocal.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	c, err := pglocal.Start(ctx, pglocal.Options{
		DataDir: dir,
		Logger:  slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// connect opens a connection to database db of c, closed when the test ends.
func connect(t *testing.T, c *pglocal.Cluster, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", c.ConnString(db), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// countRows returns the number of rows in table kept, failing the test on error.
func countRows(t *testing.T, c *pglocal.Cluster) int {
	t.Helper()
	conn := connect(t, c, "postgres")
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM kept").Scan(&n); err != nil {
		t.Fatalf("count rows of kept: %v", err)
	}
	conn.Close(context.Background())
	return n
}

// exited reports whether ch is closed or closes within d.
func exited(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func TestCluster_lifecycle(t *testing.T) {
	ctx := context.Background()
	dir := dataDir(t)
	c := startCluster(t, dir)

	conn := connect(t, c, "postgres")
	if _, err := conn.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		t.Fatalf("CREATE EXTENSION postgis: %v", err)
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT postgis_full_version()").Scan(&version); err != nil {
		t.Fatalf("postgis_full_version(): %v", err)
	}
	if !strings.Contains(version, "POSTGIS=") {
		t.Errorf("postgis_full_version() = %q, want it to contain POSTGIS=", version)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	conn.Close(ctx)

	// A second server on the same data directory is refused, clearly.
	_, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir})
	t.Logf("second Start: %v", err)
	if err == nil || !strings.Contains(err.Error(), "postmaster.pid") {
		t.Errorf("second Start on a running data directory: got error %v, want one quoting the log about postmaster.pid", err)
	}

	done := c.Exited()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !exited(done, 5*time.Second) {
		t.Fatalf("Exited() did not fire after Stop")
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop of a stopped cluster: got %v, want nil", err)
	}

	// A new Start reuses the data.
	c2 := startCluster(t, dir)
	if got, want := countRows(t, c2), 1; got != want {
		t.Errorf("rows after restart from the same data directory: got %d, want %d", got, want)
	}

	// Restart of a running server stops and starts it.
	before := c2.PID()
	began := time.Now()
	if err := c2.Restart(ctx); err != nil {
		t.Fatalf("Restart of a running cluster: %v", err)
	}
	t.Logf("Restart of a running cluster took %v", time.Since(began).Round(time.Millisecond))
	if c2.PID() == before {
		t.Errorf("Restart kept pid %d, want a new process", before)
	}
	if got, want := countRows(t, c2), 1; got != want {
		t.Errorf("rows after Restart: got %d, want %d", got, want)
	}
}

func TestCluster_restartAfterCrash(t *testing.T) {
	ctx := context.Background()
	c := startCluster(t, dataDir(t))
	conn := connect(t, c, "postgres")
	// A non-durable cluster commits asynchronously: a crash may lose the
	// last commits, unless a session asks for a synchronous one.
	if _, err := conn.Exec(ctx, "SET synchronous_commit = on; CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)"); err != nil {
		t.Fatalf("create table: %v", err)
	}

	// A backend busy computing notices the death of its postmaster only
	// when it next waits, so it outlives it, holding the shared memory.
	busy, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	busyDone := make(chan struct{})
	go func() {
		defer close(busyDone)
		_, _ = busy.Exec(ctx, "SELECT count(*) FROM generate_series(1, 1e10)")
		busy.Close(ctx)
	}()
	defer func() { <-busyDone }()
	time.Sleep(200 * time.Millisecond)

	// Kill the postmaster the hard way, as an OOM killer would:
	// postmaster.pid and the busy backend stay behind.
	done := c.Exited()
	if err := syscall.Kill(c.PID(), syscall.SIGKILL); err != nil {
		t.Fatalf("kill postmaster: %v", err)
	}
	if !exited(done, 5*time.Second) {
		t.Fatalf("Exited() did not fire after the postmaster was killed")
	}
	if !exited(c.Exited(), 0) {
		t.Fatalf("Exited() after the crash returns an open channel, want the closed one")
	}
	began := time.Now()
	if err := c.Restart(ctx); err != nil {
		t.Fatalf("Restart after a crash: %v", err)
	}
	t.Logf("Restart after a crash took %v", time.Since(began).Round(time.Millisecond))
	if exited(c.Exited(), 0) {
		t.Errorf("Exited() after Restart is closed, want the new process's open channel")
	}
	if got, want := countRows(t, c), 2; got != want {
		t.Errorf("rows after crash and Restart: got %d, want %d", got, want)
	}
}

func TestCluster_CreateDatabase(t *testing.T) {
	ctx := context.Background()
	c := startCluster(t, dataDir(t))
	if err := c.CreateDatabase(ctx, "tpl", ""); err != nil {
		t.Fatalf("CreateDatabase(tpl): %v", err)
	}
	conn := connect(t, c, "tpl")
	if _, err := conn.Exec(ctx, "CREATE TABLE marker (id int)"); err != nil {
		t.Fatalf("create table in tpl: %v", err)
	}
	conn.Close(ctx)
	if err := c.CreateDatabase(ctx, "Copy Of tpl", "tpl"); err != nil {
		t.Fatalf("CreateDatabase(Copy Of tpl, tpl): %v", err)
	}
	conn = connect(t, c, "Copy Of tpl")
	if _, err := conn.Exec(ctx, "SELECT * FROM marker"); err != nil {
		t.Errorf("table marker in the copy: %v", err)
	}
	// Drop forces the open session out.
	if err := c.DropDatabase(ctx, "Copy Of tpl"); err != nil {
		t.Errorf("DropDatabase with an open session: %v", err)
	}
	if err := c.DropDatabase(ctx, "Copy Of tpl"); err != nil {
		t.Errorf("DropDatabase of a dropped database: got %v, want nil", err)
	}
	err := c.CreateDatabase(ctx, "again", "no_such_template")
	if err == nil || !strings.Contains(err.Error(), "no_such_template") {
		t.Errorf("CreateDatabase from a missing template: got %v, want an error naming it", err)
	}
	var nie *pglocal.NotInstalledError
	if errors.As(err, &nie) {
		t.Errorf("CreateDatabase error is a NotInstalledError, want a database error")
	}
}
