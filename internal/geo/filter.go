package geo

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
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

// Filter selects a page of a layer's features, ordered by id.
type Filter struct {
	Layer  string
	BBox   *orb.Bound
	Props  []PropertyFilter
	Limit  int
	Offset int
	// After, when above 0, starts the page after the feature with this id
	// (keyset paging, the next links' cursor) instead of at Offset.
	After int64
}

// ParseBBox reads an OGC bbox parameter: "minLon,minLat,maxLon,maxLat" in
// WGS 84 degrees (CRS84), or six numbers with heights, which are ignored.
func ParseBBox(s string) (orb.Bound, error) {
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
	b := orb.Bound{Min: orb.Point{nums[0], nums[1]}, Max: orb.Point{nums[2], nums[3]}}
	if !validLonLat(b.Min[0], b.Min[1]) || !validLonLat(b.Max[0], b.Max[1]) {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter must be in degrees: longitudes from -180 to 180, latitudes from -90 to 90.")
	}
	if b.Min[1] > b.Max[1] {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter's minimum latitude (%g) is above its maximum (%g); the order is minLon,minLat,maxLon,maxLat.", b.Min[1], b.Max[1])
	}
	if b.Min[0] > b.Max[0] {
		return orb.Bound{}, Errorf(EINVALID, "The bbox parameter's minimum longitude (%g) is east of its maximum (%g); boxes across the antimeridian are not supported.", b.Min[0], b.Max[0])
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
