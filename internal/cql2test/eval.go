// Package cql2test evaluates CQL2 filters in Go, independently of any
// database, for tests that hold the SQL a store runs against the same
// selection made here. It follows SQL's three-valued logic (a comparison
// with a missing value is unknown, and NOT unknown is unknown) and plain
// planar geometry, good for literals that do not run along the data's
// edges; distances are on the ellipsoid (Vincenty).
package cql2test

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"partymap/internal/cql2"
	"partymap/internal/geotest"
)

// Truth is a value of three-valued logic.
type Truth int

// The three truth values.
const (
	False Truth = iota
	True
	Unknown
)

// Feature is what a filter reads: the properties by queryable name (id and
// updated_at among them; string, int64, float64, []string, time.Time) and
// the geometry, in WGS 84.
type Feature struct {
	Props    map[string]any
	Geometry orb.Geometry
}

// Matches reports whether the filter selects the feature (True only).
func Matches(e cql2.Expr, f Feature) bool { return Eval(e, f) == True }

// Eval returns the filter's truth for the feature. Geometry literals must
// be in WGS 84 longitude, latitude.
func Eval(e cql2.Expr, f Feature) Truth {
	switch x := e.(type) {
	case cql2.And:
		out := True
		for _, a := range x.Args {
			switch Eval(a, f) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	case cql2.Or:
		out := False
		for _, a := range x.Args {
			switch Eval(a, f) {
			case True:
				return True
			case Unknown:
				out = Unknown
			}
		}
		return out
	case cql2.Not:
		switch Eval(x.Arg, f) {
		case True:
			return False
		case False:
			return True
		}
		return Unknown
	case cql2.Bool:
		return truth(x.Value)
	case cql2.Compare:
		date := isDate(x.Left) || isDate(x.Right)
		a, b := value(x.Left, f, date), value(x.Right, f, date)
		if a == nil || b == nil {
			return Unknown
		}
		c := compare(a, b)
		switch x.Op {
		case "=":
			return truth(c == 0)
		case "<>":
			return truth(c != 0)
		case "<":
			return truth(c < 0)
		case "<=":
			return truth(c <= 0)
		case ">":
			return truth(c > 0)
		}
		return truth(c >= 0)
	case cql2.Like:
		v, p := value(x.Value, f, false), value(x.Pattern, f, false)
		if v == nil || p == nil {
			return Unknown
		}
		return truth(like(v.(string), p.(string)) != x.Not)
	case cql2.Between:
		v, lo, hi := value(x.Value, f, false), value(x.Low, f, false), value(x.High, f, false)
		if v == nil || lo == nil || hi == nil {
			return Unknown
		}
		return truth((compare(v, lo) >= 0 && compare(v, hi) <= 0) != x.Not)
	case cql2.In:
		v := value(x.Value, f, false)
		if v == nil {
			return Unknown
		}
		found := False
		for _, it := range x.List {
			iv := value(it, f, false)
			if iv == nil {
				found = Unknown
				continue
			}
			if compare(v, iv) == 0 {
				found = True
				break
			}
		}
		if x.Not && found != Unknown {
			return 1 - found
		}
		return found
	case cql2.IsNull:
		v := value(x.Value, f, false)
		return truth((v == nil) != x.Not)
	case cql2.Spatial:
		a, b := geometry(x.Left, f), geometry(x.Right, f)
		switch x.Op {
		case "s_intersects":
			return truth(Intersects(a, b))
		case "s_disjoint":
			return truth(!Intersects(a, b))
		case "s_within":
			return truth(Within(a, b))
		case "s_contains":
			return truth(Within(b, a))
		}
		panic("cql2test: no Go evaluation of " + x.Op)
	case cql2.DWithin:
		a, b := geometry(x.Left, f), geometry(x.Right, f)
		pa, ok1 := a.(orb.Point)
		pb, ok2 := b.(orb.Point)
		if !ok1 || !ok2 {
			panic("cql2test: S_DWITHIN is evaluated between points only")
		}
		return truth(geotest.Vincenty(pa, pb) <= x.Metres)
	case cql2.Array:
		a, _ := value(x.Left, f, false).([]string)
		b, _ := value(x.Right, f, false).([]string)
		if a == nil || b == nil {
			return Unknown
		}
		switch x.Op {
		case "a_equals":
			return truth(slices.Equal(a, b))
		case "a_contains":
			return truth(subset(b, a))
		case "a_containedby":
			return truth(subset(a, b))
		}
		return truth(slices.ContainsFunc(a, func(s string) bool { return slices.Contains(b, s) }))
	}
	panic("cql2test: not a predicate")
}

func truth(b bool) Truth {
	if b {
		return True
	}
	return False
}

func isDate(e cql2.Expr) bool {
	t, ok := e.(cql2.Timestamp)
	return ok && t.Date
}

func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// value returns a value as string, float64, time.Time or []string; nil
// when missing.
func value(e cql2.Expr, f Feature, date bool) any {
	switch x := e.(type) {
	case cql2.Property:
		v := f.Props[x.Name]
		switch n := v.(type) {
		case int64:
			return float64(n)
		case int:
			return float64(n)
		case time.Time:
			if date {
				return n.UTC().Truncate(24 * time.Hour)
			}
		}
		return v
	case cql2.String:
		return x.Value
	case cql2.Number:
		return x.Value
	case cql2.Bool:
		return x.Value
	case cql2.Timestamp:
		return x.Value
	case cql2.CaseI:
		if s, ok := value(x.Arg, f, date).(string); ok {
			return strings.ToLower(s)
		}
		return nil
	case cql2.List:
		out := make([]string, len(x.Items))
		for i, it := range x.Items {
			out[i] = it.(cql2.String).Value
		}
		return out
	}
	panic("cql2test: not a value")
}

func compare(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case time.Time:
		return x.Compare(b.(time.Time))
	case bool:
		if x == b.(bool) {
			return 0
		}
		return 1
	}
	panic("cql2test: values of different kinds")
}

