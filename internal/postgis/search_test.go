package postgis_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"partymap/internal/geo"
)

func hitKeys(hs []geo.SearchHit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s/%d:%s", h.Layer, h.ID, h.Match)
	}
	return out
}

func TestDB_Search(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		text  string
		limit int
		// first lists the hits that must come first, in order, as
		// layer/id:match; all lists hits that must be among the answer.
		first []string
		all   []string
		// layers, when set, are the only layers the hits may come from.
		layers []string
		count  int // exact number of hits, when > 0
	}{
		{name: "驿站 finds the six cabins", text: "驿站", limit: 10,
			all:    []string{"posts/1:contains", "posts/2:contains", "posts/3:contains", "posts/4:contains", "posts/5:contains", "posts/6:contains"},
			layers: []string{"posts"}, count: 6},
		// and the schoolyard's car spaces a co-building unit shares at
		// weekends (资源单)
		{name: "停车 finds the car parks", text: "停车", limit: 10,
			all: []string{"parking/1:contains", "parking/2:contains", "parking/3:contains", "resources/2:contains"}, layers: []string{"parking", "resources"}, count: 4},
		{name: "parking names the layer", text: "parking", limit: 10,
			all: []string{"parking/1:layer", "parking/2:layer", "parking/3:layer"}, layers: []string{"parking"}, count: 3},
		{name: "Car Park in English names", text: "car park", limit: 10,
			all: []string{"parking/1:contains", "parking/2:contains", "parking/3:contains"}, count: 3},
		{name: "grid code", text: "XY03", limit: 5, first: []string{"grids/3:exact"}},
		{name: "grid code lower case", text: "xy03", limit: 5, first: []string{"grids/3:exact"}, count: 1},
		{name: "exact name before prefix before contains", text: "西岳庙", limit: 10,
			first: []string{"landmarks/1:exact", "landmarks/5:prefix"}},
		{name: "English prefix", text: "xiyue temple", limit: 10, first: []string{"landmarks/1:exact", "landmarks/5:prefix"}},
		{name: "service name", text: "充电", limit: 20,
			all: []string{"posts/1:service", "posts/3:service", "posts/5:service", "posts/7:service", "posts/13:service"}, layers: []string{"posts"}, count: 5},
		{name: "one Chinese character", text: "庙", limit: 50, all: []string{"landmarks/1:contains", "landmarks/2:contains", "streets/2:prefix"}},
		{name: "water by its one-character label", text: "水", limit: 50, all: []string{"posts/1:service", "posts/12:service"}},
		{name: "wildcards match literally", text: "%%", limit: 10, count: -1},
		{name: "underscore matches literally", text: "X_03", limit: 10, count: -1},
		{name: "nothing", text: "火星基地", limit: 10, count: -1},
		{name: "limit", text: "网格", limit: 4, count: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := db.Search(ctx, geo.SearchQuery{Text: tt.text, Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			keys := hitKeys(hits)
			switch {
			case tt.count > 0 && len(hits) != tt.count:
				t.Errorf("%d hits %v, want %d", len(hits), keys, tt.count)
			case tt.count < 0 && len(hits) != 0:
				t.Errorf("hits %v, want none", keys)
			}
			for i, w := range tt.first {
				if i >= len(keys) || keys[i] != w {
					t.Errorf("hit %d: got %v, want %s first", i, keys, w)
				}
			}
			for _, w := range tt.all {
				if !slices.Contains(keys, w) {
					t.Errorf("hits %v lack %s", keys, w)
				}
			}
			for i, h := range hits {
				if len(tt.layers) > 0 && !slices.Contains(tt.layers, h.Layer) {
					t.Errorf("hit %s from layer %s, want only %v", keys[i], h.Layer, tt.layers)
				}
				if h.NameZh == "" || h.NameEn == "" || h.Point == [2]float64{} {
					t.Errorf("hit %s lacks a name or a point: %+v", keys[i], h)
				}
				if i > 0 && matchRank(hits[i-1].Match) > matchRank(h.Match) {
					t.Errorf("hit %s (%s) ranked after %s", keys[i], h.Match, keys[i-1])
				}
			}
		})
	}
}

func matchRank(m string) int {
	return slices.Index([]string{geo.MatchExact, geo.MatchPrefix, geo.MatchContains, geo.MatchService, geo.MatchLayer}, m)
}

// TestDB_Search_PointsLieOnFeatures: the point to fly to lies on the
// feature, also for streets (lines) and concave polygons.
func TestDB_Search_PointsLieOnFeatures(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	for _, text := range []string{"路", "网格", "小区", "巷"} {
		hits, err := db.Search(ctx, geo.SearchQuery{Text: text, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Fatalf("%q found nothing", text)
		}
		for _, h := range hits {
			var on bool
			err := db.Pool().QueryRow(ctx, `SELECT ST_DWithin(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326), 1e-9) FROM `+h.Layer+` WHERE id = $1`,
				h.ID, h.Point[0], h.Point[1]).Scan(&on)
			if err != nil {
				t.Fatal(err)
			}
			if !on {
				t.Errorf("%s %d: point %v is not on the feature", h.Layer, h.ID, h.Point)
			}
		}
	}
}

func TestDB_Search_Invalid(t *testing.T) {
	db, _ := openTestDB(t)
	for _, q := range []geo.SearchQuery{
		{Text: "", Limit: 10},
		{Text: "p", Limit: 10},
		{Text: "驿站", Limit: 0},
		{Text: strings.Repeat("x", 65), Limit: 10},
	} {
		if _, err := db.Search(context.Background(), q); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("Search(%q, %d) error = %v, want invalid", q.Text, q.Limit, err)
		}
	}
}
