// Package pgtest runs tests against a real PostgreSQL with PostGIS: one
// throwaway cluster per test binary (started with pglocal in a temporary
// directory), a template database prepared once, and a fresh database
// cloned from the template for each test that asks for one.
//
// In a test package:
//
//	var h *pgtest.Harness
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &h, setup)) }
//
//	// setup prepares the template: migrations, data. It must close every
//	// connection it opens before returning.
//	func setup(ctx context.Context, connString string) error { … }
//
//	func TestSomething(t *testing.T) {
//		pool, err := pgxpool.New(ctx, h.NewDatabase(t))
//		…
//	}
//
// It imports no partymap package but pglocal, so that any package's tests,
// including the PostGIS adapter's, can use it.
package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/pglocal"
)

// TemplateName is the database that setup prepares and every test's
// database is cloned from.
const TemplateName = "pgtest_template"

// prepareTimeout bounds starting the cluster and preparing the template.
const prepareTimeout = 5 * time.Minute

// stopTimeout bounds the shutdown of the cluster after the tests.
const stopTimeout = 30 * time.Second

// dbTimeout bounds creating or dropping one test database.
const dbTimeout = time.Minute

// Harness gives tests databases in the test binary's cluster.
type Harness struct {
	cluster *pglocal.Cluster
	opts    Options
	// next numbers the test databases.
	next atomic.Int64
}

// Main runs a test binary's tests with a cluster: it checks that PostGIS is
// installed, starts the cluster in a temporary directory, creates the
// template database and runs setup on it, stores the harness in *h, runs
// the tests, then stops the cluster and removes the directory (also when
// setup panics; should the test binary itself die, the server dies with it
// and only the directory is left in the temporary directory). setup may be
// nil, and must close every connection it opens: a database with open
// sessions cannot be cloned. When the cluster cannot be had, Main prints
// why and returns 1: the tests fail, never skip. Its result is the exit
// code for os.Exit.
func Main(m *testing.M, h **Harness, setup func(ctx context.Context, connString string) error) int {
	return MainWith(m, h, setup, Options{})
}

// Options change the cluster Main starts.
type Options struct {
	// Replication runs the cluster as the primary of streaming replicas
	// (Harness.StartReplica): its log fit for replicas, each commit on
	// disk when it returns.
	Replication bool
}

// MainWith is Main with options.
func MainWith(m *testing.M, h **Harness, setup func(ctx context.Context, connString string) error, o Options) int {
	code, err := run(m, h, setup, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	return code
}

// run is Main, with the error to print.
func run(m *testing.M, h **Harness, setup func(ctx context.Context, connString string) error, o Options) (code int, err error) {
	if err := pglocal.CheckPostGIS(""); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return 0, fmt.Errorf("make a temporary directory for the cluster: %w", err)
	}
	defer os.RemoveAll(dir)
	// MkdirTemp makes it 0700; as root, PostgreSQL runs as another user,
	// who must be let into this directory of ours (and pglocal changes no
	// directory it did not make).
	if err := os.Chmod(dir, 0o755); err != nil {
		return 0, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), prepareTimeout)
	defer cancel()
	var settings map[string]string
	if o.Replication {
		settings = pglocal.ReplicationSettings()
	}
	c, err := pglocal.Start(ctx, pglocal.Options{
		DataDir:  dir,
		Settings: settings,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return 0, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if stopErr := c.Stop(ctx); stopErr != nil && err == nil {
			err = stopErr
		}
	}()

	harness := &Harness{cluster: c, opts: o}
	if err := harness.prepareTemplate(ctx, setup); err != nil {
		return 0, err
	}
	cancel()
	*h = harness
	return m.Run(), nil
}

// NewDatabase creates a database cloned from the template, drops it
// (ending its sessions) when the test ends, and returns its connection
// string. It fails the test when the database cannot be made.
func (h *Harness) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", h.next.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := h.cluster.CreateDatabase(ctx, name, TemplateName); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		if err := h.cluster.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return h.cluster.ConnString(name)
}

// Cluster returns the cluster, for tests of outages (Stop, then Restart).
// Such a test must not run in parallel with others that use the cluster.
func (h *Harness) Cluster() *pglocal.Cluster { return h.cluster }

// ConnString returns the connection string of database db in the cluster.
func (h *Harness) ConnString(db string) string { return h.cluster.ConnString(db) }
