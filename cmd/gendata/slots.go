package main

import (
	"github.com/paulmach/orb"
)

// slot is one quarter of a grid cell: the piece of land a compound or a
// facility takes. Quarters are 0 south-west, 1 south-east, 2 north-west and
// 3 north-east; the cell's midlines between them are left for lanes.
type slot struct {
	i, j, q int
}

// grid is the number (1..15) of the grid the slot lies in.
func (s slot) grid() int { return gridNumber(s.i, s.j) }

// uv is the slot's (u, v) range in its cell.
func (s slot) uv() (u0, u1, v0, v1 float64) {
	u0, v0 = 0.5*float64(s.q%2), 0.5*float64(s.q/2)
	return u0, u0 + 0.5, v0, v0 + 0.5
}

// Clearances, in metres, that compounds keep.
const (
	gridMargin       = 12 // from their grid's boundary (the rule is 8 m)
	pedestrianMargin = 28 // from the pedestrian street, for its shop fronts
	mainMargin       = 14
	minorMargin      = 9
	landmarkMargin   = 12
)

// shrinks are the parts of a slot tried in turn, as fractions of its range:
// the whole of it first, then smaller parts away from whatever is in the way.
func shrinks() [][4]float64 {
	return [][4]float64{
		{0, 1, 0, 1},
		{0.35, 1, 0, 1}, {0, 0.65, 0, 1}, {0, 1, 0.35, 1}, {0, 1, 0, 0.65},
		{0.45, 1, 0.45, 1}, {0, 0.55, 0.45, 1}, {0.45, 1, 0, 0.55}, {0, 0.55, 0, 0.55},
	}
}

// land returns the largest part of the slot, shrunk by the margins given in
// metres, that keeps clear of the site's streets and landmarks, and whether
// there is one.
func (st *site) land(s slot, outer, inner float64) (orb.Ring, bool) {
	l := st.lattice
	w := length(sub(l.at(s.i, s.j, 1, 0.5), l.at(s.i, s.j, 0, 0.5)))
	h := length(sub(l.at(s.i, s.j, 0.5, 1), l.at(s.i, s.j, 0.5, 0)))
	u0, u1, v0, v1 := s.uv()
	// The cell side of a slot is its outer side, the midline side its inner.
	if s.q%2 == 0 {
		u0, u1 = u0+outer/w, u1-inner/w
	} else {
		u0, u1 = u0+inner/w, u1-outer/w
	}
	if s.q/2 == 0 {
		v0, v1 = v0+outer/h, v1-inner/h
	} else {
		v0, v1 = v0+inner/h, v1-outer/h
	}
	for _, f := range shrinks() {
		a, b := u0+(u1-u0)*f[0], u0+(u1-u0)*f[1]
		c, d := v0+(v1-v0)*f[2], v0+(v1-v0)*f[3]
		r := l.quad(s.i, s.j, a, b, c, d)
		if st.clear(s, r) {
			return r, true
		}
	}
	return nil, false
}

// clear reports whether a compound ring in slot s keeps its distances from
// the grid boundary, the streets and the landmarks.
func (st *site) clear(s slot, r orb.Ring) bool {
	if !insideWithMargin(r, st.lattice.cell(s.i, s.j), gridMargin) {
		return false
	}
	for _, x := range st.streets {
		if lineClearance(r, x.line) < streetMargin(x.kind) {
			return false
		}
	}
	for _, x := range st.landmarks {
		if ringClearance(r, x.ring) < landmarkMargin {
			return false
		}
	}
	return true
}

// streetMargin is how far compounds keep from a street of that kind.
func streetMargin(kind string) float64 {
	switch kind {
	case "pedestrian":
		return pedestrianMargin
	case "main":
		return mainMargin
	default:
		return minorMargin
	}
}
