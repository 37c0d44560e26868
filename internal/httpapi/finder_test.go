package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// finderServer is the real router on a fresh seeded database, with a kiosk
// position, a fixed clock and a changes hub.
type finderServer struct {
	api     *httpapi.Server
	handler http.Handler
	db      *postgis.DB
	hub     *changes.Hub
}

// kioskAt is where the kiosk stands in these tests.
func kioskAt() *orb.Point { return &orb.Point{110.099817, 34.574658} }

// noon is 12:00 in China, when every post but the representatives' studio
// (09:00-12:00) is open.
func noon() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, geo.ChinaStandardTime()) }

func newFinderServer(t *testing.T, configure func(*httpapi.Config)) finderServer {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	hub := changes.NewHub()
	cfg := httpapi.Config{
		Catalogue:     geo.NewCatalogue(),
		Store:         db,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		KioskPosition: kioskAt(),
		Changes:       hub,
		Clock:         noon,
	}
	if configure != nil {
		configure(&cfg)
	}
	api := mustNew(t, cfg)
	return finderServer{api: api, handler: api.Handler(), db: db, hub: hub}
}

func features(t *testing.T, doc map[string]any) []map[string]any {
	t.Helper()
	fs, ok := doc["features"].([]any)
	if !ok {
		t.Fatalf("no features in %v", doc)
	}
	out := make([]map[string]any, len(fs))
	for i, f := range fs {
		out[i] = f.(map[string]any)
	}
	return out
}

func props(f map[string]any) map[string]any { return f["properties"].(map[string]any) }

