package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// The city-scale reads of issue 13, measured on the default city (60
// communities, 900 grids, 99,200 buildings), written once per test binary:
//
//	go test ./cmd/gencity -run '^$' -bench City -benchtime 1x
//
// Each benchmark reports percentiles of its own (ms) besides ns/op.

var bigCity struct {
	once sync.Once
	db   *postgis.DB
	err  error
}

// cityStore writes the default city into a database of the harness, once.
func cityStore(b *testing.B) *postgis.DB {
	b.Helper()
	bigCity.once.Do(func() {
		conn := harness.NewDatabase(&onceTB{b})
		c, err := build(size{6, 10}, 1)
		if err != nil {
			bigCity.err = err
			return
		}
		db, err := migrate(context.Background(), conn)
		if err != nil {
			bigCity.err = err
			return
		}
		pc, err := pgx.Connect(context.Background(), conn)
		if err != nil {
			bigCity.err = err
			return
		}
		defer pc.Close(context.Background())
		bigCity.err = load(context.Background(), pc, db, c, loadOptions{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		bigCity.db = db
	})
	if bigCity.err != nil {
		b.Fatal(bigCity.err)
	}
	return bigCity.db
}

// onceTB lends the first benchmark's testing.TB to the database shared by
// all: its cleanup runs when that benchmark ends, which is too soon, so
// cleanups are dropped; the harness drops the cluster at exit anyway.
type onceTB struct{ testing.TB }

func (onceTB) Cleanup(func()) {}

// percentiles reports the 50th and 99th percentile and the maximum of the
// durations, in milliseconds.
func percentiles(b *testing.B, prefix string, ds []time.Duration) {
	b.Helper()
	slices.Sort(ds)
	at := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
	b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, prefix+"max-ms")
}

// searchTexts are what people type: Chinese of one, two and more
// characters, English, codes, services and layers.
func searchTexts() []string {
	return []string{"驿站", "服务站点", "站点", "3号楼", "号楼", "楼", "第12网格", "网格", "东关", "东关社区", "太华", "停车", "充电",
		"CG0307", "TH03", "parking", "Building 12", "Post 12", "service", "community", "火星基地", "xyz"}
}

func BenchmarkCity_search(b *testing.B) {
	db := cityStore(b)
	ctx := context.Background()
	for _, tt := range []struct{ name, community string }{{"city", ""}, {"in a community", "TH03"}} {
		b.Run(tt.name, func(b *testing.B) {
			// warm the plans and the buffers once
			for _, q := range searchTexts() {
				if _, err := db.Search(ctx, geo.SearchQuery{Text: q, Limit: 10, Community: tt.community}); err != nil {
					b.Fatal(err)
				}
			}
			var ds []time.Duration
			b.ResetTimer()
			for range b.N {
				for range 10 {
					for _, q := range searchTexts() {
						start := time.Now()
						if _, err := db.Search(ctx, geo.SearchQuery{Text: q, Limit: 10, Community: tt.community}); err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(start))
					}
				}
			}
			percentiles(b, "", ds)
		})
	}
}

func BenchmarkCity_paging(b *testing.B) {
	db := cityStore(b)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		f     geo.Filter
		depth int64
	}{
		{"first page", geo.Filter{Layer: "buildings", Limit: 100}, 0},
		{"offset 99000", geo.Filter{Layer: "buildings", Limit: 100, Offset: 99000}, 99000},
		{"cursor after 99000", geo.Filter{Layer: "buildings", Limit: 100, After: &geo.Cursor{ID: 99000, Pos: 99000}}, 99000},
		{"cursor after 99000 in a community", geo.Filter{Layer: "buildings", Limit: 100, After: &geo.Cursor{ID: 99000, Pos: 99000},
			Props: []geo.PropertyFilter{{Field: "community", Value: "BY09"}}}, 99000},
	} {
		b.Run(tt.name, func(b *testing.B) {
			if _, err := db.FindFeatures(ctx, tt.f); err != nil {
				b.Fatal(err)
			}
			var ds []time.Duration
			b.ResetTimer()
			for range b.N {
				for range 20 {
					start := time.Now()
					page, err := db.FindFeatures(ctx, tt.f)
					if err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(start))
					if len(page.Features) == 0 {
						b.Fatalf("%s: an empty page", tt.name)
					}
				}
			}
			percentiles(b, "", ds)
		})
	}
}

// Every tile over the city at z10, z11 and z12, rendered by PostGIS: what
// a cold cache costs a first visitor of the overview.
func BenchmarkCity_tilesLowZoom(b *testing.B) {
	db := cityStore(b)
	ctx := context.Background()
	bound, ok, err := db.TileBounds(ctx)
	if err != nil || !ok {
		b.Fatal(err)
	}
	for z := maptile.Zoom(10); z <= 12; z++ {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			tiles := geo.TilesCovering(bound, z)
			var ds []time.Duration
			var bytes int
			b.ResetTimer()
			for range b.N {
				for range 5 {
					for _, tl := range tiles {
						id, err := geo.NewTileID(tl)
						if err != nil {
							b.Fatal(err)
						}
						start := time.Now()
						raw, err := db.Tile(ctx, id)
						if err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(start))
						bytes = max(bytes, len(raw))
					}
				}
			}
			b.ReportMetric(float64(len(tiles)), "tiles")
			b.ReportMetric(float64(bytes)/1024, "max-KiB")
			percentiles(b, "", ds)
		})
	}
}
