package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// communityConfig is what /viewer-config.json says of communities.
type communityConfig struct {
	Title     geo.Label `json:"title"`
	Community *struct {
		Code        string     `json:"code"`
		Name        geo.Label  `json:"name"`
		Bounds      [4]float64 `json:"bounds"`
		Subdistrict *struct {
			Code string `json:"code"`
		} `json:"subdistrict"`
	} `json:"community"`
	Communities int `json:"communities"`
	Kiosk       struct {
		Community string `json:"community"`
	} `json:"kiosk"`
}

func viewerConfigOf(t *testing.T, h http.Handler, target string) (communityConfig, response) {
	t.Helper()
	r := get(t, h, target)
	var cfg communityConfig
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &cfg); err != nil {
			t.Fatal(err)
		}
	}
	return cfg, r
}

// A single-community install (the Xiyue data) looks as it always has: the
// map titled with the community, no community to step out of.
func TestCommunities_xiyueAlone(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Tiles: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	cfg, r := viewerConfigOf(t, h, "/viewer-config.json")
	if r.status != http.StatusOK || cfg.Title.Zh != "西岳社区" || cfg.Communities != 1 || cfg.Community != nil {
		t.Errorf("Xiyue's viewer config: %d title %v, %d communities, community %v; want 西岳社区, 1, none", r.status, cfg.Title, cfg.Communities, cfg.Community)
	}
	ov := get(t, h, "/api/communities").json(t)
	cs := ov["communities"].([]any)
	if len(cs) != 1 {
		t.Fatalf("communities: %v, want XY alone", cs)
	}
	xy := cs[0].(map[string]any)
	counts := xy["counts"].(map[string]any)
	if xy["code"] != "XY" || xy["subdistrict"] != "YM" || counts["posts"] != float64(13) || counts["parking"] != float64(3) {
		t.Errorf("XY in the overview: %v, want code XY in YM with 13 posts and 3 car parks", xy)
	}
	if n, ok := counts["open_orders"]; !ok || n != float64(0) {
		t.Errorf("the overview's open orders: %v, want 0 (the map has none)", counts)
	}
	names := []string{}
	for _, c := range ov["counts"].([]any) {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "posts,parking,open_orders" {
		t.Errorf("counts: %v, want posts, parking and open orders", names)
	}
}

// With a second community: the overview counts each one's posts and
// follows changes; the viewer opens on ?c=CODE or the kiosk's community;
// the finder and search answer within a community; staff of one community
// cannot write in another.
func TestCommunities_twoCommunities(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ctx := context.Background()
	postID := testdb.AddNeighbour(t, env.db)
	dl := testdb.Neighbour

	ov := get(t, env.h, "/api/communities").json(t)
	if n := len(ov["communities"].([]any)); n != 2 {
		t.Fatalf("%d communities in the overview, want 2", n)
	}
	cfg, r := viewerConfigOf(t, env.h, "/viewer-config.json?c=DL")
	if r.status != http.StatusOK || cfg.Title.Zh != "东岭社区" || cfg.Community == nil || cfg.Community.Code != dl.Code || cfg.Communities != 2 {
		t.Fatalf("viewer config of DL: %d %s", r.status, r.body)
	}
	if b := cfg.Community.Bounds; b[0] != 110.11 || b[3] != 34.575 {
		t.Errorf("DL's bounds %v, want its outline's", b)
	}
	for target, want := range map[string]int{"/viewer-config.json?c=ZZ": http.StatusNotFound, "/viewer-config.json?c=%3Bdrop": http.StatusBadRequest} {
		if r := get(t, env.h, target); r.status != want {
			t.Errorf("%s: %d %s, want %d", target, r.status, r.body, want)
		}
	}

	// The kiosk of a community opens on it.
	kiosk := newStaffEnvWith(t, httpapi.Config{KioskCommunity: dl.Code})
	testdb.AddNeighbour(t, kiosk.db)
	kcfg, _ := viewerConfigOf(t, kiosk.h, "/viewer-config.json")
	if kcfg.Community == nil || kcfg.Community.Code != dl.Code || kcfg.Kiosk.Community != dl.Code || kcfg.Title.Zh != "东岭社区" {
		t.Errorf("the kiosk of DL: community %v, kiosk %v, title %v; want DL's", kcfg.Community, kcfg.Kiosk, kcfg.Title)
	}

	// Search and the finder within a community.
	hits := get(t, env.h, "/api/search?q="+url.QueryEscape("驿站")+"&community=DL").json(t)["hits"].([]any)
	if len(hits) != 1 || hits[0].(map[string]any)["id"] != float64(postID) {
		t.Errorf("驿站 in DL: %v, want DL's post alone", hits)
	}
	near := get(t, env.h, fmt.Sprintf("/api/nearest?lon=%v&lat=%v&community=XY&limit=3", dl.Inside[0], dl.Inside[1])).json(t)
	for _, f := range near["features"].([]any) {
		if c := f.(map[string]any)["properties"].(map[string]any)["community"]; c != "XY" {
			t.Errorf("nearest within XY from DL: a post of %v", c)
		}
	}
	loc := get(t, env.h, fmt.Sprintf("/api/locate?lon=%v&lat=%v", dl.Inside[0], dl.Inside[1])).json(t)
	if c, _ := loc["community"].(map[string]any); c == nil || c["properties"].(map[string]any)["code"] != dl.Code {
		t.Errorf("locate in DL: community %v, want DL", loc["community"])
	}
	if r := get(t, env.h, "/api/search?q="+url.QueryEscape("驿站")+"&community=ZZ"); r.status != http.StatusNotFound || !strings.Contains(string(r.body), "no community with code") {
		t.Errorf("search in an unknown community: %d %s, want 404 naming it", r.status, r.body)
	}
	posts := get(t, env.h, "/collections/posts/items?community=DL").json(t)
	if posts["numberMatched"] != float64(1) {
		t.Errorf("posts?community=DL: %v matched, want 1", posts["numberMatched"])
	}

	// The overview follows a change.
	post := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.114,34.572]},"properties":{"name_zh":"东岭二站","name_en":"Dongling Post 2","kind":"cabin","services":["rest"],"hours":"08:00-20:00"}}`
	if r := env.call(t, http.MethodPost, "/collections/posts/items", post, append(bearer(env.admin), "Content-Type", "application/geo+json")...); r.status != http.StatusCreated {
		t.Fatalf("a second post in DL: %d %s", r.status, r.body)
	}
	for _, c := range get(t, env.h, "/api/communities").json(t)["communities"].([]any) {
		m := c.(map[string]any)
		if m["code"] == dl.Code && m["counts"].(map[string]any)["posts"] != float64(2) {
			t.Errorf("DL's posts after one more: %v, want 2", m["counts"])
		}
	}

	// Scope: an editor of XY may not touch DL's post.
	if _, err := env.db.CreateUser(ctx, "xyed", geo.Editor, geo.Scope{Communities: []string{"XY"}}, staffPassword); err != nil {
		t.Fatal(err)
	}
	tok, _, err := env.db.CreateToken(ctx, "xyed", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	item := env.call(t, http.MethodGet, fmt.Sprintf("/collections/posts/items/%d", postID), "", bearer(tok)...)
	w := env.call(t, http.MethodPatch, fmt.Sprintf("/collections/posts/items/%d", postID), `{"properties":{"hours":"06:00-22:00"}}`,
		append(bearer(tok), "If-Match", item.header.Get("ETag"), "Content-Type", "application/merge-patch+json")...)
	if w.status != http.StatusForbidden || !strings.Contains(string(w.body), "xyed may edit only communities XY; this change also touches community DL") {
		t.Errorf("an XY editor edits DL's post: %d %s, want 403 naming DL", w.status, w.body)
	}
	session := env.call(t, http.MethodGet, "/api/session", "", bearer(tok)...)
	if !strings.Contains(string(session.body), `"communities":["XY"]`) {
		t.Errorf("the session of a community editor: %s, want its communities", session.body)
	}

	// A community admin's audit trail is its community's; a city admin's
	// all of it (the seed's import of Xiyue included).
	if _, err := env.db.CreateUser(ctx, "dladmin", geo.Admin, geo.Scope{Communities: []string{dl.Code}}, staffPassword); err != nil {
		t.Fatal(err)
	}
	dlTok, _, err := env.db.CreateToken(ctx, "dladmin", "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	matched := func(token string) float64 {
		t.Helper()
		r := env.call(t, http.MethodGet, "/api/audit?limit=1000", "", bearer(token)...)
		var doc struct {
			Matched float64 `json:"numberMatched"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil || r.status != http.StatusOK {
			t.Fatalf("audit: %d %s", r.status, r.body)
		}
		return doc.Matched
	}
	dlSees, citySees := matched(dlTok), matched(env.admin)
	if dlSees < 5 || dlSees > 10 || citySees < 300 {
		t.Errorf("audit entries: DL's admin %v, the city admin %v; want DL's own few (its community, grid, branch and two posts) and all of the city's", dlSees, citySees)
	}
}
