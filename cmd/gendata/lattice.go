package main

import (
	"fmt"

	"github.com/paulmach/orb"

	"partymap/internal/splitmix"
)

// The community is cut into gridCols × gridRows management grids.
const (
	gridCols = 5
	gridRows = 3
)

// lattice is the shared vertex lattice the grids are cut from. Every grid and
// the community outline reuse the very same vertex values, so neighbouring
// grids share their edges exactly and their union is the outline.
type lattice struct {
	// corner is indexed [row from the south][column from the west].
	corner [gridRows + 1][gridCols + 1]orb.Point
	// south, north, west and east hold one extra vertex on each outer edge,
	// bulging a little outwards so the outline is not a plain box.
	south, north [gridCols]orb.Point
	west, east   [gridRows]orb.Point
}

// newLattice lays out the lattice in local metres: about 1.5 km east–west and
// 1.16 km north–south, south and south-west of Xiyue Temple, with every
// vertex jittered a little.
func newLattice(r *splitmix.Source) (*lattice, error) {
	xs := [gridCols + 1]float64{-1000, -700, -400, -100, 200, 500}
	ys := [gridRows + 1]float64{-1450, -1060, -670, -290}
	l := &lattice{}
	for j, y := range ys {
		for i, x := range xs {
			dx, dy := r.Between(-24, 24), r.Between(-24, 24)
			if i == 0 || i == gridCols {
				dx = r.Between(-12, 12)
			}
			if j == 0 {
				dy = r.Between(-12, 12)
			}
			if j == gridRows {
				// The north edge runs along the road in front of the
				// temple wall; keep it clear of the wall.
				dy = r.Between(-16, 0)
			}
			l.corner[j][i] = orb.Point{x + dx, y + dy}
		}
	}
	bulge := func(a, b orb.Point, most float64) orb.Point {
		// a → b runs counter-clockwise round the outline, so outwards is
		// to the right.
		d := unit(sub(b, a))
		return add(lerp(a, b, r.Between(0.35, 0.65)), scale(orb.Point{d[1], -d[0]}, r.Between(2, most)))
	}
	for i := range gridCols {
		l.south[i] = bulge(l.corner[0][i], l.corner[0][i+1], 12)
		l.north[i] = bulge(l.corner[gridRows][i+1], l.corner[gridRows][i], 5)
	}
	for j := range gridRows {
		l.east[j] = bulge(l.corner[j][gridCols], l.corner[j+1][gridCols], 12)
		l.west[j] = bulge(l.corner[j+1][0], l.corner[j][0], 12)
	}
	for j := range gridRows {
		for i := range gridCols {
			if !convex(l.cell(i, j)) {
				return nil, fmt.Errorf("grid cell %d,%d is not convex", i, j)
			}
		}
	}
	return l, nil
}

// gridNumber numbers the grids 1..15 row by row from the north-west corner.
func gridNumber(i, j int) int { return (gridRows-1-j)*gridCols + i + 1 }

// cell is the counter-clockwise ring of the grid in column i, row j.
func (l *lattice) cell(i, j int) orb.Ring {
	r := orb.Ring{l.corner[j][i]}
	if j == 0 {
		r = append(r, l.south[i])
	}
	r = append(r, l.corner[j][i+1])
	if i == gridCols-1 {
		r = append(r, l.east[j])
	}
	r = append(r, l.corner[j+1][i+1])
	if j == gridRows-1 {
		r = append(r, l.north[i])
	}
	r = append(r, l.corner[j+1][i])
	if i == 0 {
		r = append(r, l.west[j])
	}
	return append(r, r[0])
}

// outline is the counter-clockwise community outline: the union of the cells.
func (l *lattice) outline() orb.Ring {
	var r orb.Ring
	for i := range gridCols {
		r = append(r, l.corner[0][i], l.south[i])
	}
	for j := range gridRows {
		r = append(r, l.corner[j][gridCols], l.east[j])
	}
	for i := gridCols; i > 0; i-- {
		r = append(r, l.corner[gridRows][i], l.north[i-1])
	}
	for j := gridRows; j > 0; j-- {
		r = append(r, l.corner[j][0], l.west[j-1])
	}
	return append(r, r[0])
}

// at maps (u, v) in [0, 1]² bilinearly onto the four corners of cell i, j.
// Lines of constant u or v are straight, so the image of a (u, v) rectangle
// is the quadrilateral of its four corners, inside the cell.
func (l *lattice) at(i, j int, u, v float64) orb.Point {
	sw, se := l.corner[j][i], l.corner[j][i+1]
	nw, ne := l.corner[j+1][i], l.corner[j+1][i+1]
	return lerp(lerp(sw, se, u), lerp(nw, ne, u), v)
}

// quad is the counter-clockwise quadrilateral of the (u, v) rectangle
// [u0, u1] × [v0, v1] in cell i, j.
func (l *lattice) quad(i, j int, u0, u1, v0, v1 float64) orb.Ring {
	return closeRing(l.at(i, j, u0, v0), l.at(i, j, u1, v0), l.at(i, j, u1, v1), l.at(i, j, u0, v1))
}

// row is the lattice line between rows j-1 and j, west to east, with the
// outer bulges when it is the outline's north or south edge.
func (l *lattice) row(j int) orb.LineString {
	var line orb.LineString
	for i := 0; i <= gridCols; i++ {
		line = append(line, l.corner[j][i])
		if i < gridCols && j == gridRows {
			line = append(line, l.north[i])
		}
		if i < gridCols && j == 0 {
			line = append(line, l.south[i])
		}
	}
	return line
}

// column is the lattice line between columns i-1 and i, south to north.
func (l *lattice) column(i int) orb.LineString {
	var line orb.LineString
	for j := 0; j <= gridRows; j++ {
		line = append(line, l.corner[j][i])
	}
	return line
}

// midline runs through the middle of cells from..to of row j (v = 0.5), or
// of column i (u = 0.5) when vertical is set; index picks the row or column.
func (l *lattice) midline(index, from, to int, vertical bool) orb.LineString {
	var line orb.LineString
	for k := from; k <= to; k++ {
		if vertical {
			if k == from {
				line = append(line, l.at(index, k, 0.5, 0))
			}
			line = append(line, l.at(index, k, 0.5, 1))
			continue
		}
		if k == from {
			line = append(line, l.at(k, index, 0, 0.5))
		}
		line = append(line, l.at(k, index, 1, 0.5))
	}
	return line
}
