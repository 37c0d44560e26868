package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// page is an items answer as a client reads it.
type page struct {
	Features []struct {
		ID       int64          `json:"id"`
		Geometry geoJSONGeom    `json:"geometry"`
		Props    map[string]any `json:"properties"`
	} `json:"features"`
	Links          []httpapi.Link `json:"links"`
	NumberMatched  int64          `json:"numberMatched"`
	NumberReturned int            `json:"numberReturned"`
	TimeStamp      string         `json:"timeStamp"`
}

type geoJSONGeom struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

func getPage(t *testing.T, h http.Handler, target string, headers ...string) (page, response) {
	t.Helper()
	r := get(t, h, target, headers...)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, r.status, r.body)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return p, r
}

func (p page) ids() []int64 {
	out := []int64{}
	for _, f := range p.Features {
		out = append(out, f.ID)
	}
	return out
}

func (p page) next() string {
	for _, l := range p.Links {
		if l.Rel == "next" {
			return pathOf(l.Href)
		}
	}
	return ""
}

func TestItems_limitCapped(t *testing.T) {
	h := newServer(t)
	for _, limit := range []string{"10001", "20000", "99999999999999999999"} {
		p, _ := getPage(t, h, "/collections/buildings/items?limit="+limit)
		if p.NumberReturned != 184 || p.NumberMatched != 184 {
			t.Errorf("limit=%s: returned %d of %d, want every building (the limit capped at %d, not refused)", limit, p.NumberReturned, p.NumberMatched, geo.MaxLimit)
		}
	}
}

func TestItems_datetimeAndAntimeridian(t *testing.T) {
	h := newServer(t)
	// The collections have no time: any valid datetime matches every feature.
	for _, dt := range []string{"2024-05-01T00:00:00Z", "2020-01-01/..", "../2030-12-31"} {
		if p, _ := getPage(t, h, "/collections/grids/items?limit=100&datetime="+url.QueryEscape(dt)); p.NumberMatched != 15 {
			t.Errorf("datetime=%s: matched %d, want 15", dt, p.NumberMatched)
		}
	}
	if r := get(t, h, "/collections/grids/items?datetime=yesterday"); r.status != http.StatusBadRequest {
		t.Errorf("datetime=yesterday: got %d, want 400", r.status)
	}
	// West of east crosses the antimeridian: answered (nothing there).
	if p, _ := getPage(t, h, "/collections/grids/items?bbox=179,-10,-179,10"); p.NumberMatched != 0 {
		t.Errorf("antimeridian box: matched %d, want 0", p.NumberMatched)
	}
	// …and one that wraps round the world but Xiyue finds it.
	if p, _ := getPage(t, h, "/collections/grids/items?limit=100&bbox=100,30,-179,40"); p.NumberMatched != 15 {
		t.Errorf("box from 100°E across the antimeridian to 179°W: matched %d, want 15", p.NumberMatched)
	}
}

