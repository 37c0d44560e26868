package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// checkSecurityHeaders checks the security headers of an answer: every
// answer has a request id and is nosniff, but a vector tile (binary, which
// browsers neither render nor run); an HTML page, and only an HTML
// page, has a Content-Security-Policy of this server only (with the
// workers and blobs MapLibre needs), no framing and a referrer policy (on a
// tile or a JSON answer they mean nothing); and CORS is open exactly when
// wantCORS, never with credentials.
func checkSecurityHeaders(t *testing.T, label string, h http.Header, wantCORS bool) {
	t.Helper()
	tile := strings.Contains(label, "/tiles/") && h.Get("Content-Type") != "application/problem+json"
	if got := h.Get("X-Content-Type-Options"); tile && got != "" || !tile && got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options is %q on a %q answer", label, got, h.Get("Content-Type"))
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", label)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		checkDocumentHeaders(t, label, h)
	} else {
		for _, name := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
			if got := h.Get(name); got != "" {
				t.Errorf("%s: %s %q on a %q answer, which is no page", label, name, got, h.Get("Content-Type"))
			}
		}
	}
	if got := h.Get("Access-Control-Allow-Origin"); (got == "*") != wantCORS || (got != "" && got != "*") {
		t.Errorf("%s: Access-Control-Allow-Origin %q; want CORS open: %v", label, got, wantCORS)
	}
	if h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("%s: CORS allows credentials", label)
	}
}

// checkDocumentHeaders checks the headers of an HTML page.
func checkDocumentHeaders(t *testing.T, label string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src":     "'self'",
		"script-src":      "'self'",
		"worker-src":      "'self' blob:",
		"connect-src":     "'self'",
		"object-src":      "'none'",
		"frame-ancestors": "'none'",
		"base-uri":        "'self'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("%s: CSP %s is %q, want %q (policy %q)", label, name, got, want, csp)
		}
	}
	for _, bad := range []string{"http:", "https:", "*", "'unsafe-eval'"} {
		for _, src := range strings.Fields(strings.ReplaceAll(csp, ";", " ")) {
			if src == bad || (bad != "*" && strings.HasPrefix(src, bad)) {
				t.Errorf("%s: the CSP allows %q: %q", label, src, csp)
			}
		}
	}
	for name, want := range map[string]string{
		"Referrer-Policy": "strict-origin-when-cross-origin",
		"X-Frame-Options": "DENY",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s is %q, want %q", label, name, got, want)
		}
	}
}

