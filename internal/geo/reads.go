package geo

import "context"

// Where reads go when the store has read replicas: public reads (tiles,
// items, the finder) to a replica that has replayed every change they must
// show, staff's reads to the primary, which they write to and must read
// their own writes from.

// consistentKey marks a context whose reads must see every committed
// change.
type consistentKey struct{}

// WithConsistentReads returns a context whose reads see every change
// committed before they start: a store with read replicas answers them
// from the primary. Staff requests carry it: what an editor reads is what
// its next write is judged against.
func WithConsistentReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, consistentKey{}, true)
}

// ConsistentReads reports whether the context asks for consistent reads.
func ConsistentReads(ctx context.Context) bool {
	v, _ := ctx.Value(consistentKey{}).(bool)
	return v
}

// PoolState is one of the store's database connection pools as /readyz
// shows it: the primary, or a read replica with its replay lag.
type PoolState struct {
	// Name is "primary" or "replica1", "replica2" …; Host names the server
	// (host, port and database, never a password).
	Name string `json:"name"`
	Host string `json:"host"`
	// State is "up", "behind" (a replica further behind than allowed, or
	// not replaying) or "down".
	State string `json:"state"`
	// InRotation is whether reads go to it.
	InRotation bool `json:"in_rotation"`
	// LagBytes is how much write-ahead log a replica has yet to replay;
	// LagSeconds how long ago the last change it replayed was committed,
	// 0 when it has replayed everything.
	LagBytes   int64   `json:"lag_bytes"`
	LagSeconds float64 `json:"lag_seconds"`
	// ReplayPaused is true while a replica's replay is paused.
	ReplayPaused bool `json:"replay_paused,omitempty"`
	// Error says why a pool is down.
	Error string `json:"error,omitempty"`
}

// PoolReporter is a store that reports its pools (the PostGIS store with
// read replicas).
type PoolReporter interface {
	Pools() []PoolState
}
