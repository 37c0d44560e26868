package postgis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"partymap/internal/geo"
)

// A write is either committed and acknowledged, or not committed and
// refused. The one moment where that can break is COMMIT itself: sent, it
// may have been carried out while its answer was lost (a connection reset,
// a link that stops carrying packets, the request's time running out). The
// write path therefore knows each transaction's id and session, and when
// the answer to COMMIT does not come, asks the database over a connection
// of its own what became of the transaction: committed (the write is
// acknowledged), or aborted (refused). A transaction still open there,
// whose COMMIT has not arrived, is ended (pg_terminate_backend), so that it
// cannot commit after the client was told it did not. Only when the
// database cannot be asked before the request's deadline is the answer
// "not known", a 503 saying to reload the item; never a refusal of a write
// that was saved.

// setActorSQL sets who and why for the triggers, bounds how long the
// session may sit idle in this transaction (a client gone on a half-open
// link must not hold its locks for hours), and returns the transaction's
// id and the session's process.
const setActorSQL = `SELECT pg_current_xact_id()::text, pg_backend_pid()
	FROM (SELECT set_config('partymap.user', $1, true), set_config('partymap.reason', $2, true),
	             set_config('idle_in_transaction_session_timeout', $3, true),
	             set_config('synchronous_commit', 'on', true)) AS s`

// idleInTransaction bounds how long a write transaction may wait for its
// client between statements.
const idleInTransaction = 30 * time.Second

// commitReserve is the part of a request's time kept back from COMMIT to
// find out what became of it, should its answer be lost.
const commitReserve = 2 * time.Second

// txIdentity names a write transaction: its 64-bit id and the server
// process of its session.
type txIdentity struct {
	xid string
	pid int32
}

// rollback ends a transaction that did not commit, bounded in time: on a
// link that carries nothing, the connection is given up instead.
func rollback(ctx context.Context, tx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = tx.Rollback(rctx)
}

// commit commits tx and makes sure the answer tells what happened (see
// above).
func (db *DB) commit(ctx context.Context, tx pgx.Tx, id txIdentity) error {
	cctx := ctx
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) > 2*commitReserve {
		var cancel context.CancelFunc
		cctx, cancel = context.WithDeadline(ctx, dl.Add(-commitReserve))
		defer cancel()
	}
	err := tx.Commit(cctx)
	var pgErr *pgconn.PgError
	if err == nil || errors.As(err, &pgErr) {
		// The database answered: committed, or refused.
		return err
	}
	rctx, cancel := resolveContext(ctx)
	defer cancel()
	status, rerr := db.resolve(rctx, id)
	switch status {
	case "committed":
		db.log.Warn("the answer to COMMIT was lost, and the transaction had committed: the write is acknowledged", "xid", id.xid, "err", err)
		return nil
	case "aborted":
		return storeError(err)
	}
	db.log.Error("the answer to COMMIT was lost and the database could not be asked what became of it", "xid", id.xid, "err", err, "resolve_err", rerr)
	return geo.WrapError(geo.EUNKNOWN, err, "%s", geo.UnknownOutcomeMessage)
}

// resolveContext is what is left of the request's time, at least the
// reserve: the request answers within its deadline plus little.
func resolveContext(ctx context.Context) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	dl, ok := ctx.Deadline()
	if !ok || time.Until(dl) < commitReserve {
		return context.WithTimeout(base, commitReserve)
	}
	return context.WithDeadline(base, dl)
}

// resolve asks, on a new connection (the pool's may be the broken ones),
// whether transaction id committed; a transaction still in progress is
// ended first. It tries again until ctx ends, and returns "committed",
// "aborted", or "" when it could not find out.
func (db *DB) resolve(ctx context.Context, id txIdentity) (string, error) {
	for {
		status, err := db.resolveOnce(ctx, id)
		if status != "" || ctx.Err() != nil {
			return status, err
		}
		select {
		case <-ctx.Done():
			return "", err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// resolveOnce is one attempt of resolve.
func (db *DB) resolveOnce(ctx context.Context, id txIdentity) (string, error) {
	cfg, err := pgx.ParseConfig(db.connStr)
	if err != nil {
		return "", err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	xid, err := strconv.ParseUint(id.xid, 10, 64)
	if err != nil {
		return "", err
	}
	// backend_xid is the 32-bit xid: the low half of the 64-bit one.
	xid32 := strconv.FormatUint(xid&0xFFFFFFFF, 10)
	for {
		var status *string
		if err := conn.QueryRow(ctx, `SELECT pg_xact_status($1::text::xid8)`, id.xid).Scan(&status); err != nil {
			return "", err
		}
		if status == nil {
			return "", errors.New("the transaction is too old for the database to know")
		}
		if *status != "in progress" {
			return *status, nil
		}
		if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND backend_xid::text = $2`, id.pid, xid32); err != nil {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
