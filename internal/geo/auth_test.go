package geo_test

import (
	"strings"
	"testing"

	"partymap/internal/geo"
)

func TestUser_permissions(t *testing.T) {
	grids, _ := geo.NewCatalogue().Layer("grids")
	streets, _ := geo.NewCatalogue().Layer("streets")
	admin := geo.User{Name: "root", Role: geo.Admin, Grids: []string{"XY01"}}
	editor := geo.User{Name: "alice", Role: geo.Editor}
	bob := geo.User{Name: "bob", Role: geo.Editor, Grids: []string{"XY07", "XY08"}}
	tests := []struct {
		name    string
		user    geo.User
		layer   geo.Layer
		touched []string
		want    string // error code, "" for allowed
	}{
		{"editor writes a grid", editor, grids, []string{"XY03"}, ""},
		{"nobody writes the base map", admin, streets, nil, geo.EFORBIDDEN},
		{"restricted editor inside", bob, grids, []string{"XY07", "XY08"}, ""},
		{"restricted editor outside", bob, grids, []string{"XY07", "XY09"}, geo.EFORBIDDEN},
		{"admin ignores grid limits", admin, grids, []string{"XY15"}, ""},
		{"disabled editor", geo.User{Name: "eve", Role: geo.Editor, Disabled: true}, grids, nil, geo.EFORBIDDEN},
		{"no role", geo.User{Name: "x"}, grids, nil, geo.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.user.MayWrite(tt.layer)
			if err == nil {
				err = tt.user.MayEditGrids(tt.touched)
			}
			if got := code(err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	if err := bob.MayEditGrids([]string{"XY09", "XY01", "XY09"}); err == nil || !strings.Contains(err.Error(), "XY01, XY09") {
		t.Errorf("got %v, want the grids outside named once, sorted", err)
	}
	if editor.RequireAdmin() == nil || admin.RequireAdmin() != nil {
		t.Error("RequireAdmin: only admins pass")
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return geo.ErrorCode(err)
}

func TestPassword_hashAndVerify(t *testing.T) {
	h1, err := geo.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := geo.HashPassword("correct horse battery")
	if h1 == h2 || !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hashes: got %q and %q, want distinct salted argon2id PHC strings", h1, h2)
	}
	for _, tt := range []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h1, "correct horse battery", true},
		{"wrong", h1, "correct horse batterx", false},
		{"no account", "", "correct horse battery", false},
		{"garbage hash", "$argon2id$v=19$x", "correct horse battery", false},
		{"other algorithm", "$2a$10$abcdefghijklmnopqrstuv", "x", false},
	} {
		if got := geo.VerifyPassword(tt.hash, tt.pw); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if geo.CheckPassword("short") == nil || geo.CheckPassword("long enough!") != nil {
		t.Error("CheckPassword: want short refused, 12 characters accepted")
	}
}

func TestNormalizeUserName(t *testing.T) {
	for _, tt := range []struct{ in, want, code string }{
		{"Alice", "alice", ""},
		{" wang.li-2 ", "wang.li-2", ""},
		{"", "", geo.EINVALID},
		{"a b", "", geo.EINVALID},
		{"-x", "", geo.EINVALID},
		{"张三", "", geo.EINVALID},
	} {
		got, err := geo.NormalizeUserName(tt.in)
		if got != tt.want || code(err) != tt.code {
			t.Errorf("%q: got %q %v, want %q %q", tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, _ := geo.NewSecret()
	b, _ := geo.NewSecret()
	if a == b || len(a) != 43 || len(geo.HashSecret(a)) != 32 {
		t.Errorf("got %q %q, want two distinct 43-character secrets with 32-byte hashes", a, b)
	}
}