func TestItems_filterSortPropertiesAndKeyset(t *testing.T) {
	h := newServer(t)
	q := url.Values{"filter": {"floors > 6 AND grid_code = 'XY07'"}, "limit": {"100"}}
	p, _ := getPage(t, h, "/collections/buildings/items?"+q.Encode())
	if p.NumberMatched == 0 {
		t.Fatalf("the surveyor's filter matches nothing")
	}
	for _, f := range p.Features {
		if f.Props["floors"].(float64) <= 6 || f.Props["grid_code"] != "XY07" {
			t.Errorf("building %d: %v does not match the filter", f.ID, f.Props)
		}
	}
	json := url.Values{"filter-lang": {"cql2-json"}, "filter": {`{"op":"and","args":[{"op":">","args":[{"property":"floors"},6]},{"op":"=","args":[{"property":"grid_code"},"XY07"]}]}`}, "limit": {"100"}}
	if pj, _ := getPage(t, h, "/collections/buildings/items?"+json.Encode()); !slices.Equal(pj.ids(), p.ids()) {
		t.Errorf("cql2-json selects %v, cql2-text %v", pj.ids(), p.ids())
	}
	r := get(t, h, "/collections/buildings/items?filter="+url.QueryEscape("colour = 'red'"))
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "the queryables are id, name_zh, name_en, compound_id") {
		t.Errorf("unknown property: got %d %s; want 400 naming the queryables", r.status, r.body)
	}

	// sortby with several keys, walked by keyset links to the end.
	var all []page
	next := "/collections/buildings/items?limit=25&sortby=" + url.QueryEscape("-floors,+name_zh") + "&properties=floors,name_zh"
	for next != "" {
		p, _ := getPage(t, h, next)
		all = append(all, p)
		next = p.next()
		if next != "" && !strings.Contains(next, "cursor=") {
			t.Fatalf("next link %s: want a keyset cursor", next)
		}
		if len(all) > 20 {
			t.Fatal("paging does not end")
		}
	}
	var seen []int64
	var prevFloors float64 = math.Inf(1)
	var prevName string
	for _, p := range all {
		for _, f := range p.Features {
			if len(f.Props) != 2 {
				t.Errorf("building %d: properties %v, want only floors and name_zh", f.ID, f.Props)
			}
			floors, name := f.Props["floors"].(float64), f.Props["name_zh"].(string)
			if floors > prevFloors || floors == prevFloors && name < prevName {
				t.Errorf("building %d (%v, %s) after (%v, %s): not in -floors,+name_zh order", f.ID, floors, name, prevFloors, prevName)
			}
			prevFloors, prevName = floors, name
			seen = append(seen, f.ID)
		}
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) != 184 || len(seen) != 184 {
		t.Errorf("keyset paging visited %d buildings (%d distinct), want each of 184 once", len(seen), len(slices.Compact(seen)))
	}
	// The previous link of the last page leads back to the one before.
	last := all[len(all)-1]
	var prev string
	for _, l := range last.Links {
		if l.Rel == "prev" {
			prev = pathOf(l.Href)
		}
	}
	if back, _ := getPage(t, h, prev); !slices.Equal(back.ids(), all[len(all)-2].ids()) {
		t.Errorf("prev of the last page: %v, want %v", back.ids(), all[len(all)-2].ids())
	}
	// An order on a key that may be empty pages by offset.
	if p, _ := getPage(t, h, "/collections/buildings/items?limit=50&sortby=grid_code"); !strings.Contains(p.next(), "offset=50") {
		t.Errorf("sortby=grid_code: next %q, want an offset link", p.next())
	}
}

func TestItems_crsAxisOrderBothWays(t *testing.T) {
	h := newServer(t)
	lonLat, r := getPage(t, h, "/collections/posts/items/3?f=json")
	_ = lonLat
	var item struct {
		Geometry struct{ Coordinates [2]float64 } `json:"geometry"`
	}
	decode(t, r.body, &item)
	lon, lat := item.Geometry.Coordinates[0], item.Geometry.Coordinates[1]
	if got := r.header.Get("Content-Crs"); got != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
		t.Errorf("Content-Crs: got %q, want CRS84 in angle brackets", got)
	}
	for _, tc := range []struct {
		crs  string
		want [2]float64 // first and second axis
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", [2]float64{lon, lat}},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", [2]float64{lat, lon}},
		{"http://www.opengis.net/def/crs/EPSG/0/4490", [2]float64{lat, lon}},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", [2]float64{lon * math.Pi / 180 * 6378137, math.Log(math.Tan(math.Pi/4+lat*math.Pi/360)) * 6378137}},
	} {
		r := get(t, h, "/collections/posts/items/3?crs="+url.QueryEscape(tc.crs))
		decode(t, r.body, &item)
		got := item.Geometry.Coordinates
		if math.Abs(got[0]-tc.want[0]) > 1e-6 || math.Abs(got[1]-tc.want[1]) > 1e-6 {
			t.Errorf("crs %s: got %v, want %v", tc.crs, got, tc.want)
		}
		if ch := r.header.Get("Content-Crs"); ch != "<"+tc.crs+">" {
			t.Errorf("crs %s: Content-Crs %q", tc.crs, ch)
		}
		// The same point found by a bbox in that CRS, both axis orders.
		d := 1e-5
		if strings.HasSuffix(tc.crs, "3857") {
			d = 1
		}
		box := url.Values{"bbox-crs": {tc.crs}, "bbox": {fmtBox(got[0]-d, got[1]-d, got[0]+d, got[1]+d)}}
		if p, _ := getPage(t, h, "/collections/posts/items?"+box.Encode()); !slices.Contains(p.ids(), 3) {
			t.Errorf("bbox-crs %s around post 3: found %v", tc.crs, p.ids())
		}
		f := url.Values{"filter-crs": {tc.crs}, "filter": {"S_INTERSECTS(geometry, BBOX(" + fmtBox(got[0]-d, got[1]-d, got[0]+d, got[1]+d) + "))"}}
		if p, _ := getPage(t, h, "/collections/posts/items?"+f.Encode()); !slices.Contains(p.ids(), 3) {
			t.Errorf("filter-crs %s around post 3: found %v", tc.crs, p.ids())
		}
	}
	// Gauss–Krüger CM 111°E: northing first, about 3.8e6 m; easting about
	// 500 km less the distance west of 111°E.
	r = get(t, h, "/collections/posts/items/3?crs=EPSG:4546")
	decode(t, r.body, &item)
	if n, e := item.Geometry.Coordinates[0], item.Geometry.Coordinates[1]; n < 3.8e6 || n > 3.9e6 || e < 410e3 || e > 420e3 {
		t.Errorf("EPSG:4546: got northing %g, easting %g; want about 3.83e6, 418e3", n, e)
	}
	for _, bad := range []string{"EPSG:2000", "EPSG:4547", "urn:ogc:def:crs:EPSG::4326x"} {
		if r := get(t, h, "/collections/posts/items?crs="+url.QueryEscape(bad)); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "EPSG/0/4546") {
			t.Errorf("crs=%s: got %d %s; want 400 listing the CRSs served", bad, r.status, r.body)
		}
	}
}

