package postgis_test

import (
	"context"
	"testing"

	"partymap/internal/geo"
)

// The data set's own rules, checked by PostGIS on the loaded data.
func TestData_counts(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	tests := []struct {
		name string
		sql  string
		min  int64
		max  int64
	}{
		{"15 grids", `SELECT count(*) FROM grids`, 15, 15},
		{"33 compounds", `SELECT count(*) FROM compounds`, 33, 33},
		{"150 or more buildings", `SELECT count(*) FROM buildings`, 150, 100000},
		{"one street committee", `SELECT count(*) FROM organizations WHERE kind = 'street_committee'`, 1, 1},
		{"one community branch", `SELECT count(*) FROM organizations WHERE kind = 'community_branch'`, 1, 1},
		{"15 grid branches", `SELECT count(*) FROM organizations WHERE kind = 'grid_branch'`, 15, 15},
		{"building-door groups", `SELECT count(*) FROM organizations WHERE kind = 'building_group'`, 1, 1000},
		{"27 co-building units", `SELECT count(*) FROM organizations WHERE kind = 'co_building_unit'`, 27, 27},
		{"one business circle", `SELECT count(*) FROM organizations WHERE kind = 'business_circle'`, 1, 1},
		{"two non-public organizations", `SELECT count(*) FROM organizations WHERE kind = 'non_public'`, 2, 2},
		{"four or more cabins", `SELECT count(*) FROM posts WHERE kind = 'cabin'`, 4, 100},
		{"one service hall", `SELECT count(*) FROM posts WHERE kind = 'service_hall'`, 1, 1},
		{"one representative studio", `SELECT count(*) FROM posts WHERE kind = 'rep_studio'`, 1, 1},
		{"two activity rooms", `SELECT count(*) FROM posts WHERE kind = 'activity_room'`, 2, 2},
		{"two cultural spaces", `SELECT count(*) FROM posts WHERE kind = 'cultural_space'`, 2, 2},
		{"one library", `SELECT count(*) FROM posts WHERE kind = 'library'`, 1, 1},
		{"three car parks", `SELECT count(*) FROM parking`, 3, 3},
		{"one pedestrian street", `SELECT count(*) FROM streets WHERE kind = 'pedestrian'`, 1, 1},
		{"the pedestrian street is about 800 m", `SELECT round(ST_Length(geom::geography)) FROM streets WHERE kind = 'pedestrian'`, 700, 900},
		{"Xiyue Temple", `SELECT count(*) FROM landmarks WHERE name_zh = '西岳庙'`, 1, 1},
		{"Guandi Temple", `SELECT count(*) FROM landmarks WHERE name_zh = '关帝庙'`, 1, 1},
		{"Shuangquan village", `SELECT count(*) FROM landmarks WHERE name_zh = '双泉村'`, 1, 1},
		{"a history row per feature", historyPerFeatureSQL(), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int64
			if err := db.Pool().QueryRow(ctx, tt.sql).Scan(&got); err != nil {
				t.Fatalf("query: %v", err)
			}
			if got < tt.min || got > tt.max {
				t.Errorf("got %d, want %d..%d", got, tt.min, tt.max)
			}
		})
	}
}

func TestData_rules(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	tests := []struct {
		name string
		sql  string // returns the number of offending rows or m²; want 0
	}{
		{"no two grids overlap (m²)", `SELECT coalesce(round(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography))), 0)
			FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)`},
		{"no gap between the grids inside the outline (m²)", `SELECT round(ST_Area(ST_Difference(c.geom, (SELECT ST_Union(geom) FROM grids))::geography)) FROM communities c`},
		{"no grid outside the outline (m²)", `SELECT round(ST_Area(ST_Difference((SELECT ST_Union(geom) FROM grids), c.geom)::geography)) FROM communities c`},
		{"every compound in exactly one grid", `SELECT count(*) FROM compounds c
			WHERE (SELECT count(*) FROM grids g WHERE ST_Covers(g.geom, c.geom)) <> 1`},
		{"every compound's grid_code names the grid covering it", `SELECT count(*) FROM compounds c
			WHERE NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = c.grid_code AND ST_Covers(g.geom, c.geom))`},
		{"every building inside its compound", `SELECT count(*) FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE NOT ST_Covers(c.geom, b.geom)`},
		{"compounds' building counts", `SELECT count(*) FROM compounds c WHERE c.buildings <> (SELECT count(*) FROM buildings b WHERE b.compound_id = c.id)`},
		{"every organization's parent exists", `SELECT count(*) FROM organizations o WHERE o.parent_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM organizations p WHERE p.id = o.parent_id)`},
		{"only the street committee has no parent", `SELECT count(*) FROM organizations WHERE (parent_id IS NULL) <> (kind = 'street_committee')`},
		{"a child's level is below its parent's", `SELECT count(*) FROM organizations o JOIN organizations p ON p.id = o.parent_id WHERE o.level <= p.level`},
		{"grid branches hang under the community branch", `SELECT count(*) FROM organizations o JOIN organizations p ON p.id = o.parent_id
			WHERE o.kind = 'grid_branch' AND p.kind <> 'community_branch'`},
		{"building groups hang under a grid branch", `SELECT count(*) FROM organizations o JOIN organizations p ON p.id = o.parent_id
			WHERE o.kind = 'building_group' AND p.kind <> 'grid_branch'`},
		{"the hierarchy has four levels", `SELECT 4 - count(DISTINCT level) FROM organizations`},
		{"every grid has its branch", `SELECT count(*) FROM grids g WHERE NOT EXISTS
			(SELECT 1 FROM organizations o WHERE o.kind = 'grid_branch' AND o.grid_code = g.code AND ST_Covers(g.geom, o.geom))`},
		{"every service offered by two posts", `SELECT count(*) FROM unnest(ARRAY['water','charging','first_aid','umbrella','map','wifi','rest']) s
			WHERE (SELECT count(*) FROM posts WHERE s = ANY(services)) < 2`},
		{"free spaces within capacity", `SELECT count(*) FROM parking WHERE free > capacity`},
		{"parking entrances at their lots (within 30 m)", `SELECT count(*) FROM parking WHERE ST_Distance(entrance::geography, geom::geography) > 30`},
		{"the temple is about 525 m north to south", `SELECT abs(round(ST_Distance(ST_MakePoint(ST_XMin(geom), ST_YMin(geom))::geography,
			ST_MakePoint(ST_XMin(geom), ST_YMax(geom))::geography)) - 525) > 60 FROM landmarks WHERE name_zh = '西岳庙'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			if err := db.Pool().QueryRow(ctx, tt.sql).Scan(&got); err != nil {
				t.Fatalf("query: %v", err)
			}
			switch v := got.(type) {
			case bool:
				if v {
					t.Errorf("got true, want false")
				}
			default:
				if s := fmtNum(v); s != "0" {
					t.Errorf("got %s, want 0", s)
				}
			}
		})
	}
}

// historyPerFeatureSQL counts the history rows less the features of every
// stored layer: 0 after the seed load, which inserts each feature once.
func historyPerFeatureSQL() string {
	sql := `SELECT count(*)`
	for _, l := range geo.NewCatalogue().Layers() {
		sql += ` - (SELECT count(*) FROM ` + l.Name + `)`
	}
	return sql + ` FROM history`
}
