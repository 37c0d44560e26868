package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// During an outage the map keeps drawing from what is cached: tiles already
// rendered, the style and the TileJSON answer 200; a tile never rendered and
// every write answer a quick 503 with Retry-After; after the outage the
// server recovers by itself.
func TestOutage_tilesAndStyleSurvive(t *testing.T) {
	fs := newFullServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fs.api.MonitorDatabase(ctx, 100*time.Millisecond)

	home := maptile.At(orb.Point{110.0995, 34.5733}, 16)
	cached := []string{"/style.json", "/tiles.json", fmt.Sprintf("/tiles/16/%d/%d.mvt", home.X, home.Y), fmt.Sprintf("/tiles/15/%d/%d.mvt", home.X/2, home.Y/2)}
	for _, u := range cached {
		if r := fs.do(t, http.MethodGet, u, nil, "Accept-Encoding", "gzip"); r.status != 200 {
			t.Fatalf("%s before the outage: got %d", u, r.status)
		}
	}
	etag := fs.do(t, http.MethodGet, "/collections/parking/items/1", nil).header.Get("ETag")

	restart := stopDatabase(t)
	waitFor(t, 10*time.Second, "readyz to report the outage", func() bool { return fs.do(t, http.MethodGet, "/readyz", nil).status == 503 })

	for _, u := range cached {
		r := fs.do(t, http.MethodGet, u, nil, "Accept-Encoding", "gzip")
		if r.status != 200 {
			t.Errorf("%s during the outage: got %d %s, want 200 from what is cached", u, r.status, clipBody(r.body))
		}
		if stale := r.header.Get("X-Partymap-Stale") != ""; stale != (u != "/style.json") {
			t.Errorf("%s during the outage: marked stale %v; want only answers that depend on the database marked", u, stale)
		}
	}
	fast := []struct {
		name, method, target string
		body                 []byte
		headers              []string
	}{
		{"a tile never rendered", http.MethodGet, fmt.Sprintf("/tiles/16/%d/%d.mvt", home.X+1, home.Y+1), nil, nil},
		{"a page never read", http.MethodGet, "/collections/posts/items?limit=3", nil, nil},
		{"the finder", http.MethodGet, "/api/nearest?lon=110.0998&lat=34.5746", nil, nil},
		{"a write", http.MethodPatch, "/collections/parking/items/1", []byte(`{"properties":{"free":4}}`),
			[]string{"Authorization", "Bearer " + fs.editor, "Content-Type", "application/merge-patch+json", "If-Match", etag}},
		{"a login", http.MethodPost, "/api/login", mustJSON(map[string]string{"name": fullEditor, "password": fullPassword}), []string{"Content-Type", "application/json"}},
	}
	for _, f := range fast {
		start := time.Now()
		r := fs.do(t, f.method, f.target, f.body, f.headers...)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s during the outage: got %d Retry-After=%q %s; want 503 with Retry-After", f.name, r.status, r.header.Get("Retry-After"), clipBody(r.body))
		} else {
			checkProblem(t, f.name, r)
		}
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("%s took %v to fail; want a bounded wait", f.name, took)
		} else {
			t.Logf("%s: %d in %v", f.name, r.status, took.Round(time.Millisecond))
		}
	}

	restart()
	waitFor(t, 15*time.Second, "recovery", func() bool { return fs.do(t, http.MethodGet, "/readyz", nil).status == 200 })
	for _, u := range cached {
		if r := fs.do(t, http.MethodGet, u, nil, "Accept-Encoding", "gzip"); r.status != 200 || r.header.Get("X-Partymap-Stale") != "" {
			t.Errorf("%s after the outage: got %d stale=%q", u, r.status, r.header.Get("X-Partymap-Stale"))
		}
	}
	waitFor(t, 5*time.Second, "writes to work again", func() bool {
		etag := fs.do(t, http.MethodGet, "/collections/parking/items/1", nil).header.Get("ETag")
		return fs.do(t, http.MethodPatch, "/collections/parking/items/1", []byte(`{"properties":{"free":4}}`),
			"Authorization", "Bearer "+fs.editor, "Content-Type", "application/merge-patch+json", "If-Match", etag).status == 200
	})
}
