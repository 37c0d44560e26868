package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// Feature is one row of a layer: its id, geometry and properties, and the
// version that every change bumps.
type Feature struct {
	Layer    string
	ID       int64
	Geometry orb.Geometry
	// Properties hold the catalogue's fields: string, int64, float64,
	// []string, or orb.Point for Position fields. Absent fields are left out.
	Properties map[string]any
	Version    int64
	UpdatedAt  time.Time
	UpdatedBy  string
}

// FeaturePage is one page of a layer's features and how many matched in all.
type FeaturePage struct {
	Features []Feature
	Matched  int64
	// Pos is the number of matching features before the page.
	Pos int64
	// Next and Prev continue the order from this page's last and first
	// feature (keyset paging), when the order allows it (Layer.KeysetOrder)
	// and there are features after or before; nil otherwise.
	Next, Prev *Cursor
}

// Extent is a layer's bounding box and the number of features in it.
type Extent struct {
	Bound orb.Bound
	Count int64
	Empty bool
}
