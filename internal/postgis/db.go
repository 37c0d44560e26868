// Package postgis is partymap's storage adapter: a pgx pool on PostGIS,
// migrations, feature reads, imports, edits with their history, and change
// notifications.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"partymap/internal/geo"
)

// Defaults of Options, for zero values and main's flags.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 5 * time.Second
)

// Options tune the connection pool.
type Options struct {
	// MaxConns bounds the pool; 0 means DefaultMaxConns.
	MaxConns int32
	// StatementTimeout bounds every statement on the server; 0 means
	// DefaultStatementTimeout.
	StatementTimeout time.Duration
	Logger           *slog.Logger
	// ReadURLs are streaming replicas of the primary that serve the public
	// reads (replicas.go); none: the primary serves everything.
	ReadURLs []string
	// ReplicaWait bounds how long a read waits for a replica to replay a
	// change it must show before reading from the primary; 0 means
	// DefaultReplicaWait.
	ReplicaWait time.Duration
	// MaxReplicaLag is how many bytes of log a replica may have yet to
	// replay and stay in rotation; 0 means DefaultMaxReplicaLag.
	MaxReplicaLag int64
	// ReplicaCheck is how often the replicas are checked; 0 means
	// DefaultReplicaCheck.
	ReplicaCheck time.Duration
}

// DB is the PostGIS store. It implements geo.FeatureStore.
type DB struct {
	pool    *pgxpool.Pool
	cat     *geo.Catalogue
	sql     *statements
	log     *slog.Logger
	connStr string
	// host names the primary without its password.
	host string
	// replicas serve the public reads; nil without Options.ReadURLs.
	replicas *replicaSet
}

// Open connects to the database at connString. It does not wait for the
// database: a pool connects lazily, so a server can start while PostGIS is
// still coming up.
func Open(ctx context.Context, connString string, cat *geo.Catalogue, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	sql, err := newStatements(cat)
	if err != nil {
		return nil, fmt.Errorf("build the SQL from the layer catalogue: %w", err)
	}
	if o.MaxConns == 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReplicaWait <= 0 {
		o.ReplicaWait = DefaultReplicaWait
	}
	if o.MaxReplicaLag <= 0 {
		o.MaxReplicaLag = DefaultMaxReplicaLag
	}
	if o.ReplicaCheck <= 0 {
		o.ReplicaCheck = DefaultReplicaCheck
	}
	cfg.MaxConns = o.MaxConns
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(o.StatementTimeout.Milliseconds())
	cfg.ConnConfig.RuntimeParams["application_name"] = "partymap"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// JIT compiles the small PostGIS queries of a map for a second or more
	// while they run in a millisecond: never worth it here.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	cfg.HealthCheckPeriod = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	replicas, err := openReplicas(ctx, o.ReadURLs, pool, cfg, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool, cat: cat, sql: sql, log: o.Logger, connStr: connString, host: describe(cfg.ConnConfig), replicas: replicas}, nil
}

// Close closes every connection.
func (db *DB) Close() {
	db.replicas.close()
	db.pool.Close()
}

// Pool returns the pool's statistics, for metrics.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping reports whether the database answers and the schema is current.
func (db *DB) Ping(ctx context.Context) error {
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return storeError(err)
	}
	want, err := migrationFiles()
	if err != nil {
		return err
	}
	for _, m := range want {
		if !applied[m.version] {
			return geo.Errorf(geo.EUNAVAILABLE, "The database schema is not current: migration %s has not been applied; run `mapserver migrate`.", m.name)
		}
	}
	return nil
}

// storeError turns a driver error into a domain error: an unreachable or
// overloaded database is EUNAVAILABLE, a cancelled request keeps its context
// error, anything else is internal.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	var ge *geo.Error
	if errors.As(err, &ge) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return geo.WrapError(geo.EUNAVAILABLE, err, "The map database took too long to answer; please try again in a moment.")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "53100": // disk_full: the statement wrote nothing
			return geo.WrapError(geo.EDISKFULL, err, "%s", geo.DiskFullMessage)
		case pgErr.Code == "57014": // query_canceled: statement_timeout
			return geo.WrapError(geo.EUNAVAILABLE, err, "The map database took too long to answer; please try again in a moment.")
		case pgErr.Code[:2] == "08" || pgErr.Code[:2] == "53" || pgErr.Code[:2] == "57": // connection, resources, operator intervention
			return geo.WrapError(geo.EUNAVAILABLE, err, "The map database is not available right now; please try again in a minute.")
		}
		return geo.WrapError(geo.EINTERNAL, err, "internal error")
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	if errors.As(err, &netErr) || errors.As(err, &connErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return geo.WrapError(geo.EUNAVAILABLE, err, "The map database is not available right now; please try again in a minute.")
	}
	return geo.WrapError(geo.EINTERNAL, err, "internal error")
}
