package tilecache_test

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// defaultBuffer is the render buffer of the PostGIS store, in tile widths:
// the cache's default.
const defaultBuffer = float64(geo.TileBuffer) / geo.TileExtent

// cachedTiles returns the tiles the invalidation tests put in the cache: a
// block of up to 6×6 tiles around Xiyue Temple at every zoom, plus tiles
// far away and at the corners of the world.
func cachedTiles() []maptile.Tile {
	var tiles []maptile.Tile
	for z := maptile.Zoom(0); z <= geo.TileMaxZoom; z++ {
		n := int64(1) << z
		c := maptile.At(templePoint(), z)
		for dy := int64(-3); dy < 3; dy++ {
			for dx := int64(-3); dx < 3; dx++ {
				x, y := int64(c.X)+dx, int64(c.Y)+dy
				if x >= 0 && y >= 0 && x < n && y < n {
					tiles = append(tiles, maptile.New(uint32(x), uint32(y), z))
				}
			}
		}
		if z > 3 {
			tiles = append(tiles,
				maptile.At(orb.Point{151.2, -33.9}, z), // Sydney
				maptile.New(0, 0, z),
				maptile.New(uint32(n-1), uint32(n-1), z),
			)
		}
	}
	return tiles
}

// filledCache returns a cache holding tiles. They are empty tiles: what
// they hold does not matter to invalidation, and skipping gzip keeps the
// race detector's runs short.
func filledCache(t testing.TB, tiles []maptile.Tile, opts ...tilecache.Option) *tilecache.Cache {
	t.Helper()
	c := tilecache.New(1<<30, opts...)
	for _, tile := range tiles {
		if _, err := c.Get(context.Background(), tileID(t, tile), renderBytes(nil, nil)); err != nil {
			t.Fatalf("Get %v: %v", tile, err)
		}
	}
	return c
}

func TestCache_Invalidate(t *testing.T) {
	temple := templePoint()
	corner := maptile.At(temple, 22).Bound().Min // a corner shared by four z22 tiles
	const eps = 1e-9
	tests := []struct {
		name string
		b    orb.Bound
		// want says how much of the cache the bound should clear, so that
		// a wrong brute force cannot make the test vacuous.
		want string // "none", "world tiles only", "some at every zoom", "some" or "all"
	}{
		{name: "a point", b: orb.Bound{Min: temple, Max: temple}, want: "some at every zoom"},
		{name: "a point on a tile corner", b: orb.Bound{Min: corner, Max: corner}, want: "some at every zoom"},
		{
			name: "a tiny box at a tile corner",
			b:    orb.Bound{Min: orb.Point{corner[0] - eps, corner[1] - eps}, Max: orb.Point{corner[0] + eps, corner[1] + eps}},
			want: "some at every zoom",
		},
		{
			name: "a horizontal line",
			b:    orb.Bound{Min: orb.Point{110.08, 34.5628}, Max: orb.Point{110.09, 34.5628}},
			want: "some at every zoom",
		},
		{
			name: "a box spanning many tiles",
			b:    orb.Bound{Min: orb.Point{110.07, 34.55}, Max: orb.Point{110.10, 34.58}},
			want: "some at every zoom",
		},
		{name: "Sydney", b: orb.Bound{Min: orb.Point{151.1, -34}, Max: orb.Point{151.3, -33.8}}, want: "some"},
		// Zooms 0 to 2 hold every tile of the world, so no box is outside
		// everything; this one is outside every cached tile above zoom 3.
		{name: "a box outside everything", b: orb.Bound{Min: orb.Point{-60, -30}, Max: orb.Point{-59, -29}}, want: "world tiles only"},
		{name: "north of the tile grid", b: orb.Bound{Min: orb.Point{-180, 86}, Max: orb.Point{180, 90}}, want: "none"},
		{name: "the whole world", b: orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, want: "all"},
		{name: "infinite", b: orb.Bound{Min: orb.Point{math.Inf(-1), math.Inf(-1)}, Max: orb.Point{math.Inf(1), math.Inf(1)}}, want: "all"},
		{name: "empty (min above max)", b: orb.Bound{Min: orb.Point{110.1, 34.6}, Max: orb.Point{110.0, 34.5}}, want: "none"},
	}
	buffers := []struct {
		name   string
		buffer float64
	}{
		{name: "default buffer", buffer: defaultBuffer},
		{name: "no buffer", buffer: 0},
		{name: "half a tile", buffer: 0.5},
	}
	tiles := cachedTiles()
	for _, buf := range buffers {
		for _, tt := range tests {
			t.Run(buf.name+"/"+tt.name, func(t *testing.T) {
				c := filledCache(t, tiles, tilecache.WithBuffer(buf.buffer))

				// The brute force: every cached tile whose buffered bound
				// intersects b.
				wantGone := make(map[maptile.Tile]bool)
				zooms := make(map[maptile.Zoom]bool)
				for _, tile := range tiles {
					if tile.Bound(buf.buffer).Intersects(tt.b) {
						wantGone[tile] = true
						zooms[tile.Z] = true
					}
				}
				checkWant(t, tt.want, len(wantGone), len(tiles), zooms)

				removed := c.Invalidate(tt.b)
				if got, want := removed, len(wantGone); got != want {
					t.Errorf("Invalidate removed %d tiles, want %d", got, want)
				}
				for _, tile := range tiles {
					_, cached := c.Peek(tileID(t, tile))
					if gone := !cached; gone != wantGone[tile] {
						t.Errorf("tile %d/%d/%d removed = %v, want %v", tile.Z, tile.X, tile.Y, gone, wantGone[tile])
					}
				}
				st := c.Stats()
				if got, want := st.Invalidations, uint64(len(wantGone)); got != want {
					t.Errorf("Invalidations = %d, want %d", got, want)
				}
				if got, want := st.Entries, int64(len(tiles)-len(wantGone)); got != want {
					t.Errorf("Entries = %d, want %d", got, want)
				}
			})
		}
	}
}

