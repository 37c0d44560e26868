package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"partymap/internal/httpapi"
)

// addressOf fills a route pattern with values that name something real.
func addressOf(pattern string) string {
	return strings.NewReplacer(":layer", "parking", ":id", "1", ":z", "14", ":x", "13202", ":y", "6513.mvt", "*", "js/app.js").Replace(pattern)
}

// send sends one request through the router, bounded by within (an event
// stream answers until its request ends).
func send(t *testing.T, h http.Handler, method, target string, within time.Duration, contentLength int64, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader([]byte("{}")))
	if contentLength > 0 {
		req.ContentLength = contentLength
	}
	ctx, cancel := context.WithTimeout(req.Context(), within)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// The route table is the router: every route is a line of it (or the HEAD
// beside a GET line), and each route does what its line declares: CORS
// exactly on the public reads, 401 without credentials on every staff
// route, 403 for editors on admin routes, no-store on staff answers, a
// bound on every request body, the document headers exactly on HTML.
func TestRoutes_attributesHold(t *testing.T) {
	fs := newFullServer(t)
	table := fs.api.RouteTable()
	declared := map[string]httpapi.RouteInfo{}
	for _, r := range table {
		declared[r.Method+" "+r.Path] = r
	}
	routed := map[string]bool{}
	for _, r := range fs.api.RouterRoutes() {
		key := r.Method + " " + r.Path
		routed[key] = true
		if _, ok := declared[key]; ok {
			continue
		}
		if g, ok := declared[http.MethodGet+" "+r.Path]; ok && r.Method == http.MethodHead && !g.NoHead {
			continue
		}
		t.Errorf("the router has %s, which the route table does not declare", key)
	}
	if len(table) < 30 {
		t.Fatalf("the table has %d routes; the full server has more than 30", len(table))
	}

	editor := []string{"Authorization", "Bearer " + fs.editor}
	for _, r := range table {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			key := r.Method + " " + r.Path
			if !routed[key] {
				t.Fatalf("%s is declared but not routed", key)
			}
			if r.Method == http.MethodGet && !r.NoHead && !routed[http.MethodHead+" "+r.Path] {
				t.Errorf("GET %s answers no HEAD", r.Path)
			}
			if r.CORS && r.Method != http.MethodGet {
				t.Errorf("CORS is open on a %s route: only public reads may be", r.Method)
			}
			if r.CORS && (r.Staff || r.Admin || r.NoStore) {
				t.Errorf("a public route is also a staff one")
			}
			switch r.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				if r.BodyLimit <= 0 {
					t.Errorf("%s takes a body without a bound", key)
				}
				// Logging in is one change anyone may ask for; residents
				// place orders and confirm or reopen theirs (with the
				// tracking code: staff's actions ask for a login inside).
				if !r.Staff && key != "POST /api/login" && key != "POST /api/orders" && key != "POST /api/orders/:id/:action" {
					t.Errorf("%s changes something without a login", key)
				}
			}

			target := addressOf(r.Path)
			within := 10 * time.Second
			if r.NoHead {
				within = 300 * time.Millisecond // the event stream
			}
			anon := send(t, fs.h, r.Method, target, within, 0, "Accept", "text/html")
			if anon.status >= 500 {
				t.Fatalf("anonymous %s %s: got %d %s", r.Method, target, anon.status, clipBody(anon.body))
			}
			if got := anon.header.Get("Access-Control-Allow-Origin") == "*"; got != r.CORS {
				t.Errorf("anonymous %s %s: CORS open %v, declared %v", r.Method, target, got, r.CORS)
			}
			html := strings.HasPrefix(anon.header.Get("Content-Type"), "text/html")
			if html && !r.Documents && !r.Negotiated {
				t.Errorf("%s answers HTML but is not declared to (no document headers)", key)
			}
			if got := anon.header.Get("Content-Security-Policy") != ""; got != html {
				t.Errorf("%s: CSP %v on a %q answer", key, got, anon.header.Get("Content-Type"))
			}
			problem := anon.header.Get("Content-Type") == "application/problem+json"
			if got := anon.header.Get("X-Content-Type-Options") == "nosniff"; got != (!r.Binary || problem) {
				t.Errorf("%s: nosniff %v on a %q answer, declared binary %v", key, got, anon.header.Get("Content-Type"), r.Binary)
			}
			if r.NoStore && anon.header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("%s: Cache-Control %q, declared no-store (private, no-store: not even the service worker keeps it)", key, anon.header.Get("Cache-Control"))
			}
			if r.Staff {
				if anon.status != http.StatusUnauthorized || anon.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s without credentials: got %d (WWW-Authenticate %q), want 401", key, anon.status, anon.header.Get("WWW-Authenticate"))
				}
			} else if anon.status == http.StatusUnauthorized {
				t.Errorf("%s is not a staff route but answers 401", key)
			}
			if r.Admin {
				if got := send(t, fs.h, r.Method, target, within, 0, editor...); got.status != http.StatusForbidden {
					t.Errorf("%s as an editor: got %d, want 403", key, got.status)
				}
			}
			if r.BodyLimit > 0 {
				var auth []string
				if r.Staff && !r.Admin {
					auth = editor
				}
				got := send(t, fs.h, r.Method, target, within, r.BodyLimit+1, auth...)
				if got.status != http.StatusRequestEntityTooLarge {
					t.Errorf("%s with a body of %d bytes announced, over the bound: got %d %s, want 413", key, r.BodyLimit+1, got.status, clipBody(got.body))
				}
				if ok := send(t, fs.h, r.Method, target, within, r.BodyLimit, auth...); ok.status == http.StatusRequestEntityTooLarge {
					t.Errorf("%s with a body of exactly the bound, %d bytes, was refused as too large", key, r.BodyLimit)
				}
			}
		})
	}
}
