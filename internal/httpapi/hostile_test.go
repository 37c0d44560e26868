package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
)

// hostile is one malformed or malicious request.
type hostile struct {
	name    string
	method  string
	target  string // sent as it is: path and raw query
	body    []byte
	headers []string
	// freeText marks a parameter that takes any text (a search, a name
	// filter): a 200 that matched nothing is as right as a 4xx there.
	freeText bool
	// status, when set, is the one 4xx wanted.
	status int
}

// injections are SQL-injection attempts, each sent in every parameter.
var injections = []string{
	`' OR '1'='1`,
	`1 OR 1=1`,
	`1; DROP TABLE grids; --`,
	`'); DELETE FROM history; --`,
	`" OR ""="`,
	`1' UNION SELECT password_hash, name FROM users --`,
	`'; SELECT pg_sleep(5); --`,
	`$1`,
	`%' --`,
	`\'; TRUNCATE parking CASCADE; --`,
}

// injectionCases puts every injection in every parameter of every public
// and staff endpoint, in path segments, in header values and in login
// fields.
func injectionCases(editor, admin string) []hostile {
	var out []hostile
	query := func(name, path, base, param string, freeText bool, headers ...string) {
		for i, inj := range injections {
			q := url.Values{}
			if base != "" {
				q, _ = url.ParseQuery(base)
			}
			q.Set(param, inj)
			out = append(out, hostile{name: fmt.Sprintf("%s %s=injection %d", name, param, i), method: http.MethodGet,
				target: path + "?" + q.Encode(), freeText: freeText, headers: headers})
		}
	}
	segment := func(name, format string, headers ...string) {
		for i, inj := range injections {
			out = append(out, hostile{name: fmt.Sprintf("%s injection %d", name, i), method: http.MethodGet,
				target: fmt.Sprintf(format, url.PathEscape(inj)), headers: headers})
		}
	}
	for _, l := range geo.NewCatalogue().Layers() {
		items := "/collections/" + l.Name + "/items"
		for _, p := range []string{"f", "bbox", "bbox-crs", "limit", "offset"} {
			query(l.Name+" items", items, "", p, false)
		}
		for _, fd := range l.Fields {
			if fd.Filterable {
				// A text filter that matches nothing answers an empty page.
				query(l.Name+" items", items, "", fd.Name, fd.Type == geo.Text && len(fd.Choices) == 0)
			}
		}
		query(l.Name+" item", items+"/1", "", "f", false)
		query(l.Name+" collection", "/collections/"+l.Name, "", "f", false)
	}
	segment("layer", "/collections/%s/items")
	segment("item id", "/collections/grids/items/%s")
	segment("tile z", "/tiles/%s/1/1.mvt")
	segment("tile x", "/tiles/14/%s/1.mvt")
	segment("tile y", "/tiles/14/1/%s")
	for _, p := range []string{"/", "/conformance", "/api", "/collections"} {
		query("landing pages", p, "", "f", false)
	}
	for _, p := range []string{"/style.json", "/tiles.json", "/viewer-config.json", "/tiles/14/13297/6520.mvt"} {
		query("no parameters", p, "", "x", false)
	}
	origin := "lon=110.0998&lat=34.5746"
	for _, p := range []string{"lon", "lat", "crs", "layer", "service", "open_now", "min_free", "limit"} {
		query("nearest", "/api/nearest", origin, p, false)
	}
	query("nearest parking", "/api/nearest", origin+"&layer=parking", "min_free", false)
	for _, p := range []string{"lon", "lat", "crs"} {
		query("locate", "/api/locate", origin, p, false)
	}
	query("search", "/api/search", "", "q", true)
	query("search", "/api/search", "q=驿站", "limit", false)
	query("events", "/api/events", "", "last_event_id", false)
	for i, inj := range injections {
		out = append(out, hostile{name: fmt.Sprintf("events Last-Event-ID injection %d", i), method: http.MethodGet,
			target: "/api/events", headers: []string{"Last-Event-ID", inj}})
	}

	// Staff reads, with working credentials so that the parameter is read.
	staff := []string{"Authorization", "Bearer " + editor}
	segment("history id", "/collections/parking/items/%s/history", staff...)
	for _, p := range []string{"limit", "offset"} {
		query("deleted", "/collections/posts/deleted", "", p, false, staff...)
	}
	for _, p := range []string{"user", "layer", "since", "until", "limit", "offset"} {
		query("audit", "/api/audit", "", p, p == "user", "Authorization", "Bearer "+admin)
	}
	for _, p := range []string{"layer", "format", "crs"} {
		query("export", "/api/export", "", p, false, staff...)
	}

	// Credentials and preconditions.
	for i, inj := range injections {
		login, _ := json.Marshal(map[string]string{"name": inj, "password": inj})
		out = append(out,
			hostile{name: fmt.Sprintf("login fields injection %d", i), method: http.MethodPost, target: "/api/login",
				body: login, headers: []string{"Content-Type", "application/json"}},
			hostile{name: fmt.Sprintf("login as admin with password injection %d", i), method: http.MethodPost, target: "/api/login",
				body: mustJSON(map[string]string{"name": fullAdmin, "password": inj}), headers: []string{"Content-Type", "application/json"}},
			hostile{name: fmt.Sprintf("bearer token injection %d", i), method: http.MethodGet, target: "/api/session",
				headers: []string{"Authorization", "Bearer " + inj}},
			hostile{name: fmt.Sprintf("session cookie injection %d", i), method: http.MethodGet, target: "/api/session",
				headers: []string{"Cookie", "partymap_session=" + url.QueryEscape(inj)}},
			hostile{name: fmt.Sprintf("If-Match injection %d", i), method: http.MethodPatch, target: "/collections/parking/items/1",
				body: []byte(`{"properties":{"free":3}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1` + inj + `"`}, staff...)},
			hostile{name: fmt.Sprintf("If-Match bare injection %d", i), method: http.MethodPatch, target: "/collections/parking/items/1",
				body: []byte(`{"properties":{"free":3}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", inj}, staff...)},
			hostile{name: fmt.Sprintf("write id injection %d", i), method: http.MethodPatch, target: "/collections/parking/items/" + url.PathEscape(inj),
				body: []byte(`{"properties":{"free":3}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1"`}, staff...)},
			hostile{name: fmt.Sprintf("write layer injection %d", i), method: http.MethodPatch, target: "/collections/" + url.PathEscape(inj) + "/items/1",
				body: []byte(`{"properties":{"free":3}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1"`}, staff...)},
			hostile{name: fmt.Sprintf("dry_run injection %d", i), method: http.MethodPatch, target: "/collections/parking/items/1?dry_run=" + url.QueryEscape(inj),
				body: []byte(`{"properties":{"free":3}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1"`}, staff...)},
		)
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// nested returns JSON nested depth levels deep inside a merge patch.
func nested(depth int) []byte {
	return []byte(`{"properties":{"name_zh":` + strings.Repeat(`[`, depth) + strings.Repeat(`]`, depth) + `}}`)
}

// malformedCases are huge numbers, NaN and infinities, deep nesting,
// oversize and invalid bodies, path traversal, wrong methods and media types.
func malformedCases(editor string) []hostile {
	staff := []string{"Authorization", "Bearer " + editor}
	patch := func(name, target, body string, status int, headers ...string) hostile {
		h := append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1"`}, staff...)
		return hostile{name: name, method: http.MethodPatch, target: target, body: []byte(body), headers: append(h, headers...), status: status}
	}
	post := func(name, body string, status int, headers ...string) hostile {
		h := append([]string{"Content-Type", "application/geo+json"}, staff...)
		return hostile{name: name, method: http.MethodPost, target: "/collections/posts/items", body: []byte(body), headers: append(h, headers...), status: status}
	}
	get := func(name, target string, status int, headers ...string) hostile {
		return hostile{name: name, method: http.MethodGet, target: target, status: status, headers: headers}
	}
	// A polygon with one vertex more than any geometry may have.
	var ring strings.Builder
	ring.WriteString(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[`)
	for i := 0; i < geo.MaxVertices; i++ {
		fmt.Fprintf(&ring, "[110.1,%.7f],", 34.57+float64(i)*1e-7)
	}
	ring.WriteString(`[110.11,34.58],[110.1,34.57]]]},"properties":{}}`)
	huge := strings.Repeat("x", 5<<20)
	post3 := `{"type":"Feature","geometry":{"type":"Point","coordinates":%s},"properties":{"kind":"cabin","name_zh":"测试","name_en":"test","services":["tea"],"hours":"08:00-18:00","grid_code":"XY01"}}`

	return []hostile{
		// Huge numbers. (A limit above the maximum is capped, as
		// Features 1, 7.15.2 says and GDAL's PAGE_SIZE expects, not
		// refused: see TestItems_limitCapped.)
		get("negative limit", "/collections/grids/items?limit=-1", 400),
		// Hostile filters: refused before any query runs.
		get("filter nested deeply", "/collections/buildings/items?filter="+url.QueryEscape(strings.Repeat("(", 500)+"floors>1"+strings.Repeat(")", 500)), 400),
		get("filter of 10,000 terms", "/collections/buildings/items?filter="+url.QueryEscape("floors IN ("+strings.TrimSuffix(strings.Repeat("7,", 10000), ",")+")"), 400),
		get("filter of 10,000 ORs", "/collections/buildings/items?filter="+url.QueryEscape(strings.TrimSuffix(strings.Repeat("floors=1 OR ", 10000), " OR ")), 400),
		get("filter json nested deeply", "/collections/buildings/items?filter-lang=cql2-json&filter="+url.QueryEscape(strings.Repeat(`{"op":"not","args":[`, 3000)+"true"+strings.Repeat("]}", 3000)), 400),
		get("filter with an unknown function", "/collections/buildings/items?filter="+url.QueryEscape("pg_sleep(10) = 1"), 400),
		get("filter with an unknown json op", "/collections/buildings/items?filter-lang=cql2-json&filter="+url.QueryEscape(`{"op":"pg_sleep","args":[10]}`), 400),
		get("filter injecting SQL", "/collections/buildings/items?filter="+url.QueryEscape("floors > 1; DROP TABLE buildings; --"), 400),
		get("filter injecting through a name", "/collections/buildings/items?filter="+url.QueryEscape(`"floors"" > 0 OR 1=1; --" = 1`), 400),
		get("filter with an unknown property", "/collections/buildings/items?filter="+url.QueryEscape("1=1 OR colour = 'red'"), 400),
		get("filter with a huge polygon", "/collections/buildings/items?filter="+url.QueryEscape("S_INTERSECTS(geometry, POLYGON(("+strings.Repeat("110.1 34.57, ", 20000)+"110.1 34.57)))"), 400),
		get("filter with a far distance", "/collections/posts/items?filter="+url.QueryEscape("S_DWITHIN(geometry, POINT(110 34), 1e12)"), 400),
		get("filter in an unknown language", "/collections/posts/items?filter-lang=sql&filter=1", 400),
		get("sortby an unknown property", "/collections/posts/items?sortby=-colour", 400),
		get("a forged cursor", "/collections/posts/items?cursor=eyJ2IjpbIjsgRFJPUCJdfQ", 400),
		get("an unknown crs", "/collections/posts/items?crs=EPSG:2000", 400),
		get("huge offset", "/collections/grids/items?offset=1e308", 400),
		get("offset past int64", "/collections/grids/items?offset=9223372036854775808", 400),
		get("huge bbox numbers", "/collections/grids/items?bbox=1e400,1e400,1e401,1e401", 400),
		get("bbox off the earth", "/collections/grids/items?bbox=-181,-91,181,91", 400),
		get("huge item id", "/collections/grids/items/99999999999999999999", 404),
		get("zero item id", "/collections/grids/items/0", 404),
		get("huge tile zoom", "/tiles/99999999999/1/1.mvt", 400),
		get("tile zoom past int64", "/tiles/9223372036854775808/1/1.mvt", 400),
		get("tile x outside the zoom", "/tiles/14/99999/1.mvt", 400),
		get("negative tile y", "/tiles/14/1/-1.mvt", 400),
		get("huge nearest limit", "/api/nearest?lon=110.0998&lat=34.5746&limit=99999999999", 400),
		get("huge min_free", "/api/nearest?lon=110.0998&lat=34.5746&layer=parking&min_free=9223372036854775808", 400),
		get("huge event id", "/api/events?last_event_id=99999999999999999999999", 400),
		get("huge search limit", "/api/search?q=驿站&limit=99999999999", 400),
		get("huge longitude", "/api/locate?lon=1e309&lat=34.5", 400),
		// NaN and infinities.
		get("NaN bbox", "/collections/grids/items?bbox=NaN,NaN,NaN,NaN", 400),
		get("Inf bbox", "/collections/grids/items?bbox=-Inf,-Inf,Inf,Inf", 400),
		get("infinity bbox", "/collections/grids/items?bbox=-infinity,0,1,1", 400),
		get("NaN nearest", "/api/nearest?lon=NaN&lat=NaN", 400),
		get("Inf nearest", "/api/nearest?lon=Inf&lat=34.5", 400),
		get("NaN locate", "/api/locate?lon=110.1&lat=NaN", 400),
		get("-Inf locate", "/api/locate?lon=-Inf&lat=-Inf", 400),
		get("NaN number filter", "/collections/buildings/items?floors=NaN", 400),
		get("NaN tile", "/tiles/NaN/NaN/NaN.mvt", 400),
		post("NaN coordinates", fmt.Sprintf(post3, "[NaN, NaN]"), 400),
		post("infinite coordinates", fmt.Sprintf(post3, "[1e999, 34.5]"), 400),
		post("coordinates off the earth", fmt.Sprintf(post3, "[540, 34.5]"), 0),
		patch("NaN free spaces", "/collections/parking/items/1", `{"properties":{"free":NaN}}`, 400),
		patch("huge free spaces", "/collections/parking/items/1", `{"properties":{"free":1e400}}`, 0),
		patch("free spaces past int64", "/collections/parking/items/1", `{"properties":{"free":9223372036854775808}}`, 0),
		// Deep nesting and oversize bodies.
		patch("JSON nested 10 000 deep", "/collections/parking/items/1", string(nested(10000)), 0),
		patch("JSON nested 100 000 deep", "/collections/parking/items/1", string(nested(100000)), 0),
		post("feature nested 10 000 deep", `{"type":"Feature","geometry":`+strings.Repeat(`{"a":`, 10000)+`1`+strings.Repeat(`}`, 10000)+`,"properties":{}}`, 0),
		{name: "login nested 10 000 deep", method: http.MethodPost, target: "/api/login", body: nested(10000), headers: []string{"Content-Type", "application/json"}},
		patch("5 MiB merge patch", "/collections/parking/items/1", `{"properties":{"fee_en":"`+huge+`"}}`, 413),
		post("5 MiB feature", `{"type":"Feature","properties":{"name_en":"`+huge+`"}}`, 413),
		{name: "5 MiB login", method: http.MethodPost, target: "/api/login", body: []byte(`{"name":"` + huge + `"}`), headers: []string{"Content-Type", "application/json"}, status: 413},
		post("one vertex too many", ring.String(), 0),
		patch("patch is an array", "/collections/parking/items/1", `[1,2,3]`, 0),
		patch("patch is not JSON", "/collections/parking/items/1", `{"properties":`, 400),
		patch("empty patch body", "/collections/parking/items/1", ``, 400),
		// Invalid UTF-8, in queries and bodies.
		get("invalid UTF-8 search", "/api/search?q=%ff%fe%fd", 400),
		get("invalid UTF-8 filter", "/collections/grids/items?name_zh=%ff%fe", 400),
		get("invalid UTF-8 parameter name", "/collections/grids/items?%ff%fe=1", 400),
		get("invalid UTF-8 layer", "/collections/%ff%fe/items", 404),
		get("malformed escape", "/collections/grids/items?bbox=%zz", 400),
		get("NUL in search", "/api/search?q=ab%00cd", 400),
		patch("invalid UTF-8 in a patch", "/collections/parking/items/1", "{\"properties\":{\"fee_en\":\"\xff\xfe free\"}}", 0),
		post("invalid UTF-8 in a feature", fmt.Sprintf(strings.Replace(post3, "测试", "\xff\xfe", 1), "[110.1, 34.57]"), 0),
		{name: "invalid UTF-8 login", method: http.MethodPost, target: "/api/login", body: []byte("{\"name\":\"\xff\xfe\",\"password\":\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\"}"), headers: []string{"Content-Type", "application/json"}},
		// Path traversal on the static files.
		get("dot-dot", "/static/../../go.mod", 0),
		get("dot-dot into vendor", "/static/vendor/../../../go.mod", 0),
		get("encoded dot-dot", "/static/%2e%2e/%2e%2e/go.mod", 0),
		get("encoded slash", "/static/..%2f..%2fgo.mod", 0),
		get("encoded dot-dot and slash", "/static/%2e%2e%2f%2e%2e%2fgo.mod", 0),
		get("double-encoded dot-dot", "/static/%252e%252e/%252e%252e/go.mod", 0),
		get("double-encoded slash", "/static/..%252f..%252fgo.mod", 0),
		get("backslashes", "/static/..%5c..%5cgo.mod", 0),
		get("absolute path", "/static//etc/passwd", 0),
		get("encoded absolute path", "/static/%2fetc%2fpasswd", 0),
		get("NUL in a file name", "/static/index.html%00.js", 0),
		get("overlong UTF-8 dot", "/static/%c0%ae%c0%ae/go.mod", 0),
		get("dot-dot on tiles", "/tiles/../../etc/passwd", 0),
		get("source of the server", "/static/embed.go", 404),
		// Wrong methods.
		{name: "PUT on /collections", method: http.MethodPut, target: "/collections", status: 405},
		{name: "DELETE on a tile", method: http.MethodDelete, target: "/tiles/14/13297/6520.mvt", status: 405},
		{name: "TRACE", method: "TRACE", target: "/", status: 405},
		{name: "TRACE on items", method: "TRACE", target: "/collections/grids/items", status: 405},
		{name: "POST on style", method: http.MethodPost, target: "/style.json", status: 405},
		{name: "PATCH on the landing page", method: http.MethodPatch, target: "/", status: 405},
		{name: "DELETE on a collection", method: http.MethodDelete, target: "/collections/grids", headers: staff, status: 405},
		{name: "PROPFIND", method: "PROPFIND", target: "/collections", status: 405},
		{name: "GET on login", method: http.MethodGet, target: "/api/login", status: 405},
		{name: "POST on base map", method: http.MethodPost, target: "/collections/streets/items", body: []byte(`{}`), headers: append([]string{"Content-Type", "application/geo+json"}, staff...), status: 405},
		{name: "PATCH on base map", method: http.MethodPatch, target: "/collections/landmarks/items/1", body: []byte(`{}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", `"landmarks-1-v1"`}, staff...), status: 405},
		// Bad media types on writes.
		patch("text/plain patch", "/collections/parking/items/1", `{"properties":{"free":3}}`, 415, "Content-Type", "text/plain"),
		patch("form patch", "/collections/parking/items/1", `free=3`, 415, "Content-Type", "application/x-www-form-urlencoded"),
		patch("GeoJSON as a patch", "/collections/parking/items/1", `{"properties":{"free":3}}`, 415, "Content-Type", "application/geo+json"),
		patch("malformed media type", "/collections/parking/items/1", `{"properties":{"free":3}}`, 415, "Content-Type", "application/merge-patch+json; ;;=="),
		post("multipart feature", `--x--`, 415, "Content-Type", "multipart/form-data; boundary=x"),
		post("no media type", fmt.Sprintf(post3, "[110.1, 34.57]"), 415, "Content-Type", ""),
		{name: "form login", method: http.MethodPost, target: "/api/login", body: []byte("name=admin&password=x"), headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "XML import", method: http.MethodPost, target: "/api/import?layer=posts", body: []byte("<a/>"), headers: append([]string{"Content-Type", "text/xml"}, staff...)},
		// Preconditions and credentials.
		patch("If-Match star", "/collections/parking/items/1", `{"properties":{"free":3}}`, 428, "If-Match", "*"),
		patch("weak If-Match", "/collections/parking/items/1", `{"properties":{"free":3}}`, 428, "If-Match", `W/"parking-1-v1"`),
		patch("huge If-Match version", "/collections/parking/items/1", `{"properties":{"free":3}}`, 412, "If-Match", `"parking-1-v99999999999999999999"`),
		patch("If-Match of another item", "/collections/parking/items/1", `{"properties":{"free":3}}`, 412, "If-Match", `"parking-2-v1"`),
		{name: "write without credentials", method: http.MethodPatch, target: "/collections/parking/items/1", body: []byte(`{"properties":{"free":3}}`),
			headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", `"parking-1-v1"`}, status: 401},
		{name: "basic auth", method: http.MethodGet, target: "/api/session", headers: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, status: 401},
		{name: "audit as an editor", method: http.MethodGet, target: "/api/audit", headers: staff, status: 403},
	}
}

// Malicious and malformed requests get a 4xx problem document that shows no
// internal detail, and change nothing in the database.
func TestHostileRequests(t *testing.T) {
	fs := newFullServer(t)
	// The maplibre library and the viewer's pages are there to be read; go.mod
	// is not.
	before := snapshot(t, fs.db)
	cases := append(injectionCases(fs.editor, fs.admin), malformedCases(fs.editor)...)
	statuses := map[int]int{}
	for _, tc := range cases {
		start := time.Now()
		r := fs.do(t, tc.method, tc.target, tc.body, tc.headers...)
		took := time.Since(start)
		statuses[r.status]++
		label := fmt.Sprintf("%s (%s %s)", tc.name, tc.method, clipTarget(tc.target))
		if took > 2*time.Second {
			t.Errorf("%s: took %v; want a quick answer", label, took)
		}
		if leak := leakIn(r.body); leak != "" {
			t.Errorf("%s: the body shows internal detail %q:\n%s", label, leak, clipBody(r.body))
		}
		if strings.Contains(string(r.body), "module partymap") {
			t.Errorf("%s: served the repository's go.mod", label)
		}
		switch {
		case tc.status != 0 && r.status != tc.status:
			t.Errorf("%s: got %d, want %d: %s", label, r.status, tc.status, clipBody(r.body))
			continue
		case tc.freeText && r.status == http.StatusOK:
			if n := matched(t, r.body); n != 0 {
				t.Errorf("%s: got 200 with %d matches; injected text must match nothing", label, n)
			}
			continue
		case r.status < 400 || r.status >= 500:
			t.Errorf("%s: got %d, want a 4xx: %s", label, r.status, clipBody(r.body))
			continue
		}
		checkProblem(t, label, r)
	}
	if d := before.diff(snapshot(t, fs.db)); d != "" {
		t.Errorf("the hostile requests changed the database: %s", d)
	}
	t.Logf("%d hostile requests; answers by status: %v", len(cases), statuses)
}

// checkProblem checks a 4xx is an RFC 9457 problem document with a detail.
func checkProblem(t *testing.T, label string, r response) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: %d with Content-Type %q, want application/problem+json", label, r.status, ct)
		return
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Errorf("%s: the problem is not JSON: %v", label, err)
		return
	}
	if p.Status != r.status || p.Title == "" || p.Detail == "" {
		t.Errorf("%s: problem %+v; want status %d, a title and a detail", label, p, r.status)
	}
}

// matched reads how many features or hits a JSON answer holds.
func matched(t *testing.T, body []byte) int {
	t.Helper()
	var doc struct {
		NumberMatched  *int  `json:"numberMatched"`
		NumberReturned *int  `json:"numberReturned"`
		Features       []any `json:"features"`
		Hits           []any `json:"hits"`
		Items          []any `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("200 answer is not JSON: %v", err)
	}
	n := len(doc.Features) + len(doc.Hits) + len(doc.Items)
	if doc.NumberMatched != nil {
		n = max(n, *doc.NumberMatched)
	}
	return n
}

func clipTarget(s string) string {
	if len(s) > 90 {
		return s[:90] + "…"
	}
	return s
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
