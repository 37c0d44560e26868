package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// A change drops exactly the cached answers it can alter, and the next read
// shows it.
func TestReadCache_invalidation(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := changes.NewHub()
	ready := make(chan struct{})
	go db.Listen(ctx, hub, ready)
	<-ready
	h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Changes: hub,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()

	urls := map[string]string{
		"post 1":      "/collections/posts/items/1",
		"post 2":      "/collections/posts/items/2",
		"posts page":  "/collections/posts/items?limit=50",
		"posts":       "/collections/posts",
		"collections": "/collections",
		"grid 1":      "/collections/grids/items/1",
		"grids page":  "/collections/grids/items",
	}
	for name, u := range urls {
		if r := get(t, h, u); r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("%s first read: X-Cache %q, want MISS", name, r.header.Get("X-Cache"))
		}
		if r := get(t, h, u); r.header.Get("X-Cache") != "HIT" {
			t.Fatalf("%s second read: X-Cache %q, want HIT", name, r.header.Get("X-Cache"))
		}
	}
	before := get(t, h, urls["post 2"]).header.Get("ETag")
	if _, err := db.Pool().Exec(ctx, `UPDATE posts SET hours = '07:00-21:00' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"post 1": "HIT", "post 2": "MISS", "posts page": "MISS", "posts": "MISS",
		"collections": "MISS", "grid 1": "HIT", "grids page": "HIT",
	}
	deadline := time.Now().Add(time.Second)
	for get(t, h, urls["post 2"]).header.Get("ETag") == before {
		if time.Now().After(deadline) {
			t.Fatal("the change did not reach the cache within a second")
		}
		time.Sleep(5 * time.Millisecond)
	}
	want["post 2"] = "HIT" // just read again above
	for name, u := range urls {
		r := get(t, h, u)
		if got := r.header.Get("X-Cache"); got != want[name] {
			t.Errorf("%s after the change: X-Cache %q, want %q", name, got, want[name])
		}
	}
	if r := get(t, h, urls["post 2"]); !strings.Contains(string(r.body), "07:00-21:00") {
		t.Errorf("post 2 does not show the change: %s", r.body)
	}
	if r := get(t, h, urls["post 2"], "If-None-Match", get(t, h, urls["post 2"]).header.Get("ETag")); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match on a cached item: got %d, want 304", r.status)
	}
}
