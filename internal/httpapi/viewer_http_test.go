package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/web"
)

// newViewerServer is the real router with the web viewer's files.
func newViewerServer(t *testing.T, cfg httpapi.Config) http.Handler {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	cfg.Catalogue = geo.NewCatalogue()
	cfg.Store = db
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Viewer = web.Files()
	cfg.Style = web.Style()
	return mustNew(t, cfg).Handler()
}

func TestStyle_onlyThisServer(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{Forwarding: trustedTestProxy})
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{name: "direct", want: "http://example.com/tiles.json"},
		{name: "behind a proxy", headers: []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "map.example.org", "X-Forwarded-Prefix", "/xiyue"},
			want: "https://map.example.org/xiyue/tiles.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, h, "/style.json", tc.headers...)
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Fatalf("got %d %s, want 200 JSON", r.status, r.header.Get("Content-Type"))
			}
			style := r.json(t)
			if style["version"] != float64(8) {
				t.Errorf("version: got %v, want 8", style["version"])
			}
			if _, ok := style["glyphs"]; ok {
				t.Errorf("the style names a glyphs URL; labels use the device's fonts")
			}
			if sprite := style["sprite"]; sprite != strings.TrimSuffix(tc.want, "/tiles.json")+"/sprite" {
				t.Errorf("sprite: got %v, want this server's /sprite", sprite)
			}
			sources := style["sources"].(map[string]any)
			vector := sources["partymap"].(map[string]any)
			if vector["type"] != "vector" || vector["url"] != tc.want {
				t.Errorf("vector source: got %v %v, want vector %s", vector["type"], vector["url"], tc.want)
			}
			// Every source is the server's: nothing for a page to fill in.
			if len(sources) != 1 {
				t.Errorf("sources: got %v, want the vector tiles alone", sources)
			}
			// every URL in the whole document is the server's own
			for _, u := range urlsIn(style) {
				if !strings.HasPrefix(u, strings.TrimSuffix(tc.want, "/tiles.json")) {
					t.Errorf("the style names an outside URL %q", u)
				}
			}
		})
	}
}

func TestStyle_layersFollowTheTileContract(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{})
	style := get(t, h, "/style.json").json(t)
	known := map[string]bool{}
	for _, l := range geo.NewCatalogue().TileLayers() {
		known[l.Name] = true
	}
	ids := map[string]bool{}
	groups := map[string]bool{}
	for _, raw := range style["layers"].([]any) {
		l := raw.(map[string]any)
		id := l["id"].(string)
		if ids[id] {
			t.Errorf("layer id %q is used twice", id)
		}
		ids[id] = true
		if sl, ok := l["source-layer"].(string); ok && !known[sl] {
			t.Errorf("layer %s reads source-layer %q, which the tiles do not carry", id, sl)
		}
		if md, ok := l["metadata"].(map[string]any); ok {
			groups[md["partymap:group"].(string)] = true
		}
	}
	for _, g := range []string{"organizations", "grids", "compounds", "buildings", "posts", "parking"} {
		if !groups[g] {
			t.Errorf("no layer belongs to the panel's group %q", g)
		}
	}
	for _, id := range []string{"org-flags", "org-flags-top", "org-poles", "buildings-3d", "grids-fill", "grids-label", "parking-symbol", "posts-symbol"} {
		if !ids[id] {
			t.Errorf("the style has no layer %q, which the viewer uses", id)
		}
	}
	// ?lang picks the labels' first language; anything else is refused
	en := get(t, h, "/style.json?lang=en").json(t)
	if got := en["state"].(map[string]any)["lang"].(map[string]any)["default"]; got != "en" {
		t.Errorf("?lang=en: the style's lang state starts as %v, want en", got)
	}
	if got := style["state"].(map[string]any)["lang"].(map[string]any)["default"]; got != "zh" {
		t.Errorf("no lang: the style's lang state starts as %v, want zh", got)
	}
	for _, q := range []string{"?lang=fr", "?theme=dark"} {
		r := get(t, h, "/style.json"+q)
		if r.status != http.StatusBadRequest || !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: got %d %s, want 400 problem+json", q, r.status, r.header.Get("Content-Type"))
		}
	}
}