// like matches s against a CQL2 pattern: % any run, _ one character, \
// escapes.
func like(s, pattern string) bool {
	sr, pr := []rune(s), []rune(pattern)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for j < len(pr) {
			switch pr[j] {
			case '%':
				for k := i; k <= len(sr); k++ {
					if match(k, j+1) {
						return true
					}
				}
				return false
			case '_':
				if i >= len(sr) {
					return false
				}
			case '\\':
				if j+1 < len(pr) {
					j++
				}
				if i >= len(sr) || sr[i] != pr[j] {
					return false
				}
			default:
				if i >= len(sr) || sr[i] != pr[j] {
					return false
				}
			}
			i++
			j++
		}
		return i == len(sr)
	}
	return match(0, 0)
}

func geometry(e cql2.Expr, f Feature) orb.Geometry {
	switch x := e.(type) {
	case cql2.Property:
		return f.Geometry
	case cql2.Geometry:
		return x.Value
	case cql2.BBox:
		return orb.Bound{Min: orb.Point{x.West, x.South}, Max: orb.Point{x.East, x.North}}.ToPolygon()
	}
	panic("cql2test: not a geometry")
}

// Intersects reports whether two geometries share a point.
func Intersects(a, b orb.Geometry) bool {
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	for _, p := range points(a) {
		if covers(b, p) {
			return true
		}
	}
	for _, p := range points(b) {
		if covers(a, p) {
			return true
		}
	}
	for _, s := range segments(a) {
		for _, t := range segments(b) {
			if segmentsMeet(s, t) {
				return true
			}
		}
	}
	return false
}

// Within reports whether a lies inside b: every vertex of a inside b and
// no edge of a crossing an edge of b.
func Within(a, b orb.Geometry) bool {
	for _, p := range points(a) {
		if !covers(b, p) {
			return false
		}
	}
	for _, s := range segments(a) {
		for _, t := range segments(b) {
			if segmentsCross(s, t) {
				return false
			}
		}
	}
	return true
}

// covers reports whether g contains p (on its boundary included for
// areas; for points and lines, p equals a vertex or lies on an edge).
func covers(g orb.Geometry, p orb.Point) bool {
	switch x := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(x, p) || onBoundary(x, p)
	case orb.MultiPolygon:
		for _, pg := range x {
			if covers(pg, p) {
				return true
			}
		}
		return false
	case orb.Point:
		return x == p
	}
	for _, s := range segments(g) {
		if onSegment(s, p) {
			return true
		}
	}
	return false
}

func onBoundary(pg orb.Polygon, p orb.Point) bool {
	for _, s := range segments(pg) {
		if onSegment(s, p) {
			return true
		}
	}
	return false
}

func points(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch x := g.(type) {
	case orb.Point:
		out = append(out, x)
	case orb.MultiPoint:
		out = append(out, x...)
	case orb.LineString:
		out = append(out, x...)
	case orb.MultiLineString:
		for _, l := range x {
			out = append(out, l...)
		}
	case orb.Polygon:
		for _, r := range x {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, pg := range x {
			out = append(out, points(pg)...)
		}
	}
	return out
}

type segment [2]orb.Point

func segments(g orb.Geometry) []segment {
	var out []segment
	line := func(ps []orb.Point) {
		for i := 1; i < len(ps); i++ {
			out = append(out, segment{ps[i-1], ps[i]})
		}
	}
	switch x := g.(type) {
	case orb.LineString:
		line(x)
	case orb.MultiLineString:
		for _, l := range x {
			line(l)
		}
	case orb.Polygon:
		for _, r := range x {
			line(r)
		}
	case orb.MultiPolygon:
		for _, pg := range x {
			out = append(out, segments(pg)...)
		}
	}
	return out
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func onSegment(s segment, p orb.Point) bool {
	const eps = 1e-12
	return math.Abs(cross(s[0], s[1], p)) < eps &&
		p[0] >= min(s[0][0], s[1][0])-eps && p[0] <= max(s[0][0], s[1][0])+eps &&
		p[1] >= min(s[0][1], s[1][1])-eps && p[1] <= max(s[0][1], s[1][1])+eps
}

// segmentsCross reports a proper crossing: each segment's ends strictly
// on either side of the other.
func segmentsCross(s, t segment) bool {
	d1, d2 := cross(t[0], t[1], s[0]), cross(t[0], t[1], s[1])
	d3, d4 := cross(s[0], s[1], t[0]), cross(s[0], s[1], t[1])
	return (d1 > 0) != (d2 > 0) && d1 != 0 && d2 != 0 && (d3 > 0) != (d4 > 0) && d3 != 0 && d4 != 0
}

func segmentsMeet(s, t segment) bool {
	return segmentsCross(s, t) || onSegment(s, t[0]) || onSegment(s, t[1]) || onSegment(t, s[0]) || onSegment(t, s[1])
}
