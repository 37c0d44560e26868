package pgtest

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"partymap/internal/pglocal"
)

// StartReplica starts a streaming replica of the test binary's cluster,
// which MainWith must have started with Options.Replication: a copy of
// every database as it is now (pg_basebackup over the Unix socket),
// replaying every change after. It is stopped and removed when the test
// ends. Its ConnString reaches the same databases as the primary's.
func (h *Harness) StartReplica(t testing.TB) *pglocal.Cluster {
	t.Helper()
	if !h.opts.Replication {
		t.Fatal("pgtest: StartReplica needs a cluster started for replication: use pgtest.MainWith(…, pgtest.Options{Replication: true}) in TestMain")
	}
	dir, err := os.MkdirTemp("", "pgtest-replica-")
	if err != nil {
		t.Fatal(err)
	}
	// As root the replica runs as another user, who must be let in.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), prepareTimeout)
	defer cancel()
	r, err := h.cluster.StartReplica(ctx, pglocal.Options{
		DataDir:  dir,
		Settings: pglocal.ReplicationSettings(),
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("pgtest: start a replica: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("pgtest: stop the replica: %v", err)
		}
		os.RemoveAll(dir)
	})
	return r
}
