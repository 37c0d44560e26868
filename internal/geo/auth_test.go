package geo_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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

// The policy locks a name only from the address that guessed, an address
// after its many failures, and slows a name down everywhere else: never
// from an address its owner logged in from before.
func TestLoginPolicy_Wait(t *testing.T) {
	p := geo.DefaultLoginPolicy()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name string
		st   geo.LoginState
		want time.Duration
	}{
		{"no failures", geo.LoginState{}, 0},
		{"four from this address", geo.LoginState{Pair: geo.Failures{4, ago(time.Second)}, Name: geo.Failures{4, ago(time.Second)}}, 0},
		{"five from this address: locked here for 15 minutes", geo.LoginState{Pair: geo.Failures{5, ago(time.Minute)}, Name: geo.Failures{5, ago(time.Minute)}}, 14 * time.Minute},
		{"the lock is over", geo.LoginState{Pair: geo.Failures{5, ago(16 * time.Minute)}}, 0},
		{"fifty from this address, any names", geo.LoginState{Client: geo.Failures{50, ago(time.Minute)}}, 14 * time.Minute},
		{"five elsewhere: one second", geo.LoginState{Name: geo.Failures{5, now}}, time.Second},
		{"eight elsewhere: eight seconds", geo.LoginState{Name: geo.Failures{8, ago(3 * time.Second)}}, 5 * time.Second},
		{"forty elsewhere: at most the lock", geo.LoginState{Name: geo.Failures{40, now}}, 15 * time.Minute},
		{"the delay has passed", geo.LoginState{Name: geo.Failures{8, ago(9 * time.Second)}}, 0},
		{"forty elsewhere, from a known address", geo.LoginState{Name: geo.Failures{40, now}, KnownClient: true}, 0},
		{"a known address that guessed itself is still locked", geo.LoginState{Pair: geo.Failures{5, now}, Name: geo.Failures{40, now}, KnownClient: true}, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Now = now
			if got := p.Wait(tt.st); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	err := geo.LoginRefused(90 * time.Second)
	var locked *geo.LoginLocked
	if !errors.As(err, &locked) || locked.RetryAfter != 90*time.Second || !strings.Contains(err.Message, "2 minute(s)") {
		t.Errorf("LoginRefused(90s) = %v, want a LoginLocked of 90s saying 2 minute(s)", err)
	}
}

// Names and addresses are cut on a character boundary, never inside one,
// and hold nothing PostgreSQL text refuses.
func TestLoginKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a user name", " Alice ", "alice"},
		{"63 bytes and a 3-byte character", strings.Repeat("a", 63) + "中", strings.Repeat("a", 63)},
		{"62 bytes and a 3-byte character", strings.Repeat("a", 62) + "中", strings.Repeat("a", 62)},
		{"61 bytes and a 3-byte character fit", strings.Repeat("a", 61) + "中", strings.Repeat("a", 61) + "中"},
		{"NUL", "a\x00b", "a\uFFFDb"},
		{"broken UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := geo.LoginKey(tt.in)
			if got != tt.want || !utf8.ValidString(got) || len(got) > geo.MaxLoginKey {
				t.Errorf("LoginKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := geo.StoredText(strings.Repeat("u", 199)+"中", 200); got != strings.Repeat("u", 199) {
		t.Errorf("StoredText at 200 bytes = %q", got)
	}
}
