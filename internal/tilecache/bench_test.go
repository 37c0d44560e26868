package tilecache_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/tilecache"
)

// benchTile returns bytes shaped like a small MVT tile: repetitive layer
// and key names among varying coordinates, about 20 KB.
func benchTile() []byte {
	var b bytes.Buffer
	for i := range 1500 {
		b.WriteString("buildings\x12height\x1a")
		b.WriteByte(byte(i))
		b.WriteByte(byte(i * 7))
	}
	return b.Bytes()
}

// cityTiles returns about 100,000 tiles: every tile at zooms 0 to 6 and a
// block of 77×77 tiles around Xiyue Temple at each zoom from 7 to 22.
func cityTiles() []maptile.Tile {
	const side = 77
	var tiles []maptile.Tile
	for z := maptile.Zoom(0); z <= geo.TileMaxZoom; z++ {
		n := uint32(1) << z
		x0, y0 := uint32(0), uint32(0)
		w := min(n, side)
		if n > side {
			c := maptile.At(templePoint(), z)
			x0, y0 = min(c.X-side/2, n-side), min(c.Y-side/2, n-side)
		}
		for y := y0; y < y0+w; y++ {
			for x := x0; x < x0+w; x++ {
				tiles = append(tiles, maptile.New(x, y, z))
			}
		}
	}
	return tiles
}

func BenchmarkCache_GetHit(b *testing.B) {
	raw := benchTile()
	var tiles []geo.TileID
	for _, tile := range cityTiles()[:10_000] {
		tiles = append(tiles, tileID(b, tile))
	}
	c := tilecache.New(1 << 30)
	ctx := context.Background()
	for _, tile := range tiles {
		if _, err := c.Get(ctx, tile, renderBytes(raw, nil)); err != nil {
			b.Fatalf("Get: %v", err)
		}
	}
	render := renderBytes(raw, nil)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Get(ctx, tiles[i%len(tiles)], render); err != nil {
				b.Errorf("Get: %v", err)
				return
			}
			i += 7
		}
	})
	if st := c.Stats(); st.Renders != uint64(len(tiles)) {
		b.Fatalf("Renders = %d, want %d: the benchmark missed", st.Renders, len(tiles))
	}
}

func BenchmarkCache_GetMiss(b *testing.B) {
	// The cost the cache adds to every render: a goroutine, gzip, the hash
	// and the insertion (with eviction once full).
	raw := benchTile()
	render := renderBytes(raw, nil)
	c := tilecache.New(64 << 20)
	ctx := context.Background()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	i := uint32(0)
	for b.Loop() {
		tile := tileID(b, maptile.New(i%(1<<16), i/(1<<16), 16))
		if _, err := c.Get(ctx, tile, render); err != nil {
			b.Fatalf("Get: %v", err)
		}
		i++
	}
}

func BenchmarkCache_Invalidate(b *testing.B) {
	temple := templePoint()
	tests := []struct {
		name  string
		bound orb.Bound
	}{
		{
			// A grid boundary redrawn near the temple: about 300 m.
			name:  "edit 300 m",
			bound: orb.Bound{Min: orb.Point{temple[0] - 0.0015, temple[1] - 0.0015}, Max: orb.Point{temple[0] + 0.0015, temple[1] + 0.0015}},
		},
		{
			name:  "a point",
			bound: orb.Bound{Min: temple, Max: temple},
		},
		{
			// Nothing cached there above zoom 6: range lookups only.
			name:  "edit elsewhere",
			bound: orb.Bound{Min: orb.Point{116.39, 39.90}, Max: orb.Point{116.40, 39.91}},
		},
		{
			// A province-sized box away from the cache: at high zooms its
			// tile range is larger than the cached tiles, so they are
			// scanned.
			name:  "province elsewhere",
			bound: orb.Bound{Min: orb.Point{100, 20}, Max: orb.Point{105, 25}},
		},
	}
	tiles := cityTiles()
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			c := filledCache(b, tiles)
			var gone []maptile.Tile
			for _, tile := range tiles {
				if tile.Bound(defaultBuffer).Intersects(tt.bound) {
					gone = append(gone, tile)
				}
			}
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				if got, want := c.Invalidate(tt.bound), len(gone); got != want {
					b.Fatalf("Invalidate removed %d, want %d", got, want)
				}
				if len(gone) == 0 {
					continue
				}
				b.StopTimer()
				for _, tile := range gone {
					if _, err := c.Get(ctx, tileID(b, tile), renderBytes(nil, nil)); err != nil {
						b.Fatalf("Get: %v", err)
					}
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(len(tiles)), "cached")
			b.ReportMetric(float64(len(gone)), "removed/op")
		})
	}
}