func fmtBox(a, b, c, d float64) string {
	return strings.Join([]string{ftoa(a), ftoa(b), ftoa(c), ftoa(d)}, ",")
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestItems_freshTimeStampFromTheCache(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: func() time.Time { return now }}).Handler()
	first, r1 := getPage(t, h, "/collections/buildings/items?limit=50")
	now = now.Add(90 * time.Second)
	second, r2 := getPage(t, h, "/collections/buildings/items?limit=50")
	if r2.header.Get("X-Cache") != "HIT" {
		t.Fatalf("the second page did not come from the cache: %q", r2.header.Get("X-Cache"))
	}
	if first.TimeStamp != "2026-05-01T08:00:00Z" || second.TimeStamp != "2026-05-01T08:01:30Z" {
		t.Errorf("timeStamps %q then %q; want the time of each answer", first.TimeStamp, second.TimeStamp)
	}
	if !bytes.Equal(r1.body[:bytes.Index(r1.body, []byte(`"timeStamp"`))], r2.body[:bytes.Index(r2.body, []byte(`"timeStamp"`))]) {
		t.Error("the two answers differ before the timeStamp")
	}
	// The gzip answer: one valid stream with the time of its sending.
	now = now.Add(time.Hour)
	req := httptest.NewRequest(http.MethodGet, "/collections/buildings/items?limit=50", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Length") != itoa(uint64(rec.Body.Len())) {
		t.Fatalf("gzip answer: encoding %q, length %s for %d bytes", rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Length"), rec.Body.Len())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip answer does not decompress: %v", err)
	}
	var third page
	if err := json.Unmarshal(plain, &third); err != nil || third.TimeStamp != "2026-05-01T09:01:30Z" || len(third.Features) != 50 {
		t.Errorf("gzip answer: %v, timeStamp %q, %d features", err, third.TimeStamp, len(third.Features))
	}
	if etag := rec.Header().Get("ETag"); !strings.HasPrefix(etag, "W/") {
		t.Errorf("ETag %q: a page whose bytes change with each sending has a weak tag", etag)
	}
}

func TestOGC_queryablesAndSchema(t *testing.T) {
	h := newServer(t)
	r := get(t, h, "/collections/buildings/queryables")
	if r.status != 200 || r.header.Get("Content-Type") != "application/schema+json" {
		t.Fatalf("queryables: %d %s", r.status, r.header.Get("Content-Type"))
	}
	q := r.json(t)
	props := q["properties"].(map[string]any)
	for name, typ := range map[string]string{"floors": "integer", "height_m": "number", "name_zh": "string", "grid_code": "string"} {
		p, _ := props[name].(map[string]any)
		if p == nil || p["type"] != typ {
			t.Errorf("queryable %s: %v, want type %s", name, p, typ)
		}
	}
	if g := props["geometry"].(map[string]any); g["format"] != "geometry-polygon" || g["x-ogc-role"] != "primary-geometry" {
		t.Errorf("queryable geometry: %v", g)
	}
	if u := props["updated_at"].(map[string]any); u["format"] != "date-time" {
		t.Errorf("queryable updated_at: %v", u)
	}
	s := get(t, h, "/collections/parking/schema").json(t)
	sp := s["properties"].(map[string]any)
	if e := sp["entrance"].(map[string]any); e["type"] != "array" {
		t.Errorf("schema entrance: %v", e)
	}
	if g := sp["grid_code"].(map[string]any); g["readOnly"] != true {
		t.Errorf("schema grid_code: %v, want readOnly (the server derives it)", g)
	}
	if req := s["required"].([]any); !slices.Contains(req, any("capacity")) || slices.Contains(req, any("grid_code")) {
		t.Errorf("schema required: %v", req)
	}
	col := get(t, h, "/collections/parking").json(t)
	for _, rel := range []string{"http://www.opengis.net/def/rel/ogc/1.0/queryables", "http://www.opengis.net/def/rel/ogc/1.0/schema"} {
		if link(t, col, rel, "application/schema+json") == "" {
			t.Errorf("collection: no %s link", rel)
		}
	}
	if col["storageCrs"] != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" || !slices.Contains(col["crs"].([]any), any("http://www.opengis.net/def/crs/EPSG/0/4546")) {
		t.Errorf("collection crs %v, storageCrs %v", col["crs"], col["storageCrs"])
	}
	conf := get(t, h, "/conformance").json(t)["conformsTo"].([]any)
	for _, c := range []string{"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs", "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2", "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
		"http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"} {
		if !slices.Contains(conf, any(c)) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	if slices.Contains(conf, any("http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions")) {
		t.Errorf("conformance declares temporal functions, which are not implemented")
	}
}

