package geo_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The system role writes every stored layer, but no account can have it.
func TestSystemUser(t *testing.T) {
	cat := geo.NewCatalogue()
	sys := geo.SystemUser("seed")
	for _, l := range cat.Layers() {
		if err := sys.MayWrite(l); err != nil {
			t.Errorf("system may not write %s: %v", l.Name, err)
		}
	}
	streets, _ := cat.Layer("streets")
	if err := (geo.User{Name: "root", Role: geo.Admin}).MayWrite(streets); geo.ErrorCode(err) != geo.EFORBIDDEN {
		t.Errorf("an admin writes the base map: got %v, want forbidden", err)
	}
	if _, err := geo.ParseRole("system"); err == nil {
		t.Error(`ParseRole("system") is accepted; no account may have the system role`)
	}
	if sys.Restricted() {
		t.Error("the system actor is restricted to some grids")
	}
}

func TestUser_MayPlace(t *testing.T) {
	at := orb.Point{110.1008784, 34.5705947}
	what := geo.Label{Zh: "新服务站点“t”", En: "new service post (t)"}
	in := func(grids ...string) geo.Cover { return geo.Cover{Grids: grids, Communities: []string{"XY"}} }
	tests := []struct {
		name     string
		u        geo.User
		covering geo.Cover
		want     string // a part of the error, "" for none
	}{
		{"all of its grids", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08", "XY09"}}, in("XY08", "XY09"), ""},
		{"a corner with another grid", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08"}}, in("XY08", "XY09"), "also touches grid XY09"},
		{"in no grid", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08"}}, geo.Cover{}, "new service post (t) at 110.1008784, 34.5705947 lies in no grid"},
		{"an editor of every grid", geo.User{Name: "ed", Role: geo.Editor}, geo.Cover{}, ""},
		{"an admin", geo.User{Name: "root", Role: geo.Admin, Grids: []string{"XY01"}}, in("XY08"), ""},
		{"its community", geo.User{Name: "ed", Role: geo.Editor, Communities: []string{"XY"}}, in("XY08"), ""},
		{"a community edge shared with another", geo.User{Name: "ed", Role: geo.Editor, Communities: []string{"XY"}},
			geo.Cover{Grids: []string{"XY08", "HS01"}, Communities: []string{"HS", "XY"}}, "also touches community HS"},
		{"another community", geo.User{Name: "ed", Role: geo.Editor, Communities: []string{"XY"}}, geo.Cover{Grids: []string{"HS01"}, Communities: []string{"HS"}},
			"ed may edit only communities XY; this change also touches community HS"},
		{"in no community", geo.User{Name: "ed", Role: geo.Editor, Communities: []string{"XY"}}, geo.Cover{}, "lies in no community"},
		{"a community admin elsewhere", geo.User{Name: "root", Role: geo.Admin, Communities: []string{"XY"}}, geo.Cover{Grids: []string{"HS01"}, Communities: []string{"HS"}},
			"also touches community HS"},
		{"a city admin", geo.User{Name: "root", Role: geo.Admin}, geo.Cover{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.u.MayPlace(what, at, tt.covering)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.want != "" && (geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want forbidden saying %q", err, tt.want)
			}
		})
	}
}

func TestUser_scope(t *testing.T) {
	cat := geo.NewCatalogue()
	communities, _ := cat.Layer(geo.CommunityLayer)
	posts, _ := cat.Layer("posts")
	tests := []struct {
		name     string
		u        geo.User
		cityWide bool
		covers   map[[2]string]bool // community, grid → whether the user covers it
	}{
		{"a city admin", geo.User{Name: "a", Role: geo.Admin}, true, map[[2]string]bool{{"XY", "XY01"}: true, {"HS", ""}: true}},
		{"an editor of every grid", geo.User{Name: "e", Role: geo.Editor}, true, map[[2]string]bool{{"HS", "HS02"}: true}},
		{"a community admin", geo.User{Name: "a", Role: geo.Admin, Communities: []string{"XY"}, Grids: []string{"XY01"}}, false,
			map[[2]string]bool{{"XY", "XY09"}: true, {"XY", ""}: true, {"HS", "HS01"}: false}},
		{"a community editor", geo.User{Name: "e", Role: geo.Editor, Communities: []string{"XY", "HS"}}, false,
			map[[2]string]bool{{"HS", "HS01"}: true, {"YQ", "YQ01"}: false}},
		{"a grid editor", geo.User{Name: "e", Role: geo.Editor, Communities: []string{"XY"}, Grids: []string{"XY07"}}, false,
			map[[2]string]bool{{"XY", "XY07"}: true, {"XY", "XY08"}: false, {"XY", ""}: false, {"HS", "XY07"}: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.CityWide(); got != tt.cityWide {
				t.Errorf("CityWide() = %v, want %v", got, tt.cityWide)
			}
			if got := tt.u.Restricted(); got == tt.cityWide {
				t.Errorf("Restricted() = %v, want %v", got, !tt.cityWide)
			}
			for at, want := range tt.covers {
				if got := tt.u.Covers(at[0], at[1]); got != want {
					t.Errorf("Covers(%q, %q) = %v, want %v", at[0], at[1], got, want)
				}
			}
			err := tt.u.MayWrite(communities)
			if tt.cityWide && err != nil {
				t.Errorf("MayWrite(communities) = %v, want nil for staff of the whole city", err)
			}
			if !tt.cityWide && (geo.ErrorCode(err) != geo.EFORBIDDEN || !strings.Contains(err.Error(), "Only staff of the whole city may edit communities")) {
				t.Errorf("MayWrite(communities) = %v, want forbidden naming who may", err)
			}
			if err := tt.u.MayWrite(posts); err != nil {
				t.Errorf("MayWrite(posts) = %v, want nil: the scope is checked where the post lies", err)
			}
		})
	}
	if err := (geo.User{Name: "e", Role: geo.Editor, Communities: []string{"XY"}}).MayEditCommunities([]string{"XY", "", "XY"}); err != nil {
		t.Errorf("MayEditCommunities within the scope: %v", err)
	}
}
