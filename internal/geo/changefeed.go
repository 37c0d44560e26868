package geo

import "context"

// ChangeRecord is one committed change as the history keeps it, with what a
// live viewer needs besides: a car park's spaces after the change.
type ChangeRecord struct {
	Change
	// Free and Capacity are a car park's spaces after the change; nil for
	// the other layers and for deletions.
	Free, Capacity *int64
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
