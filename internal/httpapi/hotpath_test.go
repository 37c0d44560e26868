package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/internal/tilecache"
)

// The hot paths: a tile and a feature answer from memory, through the real
// router, with the server as mapserver runs it (the access log at info
// level, here formatted and then discarded). The allocation test guards
// what each costs; the benchmarks measure it:
//
//	go test ./internal/httpapi -run '^$' -bench 'Hot' -benchmem

// discardWriter is a ResponseWriter that keeps only its header map, cleared
// between requests as a server connection's is reused: what the measured
// allocations leave out is the test's, not the server's.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// hotRequest is one request of a hot path and what it must answer.
type hotRequest struct {
	name     string
	target   string
	encoding string
	// maxAllocs bounds the allocations of one answer: what it costs now,
	// with a little room. A change that adds work per request fails here.
	maxAllocs float64
}

func hotRequests() []hotRequest {
	home := maptile.At(orb.Point{110.0995, 34.5733}, 14)
	tile := tileURL(home)
	return []hotRequest{
		{"warm tile gzip", tile, "gzip", 6},
		{"warm tile identity", tile, "", 6},
		{"cached items page gzip", "/collections/posts/items?limit=50", "gzip", 10},
		{"cached items page identity", "/collections/posts/items?limit=50", "", 10},
		{"cached item gzip", "/collections/parking/items/1", "gzip", 9},
	}
}

// hotServer returns the router on a fresh database with a warm cache of the
// hot requests.
func hotServer(tb testing.TB) http.Handler {
	tb.Helper()
	db, _ := testdb.Open(tb, harness)
	h := mustNew(tb, httpapi.Config{
		Catalogue: geo.NewCatalogue(), Store: db, Tiles: db, TileCache: tilecache.New(tilecache.DefaultMaxBytes),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
		AccessLog: io.Discard, AccessLogFormat: "text",
	}).Handler()
	for _, hr := range hotRequests() {
		req := hr.request()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			tb.Fatalf("warming %s: got %d", hr.target, rec.Code)
		}
	}
	return h
}

func (hr hotRequest) request() *http.Request {
	req := httptest.NewRequest(http.MethodGet, hr.target, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0")
	req.Header.Set("Accept", "*/*")
	if hr.encoding != "" {
		req.Header.Set("Accept-Encoding", hr.encoding)
	}
	return req
}

// serve answers one hot request and checks it came from memory.
func (hr hotRequest) serve(tb testing.TB, h http.Handler, w *discardWriter, req *http.Request) {
	w.reset()
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK || w.n == 0 || w.h.Get("Content-Encoding") != hr.encoding {
		tb.Fatalf("%s: got %d, %d bytes, Content-Encoding %q", hr.target, w.status, w.n, w.h.Get("Content-Encoding"))
	}
	if x := w.h.Get("X-Cache"); x != "" && x != "HIT" {
		tb.Fatalf("%s: X-Cache %s", hr.target, x)
	}
}

// A warm tile and a cached feature answer cost a bounded number of
// allocations: no gunzip, no timeout, no headers rebuilt.
func TestHotPaths_allocations(t *testing.T) {
	h := hotServer(t)
	for _, hr := range hotRequests() {
		t.Run(hr.name, func(t *testing.T) {
			w := &discardWriter{h: http.Header{}}
			req := hr.request()
			got := testing.AllocsPerRun(500, func() { hr.serve(t, h, w, req) })
			t.Logf("%s: %.1f allocations per answer", hr.name, got)
			if limit := hr.maxAllocs + raceAllocs; got > limit {
				t.Errorf("%s: %.1f allocations per answer, want at most %.0f", hr.name, got, limit)
			}
		})
	}
}

func BenchmarkHotPaths(b *testing.B) {
	h := hotServer(b)
	for _, hr := range hotRequests() {
		b.Run(hr.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			req := hr.request()
			b.ReportAllocs()
			for b.Loop() {
				hr.serve(b, h, w, req)
			}
		})
	}
}
