package geo

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"partymap/internal/cql2"
)

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

// Filter selects a page of a layer's features: those in the bounding box
// that match every property filter and the CQL2 filter, in the order of
// Sort (by id when empty, id breaking ties), starting after the cursor or
// at the offset.
type Filter struct {
	Layer string
	// BBox bounds the features, in BBoxCRS (CRS84 when zero); in a
	// geographic CRS a box whose west edge is east of its east edge
	// crosses the antimeridian.
	BBox    *orb.Bound
	BBoxCRS CRSRef
	Props   []PropertyFilter
	// Where is a CQL2 filter checked against the layer's queryables
	// (Layer.Queryables); its geometry literals are in WhereCRS.
	Where    cql2.Expr
	WhereCRS CRSRef
	Sort     []SortKey
	// Properties, when not nil, are the only properties the answer
	// carries.
	Properties []string
	// CRS is the system of the answer's coordinates (CRS84 when zero).
	CRS    CRSRef
	Limit  int
	Offset int
	// After continues a keyset page: see FeaturePage.Next.
	After *Cursor
}

// ParseBBox reads an OGC bbox parameter: "minLon,minLat,maxLon,maxLat" in
// WGS 84 degrees (CRS84), or six numbers with heights, which are ignored.
// A box whose minimum longitude is east of its maximum crosses the
// antimeridian (OGC API – Features 1, 7.15.3): it is returned as given.
func ParseBBox(s string) (orb.Bound, error) {
	return ParseBBoxIn(s, CRS84)
}

// ParseBBoxIn reads a bbox parameter in the CRS c: its four numbers in c's
// axis order (latitude first for EPSG:4326), returned in PostGIS's order
// (longitude or easting first).
func ParseBBoxIn(s string, c CRSRef) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter must be four numbers, minLon,minLat,maxLon,maxLat; got %d values.", len(parts))
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return orb.Bound{}, Errorf(EINVALID, "The bbox parameter must be four numbers, minLon,minLat,maxLon,maxLat; %q is not a number.", clip(p, 30))
		}
		nums[i] = n
	}
	if len(nums) == 6 {
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	b := c.SwapBound(orb.Bound{Min: orb.Point{nums[0], nums[1]}, Max: orb.Point{nums[2], nums[3]}})
	if !c.Geographic {
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
			return orb.Bound{}, Errorf(EINVALID, "The bbox parameter's minimum corner must come first: its minimum is above or right of its maximum.")
		}
		return b, nil
	}
	order := "minLon,minLat,maxLon,maxLat"
	if c.Swap {
		order = "minLat,minLon,maxLat,maxLon"
	}
	if !validLonLat(b.Min[0], b.Min[1]) || !validLonLat(b.Max[0], b.Max[1]) {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter must be in degrees (%s): longitudes from -180 to 180, latitudes from -90 to 90.", order)
	}
	if b.Min[1] > b.Max[1] {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter's minimum latitude (%g) is above its maximum (%g); the order is %s.", b.Min[1], b.Max[1], order)
	}
	return b, nil
}

// ParseFilterValue reads a property filter's value as the field's type.
func ParseFilterValue(l Layer, name, value string) (PropertyFilter, error) {
	f, ok := l.Field(name)
	if !ok || !f.Filterable {
		return PropertyFilter{}, Errorf(EINVALID, "Layer %q cannot be filtered by %q; the properties it can be filtered by are %s.", l.Name, clip(name, 40), joinQuoted(filterable(l)))
	}
	switch f.Type {
	case Integer:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return PropertyFilter{}, Errorf(EINVALID, "The filter %s must be a whole number; got %q.", name, clip(value, 30))
		}
		return PropertyFilter{Field: name, Value: n}, nil
	case Number:
		n, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return PropertyFilter{}, Errorf(EINVALID, "The filter %s must be a number; got %q.", name, clip(value, 30))
		}
		return PropertyFilter{Field: name, Value: n}, nil
	}
	if !utf8.ValidString(value) || utf8.RuneCountInString(value) > MaxTextLength {
		return PropertyFilter{}, Errorf(EINVALID, "The filter %s must be valid UTF-8 text of at most %d characters.", name, MaxTextLength)
	}
	if !f.Allows(value) {
		return PropertyFilter{}, Errorf(EINVALID, "The filter %s must be one of %s; got %q.", name, joinQuoted(f.Values()), clip(value, 30))
	}
	return PropertyFilter{Field: name, Value: value}, nil
}

func filterable(l Layer) []string {
	var names []string
	for _, f := range l.Fields {
		if f.Filterable {
			names = append(names, f.Name)
		}
	}
	return names
}

// clip shortens s for an error message, keeping it valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
