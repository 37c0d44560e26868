package postgis_test

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// Finder benchmarks at the store, on the community data and (with
// PARTYMAP_BENCH_CITY=1) on the synthetic city of cmd/gencity. Origins are
// random points over the grids (fixed seed); each benchmark reports the
// median and 99th percentile latency besides ns/op.
//
//	go test ./internal/postgis -run '^$' -bench 'Nearest|Locate|Search' -benchtime 2000x
//	PARTYMAP_BENCH_CITY=1 go test ./internal/postgis -run '^$' -bench 'city' -benchtime 2000x -timeout 30m

func BenchmarkNearest(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	benchNearest(b, db)
}

func BenchmarkLocate(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	benchLocate(b, db)
}

func BenchmarkSearch(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	texts := []string{"驿站", "停车", "parking", "XY03", "庙", "充电", "Grid 1"}
	ctx := context.Background()
	measure(b, func(i int) {
		if _, err := db.Search(ctx, geo.SearchQuery{Text: texts[i%len(texts)], Limit: 10}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkNearest_city(b *testing.B) { benchNearest(b, openCity(b)) }

func BenchmarkLocate_city(b *testing.B) { benchLocate(b, openCity(b)) }

// benchNearest asks, in turn, for the nearest posts, the nearest open posts
// with charging, and the nearest car parks with free spaces.
func benchNearest(b *testing.B, db *postgis.DB) {
	origins := benchOrigins(b, db)
	now := cstAt(12, 0)
	queries := []geo.NearestQuery{
		{Layer: "posts", Limit: 5, Now: now},
		{Layer: "posts", Services: []string{"charging"}, OpenNow: true, Limit: 5, Now: now},
		{Layer: "parking", MinFree: 1, Limit: 5, Now: now},
	}
	ctx := context.Background()
	measure(b, func(i int) {
		q := queries[i%len(queries)]
		q.Origin = origins[i%len(origins)]
		if _, err := db.Nearest(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
}

func benchLocate(b *testing.B, db *postgis.DB) {
	origins := benchOrigins(b, db)
	ctx := context.Background()
	measure(b, func(i int) {
		if _, err := db.Locate(ctx, geo.LocateQuery{Point: origins[i%len(origins)], Now: cstAt(12, 0)}); err != nil {
			b.Fatal(err)
		}
	})
}

// benchOrigins returns 997 random points over the grids' extent.
func benchOrigins(b *testing.B, db *postgis.DB) []orb.Point {
	b.Helper()
	ext, err := db.LayerExtent(context.Background(), "grids")
	if err != nil || ext.Empty {
		b.Fatalf("grids extent: %v (empty %v)", err, ext.Empty)
	}
	r := rand.New(rand.NewPCG(5, 5))
	out := make([]orb.Point, 997)
	for i := range out {
		out[i] = orb.Point{
			ext.Bound.Min[0] + r.Float64()*(ext.Bound.Max[0]-ext.Bound.Min[0]),
			ext.Bound.Min[1] + r.Float64()*(ext.Bound.Max[1]-ext.Bound.Min[1]),
		}
	}
	return out
}

// measure runs op b.N times after a warm-up and reports p50 and p99.
func measure(b *testing.B, op func(i int)) {
	b.Helper()
	for i := range 50 {
		op(i)
	}
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		op(i)
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// openCity fills a fresh database with the synthetic city of cmd/gencity.
func openCity(b *testing.B) *postgis.DB {
	b.Helper()
	const env = "PARTYMAP_BENCH_CITY"
	if os.Getenv(env) == "" {
		b.Skipf("set %s=1 to generate the synthetic city (cmd/gencity) and measure it", env)
	}
	db, connString := testdb.Open(b, harness)
	gen := exec.Command("go", "run", "partymap/cmd/gencity", "-database-url", connString, "-replace")
	gen.Stderr = os.Stderr
	started := time.Now()
	if err := gen.Run(); err != nil {
		b.Fatalf("gencity: %v", err)
	}
	b.Logf("city generated in %v", time.Since(started).Round(time.Millisecond))
	if _, err := db.Pool().Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkSearch_city(b *testing.B) {
	db := openCity(b)
	texts := []string{"驿站", "停车", "parking", "XY03", "庙", "充电", "Grid 1"}
	ctx := context.Background()
	measure(b, func(i int) {
		if _, err := db.Search(ctx, geo.SearchQuery{Text: texts[i%len(texts)], Limit: 10}); err != nil {
			b.Fatal(err)
		}
	})
}
