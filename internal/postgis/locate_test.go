package postgis_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// pointsOnSurface returns each feature's id, a point on its surface (from
// PostGIS) and the value of one text column.
func pointsOnSurface(t *testing.T, db *postgis.DB, table, column string) map[int64]struct {
	pt  orb.Point
	val string
} {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(),
		`SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)), `+column+` FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]struct {
		pt  orb.Point
		val string
	}{}
	for rows.Next() {
		var id int64
		var x, y float64
		var v string
		if err := rows.Scan(&id, &x, &y, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = struct {
			pt  orb.Point
			val string
		}{orb.Point{x, y}, v}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDB_Locate_EachGrid(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	grids := pointsOnSurface(t, db, "grids", "code")
	if len(grids) != 15 {
		t.Fatalf("%d grids, want 15", len(grids))
	}
	for id, g := range grids {
		loc, err := db.Locate(ctx, geo.LocateQuery{Point: g.pt, Now: cstAt(12, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if loc.Grid == nil || loc.Grid.ID != id || loc.Grid.Properties["code"] != g.val {
			t.Errorf("point on grid %s (%d) at %v: located in %v, want that grid", g.val, id, g.pt, loc.Grid)
			continue
		}
		if loc.Branch == nil || loc.Branch.Properties["kind"] != "grid_branch" || loc.Branch.Properties["grid_code"] != g.val {
			t.Errorf("grid %s: branch %v, want the grid_branch of %s", g.val, loc.Branch, g.val)
		}
		for _, p := range []string{"leader_zh", "leader_phone", "branch_zh", "name_en"} {
			if s, _ := loc.Grid.Properties[p].(string); s == "" {
				t.Errorf("grid %s: property %s is empty", g.val, p)
			}
		}
		if loc.NearestPost == nil || loc.NearestPost.DistanceM <= 0 {
			t.Errorf("grid %s: nearest post %v, want one", g.val, loc.NearestPost)
		}
	}
}

func TestDB_Locate_EachCompound(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	compounds := pointsOnSurface(t, db, "compounds", "grid_code")
	for id, c := range compounds {
		loc, err := db.Locate(ctx, geo.LocateQuery{Point: c.pt})
		if err != nil {
			t.Fatal(err)
		}
		if loc.Compound == nil || loc.Compound.ID != id {
			t.Errorf("point on compound %d: compound %v, want %d", id, loc.Compound, id)
		}
		if loc.Grid == nil || loc.Grid.Properties["code"] != c.val {
			t.Errorf("compound %d lies in grid %s; located in %v", id, c.val, loc.Grid)
		}
	}
}

func TestDB_Locate_EdgesAndOutside(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	var corner, shared orb.Point
	var sharedCodes [2]string
	// A vertex of the community's outline lies on its edge; a vertex two
	// grids share lies on both.
	err := db.Pool().QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(geom), 1) AS p FROM communities LIMIT 1) c`).Scan(&corner[0], &corner[1])
	if err != nil {
		t.Fatal(err)
	}
	err = db.Pool().QueryRow(ctx, `
SELECT ST_X(p), ST_Y(p), a.code, b.code
FROM grids a JOIN grids b ON a.code < b.code AND ST_Touches(a.geom, b.geom),
     LATERAL (SELECT (ST_DumpPoints(ST_Intersection(a.geom, b.geom))).geom AS p) pts
ORDER BY a.code, b.code LIMIT 1`).Scan(&shared[0], &shared[1], &sharedCodes[0], &sharedCodes[1])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		at       orb.Point
		wantGrid string // "" means outside
	}{
		{name: "community corner", at: corner, wantGrid: "any"},
		{name: "edge shared by two grids", at: shared, wantGrid: sharedCodes[0]},
		{name: "outside", at: outside},
		{name: "Xiyue Temple, north of the community", at: templePos},
		{name: "far away", at: orb.Point{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := db.Locate(ctx, geo.LocateQuery{Point: tt.at})
			if err != nil {
				t.Fatal(err)
			}
			zh, en := loc.Message()
			switch tt.wantGrid {
			case "":
				if loc.Inside() || loc.Grid != nil || loc.Compound != nil || loc.Branch != nil || loc.NearestPost != nil {
					t.Errorf("at %v: %+v, want an empty answer", tt.at, loc)
				}
				if en != "This point is outside the community: it lies in none of its grids." || zh == "" {
					t.Errorf("message %q / %q, want the outside sentence", zh, en)
				}
			case "any":
				if !loc.Inside() {
					t.Errorf("at %v on the community's edge: outside, want inside a grid", tt.at)
				}
			default:
				if loc.Grid == nil || loc.Grid.Properties["code"] != tt.wantGrid {
					t.Errorf("at %v on the edge of %v: grid %v, want %s (the lower code)", tt.at, sharedCodes, loc.Grid, tt.wantGrid)
				}
			}
		})
	}
}

func TestDB_Locate_Invalid(t *testing.T) {
	db, _ := openTestDB(t)
	if _, err := db.Locate(context.Background(), geo.LocateQuery{Point: orb.Point{0, 91}}); geo.ErrorCode(err) != geo.EINVALID {
		t.Errorf("error = %v, want invalid", err)
	}
}