func TestOGC_htmlPagesStayHTML(t *testing.T) {
	h := newServer(t)
	r := get(t, h, "/collections/grids/items?f=html&limit=4")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("items as HTML: %d %s", r.status, r.header.Get("Content-Type"))
	}
	body := string(r.body)
	for _, want := range []string{`rel="next"`, `f=html`, `<form method="get" action="/collections/grids/items">`, `name="filter"`, "15 matched; 4 shown (1–4)"} {
		if !strings.Contains(body, want) {
			t.Errorf("items page lacks %s", want)
		}
	}
	if i := strings.Index(body, `rel="next"`); i < 0 || !strings.Contains(body[max(0, i-300):i], "f=html") {
		t.Errorf("the next link of an HTML page must lead to HTML")
	}
	if r := get(t, h, "/collections/grids/items/3", "Accept", "text/html"); !strings.Contains(string(r.body), "XY03") {
		t.Errorf("item page: %d, no grid code", r.status)
	}
}

// The API definition declares how to authenticate and, for every
// operation, the 4xx it can answer; /api?f=html (and a browser) get a page
// to read; the landing page links it as service-doc.
func TestOpenAPI_securityErrorsAndPage(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{})
	r := env.call(t, http.MethodGet, "/api", "")
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	decode(t, r.body, &doc)
	for _, scheme := range []string{"sessionCookie", "csrfToken", "bearerToken"} {
		if doc.Components.SecuritySchemes[scheme] == nil {
			t.Errorf("no security scheme %s", scheme)
		}
	}
	for path, item := range doc.Paths {
		for method, op := range item {
			resp, _ := op["responses"].(map[string]any)
			has4xx := false
			for code := range resp {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			if !has4xx && method != "options" && path != "/healthz" && path != "/readyz" && !strings.HasPrefix(path, "/sprite") {
				t.Errorf("%s %s declares no 4xx answer", method, path)
			}
		}
	}
	patch := doc.Paths["/collections/posts/items/{featureId}"]["patch"]
	sec, _ := patch["security"].([]any)
	if len(sec) != 2 || !strings.Contains(fmt.Sprint(sec), "csrfToken") || !strings.Contains(fmt.Sprint(sec), "bearerToken") {
		t.Errorf("PATCH security: %v", patch["security"])
	}
	if _, ok := patch["responses"].(map[string]any)["428"]; !ok {
		t.Errorf("PATCH does not declare 428")
	}
	if _, ok := doc.Paths["/collections/posts/items"]["get"]["security"]; ok {
		t.Errorf("reading items needs no login, yet declares security")
	}
	for _, accept := range [][]string{nil, {"Accept", "text/html,application/xhtml+xml"}} {
		target := "/api"
		if accept == nil {
			target = "/api?f=html"
		}
		h := env.call(t, http.MethodGet, target, "", accept...)
		if h.status != 200 || !strings.HasPrefix(h.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(h.body), "Authentication") || !strings.Contains(string(h.body), "/collections/buildings/items") {
			t.Errorf("%s %v: %d %s", target, accept, h.status, h.header.Get("Content-Type"))
		}
	}
	landing := env.call(t, http.MethodGet, "/?f=json", "")
	if l := link(t, landing.json(t), "service-doc", "text/html"); !strings.HasSuffix(l, "/api?f=html") {
		t.Errorf("service-doc link %q", l)
	}
}