func TestViewerConfig(t *testing.T) {
	kiosk := orb.Point{110.099817, 34.574658}
	tests := []struct {
		name     string
		cfg      httpapi.Config
		position any
		idle     float64
		zoom     float64
	}{
		{name: "defaults", position: nil, idle: 90, zoom: 15.6},
		{name: "a kiosk", cfg: httpapi.Config{KioskPosition: &kiosk, KioskIdle: 45 * time.Second,
			HomeView: httpapi.View{Center: orb.Point{110.1, 34.57}, Zoom: 16, Bearing: 10, Pitch: 50}},
			position: []any{110.099817, 34.574658}, idle: 45, zoom: 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := get(t, newViewerServer(t, tc.cfg), "/viewer-config.json").json(t)
			k := doc["kiosk"].(map[string]any)
			if got, _ := json.Marshal(k["position"]); string(got) != string(mustMarshal(t, tc.position)) {
				t.Errorf("kiosk position: got %s, want %s", got, mustMarshal(t, tc.position))
			}
			if k["idleSeconds"] != tc.idle {
				t.Errorf("idle: got %v, want %v", k["idleSeconds"], tc.idle)
			}
			if z := doc["home"].(map[string]any)["zoom"]; z != tc.zoom {
				t.Errorf("home zoom: got %v, want %v", z, tc.zoom)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{})
	r := get(t, h, "/static/js/app.js")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("app.js: got %d %q, want 200 text/javascript", r.status, r.header.Get("Content-Type"))
	}
	etag := r.header.Get("ETag")
	if etag == "" || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("app.js: ETag %q, Cache-Control %q; want an ETag and no-cache", etag, r.header.Get("Cache-Control"))
	}
	if again := get(t, h, "/static/js/app.js", "If-None-Match", etag); again.status != http.StatusNotModified {
		t.Errorf("revalidation: got %d, want 304", again.status)
	}
	gz := get(t, h, "/static/js/app.js", "Accept-Encoding", "gzip, br")
	if gz.header.Get("Content-Encoding") != "gzip" || len(gz.body) >= len(r.body) {
		t.Errorf("gzip: got encoding %q and %d bytes of %d", gz.header.Get("Content-Encoding"), len(gz.body), len(r.body))
	}
	for _, tc := range []struct{ name, path string }{
		{name: "missing file", path: "/static/js/nothing.js"},
		{name: "a folder", path: "/static/js"},
		{name: "outside the viewer", path: "/static/../../go.mod"},
		{name: "encoded dots", path: "/static/%2e%2e/embed.go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, h, tc.path)
			if r.status != http.StatusNotFound || !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
				t.Errorf("%s: got %d %s, want 404 problem+json", tc.path, r.status, r.header.Get("Content-Type"))
			}
		})
	}
}

func TestViewerPages(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{Forwarding: trustedTestProxy})
	tests := []struct {
		name, path, mode, base string
		headers                []string
	}{
		{name: "phone", path: "/map/", mode: "phone", base: `<base href="/">`},
		{name: "phone without slash", path: "/map", mode: "phone", base: `<base href="/">`},
		{name: "kiosk", path: "/kiosk", mode: "kiosk", base: `<base href="/">`},
		{name: "shared link with chat parameters", path: "/map/?from=singlemessage&isappinstalled=0", mode: "phone", base: `<base href="/">`},
		{name: "behind a prefix", path: "/kiosk", mode: "kiosk", base: `<base href="/xiyue/">`, headers: []string{"X-Forwarded-Prefix", "/xiyue"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, h, tc.path, tc.headers...)
			body := string(r.body)
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("got %d %s, want 200 HTML", r.status, r.header.Get("Content-Type"))
			}
			if !strings.Contains(body, `data-mode="`+tc.mode+`"`) {
				t.Errorf("the page is not in %s mode", tc.mode)
			}
			if !strings.Contains(body, tc.base) {
				t.Errorf("the page lacks %s", tc.base)
			}
			if !strings.Contains(body, `lang="zh-CN"`) {
				t.Error("the page is not Chinese by default")
			}
		})
	}
}

func TestLanding_browsersGoToTheMap(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{})
	tests := []struct {
		name, path, accept string
		status             int
		location, ctype    string
	}{
		{name: "browser", path: "/", accept: "text/html,application/xhtml+xml", status: http.StatusFound, location: "http://example.com/map/"},
		{name: "f=html keeps the API page", path: "/?f=html", accept: "text/html", status: http.StatusOK, ctype: "text/html"},
		{name: "JSON client", path: "/", accept: "application/json", status: http.StatusOK, ctype: "application/json"},
		{name: "no Accept", path: "/", status: http.StatusOK, ctype: "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.accept != "" {
				headers = []string{"Accept", tc.accept}
			}
			r := get(t, h, tc.path, headers...)
			if r.status != tc.status {
				t.Fatalf("got %d, want %d", r.status, tc.status)
			}
			if got := r.header.Get("Location"); got != tc.location {
				t.Errorf("Location: got %q, want %q", got, tc.location)
			}
			if tc.ctype != "" && !strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type: got %q, want %s", r.header.Get("Content-Type"), tc.ctype)
			}
		})
	}
}

// urlsIn lists every string in a JSON document that looks like a URL.
func urlsIn(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "://") {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			out = append(out, urlsIn(e)...)
		}
	case map[string]any:
		for _, e := range x {
			out = append(out, urlsIn(e)...)
		}
	}
	return out
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
