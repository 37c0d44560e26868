package postgis_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

func TestDB_FindFeatures(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()

	t.Run("paging to the end visits every grid once", func(t *testing.T) {
		seen := map[int64]bool{}
		for offset := 0; ; offset += 4 {
			page, err := db.FindFeatures(ctx, geo.Filter{Layer: "grids", Limit: 4, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if page.Matched != 15 {
				t.Fatalf("matched: got %d, want 15", page.Matched)
			}
			if len(page.Features) == 0 {
				break
			}
			for _, f := range page.Features {
				if seen[f.ID] {
					t.Errorf("grid %d seen twice", f.ID)
				}
				seen[f.ID] = true
			}
		}
		if len(seen) != 15 {
			t.Errorf("got %d grids, want 15", len(seen))
		}
	})

	t.Run("properties come back typed", func(t *testing.T) {
		page, err := db.FindFeatures(ctx, geo.Filter{Layer: "posts", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Features {
			if _, ok := f.Properties["services"].([]string); !ok {
				t.Errorf("post %d services: got %T, want []string", f.ID, f.Properties["services"])
			}
			if _, ok := f.Geometry.(orb.Point); !ok {
				t.Errorf("post %d geometry: got %T, want orb.Point", f.ID, f.Geometry)
			}
			if f.Version < 1 {
				t.Errorf("post %d version: got %d, want ≥ 1", f.ID, f.Version)
			}
		}
		lots, err := db.FindFeatures(ctx, geo.Filter{Layer: "parking", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range lots.Features {
			if _, ok := f.Properties["entrance"].(orb.Point); !ok {
				t.Errorf("parking %d entrance: got %T, want orb.Point", f.ID, f.Properties["entrance"])
			}
			if _, ok := f.Properties["capacity"].(int64); !ok {
				t.Errorf("parking %d capacity: got %T, want int64", f.ID, f.Properties["capacity"])
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			name   string
			filter geo.Filter
			sql    string
		}{
			{"kind", geo.Filter{Layer: "posts", Props: []geo.PropertyFilter{{Field: "kind", Value: "cabin"}}}, `SELECT count(*) FROM posts WHERE kind = 'cabin'`},
			{"level", geo.Filter{Layer: "organizations", Props: []geo.PropertyFilter{{Field: "level", Value: int64(3)}}}, `SELECT count(*) FROM organizations WHERE level = 3`},
			{"grid code", geo.Filter{Layer: "compounds", Props: []geo.PropertyFilter{{Field: "grid_code", Value: "XY01"}}}, `SELECT count(*) FROM compounds WHERE grid_code = 'XY01'`},
			{"bbox", geo.Filter{Layer: "buildings", BBox: &orb.Bound{Min: orb.Point{110.095, 34.570}, Max: orb.Point{110.100, 34.576}}},
				`SELECT count(*) FROM buildings WHERE ST_Intersects(geom, ST_MakeEnvelope(110.095, 34.570, 110.100, 34.576, 4326))`},
			{"nothing", geo.Filter{Layer: "posts", Props: []geo.PropertyFilter{{Field: "name_zh", Value: "没有这个"}}}, `SELECT 0`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want int64
				if err := db.Pool().QueryRow(ctx, tt.sql).Scan(&want); err != nil {
					t.Fatal(err)
				}
				tt.filter.Limit = 10000
				page, err := db.FindFeatures(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				if page.Matched != want || int64(len(page.Features)) != want {
					t.Errorf("got matched %d, returned %d; want %d", page.Matched, len(page.Features), want)
				}
			})
		}
	})
}

func TestDB_FindFeature(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	f, err := db.FindFeature(ctx, "grids", 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.Properties["code"] == "" || f.Layer != "grids" || f.ID != 1 {
		t.Errorf("got %+v", f)
	}
	if _, err := db.FindFeature(ctx, "grids", 9999); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("missing id: got %v, want not found", err)
	}
	if _, err := db.FindFeature(ctx, "nolayer", 1); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("missing layer: got %v, want not found", err)
	}
}

func TestDB_LayerExtent(t *testing.T) {
	db, _ := openTestDB(t)
	e, err := db.LayerExtent(context.Background(), "grids")
	if err != nil {
		t.Fatal(err)
	}
	if e.Empty || e.Count != 15 {
		t.Fatalf("got %+v, want 15 grids", e)
	}
	if !e.Bound.Contains(orb.Point{110.098, 34.575}) && e.Bound.Max[0]-e.Bound.Min[0] > 0.05 {
		t.Errorf("extent %v is not a community-sized box near Huayin", e.Bound)
	}
}
