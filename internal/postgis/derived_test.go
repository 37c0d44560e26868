package postgis_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// post13 stands in grid XY08, 200 m east of its edge with XY07.
var post13 = orb.Point{110.0979476, 34.5731773}

// historyGridCodes lists the grid_code of each version of an item.
func historyGridCodes(t *testing.T, db interface {
	History(context.Context, string, int64) ([]geo.HistoryEntry, error)
}, layer string, id int64) []string {
	t.Helper()
	hs, err := db.History(context.Background(), layer, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		c, _ := h.Properties["grid_code"].(string)
		out = append(out, c)
	}
	return out
}

// A post moved across a grid boundary takes the grid it now stands in,
// whatever the writer says, in the same version: its history shows it.
func TestDB_derivedGridCode_followsAMove(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	p := mustFeature(t, db, "posts", 13)
	if p.Properties["grid_code"] != "XY08" {
		t.Fatalf("post 13 is in %v, want XY08", p.Properties["grid_code"])
	}
	moved := p
	moved.Geometry = orb.Point{110.0972, 34.5731} // west of the edge: XY07
	moved.Properties = map[string]any{}
	for k, v := range p.Properties {
		moved.Properties[k] = v
	}
	moved.Properties["grid_code"] = "XY01" // a writer's value is never kept
	res, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: moved, IfVersion: p.Version}}, editor())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := res.Change("posts", 13)
	if got := c.Feature.Properties["grid_code"]; got != "XY07" {
		t.Errorf("after the move: grid_code %v, want XY07", got)
	}
	if got := historyGridCodes(t, db, "posts", 13); got[len(got)-1] != "XY07" || got[len(got)-2] != "XY08" {
		t.Errorf("history grid codes %v, want …, XY08, XY07", got)
	}
	hs, _ := db.History(ctx, "posts", 13)
	if last := hs[len(hs)-1]; !slices.Contains(last.Changed, "grid_code") || !slices.Contains(last.Changed, "geometry") || last.Version != p.Version+1 {
		t.Errorf("last history entry: version %d changed %v, want version %d changing geometry and grid_code", last.Version, last.Changed, p.Version+1)
	}
	// A car park's grid is the one that covers most of it.
	pk := mustFeature(t, db, "parking", 2)
	want := count(t, db, `SELECT count(*) FROM parking p JOIN grids g ON g.code = p.grid_code WHERE p.id = 2
		AND ST_Area(ST_Intersection(g.geom, p.geom)) >= ALL (SELECT ST_Area(ST_Intersection(o.geom, p.geom)) FROM grids o)`)
	if pk.Properties["grid_code"] == nil || want != 1 {
		t.Errorf("car park 2: grid_code %v is not the grid covering most of it", pk.Properties["grid_code"])
	}
}

// A reshape that puts a post in the neighbouring grid moves the post there,
// with a note, though nobody wrote the post.
func TestDB_derivedGridCode_followsAReshape(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	g7 := mustFeature(t, db, "grids", 7)
	before := mustFeature(t, db, "posts", 13)
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.5), reshaper())
	if err != nil {
		t.Fatal(err)
	}
	after := mustFeature(t, db, "posts", 13)
	if after.Properties["grid_code"] != "XY07" || after.Version != before.Version+1 {
		t.Errorf("post 13: grid_code %v at version %d, want XY07 at version %d", after.Properties["grid_code"], after.Version, before.Version+1)
	}
	c, ok := res.Change("posts", 13)
	if !ok || !strings.Contains(c.NoteEn, "from grid XY08 to grid XY07") || !strings.Contains(c.NoteZh, "从网格 XY08 划入网格 XY07") {
		t.Errorf("change of post 13: %+v, want a note that it moved from XY08 to XY07", c)
	}
	var reason string
	if err := db.Pool().QueryRow(ctx, `SELECT reason FROM history WHERE layer = 'posts' AND feature_id = 13 ORDER BY id DESC LIMIT 1`).Scan(&reason); err != nil || reason != "reshape" {
		t.Errorf("history reason %q (%v), want reshape", reason, err)
	}
	// Every feature with a derived grid_code names the grid its position gives.
	for _, table := range []string{"posts", "organizations"} {
		if n := count(t, db, `SELECT count(*) FROM `+table+` p WHERE grid_code IS DISTINCT FROM
			(SELECT code FROM grids g WHERE ST_Covers(g.geom, p.geom) ORDER BY code LIMIT 1)`); n != 0 {
			t.Errorf("%s: %d rows with a stale grid_code", table, n)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE b.grid_code IS DISTINCT FROM c.grid_code`); n != 0 {
		t.Errorf("%d buildings in another grid than their compound", n)
	}
}

// An import that says a post lies in another grid stores the grid it
// stands in.
func TestDB_derivedGridCode_import(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	dir := fstest.MapFS{"posts.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","id":13,"geometry":{"type":"Point","coordinates":[110.0972,34.5731]},"properties":{"grid_code":"XY01"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[110.0979476,34.5731773]},"properties":{"name_zh":"新驿站","name_en":"New cabin","kind":"cabin","services":["water"],"hours":"08:00-20:00","grid_code":"XY02"}}]}`)}}
	files, err := db.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := db.Import(ctx, files, "", system())
	if err != nil {
		t.Fatalf("import: %v", errorText(err))
	}
	if got := mustFeature(t, db, "posts", 13).Properties["grid_code"]; got != "XY07" {
		t.Errorf("moved post: grid_code %v, want XY07", got)
	}
	var inserted int64
	for _, c := range res.Changes {
		if c.Op == geo.Insert {
			inserted = c.ID
		}
	}
	if got := mustFeature(t, db, "posts", inserted).Properties["grid_code"]; got != "XY08" {
		t.Errorf("new post: grid_code %v, want XY08", got)
	}
}
