package geo

import "github.com/paulmach/orb"

// Limits on item pages.
const (
	DefaultLimit = 10
	MaxLimit     = 10000
)

// PropertyFilter selects features whose field equals Value. For TextList
// fields it selects features whose list contains Value.
type PropertyFilter struct {
	Field string
	Value any // string, int64 or float64, already checked against the field type
}

// Filter selects a page of a layer's features, ordered by id.
type Filter struct {
	Layer  string
	BBox   *orb.Bound
	Props  []PropertyFilter
	Limit  int
	Offset int
}
