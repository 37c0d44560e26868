package postgis_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// Walking benchmarks (issue 15 asks p99 under 20 ms on the community, under
// 100 ms on the city): routes between random points over the grids, and
// the nearest posts by walking.
//
//	go test ./internal/postgis -run '^$' -bench 'Route|ByWalking' -benchtime 2000x
//	PARTYMAP_BENCH_CITY=1 go test ./internal/postgis -run '^$' -bench 'Route_city|ByWalking_city' -benchtime 2000x -timeout 30m

func BenchmarkRoute(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	benchRoute(b, db)
}

func BenchmarkRoute_city(b *testing.B) { benchRoute(b, openCity(b)) }

func BenchmarkNearest_byWalking(b *testing.B) {
	db, _ := testdb.Open(b, harness)
	benchByWalking(b, db)
}

func BenchmarkNearest_byWalking_city(b *testing.B) { benchByWalking(b, openCity(b)) }

func benchRoute(b *testing.B, db *postgis.DB) {
	points := benchOrigins(b, db)
	ctx := context.Background()
	measure(b, func(i int) {
		from, to := points[i%len(points)], points[(i*7+3)%len(points)]
		if _, err := db.Route(ctx, geo.RouteQuery{From: from, To: geo.RouteTarget{Point: to}}); err != nil {
			b.Fatal(err)
		}
	})
}

func benchByWalking(b *testing.B, db *postgis.DB) {
	origins := benchOrigins(b, db)
	ctx := context.Background()
	measure(b, func(i int) {
		q := geo.NearestQuery{Layer: "posts", Limit: 5, ByWalking: true, Origin: orb.Point(origins[i%len(origins)]), Now: cstAt(12, 0)}
		if _, err := db.Nearest(ctx, q); err != nil {
			b.Fatal(err)
		}
	})
}
