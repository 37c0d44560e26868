package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	osexec "os/exec"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
	"partymap/internal/tilecache"
)

// Tile benchmarks: every request goes through the real router. Cold means
// a cache that keeps nothing, so every request renders in PostGIS; warm
// means every tile is cached and each request is a hit. Each reports the
// median and 99th percentile latency of one request besides ns/op.
//
//	go test ./internal/httpapi -run '^$' -bench 'Tile_community'
//	PARTYMAP_BENCH_CITY=1 go test ./internal/httpapi -run '^$' -bench 'Tile_city' -benchtime 200x -timeout 30m

// benchZooms are the zooms the benchmarks measure.
func benchZooms() []maptile.Zoom { return []maptile.Zoom{12, 14, 16} }

func BenchmarkTile_community(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	community := orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
	benchTiles(b, db, community)
}

// cityEnv turns the city benchmark on: generating the city takes a while.
const cityEnv = "PARTYMAP_BENCH_CITY"

func BenchmarkTile_city(b *testing.B) {
	if os.Getenv(cityEnv) == "" {
		b.Skipf("set %s=1 to generate the synthetic city (cmd/gencity, about 100,000 buildings) and measure it", cityEnv)
	}
	db, connString := testdb.Open(b, harness)
	gen := osexec.Command("go", "run", "partymap/cmd/gencity", "-database-url", connString, "-replace")
	gen.Stderr = os.Stderr
	started := time.Now()
	if err := gen.Run(); err != nil {
		b.Fatalf("gencity: %v", err)
	}
	b.Logf("city generated in %v", time.Since(started).Round(time.Millisecond))
	bounds, ok, err := db.TileBounds(context.Background())
	if err != nil || !ok {
		b.Fatalf("city bounds: %v %v", ok, err)
	}
	benchTiles(b, db, bounds)
}

// benchTiles runs cold and warm sub-benchmarks at each zoom over the tiles
// covering the middle of bound: all of them up to 64 per zoom.
func benchTiles(b *testing.B, db *postgis.DB, bound orb.Bound) {
	for _, mode := range []string{"cold", "warm"} {
		for _, z := range benchZooms() {
			tiles := middleTiles(bound, z, 64)
			b.Run(mode+"/z"+itoa(uint64(z)), func(b *testing.B) {
				cacheBytes := int64(0)
				if mode == "warm" {
					cacheBytes = 256 << 20
				}
				h := mustNew(b, httpapi.Config{
					Catalogue: geo.NewCatalogue(), Store: db, Tiles: db, TileCache: tilecache.New(cacheBytes),
					Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
				}).Handler()
				urls := make([]string, len(tiles))
				for i, t := range tiles {
					urls[i] = tileURL(t)
					// Warm the cache, and the database's buffers for cold
					// runs, so that both measure steady state.
					serveTile(b, h, urls[i])
				}
				b.ReportAllocs()
				took := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					serveTile(b, h, urls[i%len(urls)])
					took = append(took, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(len(tiles)), "tiles")
			})
		}
	}
}

// middleTiles returns up to n tiles of zoom z covering bound, nearest its
// centre first.
func middleTiles(bound orb.Bound, z maptile.Zoom, n int) []maptile.Tile {
	tiles := geo.TilesCovering(bound, z)
	centre := maptile.At(bound.Center(), z)
	dist := func(t maptile.Tile) int64 {
		dx, dy := int64(t.X)-int64(centre.X), int64(t.Y)-int64(centre.Y)
		return dx*dx + dy*dy
	}
	slices.SortStableFunc(tiles, func(a, b maptile.Tile) int { return int(dist(a) - dist(b)) })
	return tiles[:min(n, len(tiles))]
}

// serveTile answers one tile request through the router.
func serveTile(b *testing.B, h http.Handler, url string) {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
		b.Fatalf("GET %s: got %d %s", url, rec.Code, rec.Body)
	}
}
