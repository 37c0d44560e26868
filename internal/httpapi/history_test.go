package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"partymap/internal/httpapi"
)

// Moving a shared boundary is one request: grid 7 takes a strip of grid 8,
// both get a new version and a history row, and the 15 grids still cover
// the community exactly, with every compound inside exactly one grid.
func TestReshape_movesTheSharedBoundary(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	// Grid 7's east edge, moved 2% of the way towards grid 8's east edge.
	shape := `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.09779738,34.57062165],[110.09757828,34.57381319],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`
	send := func(etag, query string) response {
		return env.call(t, http.MethodPost, "/api/grids/7/reshape"+query, shape, append(bearer(env.editor), "Content-Type", "application/geo+json", "If-Match", etag)...)
	}
	etag := env.etagOf(t, "grids", 7)
	if r := send(etag, ""); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "needs a reason") {
		t.Fatalf("reshape without a comment: got %d %s, want 400 asking for one", r.status, r.body)
	}
	if r := send(etag, "?dry_run=true"); r.status != http.StatusOK || !strings.Contains(string(r.body), `"dry_run":true`) {
		t.Fatalf("dry run: got %d %s", r.status, r.body)
	}
	if env.etagOf(t, "grids", 7) != etag {
		t.Fatal("the dry run wrote")
	}
	h8 := env.historyCount(t, "grids", 8)
	r := send(etag, "?comment=%E8%A1%97%E9%81%93%E5%8A%9E%E9%80%9A%E7%9F%A5")
	if r.status != http.StatusOK {
		t.Fatalf("reshape: got %d %s", r.status, r.body)
	}
	var ans struct {
		Changes []struct {
			Layer   string `json:"layer"`
			ID      int64  `json:"id"`
			Version int64  `json:"version"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(r.body, &ans); err != nil {
		t.Fatal(err)
	}
	changed := map[int64]int64{}
	for _, c := range ans.Changes {
		changed[c.ID] = c.Version
	}
	if changed[7] != 2 || changed[8] != 2 {
		t.Errorf("changes: got %+v, want grids 7 and 8 at version 2", ans.Changes)
	}
	if got := env.historyCount(t, "grids", 8); got != h8+1 {
		t.Errorf("history of grid 8: got %d rows, want %d", got, h8+1)
	}
	if r := send(etag, "?comment=again"); r.status != http.StatusPreconditionFailed {
		t.Errorf("the same reshape again with the old ETag: got %d, want 412", r.status)
	}
	assertCoverage(t, env)
}

// assertCoverage checks the grids tile the community exactly.
func assertCoverage(t *testing.T, env *staffEnv) {
	t.Helper()
	ctx := context.Background()
	var grids, overlaps, badCompounds int64
	var gap float64
	err := env.db.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM grids),
		(SELECT count(*) FROM grids a JOIN grids b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)
			WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0.01),
		(SELECT ST_Area(ST_Difference(c.geom, (SELECT ST_Union(geom) FROM grids))::geography) FROM communities c),
		(SELECT count(*) FROM compounds c WHERE (SELECT count(*) FROM grids g
			WHERE ST_Area(ST_Intersection(c.geom, g.geom)::geography) > 0.01) <> 1
			OR NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = c.grid_code AND ST_Area(ST_Difference(c.geom, g.geom)::geography) <= 0.01))`).
		Scan(&grids, &overlaps, &gap, &badCompounds)
	if err != nil {
		t.Fatal(err)
	}
	if grids != 15 || overlaps != 0 || gap > 0.01 || badCompounds != 0 {
		t.Errorf("coverage: got %d grids, %d overlapping pairs, %.3f m² gap, %d compounds not in exactly their grid; want 15, 0, 0, 0", grids, overlaps, gap, badCompounds)
	}
}

