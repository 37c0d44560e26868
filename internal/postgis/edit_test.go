package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

func editor() geo.EditOptions {
	return geo.EditOptions{Actor: geo.User{ID: 1, Name: "alice", Role: geo.Editor}, Reason: geo.ReasonEdit}
}

// reshaper is editor with the reason a boundary change needs.
func reshaper() geo.EditOptions {
	o := editor()
	o.Comment = "街道办通知：调整网格边界"
	return o
}

// along returns the point t of the way from a to b.
func along(a, b orb.Point, t float64) orb.Point {
	return orb.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t}
}

// Grid 7 (XY07) in the seeded data: its corners, anticlockwise from the
// south-west. Grid 8 is its eastern neighbour; compounds 13 and 14 lie in
// its western half, compound 15 in grid 8 near their shared edge.
var (
	g7SW = orb.Point{110.0944293, 34.5706296}
	g7SE = orb.Point{110.0977345, 34.5706222}
	g7NE = orb.Point{110.0975081, 34.5738138}
	g7NW = orb.Point{110.0946006, 34.5738318}
	g8SE = orb.Point{110.1008784, 34.5705947}
	g8NE = orb.Point{110.101017, 34.5738885}
)

func ring(ps ...orb.Point) orb.Polygon {
	return orb.Polygon{append(orb.Ring(ps), ps[0])}
}

// grid7EastEdgeAt returns grid 7 with its east edge moved a fraction t
// into grid 8 (negative: into grid 7), its corners kept on the outer edges.
func grid7EastEdgeAt(t float64) orb.Polygon {
	if t >= 0 {
		return ring(g7SW, along(g7SE, g8SE, t), along(g7NE, g8NE, t), g7NW)
	}
	return ring(g7SW, along(g7SE, g7SW, -t), along(g7NE, g7NW, -t), g7NW)
}

func mustFeature(t *testing.T, db *postgis.DB, layer string, id int64) geo.Feature {
	t.Helper()
	f, err := db.FindFeature(context.Background(), layer, id)
	if err != nil {
		t.Fatalf("find %s %d: %v", layer, id, err)
	}
	return f
}

func count(t *testing.T, db *postgis.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func rules(err error) []string {
	var ge *geo.Error
	if !errors.As(err, &ge) {
		return nil
	}
	var out []string
	for _, v := range ge.Violations {
		if !slices.Contains(out, v.Rule) {
			out = append(out, v.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// checkCoverage asserts the grids still tile the community: no overlaps, no
// gaps, every compound inside exactly one grid with its grid_code.
func checkCoverage(t *testing.T, db *postgis.DB) {
	t.Helper()
	if n := count(t, db, `SELECT count(*) FROM grids`); n != 15 {
		t.Errorf("grids: got %d, want 15", n)
	}
	if n := count(t, db, `SELECT count(*) FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
		WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0.01`); n != 0 {
		t.Errorf("overlapping grid pairs: got %d, want 0", n)
	}
	var gap float64
	if err := db.Pool().QueryRow(context.Background(), `SELECT ST_Area(ST_Difference(c.geom, (SELECT ST_Union(geom) FROM grids))::geography) FROM communities c`).Scan(&gap); err != nil {
		t.Fatal(err)
	}
	if gap > 0.01 {
		t.Errorf("gap: got %.3f m², want 0", gap)
	}
	if n := count(t, db, `SELECT count(*) FROM compounds c WHERE (SELECT count(*) FROM grids g
		WHERE ST_Area(ST_Difference(c.geom, g.geom)::geography) <= 0.01 AND g.code = c.grid_code) <> 1`); n != 0 {
		t.Errorf("compounds not inside exactly their grid: got %d, want 0", n)
	}
}

func TestDB_ApplyWrites_updateBumpsVersionAndHistory(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	p := mustFeature(t, db, "parking", 1)
	p.Properties["free"] = int64(3)
	res, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: p, IfVersion: p.Version}}, editor())
	if err != nil {
		t.Fatal(err)
	}
	c, ok := res.Change("parking", 1)
	if !ok || c.Version != p.Version+1 || c.Feature.Properties["free"] != int64(3) {
		t.Fatalf("change: got %+v, want version %d with free 3", c, p.Version+1)
	}
	var who, reason string
	if err := db.Pool().QueryRow(ctx, `SELECT who, reason FROM history WHERE layer = 'parking' AND feature_id = 1 AND version = $1`, c.Version).Scan(&who, &reason); err != nil {
		t.Fatal(err)
	}
	if who != "alice" || reason != "edit" {
		t.Errorf("history: got %s/%s, want alice/edit", who, reason)
	}
	_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: p, IfVersion: p.Version}}, editor())
	var vc *geo.VersionConflict
	if geo.ErrorCode(err) != geo.ECONFLICT || !errors.As(err, &vc) || vc.Current != p.Version+1 {
		t.Errorf("stale write: got %v, want a conflict naming version %d", err, p.Version+1)
	}
}

