package postgis_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// corner is where grids XY08, XY09, XY13 and XY14 meet: the security
// review's point, which an editor of XY01 could once create a post on.
var corner = orb.Point{110.1008784, 34.5705947}

func newPost(at orb.Point) geo.Feature {
	return geo.Feature{Layer: "posts", Geometry: at, Properties: map[string]any{
		"name_zh": "t", "name_en": "t", "kind": "cabin", "services": []string{"water"}, "hours": "08:00-18:00", "grid_code": "XY01"}}
}

func limitedTo(grids ...string) geo.EditOptions {
	o := editor()
	o.Actor.Name, o.Actor.Grids = "ed", grids
	return o
}

// A restricted editor places a point only where every grid that covers it
// is one of theirs.
func TestDB_editorScope_points(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	if n := count(t, db, `SELECT count(*) FROM grids WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) AND code IN ('XY08', 'XY09', 'XY13', 'XY14')`, corner[0], corner[1]); n != 4 {
		t.Fatalf("the corner is covered by %d of XY08, XY09, XY13, XY14; want all four", n)
	}
	inside08 := orb.Point{110.0995, 34.5720}
	tests := []struct {
		name   string
		o      geo.EditOptions
		at     orb.Point
		want   string // error code, "" for success
		naming []string
	}{
		{"XY01's editor on a corner of four other grids", limitedTo("XY01"), corner, geo.EFORBIDDEN, []string{"XY08", "XY09", "XY13", "XY14"}},
		{"XY08's editor on its corner with three others", limitedTo("XY08"), corner, geo.EFORBIDDEN, []string{"XY09", "XY13", "XY14"}},
		{"the editor of all four grids on their corner", limitedTo("XY08", "XY09", "XY13", "XY14"), corner, "", nil},
		{"XY08's editor inside XY08", limitedTo("XY08"), inside08, "", nil},
		{"XY01's editor inside XY08", limitedTo("XY01"), inside08, geo.EFORBIDDEN, []string{"XY08"}},
		{"XY08's editor in no grid", limitedTo("XY08"), orb.Point{116.397, 39.909}, geo.EFORBIDDEN, []string{"lies in no grid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.DryRun = true
			_, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Insert, Feature: newPost(tt.at)}}, o)
			if got := geo.ErrorCode(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			for _, n := range tt.naming {
				if !strings.Contains(geo.ErrorMessage(err), n) {
					t.Errorf("%q does not name %s", geo.ErrorMessage(err), n)
				}
			}
		})
	}
	// Moving one's own post onto the corner is refused too: where it goes
	// counts, as well as where it was.
	p := mustFeature(t, db, "posts", 13) // in XY08
	p.Geometry = corner
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: p, IfVersion: p.Version}}, limitedTo("XY08")); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("move post 13 onto the corner: got %v, want forbidden", err)
	}
}

// A car park's entrance is scope-checked like a geometry and must lie at
// its car park.
func TestDB_editorScope_entrance(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	p := mustFeature(t, db, "parking", 1)
	code := p.Properties["grid_code"].(string)
	entrance := p.Properties["entrance"].(orb.Point)
	beijing := orb.Point{116.397, 39.909}
	move := func(to orb.Point, o geo.EditOptions) error {
		f := mustFeature(t, db, "parking", 1)
		f.Properties["entrance"] = to
		_, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: f, IfVersion: f.Version}}, o)
		return err
	}
	if err := move(beijing, limitedTo(code)); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("the car park's own editor moves its entrance to Beijing: got %v, want forbidden", err)
	}
	err := move(beijing, editor())
	if got := rules(err); len(got) != 1 || got[0] != "position_too_far" {
		t.Fatalf("an editor of every grid moves the entrance to Beijing: got %v (%v), want position_too_far", got, err)
	}
	var ge *geo.Error
	if errorsAs(err, &ge); !strings.Contains(ge.Violations[0].MessageEn, "must be within 30 m") || !strings.Contains(ge.Violations[0].MessageZh, "30 米以内") {
		t.Errorf("violation %+v, want it to say 30 m in both languages", ge.Violations[0])
	}
	if err := move(orb.Point{entrance[0] + 0.00005, entrance[1]}, limitedTo(code)); err != nil {
		t.Errorf("a move of the entrance by 5 m: %v", err)
	}
	if got := mustFeature(t, db, "parking", 1).Properties["entrance"].(orb.Point); got[0] != entrance[0]+0.00005 {
		t.Errorf("entrance %v after the move", got)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