func TestHistory_revertAndRestore(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	auth := bearer(env.editor)
	v1 := env.etagOf(t, "posts", 5)
	if r := env.patch(t, env.editor, "posts", 5, v1, `{"properties":{"phone":"0913-9999999"},"geometry":{"coordinates":[110.1,34.5745]}}`); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	r := env.call(t, http.MethodGet, "/collections/posts/items/5/history", "", auth...)
	var hist struct {
		Entries []struct {
			Version int64    `json:"version"`
			Op      string   `json:"op"`
			Reason  string   `json:"reason"`
			Who     string   `json:"who"`
			Changed []string `json:"changed"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(r.body, &hist); err != nil || len(hist.Entries) != 2 {
		t.Fatalf("history: got %d %s", r.status, r.body)
	}
	last := hist.Entries[1]
	// The move takes the post from grid XY04 into XY03: its derived
	// grid_code follows in the same version.
	if last.Version != 2 || last.Who != "alice" || last.Reason != "edit" || fmt.Sprint(last.Changed) != "[geometry grid_code phone]" {
		t.Errorf("last entry: got %+v", last)
	}
	if r := env.call(t, http.MethodGet, "/collections/posts/items/5/history", ""); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous history: got %d, want 401", r.status)
	}
	// Revert to version 1: a new version 3 equal to version 1.
	if r := env.call(t, http.MethodPost, "/collections/posts/items/5/revert?version=1", "", append(auth, "If-Match", v1)...); r.status != http.StatusPreconditionFailed {
		t.Errorf("revert with a stale ETag: got %d, want 412", r.status)
	}
	r = env.call(t, http.MethodPost, "/collections/posts/items/5/revert?version=1", "", append(auth, "If-Match", env.etagOf(t, "posts", 5))...)
	if r.status != http.StatusOK || r.header.Get("ETag") != `"posts-5-v3"` {
		t.Fatalf("revert: got %d %s", r.status, r.body)
	}
	now := env.call(t, http.MethodGet, "/collections/posts/items/5", "").json(t)
	if fmt.Sprint(now["geometry"]) == fmt.Sprint(map[string]any{"type": "Point", "coordinates": []any{110.1, 34.5745}}) {
		t.Errorf("after revert the post is still where the edit put it: %v", now["geometry"])
	}
	// Delete, list, restore.
	if r := env.call(t, http.MethodDelete, "/collections/posts/items/5", "", append(auth, "If-Match", `"posts-5-v3"`)...); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = env.call(t, http.MethodGet, "/collections/posts/deleted", "", auth...)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"numberMatched":1`) {
		t.Errorf("deleted: got %d %s", r.status, r.body)
	}
	r = env.call(t, http.MethodPost, "/collections/posts/items/5/restore", "", auth...)
	if r.status != http.StatusCreated || r.header.Get("ETag") != `"posts-5-v5"` {
		t.Errorf("restore: got %d ETag %q %s, want 201 \"posts-5-v5\"", r.status, r.header.Get("ETag"), r.body)
	}
	if r := env.call(t, http.MethodGet, "/collections/posts/items/5", ""); r.status != http.StatusOK {
		t.Errorf("restored item: got %d", r.status)
	}
	// The audit trail sees all of it, filtered by user and layer.
	r = env.call(t, http.MethodGet, "/api/audit?user=alice&layer=posts&limit=2", "", bearer(env.admin)...)
	var audit struct {
		Entries []struct {
			Reason string `json:"reason"`
		} `json:"entries"`
		Matched int64 `json:"numberMatched"`
	}
	if err := json.Unmarshal(r.body, &audit); err != nil || audit.Matched != 4 || len(audit.Entries) != 2 || audit.Entries[0].Reason != "restore" || link(t, r.json(t), "next", "") == "" {
		t.Errorf("audit: got %d %s, want 4 entries of alice's, newest (restore) first, two a page", r.status, r.body)
	}
	if r := env.call(t, http.MethodGet, "/api/audit?since=yesterday", "", bearer(env.admin)...); r.status != http.StatusBadRequest {
		t.Errorf("audit with a bad time: got %d, want 400", r.status)
	}
}
