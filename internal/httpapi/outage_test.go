package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// When PostgreSQL stops, cached public reads keep answering 200 marked
// stale, uncached reads fail fast with 503 and Retry-After, /readyz says
// so; when it is back the server recovers by itself.
func TestOutage_cachedReadsSurvive(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	api := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := api.Handler()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go api.MonitorDatabase(ctx, 100*time.Millisecond)

	cached := []string{"/collections", "/collections/grids/items?limit=100", "/collections/grids/items/4"}
	for _, u := range cached {
		if r := get(t, h, u); r.status != 200 {
			t.Fatalf("%s: got %d", u, r.status)
		}
	}

	restart := stopDatabase(t)

	waitFor(t, 10*time.Second, "readyz to report the outage", func() bool { return get(t, h, "/readyz").status == 503 })
	for _, u := range cached {
		r := get(t, h, u)
		if r.status != 200 || r.header.Get("X-Partymap-Stale") == "" {
			t.Errorf("%s during the outage: got %d stale=%q, want 200 marked stale", u, r.status, r.header.Get("X-Partymap-Stale"))
		}
	}
	start := time.Now()
	r := get(t, h, "/collections/buildings/items?limit=7")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("uncached read during the outage: got %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.header.Get("Content-Type"))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the uncached read took %v to fail; want a fast 503", took)
	}

	restart()
	waitFor(t, 15*time.Second, "recovery", func() bool { return get(t, h, "/readyz").status == 200 })
	waitFor(t, 5*time.Second, "uncached reads to work again", func() bool {
		return get(t, h, "/collections/buildings/items?limit=7").status == 200
	})
	if r := get(t, h, "/collections/grids/items/4"); r.status != 200 || r.header.Get("X-Partymap-Stale") != "" {
		t.Errorf("after recovery: got %d stale=%q", r.status, r.header.Get("X-Partymap-Stale"))
	}
}

// stopDatabase stops the harness's PostgreSQL and returns what starts it
// again; the test's cleanup starts it in any case, for the tests after it.
func stopDatabase(t *testing.T) (restart func()) {
	t.Helper()
	cluster := harness.Cluster()
	if err := cluster.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	restarted := false
	restart = func() {
		if !restarted {
			restarted = true
			if err := cluster.Restart(context.Background()); err != nil {
				t.Fatalf("restart PostgreSQL: %v", err)
			}
		}
	}
	t.Cleanup(restart)
	return restart
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %v for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