// checkWant fails the test when the brute force disagrees with the case's
// description.
func checkWant(t *testing.T, want string, gone, total int, zooms map[maptile.Zoom]bool) {
	t.Helper()
	var ok bool
	switch want {
	case "none":
		ok = gone == 0
	case "world tiles only":
		ok = gone > 0
		for z := range zooms {
			ok = ok && z <= 3
		}
	case "some":
		ok = gone > 0 && gone < total
	case "some at every zoom":
		ok = gone > 0 && gone < total && len(zooms) == geo.TileMaxZoom+1
	case "all":
		ok = gone == total
	}
	if !ok {
		t.Fatalf("brute force removes %d of %d tiles at %d zooms, want %s", gone, total, len(zooms), want)
	}
}

func TestCache_InvalidateNaN(t *testing.T) {
	// A NaN bound means an unknown area: everything goes, rather than
	// whatever the comparisons with NaN happen to let through.
	tiles := cachedTiles()
	c := filledCache(t, tiles)
	b := orb.Bound{Min: orb.Point{math.NaN(), 34.5}, Max: orb.Point{110.1, 34.6}}
	if got, want := c.Invalidate(b), len(tiles); got != want {
		t.Errorf("Invalidate(NaN bound) removed %d, want %d", got, want)
	}
}

func TestCache_InvalidateBuffer(t *testing.T) {
	tile := maptile.At(templePoint(), 16)
	east := maptile.New(tile.X+1, tile.Y, tile.Z)
	bound := tile.Bound()
	width := bound.Max[0] - bound.Min[0]
	lat := bound.Center()[1]
	at := func(x float64) orb.Bound {
		p := orb.Point{x, lat}
		return orb.Bound{Min: p, Max: p}
	}
	tests := []struct {
		name       string
		buffer     float64
		change     orb.Bound
		wantTile   bool // tile removed
		wantNeighb bool // east neighbour removed
	}{
		{
			name:   "inside the neighbour, within the buffer",
			buffer: defaultBuffer, change: at(bound.Max[0] + width*defaultBuffer/2),
			wantTile: true, wantNeighb: true,
		},
		{
			name:   "inside the neighbour, within the buffer, no buffer",
			buffer: 0, change: at(bound.Max[0] + width*defaultBuffer/2),
			wantTile: false, wantNeighb: true,
		},
		{
			name:   "inside the neighbour, beyond the buffer",
			buffer: defaultBuffer, change: at(bound.Max[0] + width*defaultBuffer*2),
			wantTile: false, wantNeighb: true,
		},
		{
			name:   "inside the tile, within the neighbour's buffer",
			buffer: defaultBuffer, change: at(bound.Max[0] - width*defaultBuffer/2),
			wantTile: true, wantNeighb: true,
		},
		{
			name:   "inside the tile, beyond the neighbour's buffer",
			buffer: defaultBuffer, change: at(bound.Max[0] - width*defaultBuffer*2),
			wantTile: true, wantNeighb: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := filledCache(t, []maptile.Tile{tile, east}, tilecache.WithBuffer(tt.buffer))
			c.Invalidate(tt.change)
			if _, cached := c.Peek(tileID(t, tile)); cached == tt.wantTile {
				t.Errorf("tile removed = %v, want %v", !cached, tt.wantTile)
			}
			if _, cached := c.Peek(tileID(t, east)); cached == tt.wantNeighb {
				t.Errorf("east neighbour removed = %v, want %v", !cached, tt.wantNeighb)
			}
		})
	}
}

func TestCache_InvalidateAll(t *testing.T) {
	tiles := cachedTiles()
	c := filledCache(t, tiles)
	if got, want := c.InvalidateAll(), len(tiles); got != want {
		t.Errorf("InvalidateAll removed %d, want %d", got, want)
	}
	st := c.Stats()
	if st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("after InvalidateAll Entries = %d, Bytes = %d, want 0, 0", st.Entries, st.Bytes)
	}
	for _, tile := range tiles {
		if _, ok := c.Peek(tileID(t, tile)); ok {
			t.Fatalf("tile %v still cached after InvalidateAll", tile)
		}
	}
	// The cache still works afterwards.
	if _, err := c.Get(context.Background(), tileID(t, tiles[0]), renderBytes([]byte("x"), nil)); err != nil {
		t.Fatalf("Get after InvalidateAll: %v", err)
	}
	if _, ok := c.Peek(tileID(t, tiles[0])); !ok {
		t.Errorf("Peek after Get: found = false, want true")
	}
}
