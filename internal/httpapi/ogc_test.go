package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"partymap/internal/httpapi"
)

func TestOGC_landingAndConformance(t *testing.T) {
	h := newServer(t)
	r := get(t, h, "/")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("landing: got %d %s", r.status, r.header.Get("Content-Type"))
	}
	doc := r.json(t)
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if link(t, doc, rel, "") == "" {
			t.Errorf("landing page has no %s link", rel)
		}
	}
	if got := link(t, doc, "service-desc", ""); !strings.HasSuffix(got, "/api") {
		t.Errorf("service-desc: got %q", got)
	}
	api := get(t, h, "/api")
	if api.status != 200 || api.header.Get("Content-Type") != "application/vnd.oai.openapi+json;version=3.0" {
		t.Errorf("api: got %d %q", api.status, api.header.Get("Content-Type"))
	}
	if paths, _ := api.json(t)["paths"].(map[string]any); paths["/collections/grids/items"] == nil {
		t.Error("the OpenAPI document does not describe /collections/grids/items")
	}
	conf := get(t, h, "/conformance").json(t)
	classes := fmt.Sprint(conf["conformsTo"])
	for _, c := range []string{"conf/core", "conf/geojson", "conf/oas30", "conf/html"} {
		if !strings.Contains(classes, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	html := get(t, h, "/", "Accept", "text/html,application/xhtml+xml")
	if html.status != 200 || !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") || !strings.Contains(string(html.body), "/collections") {
		t.Errorf("landing as HTML: got %d %s", html.status, html.header.Get("Content-Type"))
	}
}

func TestOGC_collections(t *testing.T) {
	h := newServer(t)
	doc := get(t, h, "/collections").json(t)
	cols, _ := doc["collections"].([]any)
	want := []string{"subdistricts", "communities", "landmarks", "streets", "paths", "grids", "compounds", "buildings", "gates", "parking", "posts", "organizations", "activities", "resources", "orders"}
	if len(cols) != len(want) {
		t.Fatalf("got %d collections, want %d", len(cols), len(want))
	}
	for i, c := range cols {
		m := c.(map[string]any)
		if m["id"] != want[i] {
			t.Errorf("collection %d: got %v, want %s", i, m["id"], want[i])
		}
		bbox := fmt.Sprint(m["extent"])
		if m["id"] == "orders" {
			// The built-in data has no published order: nothing to
			// bound, and no extent is claimed.
			if m["extent"] != nil {
				t.Errorf("orders: extent %s of a collection the public sees nothing of", bbox)
			}
		} else if !strings.Contains(bbox, "CRS84") {
			t.Errorf("%v: extent %s has no CRS84", m["id"], bbox)
		}
		if link(t, m, "items", "application/geo+json") == "" {
			t.Errorf("%v: no items link", m["id"])
		}
	}
	one := get(t, h, "/collections/grids")
	if one.status != 200 || one.json(t)["itemType"] != "feature" {
		t.Errorf("collection grids: got %d %s", one.status, one.body)
	}
}

func TestOGC_itemsPagingToTheEnd(t *testing.T) {
	h := newServer(t)
	next := "/collections/buildings/items?limit=37"
	seen := map[float64]bool{}
	var matched float64
	for pages := 0; next != ""; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		r := get(t, h, next)
		if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s: got %d %s", next, r.status, r.header.Get("Content-Type"))
		}
		doc := r.json(t)
		matched = doc["numberMatched"].(float64)
		feats := doc["features"].([]any)
		if int(doc["numberReturned"].(float64)) != len(feats) {
			t.Errorf("numberReturned %v != %d features", doc["numberReturned"], len(feats))
		}
		if doc["timeStamp"] == nil {
			t.Error("no timeStamp")
		}
		for _, f := range feats {
			id := f.(map[string]any)["id"].(float64)
			if seen[id] {
				t.Errorf("building %v on two pages", id)
			}
			seen[id] = true
		}
		next = pathOf(link(t, doc, "next", ""))
	}
	if float64(len(seen)) != matched || matched < 150 {
		t.Errorf("saw %d buildings, numberMatched %v", len(seen), matched)
	}
}

func TestOGC_itemsFilters(t *testing.T) {
	h := newServer(t)
	tests := []struct {
		name  string
		url   string
		check func(f map[string]any) bool
		min   int
	}{
		{"kind", "/collections/posts/items?kind=cabin&limit=100", func(f map[string]any) bool { return f["kind"] == "cabin" }, 4},
		{"grid code", "/collections/compounds/items?grid_code=XY01&limit=100", func(f map[string]any) bool { return f["grid_code"] == "XY01" }, 1},
		{"level", "/collections/organizations/items?level=3&limit=1000", func(f map[string]any) bool { return f["level"] == 3.0 }, 15},
		{"Chinese name", "/collections/landmarks/items?name_zh=%E8%A5%BF%E5%B2%B3%E5%BA%99", func(f map[string]any) bool { return f["name_zh"] == "西岳庙" }, 1},
		{"bbox around the temple", "/collections/landmarks/items?bbox=110.101,34.579,110.103,34.581", func(f map[string]any) bool { return true }, 1},
		{"bbox far away", "/collections/buildings/items?bbox=0,0,1,1", func(f map[string]any) bool { return false }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.url)
			if r.status != 200 {
				t.Fatalf("got %d: %s", r.status, r.body)
			}
			feats := r.json(t)["features"].([]any)
			if len(feats) < tt.min || (tt.min == 0 && len(feats) != 0) {
				t.Errorf("got %d features, want at least %d", len(feats), tt.min)
			}
			for _, f := range feats {
				props := f.(map[string]any)["properties"].(map[string]any)
				if !tt.check(props) {
					t.Errorf("feature %v does not match the filter: %v", f.(map[string]any)["id"], props)
				}
			}
		})
	}
}

