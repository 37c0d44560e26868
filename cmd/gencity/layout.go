package main

import (
	"math"

	"github.com/paulmach/orb"

	"partymap/internal/splitmix"
)

// The city is laid out in metres on a plane, then placed on the map near
// Huayin. Grids are cells of a lattice whose inner corners and edges are
// jittered, shared by neighbours so that the grids tile the city with no
// gap and no overlap; a community is a block of grids and a subdistrict a
// block of communities, their outlines traced along the same shared
// corners and edges, so that each is exactly the union of its grids.
// Compounds, parking, a square and parks fill slots inside each grid's safe
// inner rectangle; buildings fill slots inside compounds.
const (
	// cellMetres is the nominal size of a grid cell.
	cellMetres = 450.0
	// cornerJitter and edgeJitter bound how far inner lattice corners and
	// the points along shared edges move, in metres.
	cornerJitter = 25.0
	edgeJitter   = 10.0
	// innerInset keeps slots clear of the jittered grid edges.
	innerInset = 40.0
	// slotCols × slotRows slots per grid: compounds, one car park, the
	// grid's square, maybe a park.
	slotCols, slotRows = 3, 3
	// roadHalf is half the width of the lanes between compounds.
	roadHalf = 6.0
	// buildingCols × buildingRows buildings per compound.
	buildingCols, buildingRows = 4, 4
	// centreLon and centreLat place the city's centre.
	centreLon, centreLat = 110.09, 34.565
	// metresPerDegreeLat is the length of a degree of latitude there.
	metresPerDegreeLat = 110_574.0
)

// rect is an axis-aligned rectangle in metres.
type rect struct{ x0, y0, x1, y1 float64 }

// inset shrinks r by d on every side.
func (r rect) inset(d float64) rect { return rect{r.x0 + d, r.y0 + d, r.x1 - d, r.y1 - d} }

// w and h are the rectangle's width and height.
func (r rect) w() float64 { return r.x1 - r.x0 }
func (r rect) h() float64 { return r.y1 - r.y0 }

