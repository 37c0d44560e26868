package pgtest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sessionsGone bounds the wait for setup's sessions to end after it
// returns: a backend exits a moment after its client hangs up.
const sessionsGone = 5 * time.Second

// prepareTemplate creates the template database, runs setup on it, checks
// that setup left no session open, and marks the database as a template
// that takes no more connections, so that clones never fail for want of
// exclusive access.
func (h *Harness) prepareTemplate(ctx context.Context, setup func(ctx context.Context, connString string) error) error {
	if err := h.cluster.CreateDatabase(ctx, TemplateName, ""); err != nil {
		return err
	}
	if setup != nil {
		if err := setup(ctx, h.cluster.ConnString(TemplateName)); err != nil {
			return fmt.Errorf("set up the template database: %w", err)
		}
	}
	conn, err := pgx.Connect(ctx, h.cluster.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("connect to mark the template: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	deadline := time.Now().Add(sessionsGone)
	for {
		var n int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", TemplateName).Scan(&n)
		if err != nil {
			return fmt.Errorf("count sessions on the template: %w", err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("setup left %d session(s) open on the template database %s, want none: close every connection and pool it opens before returning", n, TemplateName)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sql := "ALTER DATABASE " + pgx.Identifier{TemplateName}.Sanitize() + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("mark %s as a template: %w", TemplateName, err)
	}
	return nil
}
