package tilecache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

func TestZone(t *testing.T) {
	// candidates must hold every tile that touches the bound. The touching
	// tiles form one rectangle holding the tile under the bound's centre
	// (when that lies on the grid), so it is enough that this tile is
	// inside and that no tile in the
	// ring just outside the range touches. And zone.touches must agree
	// with Cache.touches on every tile in and around the range.
	r := rand.New(rand.NewPCG(1, 2))
	buffers := []float64{0, float64(geo.TileBuffer) / geo.TileExtent, 0.5, 2}
	for i := range 20000 {
		buffer := buffers[i%len(buffers)]
		c := New(0, WithBuffer(buffer))
		z := maptile.Zoom(r.IntN(geo.TileMaxZoom + 1))
		b := randomBound(r, z)
		zn := c.zoneAt(z, b)
		got := zn.candidates()

		// Tile coordinates and maptile.Tile.Bound may round a point on an
		// edge to different sides, so look for the touching tile next to
		// the centre too.
		found := false
		if inGrid := math.Abs(b.Center()[0]) <= 180 && math.Abs(b.Center()[1]) < maxLatitude; inGrid {
			// Not maptile.At: it snaps latitudes above 85.0511 to row 0.
			n := float64(uint64(1) << z)
			p := b.Center()
			centre := maptile.New(uint32(min(lonToX(p[0], n), n-1)), uint32(min(latToY(p[1], n), n-1)), z)
			near := tileRange{minX: centre.X, maxX: centre.X, minY: centre.Y, maxY: centre.Y}
			for _, tile := range append(near.ring(z), centre) {
				if c.touches(tile, b) {
					found = true
					if !got.holds(tile) {
						t.Fatalf("bound %v, zoom %d, buffer %g: candidates %+v miss tile %v, which touches it",
							b, z, buffer, got, tile)
					}
				}
			}
			if !found {
				t.Fatalf("bound %v, zoom %d, buffer %g: no tile near the centre touches it", b, z, buffer)
			}
		}
		for _, tile := range got.ring(z) {
			if c.touches(tile, b) {
				t.Fatalf("bound %v, zoom %d, buffer %g: tile %v touches it but lies outside the candidates %+v",
					b, z, buffer, tile, got)
			}
		}
		for _, tile := range append(got.tiles(z), got.ring(z)...) {
			if got, want := zn.touches(tile), c.touches(tile, b); got != want {
				t.Fatalf("bound %v, zoom %d, buffer %g, tile %v: zone.touches = %v, want %v",
					b, z, buffer, tile, got, want)
			}
		}
	}
}

// randomBound returns a bound a few tiles across at zoom z, its corners
// often exactly on tile edges or a hair to either side.
func randomBound(r *rand.Rand, z maptile.Zoom) orb.Bound {
	tile := maptile.New(r.Uint32N(1<<z), r.Uint32N(1<<z), z)
	tb := tile.Bound()
	w, h := tb.Max[0]-tb.Min[0], tb.Max[1]-tb.Min[1]
	corner := func() float64 {
		switch r.IntN(6) {
		case 0:
			return 0 // exactly on an edge
		case 1:
			return 1e-7 // just inside, closer than edgeMargin
		case 2:
			return -1e-7 // just outside, closer than edgeMargin
		}
		return r.Float64()
	}
	minLon := tb.Min[0] + corner()*w
	minLat := tb.Min[1] + corner()*h
	return orb.Bound{
		Min: orb.Point{minLon, minLat},
		Max: orb.Point{
			min(minLon+float64(r.IntN(3))*w*r.Float64(), 180),
			min(minLat+float64(r.IntN(3))*h*r.Float64(), maxLatitude),
		},
	}
}

// holds reports whether tile lies in r.
func (r tileRange) holds(tile maptile.Tile) bool {
	return tile.X >= r.minX && tile.X <= r.maxX && tile.Y >= r.minY && tile.Y <= r.maxY
}

// tiles returns the tiles in r.
func (r tileRange) tiles(z maptile.Zoom) []maptile.Tile {
	var tiles []maptile.Tile
	for y := r.minY; y <= r.maxY; y++ {
		for x := r.minX; x <= r.maxX; x++ {
			tiles = append(tiles, maptile.New(x, y, z))
		}
	}
	return tiles
}

// ring returns the valid tiles that border r from outside.
func (r tileRange) ring(z maptile.Zoom) []maptile.Tile {
	n := int64(1) << z
	var tiles []maptile.Tile
	add := func(x, y int64) {
		if x >= 0 && y >= 0 && x < n && y < n {
			tiles = append(tiles, maptile.New(uint32(x), uint32(y), z))
		}
	}
	x0, x1, y0, y1 := int64(r.minX)-1, int64(r.maxX)+1, int64(r.minY)-1, int64(r.maxY)+1
	for x := x0; x <= x1; x++ {
		add(x, y0)
		add(x, y1)
	}
	for y := y0 + 1; y < y1; y++ {
		add(x0, y)
		add(x1, y)
	}
	return tiles
}
