package postgis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/testdb"
)

// With a second community beside Xiyue, every feature carries its own
// community, and the finder, search and items can each be narrowed to one.
func TestDB_twoCommunities_narrowedReads(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	postID := testdb.AddNeighbour(t, db)
	dl := testdb.Neighbour

	post := mustFeature(t, db, "posts", postID)
	if post.Properties["community"] != dl.Code || post.Properties["grid_code"] != dl.Grid {
		t.Errorf("the neighbour's post: community %v, grid %v; want %s, %s (derived by the store)", post.Properties["community"], post.Properties["grid_code"], dl.Code, dl.Grid)
	}
	xy := mustFeature(t, db, "posts", 1)
	if xy.Properties["community"] != "XY" {
		t.Errorf("Xiyue's post 1: community %v, want XY", xy.Properties["community"])
	}

	t.Run("search", func(t *testing.T) {
		for _, tt := range []struct {
			community string
			want      func(geo.SearchHit) bool
			n         int
		}{
			{"", func(geo.SearchHit) bool { return true }, 7},
			{"XY", func(h geo.SearchHit) bool { return h.Layer == "posts" && h.ID != postID }, 6},
			{dl.Code, func(h geo.SearchHit) bool { return h.Layer == "posts" && h.ID == postID }, 1},
		} {
			hits, err := db.Search(ctx, geo.SearchQuery{Text: "驿站", Limit: 20, Community: tt.community})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != tt.n {
				t.Errorf("驿站 in %q: %d hits %v, want %d", tt.community, len(hits), hitKeys(hits), tt.n)
			}
			for _, h := range hits {
				if !tt.want(h) {
					t.Errorf("驿站 in %q: hit %s/%d from elsewhere", tt.community, h.Layer, h.ID)
				}
			}
		}
		// The community and its grid are found by their codes, within it.
		hits, err := db.Search(ctx, geo.SearchQuery{Text: "DL", Limit: 10, Community: dl.Code})
		if err != nil {
			t.Fatal(err)
		}
		if keys := hitKeys(hits); len(keys) < 2 || keys[0] != "communities/2:exact" || !strings.HasPrefix(keys[1], "grids/") {
			t.Errorf("DL in DL: %v, want the community exactly, then its grid", keys)
		}
	})

	t.Run("nearest", func(t *testing.T) {
		for _, tt := range []struct {
			community string
			wantFirst int64
			wantOnly  string
		}{
			{"", postID, ""},
			{dl.Code, postID, dl.Code},
			{"XY", 0, "XY"},
		} {
			found, err := db.Nearest(ctx, geo.NearestQuery{Layer: "posts", Origin: dl.Inside, Limit: 5, Community: tt.community, Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if len(found) == 0 || (tt.wantFirst != 0 && found[0].Feature.ID != tt.wantFirst) {
				t.Fatalf("nearest from DL in %q: %d found, want post %d first", tt.community, len(found), tt.wantFirst)
			}
			for _, n := range found {
				if tt.wantOnly != "" && n.Feature.Properties["community"] != tt.wantOnly {
					t.Errorf("nearest in %q: post %d of %v", tt.community, n.Feature.ID, n.Feature.Properties["community"])
				}
			}
		}
	})

	t.Run("locate", func(t *testing.T) {
		loc, err := db.Locate(ctx, geo.LocateQuery{Point: dl.Inside, Community: dl.Code})
		if err != nil {
			t.Fatal(err)
		}
		if !loc.Inside() || loc.Grid.Properties["code"] != dl.Grid || loc.Community == nil || loc.Community.Properties["code"] != dl.Code {
			t.Errorf("locate in DL: inside %v grid %v community %v, want grid %s of community %s", loc.Inside(), loc.Grid, loc.Community, dl.Grid, dl.Code)
		}
		if loc.NearestPost == nil || loc.NearestPost.Feature.ID != postID {
			t.Errorf("locate in DL: nearest post %v, want %d", loc.NearestPost, postID)
		}
		loc, err = db.Locate(ctx, geo.LocateQuery{Point: dl.Inside, Community: "XY"})
		if err != nil {
			t.Fatal(err)
		}
		if loc.Inside() {
			t.Errorf("a point of DL located within XY: inside, grid %v; want outside", loc.Grid.Properties["code"])
		}
		loc, err = db.Locate(ctx, geo.LocateQuery{Point: orb.Point{110.0995, 34.5733}})
		if err != nil {
			t.Fatal(err)
		}
		if loc.Community == nil || loc.Community.Properties["code"] != "XY" {
			t.Errorf("locate in Xiyue: community %v, want XY", loc.Community)
		}
	})

	t.Run("items", func(t *testing.T) {
		for code, want := range map[string]int64{"XY": 13, dl.Code: 1} {
			page, err := db.FindFeatures(ctx, geo.Filter{Layer: "posts", Limit: 100, Props: []geo.PropertyFilter{{Field: "community", Value: code}}})
			if err != nil {
				t.Fatal(err)
			}
			if page.Matched != want {
				t.Errorf("posts of %s: %d, want %d", code, page.Matched, want)
			}
		}
	})

	t.Run("an unknown community", func(t *testing.T) {
		_, err := db.Search(ctx, geo.SearchQuery{Text: "驿站", Limit: 5, Community: "ZZ"})
		if geo.ErrorCode(err) != geo.ENOTFOUND || !strings.Contains(err.Error(), `no community with code "ZZ"`) {
			t.Errorf("search in ZZ: %v, want not found naming ZZ", err)
		}
		_, err = db.Nearest(ctx, geo.NearestQuery{Layer: "posts", Origin: dl.Inside, Limit: 1, Community: "ZZ"})
		if geo.ErrorCode(err) != geo.ENOTFOUND {
			t.Errorf("nearest in ZZ: %v, want not found", err)
		}
	})
}

// Staff of one community write there and nowhere else; a city admin
// writes everywhere, and only staff of the whole city draw communities.
func TestDB_twoCommunities_scope(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	postID := testdb.AddNeighbour(t, db)
	dl := testdb.Neighbour
	as := func(u geo.User) geo.EditOptions { return geo.EditOptions{Actor: u} }
	xyEditor := geo.User{Name: "xy-ed", Role: geo.Editor, Communities: []string{"XY"}}
	dlAdmin := geo.User{Name: "dl-admin", Role: geo.Admin, Communities: []string{dl.Code}}
	cityAdmin := geo.User{Name: "city", Role: geo.Admin}

	theirs := mustFeature(t, db, "posts", postID)
	theirs.Properties["hours"] = "07:00-21:00"
	_, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: theirs, IfVersion: theirs.Version}}, as(xyEditor))
	if geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), "xy-ed may edit only communities XY; this change also touches community DL") {
		t.Errorf("an XY editor edits DL's post: %v, want forbidden naming DL", err)
	}
	moved := mustFeature(t, db, "posts", 2)
	moved.Geometry = dl.Inside
	_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: moved, IfVersion: moved.Version}}, as(xyEditor))
	if geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), "community DL") {
		t.Errorf("an XY editor moves a post into DL: %v, want forbidden", err)
	}
	ours := mustFeature(t, db, "posts", 2)
	ours.Properties["hours"] = "07:00-21:00"
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: ours, IfVersion: ours.Version}}, as(xyEditor)); err != nil {
		t.Errorf("an XY editor edits XY's post: %v", err)
	}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: theirs, IfVersion: theirs.Version}}, as(dlAdmin)); err != nil {
		t.Errorf("DL's admin edits DL's post: %v", err)
	}
	community := mustFeature(t, db, geo.CommunityLayer, 2)
	community.Properties["name_en"] = "Dongling"
	_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: community, IfVersion: community.Version}}, as(dlAdmin))
	if geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), "Only staff of the whole city may edit communities") {
		t.Errorf("DL's admin renames the community: %v, want forbidden", err)
	}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: community, IfVersion: community.Version}}, as(cityAdmin)); err != nil {
		t.Errorf("a city admin renames the community: %v", err)
	}
}

