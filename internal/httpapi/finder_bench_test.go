package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// Finder benchmarks through the real router: each request is parsed,
// answered from PostGIS and encoded, as the server does it. Each reports the
// median and 99th percentile latency besides ns/op.
//
//	go test ./internal/httpapi -run '^$' -bench 'Finder' -benchtime 2000x
//	PARTYMAP_BENCH_CITY=1 go test ./internal/httpapi -run '^$' -bench 'Finder_city' -benchtime 2000x -timeout 30m

func BenchmarkFinder_community(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	benchFinder(b, db)
}

func BenchmarkFinder_city(b *testing.B) {
	if os.Getenv(cityEnv) == "" {
		b.Skipf("set %s=1 to generate the synthetic city (cmd/gencity) and measure it", cityEnv)
	}
	db, connString := testdb.Open(b, harness)
	gen := exec.Command("go", "run", "partymap/cmd/gencity", "-database-url", connString, "-replace")
	gen.Stderr = os.Stderr
	if err := gen.Run(); err != nil {
		b.Fatalf("gencity: %v", err)
	}
	if _, err := db.Pool().Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	benchFinder(b, db)
}

// benchFinder measures /api/nearest (posts; open posts with charging; car
// parks with free spaces), /api/locate and /api/search from random points
// over the grids.
func benchFinder(b *testing.B, db *postgis.DB) {
	h := mustNew(b, httpapi.Config{
		Catalogue: geo.NewCatalogue(), Store: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Clock:  noon,
	}).Handler()
	ext, err := db.LayerExtent(context.Background(), "grids")
	if err != nil || ext.Empty {
		b.Fatalf("grids extent: %v", err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	points := make([]string, 997)
	for i := range points {
		points[i] = fmt.Sprintf("lon=%.6f&lat=%.6f",
			ext.Bound.Min[0]+r.Float64()*(ext.Bound.Max[0]-ext.Bound.Min[0]),
			ext.Bound.Min[1]+r.Float64()*(ext.Bound.Max[1]-ext.Bound.Min[1]))
	}
	nearest := []string{"", "&service=charging&open_now=true", "&layer=parking&min_free=1"}
	searches := []string{"%E9%A9%BF%E7%AB%99", "%E5%81%9C%E8%BD%A6", "parking", "XY03", "%E5%BA%99"}
	cases := []struct {
		name string
		url  func(i int) string
	}{
		{"nearest", func(i int) string { return "/api/nearest?" + points[i%len(points)] + nearest[i%len(nearest)] }},
		{"locate", func(i int) string { return "/api/locate?" + points[i%len(points)] }},
		{"search", func(i int) string { return "/api/search?q=" + searches[i%len(searches)] }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			serve := func(i int) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.url(i), nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", c.url(i), rec.Code, rec.Body)
				}
			}
			for i := range 50 {
				serve(i)
			}
			took := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				serve(i)
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