// Every invalid grid edit is refused with the right reasons, and nothing
// is written: not the row, not the history.
func TestDB_validation(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	g7 := mustFeature(t, db, "grids", 7)
	g1 := mustFeature(t, db, "grids", 1)
	// Grid 1 with a bulge out of the community's western edge.
	west := g1.Geometry.(orb.Polygon)[0]
	outside := orb.Polygon{append(slices.Clone(west[:5]), append(orb.Ring{{110.0905, 34.5765}}, west[5:]...)...)}
	tests := []struct {
		name    string
		grid    geo.Feature
		shape   orb.Polygon
		reshape bool
		want    []string
	}{
		{name: "self-intersecting ring", grid: g7, shape: ring(g7SW, g7NE, g7SE, g7NW), want: []string{"invalid_geometry"}},
		{name: "outside the outline", grid: g1, shape: outside, want: []string{"outside_community"}},
		{name: "overlaps a neighbour", grid: g7, shape: grid7EastEdgeAt(0.02), want: []string{"grid_overlap"}},
		{name: "opens a gap", grid: g7, shape: grid7EastEdgeAt(-0.2), want: []string{"grid_gap"}},
		{name: "orphans compounds", grid: g7, shape: grid7EastEdgeAt(-0.2)[:1:1], want: nil},
		{name: "splits a compound", grid: g7, shape: grid7EastEdgeAt(0.2), reshape: true, want: []string{"compound_split"}},
	}
	// Orphaning: keep only the eastern half of grid 7, where no compound is.
	tests[4].shape = ring(along(g7SW, g7SE, 0.55), g7SE, g7NE, along(g7NW, g7NE, 0.55))
	tests[4].want = []string{"compound_orphaned", "grid_gap"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rowsBefore := count(t, db, `SELECT count(*) FROM grids WHERE version = $1 AND id = $2`, tt.grid.Version, tt.grid.ID)
			historyBefore := count(t, db, `SELECT count(*) FROM history`)
			f := tt.grid
			f.Geometry = tt.shape
			var err error
			if tt.reshape {
				_, err = db.ReshapeGrid(ctx, f.ID, f.Version, tt.shape, editor())
			} else {
				_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: f, IfVersion: f.Version}}, editor())
			}
			if geo.ErrorCode(err) != geo.EUNPROCESSABLE {
				t.Fatalf("got %v, want a 422", err)
			}
			if got := rules(err); !slices.Equal(got, tt.want) {
				t.Errorf("rules: got %v, want %v (%v)", got, tt.want, err)
			}
			var ge *geo.Error
			errors.As(err, &ge)
			for _, v := range ge.Violations {
				if v.MessageEn == "" || v.MessageZh == "" {
					t.Errorf("violation %s lacks a message: %+v", v.Rule, v)
				}
			}
			if got := count(t, db, `SELECT count(*) FROM grids WHERE version = $1 AND id = $2`, tt.grid.Version, tt.grid.ID); got != rowsBefore {
				t.Errorf("the grid changed: got %d rows at version %d, want %d", got, tt.grid.Version, rowsBefore)
			}
			if got := count(t, db, `SELECT count(*) FROM history`); got != historyBefore {
				t.Errorf("history rows: got %d, want %d", got, historyBefore)
			}
		})
	}
	checkCoverage(t, db)
}

