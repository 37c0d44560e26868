package geo

import "github.com/paulmach/orb"

// Change is one committed change to a layer's row, as the database announces
// it: what changed, its new version, and the area it touched (old and new
// geometry together).
type Change struct {
	// Seq is the change's history row id: increasing, so a client can ask
	// for the changes after the last one it saw.
	Seq     int64     `json:"seq"`
	Layer   string    `json:"layer"`
	ID      int64     `json:"id"`
	Version int64     `json:"version"`
	Op      string    `json:"op"` // insert, update or delete
	BBox    orb.Bound `json:"-"`
	// Free and Capacity are a car park's spaces after the change, which
	// the announcement carries so that nobody reads the history for them;
	// nil for the other layers and for deletions.
	Free, Capacity *int64 `json:"-"`
	// LSN is a position in the primary's write-ahead log at or after the
	// change's commit: a read replica that has replayed it shows the
	// change. 0 when unknown (a change replayed from the history).
	LSN uint64 `json:"-"`
	// Hidden marks the change of a feature the public does not see (an
	// order staff have not published, geo.Layer.Public): caches still
	// drop what it touched, event streams do not pass it on.
	Hidden bool `json:"-"`
	// Proposal, when set, makes this no change of the map but a notice
	// that a proposal was made or decided (every other field is zero):
	// caches ignore it, event streams pass it on.
	Proposal *ProposalNotice `json:"-"`
	// Booking, when set, makes this no change of the map but a notice
	// that a venue's bookings changed (every other field is zero): caches
	// ignore it, event streams pass it on.
	Booking *BookingNotice `json:"-"`
}

// Notice reports whether the change is a notice (a proposal's, a
// booking's) rather than a change of the map's data.
func (c Change) Notice() bool { return c.Proposal != nil || c.Booking != nil }