// centre is the middle of the rectangle.
func (r rect) centre() orb.Point { return orb.Point{(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2} }

// slot returns cell (col, row) of r divided into cols × rows.
func (r rect) slot(col, row, cols, rows int) rect {
	w, h := r.w()/float64(cols), r.h()/float64(rows)
	return rect{r.x0 + float64(col)*w, r.y0 + float64(row)*h, r.x0 + float64(col+1)*w, r.y0 + float64(row+1)*h}
}

// ring returns the rectangle as a closed counter-clockwise ring.
func (r rect) ring() orb.Ring {
	return orb.Ring{{r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}, {r.x0, r.y1}, {r.x0, r.y0}}
}

// plane places metres on the map.
type plane struct {
	originLon, originLat float64
	metresPerDegreeLon   float64
}

// newPlane centres a city of w × h metres on the city centre.
func newPlane(w, h float64) plane {
	mLon := metresPerDegreeLat * math.Cos(centreLat*math.Pi/180)
	return plane{
		originLon:          centreLon - w/2/mLon,
		originLat:          centreLat - h/2/metresPerDegreeLat,
		metresPerDegreeLon: mLon,
	}
}

// point converts a point in metres to longitude and latitude, rounded to
// 1e-7 degrees (about a centimetre) as the GeoJSON data is.
func (p plane) point(m orb.Point) orb.Point {
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	return orb.Point{round(p.originLon + m[0]/p.metresPerDegreeLon), round(p.originLat + m[1]/metresPerDegreeLat)}
}

// ring converts a ring in metres.
func (p plane) ring(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, m := range r {
		out[i] = p.point(m)
	}
	return out
}

// polygon converts a one-ring polygon in metres.
func (p plane) polygon(r orb.Ring) orb.Polygon { return orb.Polygon{p.ring(r)} }

// lattice holds the grid corners and the points along the shared edges.
type lattice struct {
	cols, rows int
	corner     [][]orb.Point   // [i][j], i across 0..cols, j up 0..rows
	hEdge      [][][]orb.Point // [i][j]: from corner (i, j) to (i+1, j), inner points
	vEdge      [][][]orb.Point // [i][j]: from corner (i, j) to (i, j+1), inner points
}

// edgePoints is how many points lie along each grid edge between corners.
const edgePoints = 3

// newLattice jitters the inner corners and edges; the city's outer edge
// stays straight so that the grids' union is a rectangle.
func newLattice(cols, rows int, r *splitmix.Source) lattice {
	l := lattice{cols: cols, rows: rows}
	l.corner = make([][]orb.Point, cols+1)
	for i := 0; i <= cols; i++ {
		l.corner[i] = make([]orb.Point, rows+1)
		for j := 0; j <= rows; j++ {
			p := orb.Point{float64(i) * cellMetres, float64(j) * cellMetres}
			if i > 0 && i < cols && j > 0 && j < rows {
				p[0] += r.Between(-cornerJitter, cornerJitter)
				p[1] += r.Between(-cornerJitter, cornerJitter)
			}
			l.corner[i][j] = p
		}
	}
	l.hEdge = make([][][]orb.Point, cols)
	for i := 0; i < cols; i++ {
		l.hEdge[i] = make([][]orb.Point, rows+1)
		for j := 0; j <= rows; j++ {
			border := j == 0 || j == rows
			l.hEdge[i][j] = edge(l.corner[i][j], l.corner[i+1][j], orb.Point{0, 1}, border, r)
		}
	}
	l.vEdge = make([][][]orb.Point, cols+1)
	for i := 0; i <= cols; i++ {
		l.vEdge[i] = make([][]orb.Point, rows)
		for j := 0; j < rows; j++ {
			border := i == 0 || i == cols
			l.vEdge[i][j] = edge(l.corner[i][j], l.corner[i][j+1], orb.Point{1, 0}, border, r)
		}
	}
	return l
}

// edge returns the points between a and b, moved along normal unless the
// edge is on the city's border.
func edge(a, b, normal orb.Point, border bool, r *splitmix.Source) []orb.Point {
	pts := make([]orb.Point, edgePoints)
	for k := range pts {
		t := float64(k+1) / (edgePoints + 1)
		off := 0.0
		if !border {
			off = r.Between(-edgeJitter, edgeJitter)
		}
		pts[k] = orb.Point{a[0] + (b[0]-a[0])*t + normal[0]*off, a[1] + (b[1]-a[1])*t + normal[1]*off}
	}
	return pts
}

// cell returns grid (i, j)'s ring, counter-clockwise from its south-west
// corner, made of the shared corners and edge points.
func (l lattice) cell(i, j int) orb.Ring {
	ring := orb.Ring{l.corner[i][j]}
	ring = append(ring, l.hEdge[i][j]...)
	ring = append(ring, l.corner[i+1][j])
	ring = append(ring, l.vEdge[i+1][j]...)
	ring = append(ring, l.corner[i+1][j+1])
	ring = append(ring, reversed(l.hEdge[i][j+1])...)
	ring = append(ring, l.corner[i][j+1])
	ring = append(ring, reversed(l.vEdge[i][j])...)
	return append(ring, l.corner[i][j])
}

// block returns the ring around cells i0 ≤ i < i1, j0 ≤ j < j1,
// counter-clockwise from its south-west corner, made of the same shared
// corners and edge points as the cells': exactly their union.
func (l lattice) block(i0, j0, i1, j1 int) orb.Ring {
	var ring orb.Ring
	for i := i0; i < i1; i++ {
		ring = append(ring, l.corner[i][j0])
		ring = append(ring, l.hEdge[i][j0]...)
	}
	for j := j0; j < j1; j++ {
		ring = append(ring, l.corner[i1][j])
		ring = append(ring, l.vEdge[i1][j]...)
	}
	for i := i1; i > i0; i-- {
		ring = append(ring, l.corner[i][j1])
		ring = append(ring, reversed(l.hEdge[i-1][j1])...)
	}
	for j := j1; j > j0; j-- {
		ring = append(ring, l.corner[i0][j])
		ring = append(ring, reversed(l.vEdge[i0][j-1])...)
	}
	return append(ring, l.corner[i0][j0])
}

// inner returns the part of grid (i, j) that no jitter reaches.
func (l lattice) inner(i, j int) rect {
	return rect{float64(i) * cellMetres, float64(j) * cellMetres, float64(i+1) * cellMetres, float64(j+1) * cellMetres}.inset(innerInset)
}

// reversed returns the points in reverse order.
func reversed(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, p := range pts {
		out[len(pts)-1-i] = p
	}
	return out
}

// footprint returns a building in slot s: a rectangle or an L, somewhat
// smaller than the slot, turned a little about the slot's centre.
func footprint(s rect, r *splitmix.Source) orb.Ring {
	w := (s.w() - 6) * r.Between(0.7, 1)
	h := (s.h() - 6) * r.Between(0.7, 1)
	var shape orb.Ring
	if r.Float() < 0.2 {
		shape = orb.Ring{{0, 0}, {w, 0}, {w, h * 0.55}, {w * 0.55, h * 0.55}, {w * 0.55, h}, {0, h}, {0, 0}}
	} else {
		shape = orb.Ring{{0, 0}, {w, 0}, {w, h}, {0, h}, {0, 0}}
	}
	angle := r.Between(-8, 8) * math.Pi / 180
	sin, cos := math.Sincos(angle)
	c := s.centre()
	out := make(orb.Ring, len(shape))
	for k, p := range shape {
		x, y := p[0]-w/2, p[1]-h/2
		out[k] = orb.Point{c[0] + x*cos - y*sin, c[1] + x*sin + y*cos}
	}
	return out
}
