package postgis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"partymap/internal/geo"
)

// Reads from streaming replicas (Options.ReadURLs). Public reads (tiles,
// items, the finder, search) go to a replica in rotation, round robin;
// writes, LISTEN, the history, accounts and every read of a staff request
// (geo.ConsistentReads) go to the primary.
//
// A replica replays the primary's write-ahead log a moment late, and the
// caches above are invalidated the moment a change is announced: a tile
// rendered from a replica that has not replayed the change yet would be
// cached as fresh. So the store remembers, for every change it hears of
// or makes, a position in the primary's log at or after the change's
// commit (its LSN), the layer and the area it touched (freshness below).
// A read whose layer or area a remembered change touched is served by a
// replica only once the replica's pg_last_wal_replay_lsn() has reached
// it: the read waits up to Options.ReplicaWait, asking the replica again
// every replicaPoll, then reads from the primary. Requirements are
// forgotten once every replica in rotation has replayed them, their
// positions becoming the floor every replica must have reached to serve
// at all (so that a replica coming back after an outage catches up
// first).
//
// The commit LSN of a transaction is not something PostgreSQL tells a
// trigger (the commit record is written after every trigger has run) nor
// the session afterwards. What the store uses instead: a notification is
// delivered only after its transaction's commit record is in the log, so
// the listener, on receiving one, reads pg_current_wal_insert_lsn() on the
// primary, which is at or after that commit record; likewise the editor,
// after its own commit. The position may be a little later than the
// commit (other transactions' records), which only makes a read wait for
// a few more bytes of replay, never show too little. (The flush position
// would be tighter, but with synchronous_commit off it can still be
// before the commit record.)
//
// A monitor asks every replica every Options.ReplicaCheck how far it has
// replayed and the primary where its log is: a replica that does not
// answer, or trails by more than Options.MaxReplicaLag bytes, leaves the
// rotation and comes back once it answers and has caught up. A read on a
// replica that fails for a reason of the replica (its connection, a
// shutdown, a conflict with recovery) is read again from the primary, so
// that a replica going away fails no request.

// Defaults of the replica settings.
const (
	DefaultReplicaWait   = 50 * time.Millisecond
	DefaultMaxReplicaLag = 16 << 20
	DefaultReplicaCheck  = 500 * time.Millisecond
	// replicaPoll is how often a waiting read asks a replica how far it
	// has replayed.
	replicaPoll = 2 * time.Millisecond
	// maxRequirements bounds the remembered changes: beyond, they are
	// folded into the floor (every read then waits for the newest).
	maxRequirements = 4096
)

// The states of a pool, as geo.PoolState names them.
const (
	stateUp     = "up"
	stateBehind = "behind"
	stateDown   = "down"
)

// querier is what a read runs on: a pool (the primary or a replica) or an
// edit's transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// replica is one read replica and what the monitor last saw of it.
type replica struct {
	name, host string
	pool       *pgxpool.Pool
	// replayed is the last replay position read from it.
	replayed atomic.Uint64
	mu       sync.Mutex
	state    geo.PoolState
	// inRotation mirrors state.InRotation for the read path.
	inRotation atomic.Bool
}

// lsnSQL reads a log position as a number of bytes.
const (
	replayLSNSQL = `SELECT coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)`
	insertLSNSQL = `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`
	replicaSQL   = `SELECT pg_is_in_recovery(), coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0),
		CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
		coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)`
)

// requirement is a change a replica must have replayed to show an area or
// a layer.
type requirement struct {
	lsn   uint64
	layer string
	bound [4]float64
}

// freshness remembers the changes replicas must have replayed.
type freshness struct {
	mu    sync.Mutex
	reqs  []requirement
	floor uint64
}

// note remembers a change.
func (f *freshness) note(r requirement) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.lsn <= f.floor {
		return
	}
	if len(f.reqs) >= maxRequirements {
		for _, q := range f.reqs {
			f.floor = max(f.floor, q.lsn)
		}
		f.reqs = f.reqs[:0]
	}
	f.reqs = append(f.reqs, r)
}

// raise makes every read wait for lsn: changes may have been missed.
func (f *freshness) raise(lsn uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.floor = max(f.floor, lsn)
}

// need returns the log position a replica must have replayed to serve a
// read that the changes matching keep stale.
func (f *freshness) need(matching func(requirement) bool) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.floor
	for _, r := range f.reqs {
		if r.lsn > n && matching(r) {
			n = r.lsn
		}
	}
	return n
}

// prune forgets the changes every replica in rotation has replayed.
func (f *freshness) prune(replayed uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.reqs[:0]
	for _, r := range f.reqs {
		if r.lsn > replayed {
			kept = append(kept, r)
			continue
		}
		f.floor = max(f.floor, r.lsn)
	}
	f.reqs = kept
}