// Grids tile their own community: a grid that reaches into another
// community is refused, and so is a community outline that would leave a
// part of it without a grid or overlap another community.
func TestDB_twoCommunities_topology(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	testdb.AddNeighbour(t, db)
	sys := geo.EditOptions{Actor: geo.SystemUser("test")}
	rules := func(err error) []string {
		t.Helper()
		ge, ok := err.(*geo.Error)
		if !ok || ge.Code != geo.EUNPROCESSABLE {
			t.Fatalf("got %v, want a 422", err)
		}
		var out []string
		for _, v := range ge.Violations {
			out = append(out, v.Rule)
		}
		return out
	}
	dlGrid := mustFeature(t, db, "grids", 16)
	// DL01 grown west into Xiyue's grids.
	grown := orb.Polygon{{{110.1060, 34.5670}, {110.1160, 34.5670}, {110.1160, 34.5750}, {110.1060, 34.5750}, {110.1060, 34.5670}}}
	dlGrid.Geometry = grown
	_, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: dlGrid, IfVersion: dlGrid.Version}}, sys)
	if got := strings.Join(rules(err), " "); !strings.Contains(got, "grid_across_communities") || !strings.Contains(got, "grid_overlap") {
		t.Errorf("DL01 grown into Xiyue: rules %q, want grid_across_communities and grid_overlap", got)
	}
	dl := mustFeature(t, db, geo.CommunityLayer, 2)
	dl.Geometry = grown
	_, err = db.ApplyWrites(ctx, []geo.Write{{Op: geo.Update, Feature: dl, IfVersion: dl.Version}}, sys)
	if got := strings.Join(rules(err), " "); !strings.Contains(got, "community_overlap") || !strings.Contains(got, "grid_gap") {
		t.Errorf("DL grown into Xiyue: rules %q, want community_overlap and grid_gap", got)
	}
}
