package tilecache

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

// maxLatitude is the latitude of the top edge of the Web Mercator tile grid.
const maxLatitude = 85.05112877980659

// Invalidate removes every cached tile, at every zoom, whose area (the tile
// expanded by the render buffer) intersects b, and returns how many it
// removed. Renders in flight for such tiles finish for the callers already
// waiting but are not stored, and later Gets render afresh. Call it after
// the edit is committed. An empty bound (Min above Max) touches nothing; a
// bound with a NaN coordinate clears the whole cache, since the area it
// means is unknown.
//
// The cost grows with the number of tiles b covers at each zoom held in the
// cache, not with the size of the cache: a zoom whose covering range is
// larger than its number of cached tiles is scanned instead.
func (c *Cache) Invalidate(b orb.Bound) int {
	if hasNaN(b) {
		return c.InvalidateAll()
	}
	if b.IsEmpty() {
		return 0
	}
	removed := 0
	for z := maptile.Zoom(0); z <= geo.TileMaxZoom; z++ {
		zn := c.zoneAt(z, b)
		if c.layers.GroupLen(z) > 0 {
			removed += c.layers.InvalidateGroup(z, func(k layerKey) bool { return zn.touches(k.t.Tile()) })
		}
		r := zn.candidates()
		if r.count() > uint64(c.mem.GroupLen(z)) {
			removed += c.mem.InvalidateGroup(z, func(t geo.TileID) bool { return zn.touches(t.Tile()) })
			continue
		}
		removed += c.mem.InvalidateKeys(func(yield func(geo.TileID) bool) {
			for y := r.minY; y <= r.maxY; y++ {
				for x := r.minX; x <= r.maxX; x++ {
					t := maptile.Tile{X: x, Y: y, Z: z}
					if !zn.touches(t) {
						continue
					}
					if id, err := geo.NewTileID(t); err == nil && !yield(id) {
						return
					}
				}
			}
		})
	}
	return removed
}

// InvalidateAll empties the cache and keeps renders in flight from being
// stored. It returns how many tiles it removed.
func (c *Cache) InvalidateAll() int {
	return c.mem.Clear() + c.layers.Clear()
}

// touches reports whether a change inside b alters tile t: whether the
// tile's bound, expanded by the render buffer, intersects b. It is the one
// definition of "affected"; zone only makes it faster to evaluate.
func (c *Cache) touches(t maptile.Tile, b orb.Bound) bool {
	return t.Bound(c.buffer).Intersects(b)
}

// tileRange is an inclusive rectangle of tile coordinates at one zoom.
type tileRange struct {
	minX, minY, maxX, maxY uint32
}

// count returns the number of tiles in r.
func (r tileRange) count() uint64 {
	return uint64(r.maxX-r.minX+1) * uint64(r.maxY-r.minY+1)
}

// edgeMargin, in tile widths, is how close to a tile edge a decision in
// tile coordinates must be before zoneAt defers to touches. Rounding
// between tile and geographic coordinates is below 1e-8 tile widths even at
// zoom 22.
const edgeMargin = 1e-6

// zone is a bound expressed in fractional tile coordinates at one zoom, to
// test many tiles of that zoom against it without trigonometry.
type zone struct {
	c          *Cache
	b          orb.Bound
	z          maptile.Zoom
	n          float64
	minX, maxX float64
	minY, maxY float64 // minY from the north edge of b
}

// zoneAt returns b in tile coordinates at zoom z.
func (c *Cache) zoneAt(z maptile.Zoom, b orb.Bound) zone {
	n := float64(uint64(1) << z)
	return zone{
		c: c, b: b, z: z, n: n,
		minX: lonToX(b.Min[0], n), maxX: lonToX(b.Max[0], n),
		minY: latToY(b.Max[1], n), maxY: latToY(b.Min[1], n),
	}
}

// candidates returns the tiles that may touch the zone: every tile for
// which touches is true lies inside, plus a margin of one tile on each
// side so that rounding never loses one.
func (zn zone) candidates() tileRange {
	buf := zn.c.buffer
	last := int64(zn.n) - 1
	clamp := func(i int64) uint32 { return uint32(min(max(i, 0), last)) }
	return tileRange{
		minX: clamp(tileIndex(zn.minX-buf, zn.n) - 1),
		maxX: clamp(tileIndex(zn.maxX+buf, zn.n) + 1),
		minY: clamp(tileIndex(zn.minY-buf, zn.n) - 1),
		maxY: clamp(tileIndex(zn.maxY+buf, zn.n) + 1),
	}
}

// touches gives the answer of Cache.touches for a tile of the zone's zoom,
// deciding in tile coordinates when the tile is clearly in or out and
// asking Cache.touches when an edge is within edgeMargin.
func (zn zone) touches(t maptile.Tile) bool {
	buf := zn.c.buffer
	x, y := float64(t.X), float64(t.Y)
	// Like maptile.Tile.Bound, clamp the buffered tile to the grid's top
	// and bottom edges but not to its left and right ones.
	x0, x1 := x-buf, x+1+buf
	y0, y1 := max(y-buf, 0), min(y+1+buf, zn.n)
	switch {
	case x1 < zn.minX-edgeMargin || x0 > zn.maxX+edgeMargin ||
		y1 < zn.minY-edgeMargin || y0 > zn.maxY+edgeMargin:
		return false
	case x1 > zn.minX+edgeMargin && x0 < zn.maxX-edgeMargin &&
		y1 > zn.minY+edgeMargin && y0 < zn.maxY-edgeMargin:
		return true
	}
	return zn.c.touches(t, zn.b)
}

// lonToX returns the fractional tile column of a longitude, n tiles wide.
func lonToX(lon, n float64) float64 {
	return (lon/360 + 0.5) * n
}

// latToY returns the fractional tile row of a latitude, n tiles high,
// clamped to the grid's top and bottom edges.
func latToY(lat, n float64) float64 {
	lat = min(max(lat, -maxLatitude), maxLatitude)
	sin := math.Sin(lat * math.Pi / 180)
	return (0.5 - math.Log((1+sin)/(1-sin))/(4*math.Pi)) * n
}

// tileIndex floors a fractional tile coordinate, clamped first so that an
// infinite one converts safely.
func tileIndex(v, n float64) int64 {
	return int64(math.Floor(min(max(v, -2), n+1)))
}

// hasNaN reports whether any coordinate of b is NaN.
func hasNaN(b orb.Bound) bool {
	return math.IsNaN(b.Min[0]) || math.IsNaN(b.Min[1]) ||
		math.IsNaN(b.Max[0]) || math.IsNaN(b.Max[1])
}
