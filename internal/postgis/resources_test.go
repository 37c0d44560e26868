package postgis_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The co-building units' shared resources: the finder finds a meeting room
// by "会议室", and a resource is its unit's grid's to write, wherever it is.
func TestResources_foundAndScoped(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	hits, err := db.Search(ctx, geo.SearchQuery{Text: "会议室", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	rooms := map[string]bool{}
	for _, h := range hits {
		if h.Layer == geo.ResourceLayer {
			rooms[h.NameZh] = true
		}
	}
	if !rooms["二楼会议室"] || !rooms["多功能会议室"] {
		t.Errorf("searching 会议室 found the resources %v, want the bank's and the bureau's meeting rooms", rooms)
	}
	// The bank's office (organization 56) lies in grid XY08.
	room := geo.Feature{Layer: geo.ResourceLayer, Geometry: orb.Point{110.0982579, 34.5731395}, Properties: map[string]any{
		"name_zh": "小会议室", "name_en": "Small meeting room", "organization_id": int64(56), "kind": "room",
		"when_zh": "周六上午", "when_en": "Saturday mornings",
	}}
	xy07 := geo.User{Name: "xy07", Role: geo.Editor, Grids: []string{"XY07"}}
	xy08 := geo.User{Name: "xy08", Role: geo.Editor, Grids: []string{"XY08"}}
	if _, err := write(ctx, db, xy07, geo.Write{Op: geo.Insert, Feature: room}); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("staff of another grid: %v, want forbidden", err)
	}
	res, err := write(ctx, db, xy08, geo.Write{Op: geo.Insert, Feature: room})
	if err != nil {
		t.Fatalf("staff of the unit's grid: %v", err)
	}
	if got := res.Changes[0].Feature.Properties[geo.CommunityField]; got != "XY" {
		t.Errorf("a new resource's community is %v, want XY: every layer carries it from birth", got)
	}
}