func TestDB_ReshapeGrid_movesTheSharedBoundary(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	g7 := mustFeature(t, db, "grids", 7)
	g8 := mustFeature(t, db, "grids", 8)
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), reshaper())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range res.Changes {
		ids = append(ids, c.ID)
	}
	if !slices.Contains(ids, 7) || !slices.Contains(ids, 8) {
		t.Errorf("changed grids: got %v, want 7 and 8", ids)
	}
	if v := mustFeature(t, db, "grids", 8).Version; v != g8.Version+1 {
		t.Errorf("grid 8 version: got %d, want %d", v, g8.Version+1)
	}
	if n := count(t, db, `SELECT count(*) FROM history WHERE layer = 'grids' AND reason = 'reshape' AND who = 'alice'`); n != int64(len(res.Changes)) {
		t.Errorf("reshape history rows: got %d, want %d", n, len(res.Changes))
	}
	checkCoverage(t, db)

	// Back again, and further west: grid 8 gains what 7 gives up.
	g7 = mustFeature(t, db, "grids", 7)
	if _, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(-0.1), reshaper()); err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, db)
}

// A reshape that takes a whole compound moves it (and its buildings) to
// the grid that now holds it.
func TestDB_ReshapeGrid_reassignsAWholeCompound(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	g7 := mustFeature(t, db, "grids", 7)
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.5), reshaper())
	if err != nil {
		t.Fatal(err)
	}
	c15 := mustFeature(t, db, "compounds", 15)
	if c15.Properties["grid_code"] != "XY07" {
		t.Errorf("compound 15 grid_code: got %v, want XY07", c15.Properties["grid_code"])
	}
	if c, ok := res.Change("compounds", 15); !ok || !strings.Contains(c.NoteEn, "XY08 to grid XY07") {
		t.Errorf("change of compound 15: got %+v", c)
	}
	if n := count(t, db, `SELECT count(*) FROM buildings WHERE compound_id = 15 AND grid_code <> 'XY07'`); n != 0 {
		t.Errorf("buildings of compound 15 still in another grid: %d", n)
	}
	checkCoverage(t, db)
}

func TestDB_dryRunWritesNothing(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	g7 := mustFeature(t, db, "grids", 7)
	before := count(t, db, `SELECT count(*) FROM history`)
	o := editor()
	o.DryRun = true
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), o)
	if err != nil || !res.DryRun || len(res.Changes) < 2 {
		t.Fatalf("dry run: got %+v, %v", res, err)
	}
	if got := count(t, db, `SELECT count(*) FROM history`); got != before {
		t.Errorf("history rows: got %d, want %d", got, before)
	}
	if v := mustFeature(t, db, "grids", 7).Version; v != g7.Version {
		t.Errorf("version: got %d, want %d", v, g7.Version)
	}
}

func TestDB_restrictedEditor(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	o := editor()
	o.Actor.Grids = []string{"XY07"}
	g7 := mustFeature(t, db, "grids", 7)
	_, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), o)
	if geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), "XY08") {
		t.Errorf("reshape into XY08: got %v, want forbidden naming XY08", err)
	}
	c13 := mustFeature(t, db, "compounds", 13)
	c13.Properties["households"] = int64(99)
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: c13, IfVersion: c13.Version}}, o); err != nil {
		t.Errorf("edit a compound of XY07: %v", err)
	}
	c15 := mustFeature(t, db, "compounds", 15)
	c15.Properties["households"] = int64(99)
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: c15, IfVersion: c15.Version}}, o); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("edit a compound of XY08: got %v, want forbidden", err)
	}
}

func TestDB_revertAndRestore(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	p := mustFeature(t, db, "posts", 2)
	v1 := p.Version
	moved := p
	moved.Geometry = orb.Point{p.Geometry.(orb.Point)[0] + 0.0001, p.Geometry.(orb.Point)[1]}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: moved, IfVersion: v1}}, editor()); err != nil {
		t.Fatal(err)
	}
	res, err := db.Revert(ctx, "posts", 2, v1, v1+1, editor())
	if err != nil {
		t.Fatal(err)
	}
	now := mustFeature(t, db, "posts", 2)
	if now.Version != v1+2 || !orb.Equal(now.Geometry, p.Geometry) {
		t.Errorf("after revert: got version %d at %v, want version %d at %v", now.Version, now.Geometry, v1+2, p.Geometry)
	}
	if c, _ := res.Change("posts", 2); !strings.Contains(c.NoteEn, "version") {
		t.Errorf("revert note: got %q", c.NoteEn)
	}
	hs, err := db.History(ctx, "posts", 2)
	if err != nil {
		t.Fatal(err)
	}
	if last := hs[len(hs)-1]; last.Reason != "revert" || !slices.Contains(last.Changed, "geometry") {
		t.Errorf("last history entry: got %+v", last)
	}

	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Delete, Feature: geo.Feature{Layer: "posts", ID: 2}, IfVersion: now.Version}}, editor()); err != nil {
		t.Fatal(err)
	}
	deleted, n, err := db.Deleted(ctx, "posts", 10, 0)
	if err != nil || n != 1 || deleted[0].ID != 2 {
		t.Fatalf("deleted: got %d %+v %v, want post 2", n, deleted, err)
	}
	if _, err := db.Restore(ctx, "posts", 2, editor()); err != nil {
		t.Fatal(err)
	}
	back := mustFeature(t, db, "posts", 2)
	if back.Version != now.Version+2 || !orb.Equal(back.Geometry, p.Geometry) || back.Properties["name_zh"] != p.Properties["name_zh"] {
		t.Errorf("restored: got version %d %v, want version %d", back.Version, back.Properties, now.Version+2)
	}
	if _, err := db.Restore(ctx, "posts", 2, editor()); geo.ErrorCode(err) != geo.ECONFLICT {
		t.Errorf("restore twice: got %v, want conflict", err)
	}
}

