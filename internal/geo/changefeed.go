package geo

import "context"

// ChangeRecord is one committed change as the history keeps it, with what a
// live viewer needs besides (a car park's spaces, in Change).
type ChangeRecord struct {
	Change
}

// ChangeFeed reads the history of committed changes in order, for event
// streams whose clients reconnect and must catch up.
type ChangeFeed interface {
	// ChangesSince returns up to limit changes with a Seq above after, in
	// Seq order.
	ChangesSince(ctx context.Context, after int64, limit int) ([]ChangeRecord, error)
	// LatestChange returns the Seq of the newest change, 0 when there is
	// none.
	LatestChange(ctx context.Context) (int64, error)
}