// replicaSet is the store's replicas and the changes they must show.
type replicaSet struct {
	replicas []*replica
	next     atomic.Uint32
	fresh    freshness
	wait     time.Duration
	maxLag   int64
	every    time.Duration
	log      *slog.Logger
	stop     context.CancelFunc
	done     chan struct{}
	// reads counts the reads by the pool that served them and why.
	reads sync.Map // readReason → *atomic.Uint64
}

// readReason says which pool served a read and why.
type readReason struct{ pool, why string }

// Why a read went where it went.
const (
	whyReplica    = "replica"    // a replica in rotation that had replayed what it must show
	whyStale      = "stale"      // no replica replayed it within ReplicaWait: the primary
	whyFailed     = "failed"     // the replica failed the read: read again on the primary
	whyNoReplica  = "no_replica" // no replica in rotation: the primary
	whyConsistent = "consistent" // a staff request: the primary
)

// count adds one read to the counters.
func (rs *replicaSet) count(pool, why string) {
	if rs == nil {
		return
	}
	v, _ := rs.reads.LoadOrStore(readReason{pool, why}, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

// openReplicas connects to the replicas (lazily, like the primary) and
// starts their monitor.
func openReplicas(ctx context.Context, urls []string, primary *pgxpool.Pool, base *pgxpool.Config, o Options) (*replicaSet, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	rs := &replicaSet{wait: o.ReplicaWait, maxLag: o.MaxReplicaLag, every: o.ReplicaCheck, log: o.Logger, done: make(chan struct{})}
	for i, u := range urls {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			return nil, fmt.Errorf("parse read replica URL %d: %w", i+1, err)
		}
		cfg.MaxConns = base.MaxConns
		cfg.HealthCheckPeriod = base.HealthCheckPeriod
		cfg.ConnConfig.ConnectTimeout = base.ConnConfig.ConnectTimeout
		for k, v := range base.ConnConfig.RuntimeParams {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
		cfg.ConnConfig.RuntimeParams["application_name"] = "partymap-read"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("create the pool of read replica %d: %w", i+1, err)
		}
		r := &replica{name: fmt.Sprintf("replica%d", i+1), host: describe(cfg.ConnConfig), pool: pool}
		r.state = geo.PoolState{Name: r.name, Host: r.host, State: stateDown, Error: "not checked yet"}
		rs.replicas = append(rs.replicas, r)
	}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rs.stop = cancel
	go rs.monitor(mctx, primary)
	return rs, nil
}

// describe names a database server without its password.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// close stops the monitor and closes the replicas' pools.
func (rs *replicaSet) close() {
	if rs == nil {
		return
	}
	rs.stop()
	<-rs.done
	for _, r := range rs.replicas {
		r.pool.Close()
	}
}

// monitor checks the replicas until ctx ends.
func (rs *replicaSet) monitor(ctx context.Context, primary *pgxpool.Pool) {
	defer close(rs.done)
	t := time.NewTicker(rs.every)
	defer t.Stop()
	for {
		rs.check(ctx, primary)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check reads where the primary's log is and how far each replica has
// replayed, puts each in or out of rotation, and forgets the changes every
// replica in rotation has replayed.
func (rs *replicaSet) check(ctx context.Context, primary *pgxpool.Pool) {
	cctx, cancel := context.WithTimeout(ctx, max(rs.every, time.Second))
	defer cancel()
	var head int64
	headErr := primary.QueryRow(cctx, insertLSNSQL).Scan(&head)
	lowest := uint64(math.MaxUint64)
	for _, r := range rs.replicas {
		var recovering, paused bool
		var replayed int64
		var seconds float64
		err := r.pool.QueryRow(cctx, replicaSQL).Scan(&recovering, &replayed, &paused, &seconds)
		st := geo.PoolState{Name: r.name, Host: r.host, State: stateUp, ReplayPaused: paused}
		switch {
		case err != nil:
			st.State, st.Error = stateDown, err.Error()
		case !recovering:
			// A promoted replica takes no more changes from the primary.
			st.State, st.Error = stateDown, "not a replica: it is not in recovery"
		default:
			r.replayed.Store(max(r.replayed.Load(), uint64(replayed)))
			if headErr == nil {
				st.LagBytes = max(head-replayed, 0)
			}
			if st.LagBytes > 0 {
				st.LagSeconds = seconds
			}
			if st.LagBytes > rs.maxLag {
				st.State = stateBehind
			}
		}
		st.InRotation = st.State == stateUp && r.replayed.Load() >= rs.fresh.need(func(requirement) bool { return false })
		r.mu.Lock()
		was := r.state
		r.state = st
		r.mu.Unlock()
		r.inRotation.Store(st.InRotation)
		if was.InRotation != st.InRotation && ctx.Err() == nil {
			if st.InRotation {
				rs.log.Info("read replica back in rotation", "replica", r.name, "host", r.host, "lag_bytes", st.LagBytes)
			} else {
				rs.log.Warn("read replica out of rotation", "replica", r.name, "host", r.host, "state", st.State, "lag_bytes", st.LagBytes, "err", st.Error)
			}
		}
		if st.InRotation {
			lowest = min(lowest, r.replayed.Load())
		}
	}
	if lowest != math.MaxUint64 {
		rs.fresh.prune(lowest)
	}
}

// pick returns a replica in rotation that has replayed need, waiting up to
// the replica wait for one to get there, and why; nil for the primary.
func (rs *replicaSet) pick(ctx context.Context, need uint64) (*replica, string) {
	n := len(rs.replicas)
	start := int(rs.next.Add(1))
	var candidates []*replica
	for i := range n {
		r := rs.replicas[(start+i)%n]
		if !r.inRotation.Load() {
			continue
		}
		if r.replayed.Load() >= need {
			return r, whyReplica
		}
		candidates = append(candidates, r)
	}
	if len(candidates) == 0 {
		return nil, whyNoReplica
	}
	deadline := time.Now().Add(rs.wait)
	for {
		for _, r := range candidates {
			var replayed int64
			if err := r.pool.QueryRow(ctx, replayLSNSQL).Scan(&replayed); err != nil {
				continue
			}
			if uint64(replayed) >= need {
				r.replayed.Store(max(r.replayed.Load(), uint64(replayed)))
				return r, whyReplica
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, whyStale
		}
		select {
		case <-ctx.Done():
			return nil, whyStale
		case <-time.After(replicaPoll):
		}
	}
}

// replicaFailed reports whether a read failed because of the replica, so
// that it may be read again from the primary: its connection, a server
// shutting down or not ready, a conflict with recovery, its resources.
func replicaFailed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "53", "57", "58":
			return true
		}
		return pgErr.Code == "40001" // canceling statement due to conflict with recovery
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded)
}

// read runs a read: on a replica that has replayed every change the
// matching requirements name, else on the primary; a read a replica fails
// is read again from the primary. fn must start over when called again.
func (db *DB) read(ctx context.Context, matching func(requirement) bool, fn func(q querier) error) error {
	rs := db.replicas
	if rs == nil {
		return fn(db.pool)
	}
	if geo.ConsistentReads(ctx) {
		rs.count("primary", whyConsistent)
		return fn(db.pool)
	}
	r, why := rs.pick(ctx, rs.fresh.need(matching))
	if r == nil {
		rs.count("primary", why)
		return fn(db.pool)
	}
	err := fn(r.pool)
	if !replicaFailed(ctx, err) {
		rs.count(r.name, whyReplica)
		return err
	}
	r.inRotation.Store(false)
	r.mu.Lock()
	r.state.State, r.state.InRotation, r.state.Error = stateDown, false, err.Error()
	r.mu.Unlock()
	db.log.Warn("read replica failed a read; reading from the primary", "replica", r.name, "host", r.host, "err", err)
	rs.count("primary", whyFailed)
	return fn(db.pool)
}

// anyChange matches every remembered change: for reads that may show any
// layer anywhere (the finder, search, the tiles' bounds).
func anyChange(requirement) bool { return true }

// layerChange matches the changes of a layer: for its items.
func layerChange(layer string) func(requirement) bool {
	return func(r requirement) bool { return r.layer == layer }
}

// areaChange matches the changes that touched an area, of any layer: for
// a tile.
func areaChange(minLon, minLat, maxLon, maxLat float64) func(requirement) bool {
	return func(r requirement) bool {
		return r.bound[0] <= maxLon && r.bound[2] >= minLon && r.bound[1] <= maxLat && r.bound[3] >= minLat
	}
}

// remember notes a change that replicas must replay before they show its
// layer or area.
func (db *DB) remember(lsn uint64, layer string, b [4]float64) {
	if db.replicas != nil && lsn > 0 {
		db.replicas.fresh.note(requirement{lsn: lsn, layer: layer, bound: b})
	}
}

// insertLSN reads where the primary's log is now: at or after every commit
// made so far.
func insertLSN(ctx context.Context, q querier) (uint64, error) {
	var lsn int64
	err := q.QueryRow(ctx, insertLSNSQL).Scan(&lsn)
	return uint64(lsn), err
}

// Pools reports the primary and each replica, for /readyz and /metrics.
// It implements geo.PoolReporter.
func (db *DB) Pools() []geo.PoolState {
	primary := geo.PoolState{Name: "primary", Host: db.host, State: stateUp, InRotation: db.replicas == nil}
	out := []geo.PoolState{primary}
	if db.replicas == nil {
		return out
	}
	inRotation := false
	for _, r := range db.replicas.replicas {
		r.mu.Lock()
		st := r.state
		r.mu.Unlock()
		st.InRotation = r.inRotation.Load()
		inRotation = inRotation || st.InRotation
		out = append(out, st)
	}
	// With no replica in rotation, the primary serves the reads too.
	out[0].InRotation = !inRotation
	return out
}
