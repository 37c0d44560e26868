package main

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The tests' own geometry, written apart from the generator's so that a slip
// in one is caught by the other. All of it works on local metres.

// turn is twice the signed area of triangle abc: positive when it turns left.
func turn(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentsMeet reports whether the closed segments ab and cd share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	d1, d2, d3, d4 := turn(a, b, c), turn(a, b, d), turn(c, d, a), turn(c, d, b)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	within := func(p, q, r orb.Point) bool {
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (d1 == 0 && within(a, b, c)) || (d2 == 0 && within(a, b, d)) ||
		(d3 == 0 && within(c, d, a)) || (d4 == 0 && within(c, d, b))
}

// gapBetween is the shortest distance between two polylines, 0 if they meet.
func gapBetween(a, b []orb.Point) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(a); i++ {
		for k := 0; k+1 < len(b); k++ {
			if segmentsMeet(a[i], a[i+1], b[k], b[k+1]) {
				return 0
			}
			best = min(best,
				planar.DistanceFromSegment(a[i], a[i+1], b[k]), planar.DistanceFromSegment(a[i], a[i+1], b[k+1]),
				planar.DistanceFromSegment(b[k], b[k+1], a[i]), planar.DistanceFromSegment(b[k], b[k+1], a[i+1]))
		}
	}
	return best
}

// insideBy reports whether inner lies inside outer, and how far inner's
// boundary keeps from outer's.
func insideBy(inner, outer orb.Ring) (bool, float64) {
	for _, p := range inner {
		if !planar.RingContains(outer, p) {
			return false, 0
		}
	}
	return true, gapBetween(inner, outer)
}

// shoelace is the absolute area of a polygon given by its distinct vertices.
func shoelace(pts []orb.Point) float64 {
	var s float64
	for i := range pts {
		p, q := pts[i], pts[(i+1)%len(pts)]
		s += p[0]*q[1] - q[0]*p[1]
	}
	return math.Abs(s) / 2
}

// triangulate cuts a simple ring into triangles by clipping ears; it returns
// nil when the ring is not simple enough to cut.
func triangulate(r orb.Ring) [][]orb.Point {
	pts := append([]orb.Point{}, r[:len(r)-1]...)
	if r.Orientation() == orb.CW {
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	var tris [][]orb.Point
	for len(pts) > 3 {
		n, cut := len(pts), false
		for i := range n {
			a, b, c := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
			t := turn(a, b, c)
			if t == 0 { // a straight-through vertex adds no area
				pts, cut = append(pts[:i:i], pts[i+1:]...), true
				break
			}
			if t < 0 {
				continue
			}
			ear := true
			for k, p := range pts {
				if k == i || k == (i+n-1)%n || k == (i+1)%n {
					continue
				}
				if turn(a, b, p) >= 0 && turn(b, c, p) >= 0 && turn(c, a, p) >= 0 {
					ear = false
					break
				}
			}
			if ear {
				tris = append(tris, []orb.Point{a, b, c})
				pts, cut = append(pts[:i:i], pts[i+1:]...), true
				break
			}
		}
		if !cut {
			return nil
		}
	}
	return append(tris, pts)
}

// clipConvex clips the convex polygon subject by the convex counter-clockwise
// polygon clip (Sutherland–Hodgman).
func clipConvex(subject, clip []orb.Point) []orb.Point {
	out := subject
	for i := range clip {
		a, b := clip[i], clip[(i+1)%len(clip)]
		in := out
		out = nil
		for j := range in {
			p, q := in[(j+len(in)-1)%len(in)], in[j]
			tp, tq := turn(a, b, p), turn(a, b, q)
			if (tp >= 0) != (tq >= 0) {
				s := tp / (tp - tq)
				out = append(out, orb.Point{p[0] + s*(q[0]-p[0]), p[1] + s*(q[1]-p[1])})
			}
			if tq >= 0 {
				out = append(out, q)
			}
		}
		if len(out) < 3 {
			return nil
		}
	}
	return out
}

// overlapArea is the area two simple rings have in common, -1 when either
// cannot be triangulated.
func overlapArea(a, b orb.Ring) float64 {
	ta, tb := triangulate(a), triangulate(b)
	if ta == nil || tb == nil {
		return -1
	}
	var sum float64
	for _, x := range ta {
		for _, y := range tb {
			if c := clipConvex(x, y); c != nil {
				sum += shoelace(c)
			}
		}
	}
	return sum
}

// square is the counter-clockwise ring of an axis-aligned square.
func square(x, y, side float64) orb.Ring {
	return orb.Ring{{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}}
}

func TestOverlapArea(t *testing.T) {
	ell := orb.Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}
	cw := square(0.5, 0, 1)
	cw.Reverse()
	tests := []struct {
		name string
		a, b orb.Ring
		want float64
	}{
		{"half over", square(0, 0, 1), square(0.5, 0, 1), 0.5},
		{"shared edge", square(0, 0, 1), square(1, 0, 1), 0},
		{"shared corner", square(0, 0, 1), square(1, 1, 1), 0},
		{"apart", square(0, 0, 1), square(3, 3, 1), 0},
		{"same", square(0, 0, 1), square(0, 0, 1), 1},
		{"inside", square(0, 0, 4), square(1, 1, 1), 1},
		{"in the notch of an L", ell, square(1, 1, 1), 0},
		{"over the corner of an L", ell, square(0.5, 0.5, 1), 0.75},
		{"clockwise ring", square(0, 0, 1), cw, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := overlapArea(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("overlapArea = %v, want %v", got, tt.want)
			}
			if got := overlapArea(tt.b, tt.a); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("overlapArea reversed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSegmentsMeet(t *testing.T) {
	tests := []struct {
		name       string
		a, b, c, d orb.Point
		want       bool
	}{
		{"crossing", orb.Point{0, 0}, orb.Point{2, 2}, orb.Point{0, 2}, orb.Point{2, 0}, true},
		{"end on end", orb.Point{0, 0}, orb.Point{1, 0}, orb.Point{1, 0}, orb.Point{2, 5}, true},
		{"T", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{1, 0}, orb.Point{1, 3}, true},
		{"collinear overlapping", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{1, 0}, orb.Point{3, 0}, true},
		{"collinear apart", orb.Point{0, 0}, orb.Point{1, 0}, orb.Point{2, 0}, orb.Point{3, 0}, false},
		{"parallel", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{0, 1}, orb.Point{2, 1}, false},
		{"short of crossing", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{1, 0.1}, orb.Point{1, 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := segmentsMeet(tt.a, tt.b, tt.c, tt.d); got != tt.want {
				t.Errorf("segmentsMeet = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInsideBy(t *testing.T) {
	tests := []struct {
		name       string
		inner      orb.Ring
		wantInside bool
		wantGap    float64
	}{
		{"well inside", square(2, 3, 4), true, 2},
		{"touching", square(0, 3, 4), true, 0},
		{"sticking out", square(8, 3, 4), false, 0},
		{"outside", square(20, 20, 1), false, 0},
	}
	outer := square(0, 0, 10)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, gap := insideBy(tt.inner, outer)
			if in != tt.wantInside || math.Abs(gap-tt.wantGap) > 1e-9 {
				t.Errorf("insideBy = %v, %v; want %v, %v", in, gap, tt.wantInside, tt.wantGap)
			}
		})
	}
}