func TestNearest_HTTP(t *testing.T) {
	s := newFinderServer(t, nil)
	tests := []struct {
		name    string
		target  string
		source  string
		wantIDs []float64
	}{
		// From the kiosk, the nearest cabin with charging is mid-street (3).
		{name: "charging from the kiosk", target: "/api/nearest?service=charging&limit=2", source: "kiosk", wantIDs: []float64{3, 7}},
		{name: "parking with free spaces", target: "/api/nearest?layer=parking&min_free=1", source: "kiosk", wantIDs: []float64{1, 3}},
		{name: "given origin", target: "/api/nearest?lon=110.0936&lat=34.5709&limit=1", source: "query", wantIDs: []float64{9}},
		// At noon the representatives' studio (8, 09:00-12:00) has just closed.
		{name: "open now", target: "/api/nearest?open_now=true&limit=50", source: "kiosk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s.handler, tt.target)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/geo+json" {
				t.Fatalf("status %d %s, want 200 application/geo+json: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			doc := r.json(t)
			if src := doc["origin"].(map[string]any)["source"]; src != tt.source {
				t.Errorf("origin source %v, want %s", src, tt.source)
			}
			fs := features(t, doc)
			var prev float64
			for i, f := range fs {
				p := props(f)
				d, _ := p["distance_m"].(float64)
				if d < prev || d <= 0 {
					t.Errorf("feature %d at %v m after %v m", i, d, prev)
				}
				prev = d
				if w, _ := p["walking_min"].(float64); w < 1 || w != float64(geo.WalkingMinutes(d)) {
					t.Errorf("walking_min %v for %v m", p["walking_min"], d)
				}
				if _, ok := p["bearing_deg"].(float64); !ok || p["direction_zh"] == "" || len(p["target"].([]any)) != 2 {
					t.Errorf("feature %d lacks bearing, direction or target: %v", i, p)
				}
				if strings.Contains(tt.target, "open_now") && (p["open_now"] != true || f["id"] == 8.0) {
					t.Errorf("feature %v open_now %v, want only open posts", f["id"], p["open_now"])
				}
			}
			for i, id := range tt.wantIDs {
				if i >= len(fs) || fs[i]["id"] != id {
					t.Errorf("feature %d: got %v, want id %v", i, fs, id)
				}
			}
		})
	}
}

func TestNearest_HTTP_OpenNowAtNight(t *testing.T) {
	threeAM := func() time.Time { return time.Date(2025, 6, 1, 3, 0, 0, 0, geo.ChinaStandardTime()) }
	s := newFinderServer(t, func(c *httpapi.Config) { c.Clock = threeAM })
	fs := features(t, get(t, s.handler, "/api/nearest?open_now=true&service=water").json(t))
	if len(fs) != 1 || fs[0]["id"] != 3.0 {
		t.Errorf("open at 03:00 with water: %v, want only the 24-hour cabin 3", fs)
	}
	fs = features(t, get(t, s.handler, "/api/nearest?layer=parking&open_now=true").json(t))
	if len(fs) != 1 || fs[0]["id"] != 1.0 {
		t.Errorf("parking open at 03:00: %v, want only car park 1 (00:00-24:00)", fs)
	}
}

func TestFinder_HTTP_BadInput(t *testing.T) {
	s := newFinderServer(t, nil)
	noKiosk := newFinderServer(t, func(c *httpapi.Config) { c.KioskPosition = nil })
	tests := []struct {
		name    string
		handler http.Handler
		target  string
		detail  string
	}{
		{name: "no origin and no kiosk", handler: noKiosk.handler, target: "/api/nearest", detail: "Give the point to search from as lon and lat"},
		{name: "locate with no origin and no kiosk", handler: noKiosk.handler, target: "/api/locate", detail: "no kiosk position"},
		{name: "lat missing", target: "/api/nearest?lon=110.1", detail: "The lat parameter is missing"},
		{name: "lon out of range", target: "/api/nearest?lon=190&lat=34", detail: "The lon parameter must be a longitude from -180 to 180"},
		{name: "lat not a number", target: "/api/locate?lon=110&lat=north", detail: "The lat parameter must be a latitude from -90 to 90"},
		{name: "unknown service", target: "/api/nearest?service=charging,beer", detail: `The service parameter must be one or more of "water", "charging"`},
		{name: "unknown layer", target: "/api/nearest?layer=toilets", detail: `The layer parameter must be one of "posts", "parking"`},
		{name: "limit too big", target: "/api/nearest?limit=51", detail: "The limit parameter must be a whole number from 1 to 50"},
		{name: "limit zero", target: "/api/search?q=xy&limit=0", detail: "The limit parameter must be a whole number from 1 to 50"},
		{name: "open_now word", target: "/api/nearest?open_now=soon", detail: "The open_now parameter must be true or false"},
		{name: "min_free for posts", target: "/api/nearest?min_free=2", detail: "min_free parameter applies to layer=parking only"},
		{name: "unknown parameter", target: "/api/nearest?radius=100", detail: `Unknown query parameter "radius"; this address accepts by, community, crs, lat, layer, limit, lon, min_free, open_now, service.`},
		{name: "repeated parameter", target: "/api/search?q=a&q=b", detail: `The query parameter "q" is given 2 times`},
		{name: "empty search", target: "/api/search?q=", detail: "The q parameter is empty"},
		{name: "missing search", target: "/api/search", detail: "The q parameter is empty"},
		{name: "one letter", target: "/api/search?q=p", detail: "single letter"},
		{name: "bad crs", target: "/api/locate?lon=110&lat=34&crs=mars", detail: "The crs parameter must be one of"},
		{name: "bad last event id", target: "/api/events?last_event_id=-4", detail: "The last_event_id parameter must be the id of an event"},
		{name: "events unknown parameter", target: "/api/events?layer=parking", detail: `Unknown query parameter "layer"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = s.handler
			}
			r := get(t, h, tt.target)
			if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %s, want 400 application/problem+json: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", d, tt.detail)
			}
		})
	}
}

func TestLocate_HTTP(t *testing.T) {
	s := newFinderServer(t, nil)
	r := get(t, s.handler, "/api/locate")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	doc := r.json(t)
	grid, _ := doc["grid"].(map[string]any)
	if doc["inside"] != true || grid == nil || props(grid)["code"] != "XY03" || props(grid)["leader_phone"] == "" {
		t.Errorf("kiosk located in %v, want grid XY03 with its leader", doc)
	}
	if b, _ := doc["branch"].(map[string]any); b == nil || props(b)["name_zh"] != "第三网格党支部" {
		t.Errorf("branch %v, want 第三网格党支部", doc["branch"])
	}
	if p, _ := doc["nearest_post"].(map[string]any); p == nil || props(p)["distance_m"] == nil {
		t.Errorf("nearest post %v, want one with a distance", doc["nearest_post"])
	}
	if !strings.Contains(doc["message_en"].(string), "Grid 3 (XY03)") || !strings.Contains(doc["message_zh"].(string), "第三网格") {
		t.Errorf("messages %q / %q", doc["message_zh"], doc["message_en"])
	}

	r = get(t, s.handler, "/api/locate?lon=110.102&lat=34.580")
	doc = r.json(t)
	if r.status != http.StatusOK || doc["inside"] != false || doc["grid"] != nil || doc["compound"] != nil || doc["nearest_post"] != nil {
		t.Errorf("at the temple: %d %v, want 200 with an empty answer", r.status, doc)
	}
	if !strings.Contains(doc["message_en"].(string), "outside the community") {
		t.Errorf("message %q, want it to say the point is outside", doc["message_en"])
	}
}

func TestSearch_HTTP(t *testing.T) {
	s := newFinderServer(t, nil)
	tests := []struct {
		q         string
		wantLayer string
		wantFirst float64
		min       int
	}{
		{q: "驿站", wantLayer: "posts", wantFirst: 1, min: 6},
		{q: "停车", wantLayer: "parking", min: 3},
		{q: "parking", wantLayer: "parking", min: 3},
		{q: "XY03", wantLayer: "grids", wantFirst: 3, min: 1},
		{q: "庙", min: 3},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			r := get(t, s.handler, "/api/search?limit=50&q="+url.QueryEscape(tt.q))
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			doc := r.json(t)
			hits, _ := doc["hits"].([]any)
			if len(hits) < tt.min || doc["numberReturned"] != float64(len(hits)) {
				t.Fatalf("%d hits, want at least %d: %s", len(hits), tt.min, r.body)
			}
			first := hits[0].(map[string]any)
			if tt.wantLayer != "" && first["layer"] != tt.wantLayer {
				t.Errorf("first hit %v, want layer %s", first, tt.wantLayer)
			}
			if tt.wantFirst != 0 && first["id"] != tt.wantFirst {
				t.Errorf("first hit %v, want id %v", first, tt.wantFirst)
			}
			if pt, _ := first["point"].([]any); len(pt) != 2 || first["name_zh"] == "" || first["name_en"] == "" || first["match"] == "" {
				t.Errorf("hit %v lacks a point, names or match", first)
			}
		})
	}
}

func TestFinder_OpenAPI(t *testing.T) {
	s := newFinderServer(t, nil)
	paths := get(t, s.handler, "/api").json(t)["paths"].(map[string]any)
	for _, p := range []string{"/api/nearest", "/api/locate", "/api/search", "/api/events"} {
		op, _ := paths[p].(map[string]any)
		if op == nil || op["get"] == nil {
			t.Errorf("OpenAPI lacks GET %s", p)
		}
	}
}
