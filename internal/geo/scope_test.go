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
	for _, l := range cat.Stored() {
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
	tests := []struct {
		name     string
		u        geo.User
		covering []string
		want     string // a part of the error, "" for none
	}{
		{"all of its grids", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08", "XY09"}}, []string{"XY08", "XY09"}, ""},
		{"a corner with another grid", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08"}}, []string{"XY08", "XY09"}, "also touches grid XY09"},
		{"in no grid", geo.User{Name: "ed", Role: geo.Editor, Grids: []string{"XY08"}}, nil, "new service post (t) at 110.1008784, 34.5705947 lies in no grid"},
		{"an editor of every grid", geo.User{Name: "ed", Role: geo.Editor}, nil, ""},
		{"an admin", geo.User{Name: "root", Role: geo.Admin, Grids: []string{"XY01"}}, []string{"XY08"}, ""},
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