// Every kind of answer carries the security headers it needs (pages the
// document ones), and CORS is open to the public GET reads only: never to
// writes, logins, staff reads, the staff page or operations endpoints.
func TestHeaders_everyKindOfAnswer(t *testing.T) {
	fs := newFullServer(t)
	home := maptile.At(orb.Point{110.0995, 34.5733}, 16)
	tile := fmt.Sprintf("/tiles/16/%d/%d.mvt", home.X, home.Y)
	staff := []string{"Authorization", "Bearer " + fs.editor}
	admin := []string{"Authorization", "Bearer " + fs.admin}

	first := func(method, target string, headers ...string) response {
		return fs.do(t, method, target, nil, headers...)
	}
	tileETag := first(http.MethodGet, tile, "Accept-Encoding", "gzip").header.Get("ETag")
	itemETag := first(http.MethodGet, "/collections/parking/items/2").header.Get("ETag")
	staticETag := first(http.MethodGet, "/static/js/app.js").header.Get("ETag")
	if tileETag == "" || itemETag == "" || staticETag == "" {
		t.Fatalf("ETags: tile %q, item %q, static %q", tileETag, itemETag, staticETag)
	}
	login := mustJSON(map[string]string{"name": fullEditor, "password": fullPassword})

	tests := []struct {
		name    string
		method  string
		target  string
		body    []byte
		headers []string
		status  int
		cors    bool
	}{
		{name: "tile", method: "GET", target: tile, headers: []string{"Accept-Encoding", "gzip"}, status: 200, cors: true},
		{name: "empty tile", method: "GET", target: "/tiles/14/0/0.mvt", status: 204, cors: true},
		{name: "tile not modified", method: "GET", target: tile, headers: []string{"Accept-Encoding", "gzip", "If-None-Match", tileETag}, status: 304, cors: true},
		{name: "bad tile address", method: "GET", target: "/tiles/99/0/0.mvt", status: 400, cors: true},
		{name: "tile HEAD", method: "HEAD", target: tile, status: 200, cors: true},
		{name: "style", method: "GET", target: "/style.json", status: 200, cors: true},
		{name: "TileJSON", method: "GET", target: "/tiles.json", status: 200, cors: true},
		{name: "landing", method: "GET", target: "/", status: 200, cors: true},
		{name: "OpenAPI", method: "GET", target: "/api", status: 200, cors: true},
		{name: "items", method: "GET", target: "/collections/posts/items?limit=100", status: 200, cors: true},
		{name: "items as HTML", method: "GET", target: "/collections/posts/items?f=html", status: 200, cors: true},
		{name: "item not modified", method: "GET", target: "/collections/parking/items/2", headers: []string{"If-None-Match", itemETag}, status: 304, cors: true},
		{name: "nearest", method: "GET", target: "/api/nearest?lon=110.0998&lat=34.5746", status: 200, cors: true},
		{name: "locate", method: "GET", target: "/api/locate?lon=110.0998&lat=34.5746", status: 200, cors: true},
		{name: "search", method: "GET", target: "/api/search?q=XY03", status: 200, cors: true},
		{name: "not found problem", method: "GET", target: "/collections/nothing", status: 404, cors: true},
		{name: "bad parameter problem", method: "GET", target: "/collections/grids/items?limit=x", status: 400, cors: true},
		{name: "viewer config", method: "GET", target: "/viewer-config.json", status: 200},
		{name: "viewer script", method: "GET", target: "/static/js/app.js", status: 200},
		{name: "viewer script not modified", method: "GET", target: "/static/js/app.js", headers: []string{"If-None-Match", staticETag}, status: 304},
		{name: "viewer style sheet", method: "GET", target: "/static/css/map.css", status: 200},
		{name: "MapLibre", method: "GET", target: "/static/vendor/maplibre-gl/maplibre-gl.mjs", headers: []string{"Accept-Encoding", "gzip"}, status: 200},
		{name: "no such viewer file", method: "GET", target: "/static/nothing.js", status: 404},
		{name: "phone map page", method: "GET", target: "/map", status: 200},
		{name: "kiosk page", method: "GET", target: "/kiosk", status: 200},
		{name: "editor page", method: "GET", target: "/edit", status: 200},
		{name: "unknown route", method: "GET", target: "/etc/passwd", status: 404},
		{name: "wrong method", method: "TRACE", target: "/collections", status: 405},
		{name: "health", method: "GET", target: "/healthz", status: 200},
		{name: "ready", method: "GET", target: "/readyz", status: 200},
		{name: "metrics are not public", method: "GET", target: "/metrics", status: 404},
		{name: "failed login", method: "POST", target: "/api/login", body: []byte(`{"name":"x","password":"wrong password"}`), headers: []string{"Content-Type", "application/json"}, status: 401},
		{name: "login", method: "POST", target: "/api/login", body: login, headers: []string{"Content-Type", "application/json"}, status: 200},
		{name: "session", method: "GET", target: "/api/session", headers: staff, status: 200},
		{name: "write without login", method: "PATCH", target: "/collections/parking/items/2", body: []byte(`{"properties":{"free":1}}`), headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", itemETag}, status: 401},
		{name: "write", method: "PATCH", target: "/collections/parking/items/2", body: []byte(`{"properties":{"free":1}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", itemETag}, staff...), status: 200},
		{name: "stale write", method: "PATCH", target: "/collections/parking/items/2", body: []byte(`{"properties":{"free":2}}`), headers: append([]string{"Content-Type", "application/merge-patch+json", "If-Match", itemETag}, staff...), status: 412},
		{name: "write options", method: "OPTIONS", target: "/collections/parking/items/2", status: 204},
		{name: "history", method: "GET", target: "/collections/parking/items/2/history", headers: staff, status: 200},
		{name: "deleted items", method: "GET", target: "/collections/posts/deleted", headers: staff, status: 200},
		{name: "audit", method: "GET", target: "/api/audit", headers: admin, status: 200},
		{name: "audit refused", method: "GET", target: "/api/audit", headers: staff, status: 403},
		{name: "export", method: "GET", target: "/api/export?layer=posts", headers: staff, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fs.do(t, tt.method, tt.target, tt.body, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("%s %s: got %d, want %d: %s", tt.method, tt.target, r.status, tt.status, clipBody(r.body))
			}
			checkSecurityHeaders(t, tt.method+" "+tt.target, r.header, tt.cors)
			if leak := leakIn(r.body); leak != "" && !strings.HasPrefix(tt.target, "/static/") {
				t.Errorf("the body shows internal detail %q", leak)
			}
			switch {
			case r.status == 304 || r.status == 204:
				if len(r.body) != 0 {
					t.Errorf("a %d with a body of %d bytes", r.status, len(r.body))
				}
			case r.status >= 400:
				checkProblem(t, tt.name, r)
			}
		})
	}

	t.Run("event stream", func(t *testing.T) {
		srv := httptest.NewServer(fs.h)
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		checkSecurityHeaders(t, "GET /api/events", resp.Header, true)
	})
}

// HEAD answers what GET would, without the body, on every GET route but
// the event stream.
func TestHead_likeGetWithoutBody(t *testing.T) {
	fs := newFullServer(t)
	srv := httptest.NewServer(fs.h)
	defer srv.Close()
	home := maptile.At(orb.Point{110.0995, 34.5733}, 16)
	tests := []struct {
		target string
		status int
	}{
		{"/collections/grids/items?limit=3", 200},
		{"/collections/grids/items/1", 200},
		{fmt.Sprintf("/tiles/16/%d/%d.mvt", home.X, home.Y), 200},
		{"/static/js/app.js", 200},
		{"/style.json", 200},
		{"/collections/nothing", 404},
		{"/api/events", 405},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			send := func(method string) *http.Response {
				req, _ := http.NewRequest(method, srv.URL+tt.target, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return resp
			}
			head := send(http.MethodHead)
			body, _ := io.ReadAll(head.Body)
			head.Body.Close()
			if head.StatusCode != tt.status || len(body) != 0 {
				t.Fatalf("HEAD: got %d with %d body bytes, want %d and none", head.StatusCode, len(body), tt.status)
			}
			// CORS is declared per route; HEAD is no route of the event
			// stream, so its 405 has none.
			checkSecurityHeaders(t, "HEAD "+tt.target, head.Header, tt.target != "/static/js/app.js" && tt.status != http.StatusMethodNotAllowed)
			if tt.status != 200 {
				return
			}
			get := send(http.MethodGet)
			full, _ := io.ReadAll(get.Body)
			get.Body.Close()
			for _, name := range []string{"Content-Type", "ETag"} {
				if head.Header.Get(name) != get.Header.Get(name) {
					t.Errorf("%s: HEAD %q, GET %q", name, head.Header.Get(name), get.Header.Get(name))
				}
			}
			if head.Header.Get("Content-Length") != "" && head.ContentLength != int64(len(full)) {
				t.Errorf("HEAD Content-Length %d, GET body %d bytes", head.ContentLength, len(full))
			}
		})
	}
}