func TestOGC_item(t *testing.T) {
	h := newServer(t)
	r := get(t, h, "/collections/grids/items/3")
	if r.status != 200 {
		t.Fatalf("got %d", r.status)
	}
	etag := r.header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Errorf("ETag %q is not a strong tag", etag)
	}
	doc := r.json(t)
	for _, rel := range []string{"self", "alternate", "collection"} {
		if link(t, doc, rel, "") == "" {
			t.Errorf("no %s link", rel)
		}
	}
	if doc["id"].(float64) != 3 || doc["geometry"].(map[string]any)["type"] != "Polygon" {
		t.Errorf("got %v", doc)
	}
	if nm := get(t, h, "/collections/grids/items/3", "If-None-Match", etag); nm.status != http.StatusNotModified {
		t.Errorf("If-None-Match: got %d, want 304", nm.status)
	}
	html := get(t, h, "/collections/grids/items/3?f=html")
	if html.status != 200 || !strings.Contains(string(html.body), "leader_zh") {
		t.Errorf("HTML item: got %d", html.status)
	}
}

// Links honour a trusted proxy's forwarding headers (the requests come from
// 192.0.2.1, trusted here), and never markup in them.
func TestOGC_forwardedLinks(t *testing.T) {
	h := newServerWith(t, httpapi.Config{Forwarding: trustedTestProxy})
	tests := []struct {
		name    string
		headers []string
		want    string
	}{
		{"Forwarded", []string{"Forwarded", `for=1.2.3.4;proto=https;host="map.example.org"`}, "https://map.example.org/collections/grids/items"},
		{"X-Forwarded", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "xiyue.example.cn", "X-Forwarded-Prefix", "/dangjian"}, "https://xiyue.example.cn/dangjian/collections/grids/items"},
		{"forged host is ignored", []string{"X-Forwarded-Host", `evil"><script>`}, "http://example.com/collections/grids/items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := get(t, h, "/collections/grids/items", tt.headers...).json(t)
			if got := link(t, doc, "self", ""); !strings.HasPrefix(got, tt.want) {
				t.Errorf("self: got %q, want prefix %q", got, tt.want)
			}
		})
	}
}

func TestOGC_errors(t *testing.T) {
	h := newServer(t)
	tests := []struct {
		name   string
		url    string
		status int
		detail string
	}{
		{"unknown layer", "/collections/towers/items", 404, `no collection "towers"`},
		{"unknown id", "/collections/grids/items/999", 404, "no feature with id 999"},
		{"non-numeric id", "/collections/grids/items/abc", 404, "positive whole numbers"},
		{"unknown parameter", "/collections/grids/items?colour=red", 400, `Unknown query parameter "colour"`},
		// Above the maximum the limit is capped (Features 1, 7.15.2): see
		// TestItems_limitCapped.
		{"limit zero", "/collections/grids/items?limit=0", 400, "1 or more (at most 10000"},
		{"negative offset", "/collections/grids/items?offset=-1", 400, "0 or more"},
		{"bbox three numbers", "/collections/grids/items?bbox=1,2,3", 400, "four numbers"},
		{"bbox not numbers", "/collections/grids/items?bbox=a,b,c,d", 400, "is not a number"},
		{"bbox upside down", "/collections/grids/items?bbox=110,35,111,34", 400, "above its maximum"},
		{"bbox out of range", "/collections/grids/items?bbox=110,34,200,35", 400, "in degrees"},
		{"bad enum filter", "/collections/posts/items?kind=tower", 400, "must be one of"},
		{"bad integer filter", "/collections/organizations/items?level=top", 400, "whole number"},
		{"unfilterable property", "/collections/grids/items?leader_phone=1", 400, "Unknown query parameter"},
		{"bad format", "/collections/grids/items?f=xml", 400, "json or html"},
		{"repeated parameter", "/collections/grids/items?limit=1&limit=2", 400, "given 2 times"},
		{"SQL in a filter", "/collections/posts/items?name_zh=%27%3BDROP%20TABLE%20posts%3B--", 200, ""},
		{"unknown route", "/nothing/here", 404, "nothing at this address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.url)
			if r.status != tt.status {
				t.Fatalf("got %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status < 400 {
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type: got %q, want application/problem+json", ct)
			}
			p := r.json(t)
			if p["status"].(float64) != float64(tt.status) || p["title"] == "" {
				t.Errorf("problem: got %v", p)
			}
			if d, _ := p["detail"].(string); !strings.Contains(d, tt.detail) {
				t.Errorf("detail: got %q, want it to contain %q", d, tt.detail)
			}
		})
	}
	if r := get(t, h, "/collections/posts/items?limit=100"); len(r.json(t)["features"].([]any)) == 0 {
		t.Error("posts are gone after the SQL-injection request")
	}
}

func TestHealth(t *testing.T) {
	h := newServer(t)
	if r := get(t, h, "/healthz"); r.status != 200 {
		t.Errorf("healthz: got %d", r.status)
	}
	if r := get(t, h, "/readyz"); r.status != 200 {
		t.Errorf("readyz: got %d %s", r.status, r.body)
	}
}
