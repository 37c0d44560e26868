// Package testdb gives tests a real PostGIS holding the Xiyue data: one
// embedded cluster per test binary (pgtest), a template database migrated
// and seeded once, and a fresh copy of it per test.
package testdb

import (
	"context"
	"io/fs"
	"testing"

	"github.com/paulmach/orb"

	"partymap/data"
	"partymap/internal/geo"
	"partymap/internal/pgtest"
	"partymap/internal/postgis"
)

// Main runs a test binary's tests with the harness; call it from TestMain.
func Main(m *testing.M, h **pgtest.Harness) int {
	return pgtest.Main(m, h, Seed)
}

// Seed migrates the database at connString and loads the built-in data.
func Seed(ctx context.Context, connString string) error {
	db, err := postgis.Open(ctx, connString, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	src, err := fs.Sub(data.GeoJSON, "geojson")
	if err != nil {
		return err
	}
	files, err := db.ReadDir(src)
	if err != nil {
		return err
	}
	_, _, err = db.Import(ctx, files, "", geo.EditOptions{Actor: geo.SystemUser("seed")})
	return err
}

// Open returns a store on a fresh copy of the seeded template, closed when
// the test ends, and its connection string.
func Open(t testing.TB, h *pgtest.Harness) (*postgis.DB, string) {
	t.Helper()
	conn := h.NewDatabase(t)
	db, err := postgis.Open(context.Background(), conn, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	return db, conn
}

// Neighbour is a second community the tests of many communities add next
// to Xiyue (AddNeighbour): 东岭社区, code DL, a rectangle 250 m east of
// Xiyue's outline, one grid DL01 covering it, its party branch and one
// service post, 东岭驿站.
var Neighbour = struct {
	Code, Grid string
	// Outline is its outline; Inside a point in it, where the post stands.
	Outline orb.Polygon
	Inside  orb.Point
}{
	Code: "DL", Grid: "DL01",
	Outline: orb.Polygon{{{110.1100, 34.5670}, {110.1160, 34.5670}, {110.1160, 34.5750}, {110.1100, 34.5750}, {110.1100, 34.5670}}},
	Inside:  orb.Point{110.1130, 34.5710},
}

// AddNeighbour writes the Neighbour community through the store's one
// write path, as the system actor: its community, grid, branch and post,
// every derived field computed by the store. It returns the post's id.
func AddNeighbour(t testing.TB, db *postgis.DB) int64 {
	t.Helper()
	n := Neighbour
	ws := []geo.Write{
		{Op: geo.Insert, Feature: geo.Feature{Layer: geo.CommunityLayer, Geometry: n.Outline,
			Properties: map[string]any{"name_zh": "东岭社区", "name_en": "Dongling Community", "code": n.Code}}},
		{Op: geo.Insert, Feature: geo.Feature{Layer: "grids", Geometry: n.Outline, Properties: map[string]any{
			"name_zh": "东岭第1网格", "name_en": "Dongling Grid 1", "code": n.Grid, "leader_zh": "网格长（虚构）", "leader_en": "Leader (invented)",
			"leader_phone": "13800009999", "branch_zh": "东岭第1网格党支部", "branch_en": "Dongling Grid 1 Party Branch", "color": int64(4)}}},
		{Op: geo.Insert, Feature: geo.Feature{Layer: "organizations", Geometry: orb.Point{110.1105, 34.5745}, Properties: map[string]any{
			"name_zh": "东岭社区党总支", "name_en": "Dongling Community General Party Branch", "kind": "community_branch", "level": int64(2), "members": int64(40)}}},
		{Op: geo.Insert, Feature: geo.Feature{Layer: "posts", Geometry: n.Inside, Properties: map[string]any{
			"name_zh": "东岭驿站", "name_en": "Dongling Service Cabin", "kind": "cabin", "services": []string{"water", "charging"},
			"hours": "08:00-20:00", "phone": "0913-0009999"}}},
	}
	res, err := db.ApplyWrites(context.Background(), ws, geo.EditOptions{Actor: geo.SystemUser("test")})
	if err != nil {
		t.Fatalf("add the neighbour community: %v", err)
	}
	for _, c := range res.Changes {
		if c.Layer == "posts" {
			return c.ID
		}
	}
	t.Fatal("add the neighbour community: no post written")
	return 0
}