func TestDB_deleteRules(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	c13 := mustFeature(t, db, "compounds", 13)
	_, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Delete, Feature: geo.Feature{Layer: "compounds", ID: 13}, IfVersion: c13.Version}}, editor())
	if got := rules(err); !slices.Equal(got, []string{"has_dependents"}) {
		t.Errorf("delete a compound with buildings: got %v (%v)", got, err)
	}
	g7 := mustFeature(t, db, "grids", 7)
	_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Delete, Feature: geo.Feature{Layer: "grids", ID: 7}, IfVersion: g7.Version}}, editor())
	if got := rules(err); !slices.Equal(got, []string{"compound_orphaned", "grid_gap", "has_dependents"}) {
		t.Errorf("delete a grid: got %v (%v)", got, err)
	}
}

// Every edit that writes is one change set, named by each of its history
// rows; a dry run and an edit that changes nothing make none; a change in
// plain SQL has none.
func TestDB_changeSets(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	sets := func() int64 { return count(t, db, `SELECT count(*) FROM change_sets`) }
	before := sets()
	g7 := mustFeature(t, db, "grids", 7)
	o := reshaper()
	o.DryRun = true
	if _, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), o); err != nil {
		t.Fatal(err)
	}
	if got := sets(); got != before {
		t.Errorf("a dry run made %d change sets", got-before)
	}
	res, err := db.ReshapeGrid(ctx, 7, g7.Version, grid7EastEdgeAt(0.01), reshaper())
	if err != nil {
		t.Fatal(err)
	}
	if res.ChangeSet == 0 || sets() != before+1 {
		t.Fatalf("reshape: change set %d, %d made", res.ChangeSet, sets()-before)
	}
	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM history WHERE change_set = %d`, res.ChangeSet)); n != int64(len(res.Changes)) {
		t.Errorf("history rows of the change set: got %d, want %d", n, len(res.Changes))
	}
	cs, err := db.ChangeSet(ctx, res.ChangeSet)
	if err != nil || cs.Comment != reshaper().Comment || cs.Who != "alice" || len(cs.Items) != len(res.Changes) {
		t.Errorf("change set: got %+v, %v", cs, err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE posts SET phone = '0913-1111111' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM history WHERE layer = 'posts' AND feature_id = 1 AND reason = 'sql' AND change_set IS NULL`); n != 1 {
		t.Errorf("the plain SQL change: %d history rows without a change set, want 1", n)
	}
	// Reverting the reshape brings grid 7 back; the reshape's change set
	// then has later changes and cannot be reverted again.
	undo, err := db.RevertChangeSet(ctx, res.ChangeSet, cs.Mark, reshaper())
	if err != nil {
		t.Fatal(err)
	}
	if g := mustFeature(t, db, "grids", 7); !orb.Equal(g.Geometry, g7.Geometry) {
		t.Errorf("grid 7 after the revert: %v, want %v", g.Geometry, g7.Geometry)
	}
	if _, err := db.RevertChangeSet(ctx, res.ChangeSet, 0, reshaper()); geo.ErrorCode(err) != geo.ESUPERSEDED {
		t.Errorf("reverting it again: got %v, want superseded", err)
	}
	checkCoverage(t, db)
	// The revert of the revert puts the reshape back.
	if _, err := db.RevertChangeSet(ctx, undo.ChangeSet, 0, reshaper()); err != nil {
		t.Errorf("redo: %v", err)
	}
	checkCoverage(t, db)
}
