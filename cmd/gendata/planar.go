package main

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The small vector algebra the layout needs, on local metres.

func add(a, b orb.Point) orb.Point           { return orb.Point{a[0] + b[0], a[1] + b[1]} }
func sub(a, b orb.Point) orb.Point           { return orb.Point{a[0] - b[0], a[1] - b[1]} }
func scale(a orb.Point, k float64) orb.Point { return orb.Point{a[0] * k, a[1] * k} }
func dot(a, b orb.Point) float64             { return a[0]*b[0] + a[1]*b[1] }
func cross(a, b orb.Point) float64           { return a[0]*b[1] - a[1]*b[0] }
func length(a orb.Point) float64             { return math.Hypot(a[0], a[1]) }
func unit(a orb.Point) orb.Point             { return scale(a, 1/length(a)) }
func lerp(a, b orb.Point, t float64) orb.Point {
	return orb.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t}
}

// left turns a direction a quarter turn counter-clockwise.
func left(d orb.Point) orb.Point { return orb.Point{-d[1], d[0]} }

// segmentsTouch reports whether the closed segments ab and cd share a point.
func segmentsTouch(a, b, c, d orb.Point) bool {
	d1 := cross(sub(b, a), sub(c, a))
	d2 := cross(sub(b, a), sub(d, a))
	d3 := cross(sub(d, c), sub(a, c))
	d4 := cross(sub(d, c), sub(b, c))
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	onSegment := func(p, q, r orb.Point) bool { // r on pq, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (d1 == 0 && onSegment(a, b, c)) || (d2 == 0 && onSegment(a, b, d)) ||
		(d3 == 0 && onSegment(c, d, a)) || (d4 == 0 && onSegment(c, d, b))
}

// segmentDistance is the shortest distance between segments ab and cd.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if segmentsTouch(a, b, c, d) {
		return 0
	}
	return math.Min(
		math.Min(planar.DistanceFromSegment(a, b, c), planar.DistanceFromSegment(a, b, d)),
		math.Min(planar.DistanceFromSegment(c, d, a), planar.DistanceFromSegment(c, d, b)),
	)
}

// pathDistance is the shortest distance between two polylines (a ring is a
// closed polyline).
func pathDistance(a, b []orb.Point) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(a); i++ {
		for k := 0; k+1 < len(b); k++ {
			best = math.Min(best, segmentDistance(a[i], a[i+1], b[k], b[k+1]))
		}
	}
	return best
}

// lineClearance is how far the line keeps from the ring's area: 0 when it
// enters the ring.
func lineClearance(r orb.Ring, line []orb.Point) float64 {
	for _, p := range line {
		if planar.RingContains(r, p) {
			return 0
		}
	}
	return pathDistance(r, line)
}

// ringClearance is the gap between two rings' areas: 0 when they meet.
func ringClearance(a, b orb.Ring) float64 {
	if planar.RingContains(a, b[0]) || planar.RingContains(b, a[0]) {
		return 0
	}
	return pathDistance(a, b)
}

// insideWithMargin reports whether inner lies inside outer, at least m away
// from outer's boundary.
func insideWithMargin(inner, outer orb.Ring, m float64) bool {
	return planar.RingContains(outer, inner[0]) && pathDistance(inner, outer) >= m
}

// convex reports whether the closed ring turns left at every vertex.
func convex(r orb.Ring) bool {
	n := len(r) - 1
	for i := 0; i < n; i++ {
		a, b, c := r[(i+n-1)%n], r[i], r[(i+1)%n]
		if cross(sub(b, a), sub(c, b)) <= 0 {
			return false
		}
	}
	return true
}

// closeRing returns the points as a closed ring.
func closeRing(pts ...orb.Point) orb.Ring {
	r := append(orb.Ring{}, pts...)
	return append(r, pts[0])
}

// rectangle is the counter-clockwise ring of a w × h rectangle centred on c,
// its w side along the unit direction dir.
func rectangle(c, dir orb.Point, w, h float64) orb.Ring {
	along, across := scale(dir, w/2), scale(left(dir), h/2)
	return closeRing(
		sub(sub(c, along), across),
		sub(add(c, along), across),
		add(add(c, along), across),
		add(sub(c, along), across),
	)
}

// centroid is the mean of a ring's distinct vertices.
func centroid(r orb.Ring) orb.Point {
	var s orb.Point
	n := len(r) - 1
	for _, p := range r[:n] {
		s = add(s, p)
	}
	return scale(s, 1/float64(n))
}

// along returns the point at distance s along the line, and the unit
// direction of the segment it falls on.
func along(line orb.LineString, s float64) (orb.Point, orb.Point) {
	for i := 0; i+1 < len(line); i++ {
		seg := length(sub(line[i+1], line[i]))
		if s <= seg || i+2 == len(line) {
			d := unit(sub(line[i+1], line[i]))
			return add(line[i], scale(d, s)), d
		}
		s -= seg
	}
	return line[0], orb.Point{1, 0}
}

// beside returns the point at fraction t of the line's length, moved off the
// line by offset metres (positive to the left of its direction).
func beside(line orb.LineString, t, offset float64) orb.Point {
	p, d := along(line, t*planar.Length(line))
	return add(p, scale(left(d), offset))
}

// extend lengthens the line by m metres at both ends.
func extend(line orb.LineString, m float64) orb.LineString {
	n := len(line)
	out := append(orb.LineString{}, line...)
	out[0] = add(line[0], scale(unit(sub(line[0], line[1])), m))
	out[n-1] = add(line[n-1], scale(unit(sub(line[n-1], line[n-2])), m))
	return out
}
