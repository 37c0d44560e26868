package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"partymap/internal/postgis"
)

// layerTables are the tables a city replaces, children first.
func layerTables() []string {
	return []string{"buildings", "compounds", "organizations", "posts", "parking", "streets", "paths", "gates", "landmarks", "grids", "communities", "subdistricts"}
}

// loadOptions say how to write the city.
type loadOptions struct {
	// Replace deletes the layers' rows first; without it a database that
	// holds any is refused.
	Replace bool
	// KeepTriggers writes with the layer triggers on: a history row and a
	// notification per feature, much slower.
	KeepTriggers bool
}

// load writes the city into the database in one transaction with COPY,
// then lets the store derive the streets' communities (which community
// holds the most of a road along a lattice line is PostGIS's to say).
// Unless told otherwise it turns the layer triggers off for the load
// (session_replication_role = replica, which needs a superuser), so that
// a synthetic bulk load writes no history and announces nothing: running
// servers must be restarted to drop tiles they cached before. Sequences
// are moved past the ids written, and the tables vacuumed and analysed.
func load(ctx context.Context, conn *pgx.Conn, db *postgis.DB, c *city, o loadOptions, log *slog.Logger) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if !o.KeepTriggers {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42501" {
				return fmt.Errorf("turning the triggers off for a bulk load needs a superuser; connect as one, or pass -keep-triggers (slower: a history row and a notification per feature)")
			}
			return err
		}
	}
	var existing int64
	if err := tx.QueryRow(ctx, countSQL()).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		if !o.Replace {
			return fmt.Errorf("the database already holds %d map features; pass -replace to delete them and write the city instead", existing)
		}
		// TRUNCATE fires no row triggers: the history keeps what it had.
		// The activities, the shared resources and the venues' bookings
		// refer to organizations and posts, the residents' orders lie in
		// the old grids (with their contacts, the members of the old
		// branches and their points): a city written anew has none.
		if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(append(append([]string{"bookings", "activities", "resources"}, layerTables()...), "orders", "order_contacts", "members", "points"), ", ")); err != nil {
			return err
		}
		log.Info("deleted the existing features", "features", existing)
	}
	for _, t := range c.tables {
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(t.buf.Bytes()), t.copyStatement()); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		log.Info("wrote layer", "layer", t.name, "features", t.rows)
	}
	n, err := db.DeriveFields(ctx, tx, "streets")
	if err != nil {
		return fmt.Errorf("derive the streets' communities: %w", err)
	}
	log.Info("derived the streets' communities", "streets", n)
	started := time.Now()
	if err := db.RebuildWalkingNetwork(ctx, tx); err != nil {
		return fmt.Errorf("build the walking network: %w", err)
	}
	log.Info("built the walking network", "took", time.Since(started).Round(time.Millisecond))
	for _, name := range layerTables() {
		sql := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), greatest((SELECT max(id) FROM %s), 1))`, name, name)
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("move the %s id sequence: %w", name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// Statistics for the planner, and the visibility map that index-only
	// scans need: a freshly loaded city is a fresh table.
	for _, name := range layerTables() {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+name); err != nil {
			return err
		}
	}
	return nil
}

// countSQL counts the features of every layer.
func countSQL() string {
	var parts []string
	for _, name := range layerTables() {
		parts = append(parts, "(SELECT count(*) FROM "+name+")")
	}
	return "SELECT " + strings.Join(parts, " + ")
}
