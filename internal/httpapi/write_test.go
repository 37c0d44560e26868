package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"partymap/internal/httpapi"
)

// gridBody returns grid 7 as a GeoJSON feature with its geometry replaced.
func gridBody(t *testing.T, env *staffEnv, id int64, geometry string) string {
	t.Helper()
	r := env.call(t, http.MethodGet, fmt.Sprintf("/collections/grids/items/%d", id), "")
	var f map[string]any
	if err := json.Unmarshal(r.body, &f); err != nil {
		t.Fatal(err)
	}
	delete(f, "links")
	if geometry != "" {
		var g any
		if err := json.Unmarshal([]byte(geometry), &g); err != nil {
			t.Fatal(err)
		}
		f["geometry"] = g
	}
	b, _ := json.Marshal(f)
	return string(b)
}

// Twenty writers holding the same version: exactly one wins, the others
// get 412, and the history gains exactly one version.
func TestWrite_concurrentWritersOneWins(t *testing.T) {
	for _, method := range []string{http.MethodPut, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			env := newStaffEnv(t, httpapi.AuthConfig{})
			etag := env.etagOf(t, "grids", 7)
			before := env.historyCount(t, "grids", 7)
			body, ctype := gridBody(t, env, 7, ""), "application/geo+json"
			if method == http.MethodPatch {
				ctype = "application/merge-patch+json"
			}
			const writers = 20
			statuses := make([]int, writers)
			var wg sync.WaitGroup
			for i := 0; i < writers; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					b := body
					if method == http.MethodPatch {
						b = fmt.Sprintf(`{"properties":{"households":%d}}`, 1000+i)
					}
					r := env.call(t, method, "/collections/grids/items/7", b,
						append(bearer(env.editor), "Content-Type", ctype, "If-Match", etag)...)
					statuses[i] = r.status
				}(i)
			}
			wg.Wait()
			var ok, stale int
			for _, s := range statuses {
				switch s {
				case http.StatusOK:
					ok++
				case http.StatusPreconditionFailed:
					stale++
				}
			}
			if ok != 1 || stale != writers-1 {
				t.Errorf("got %d × 200 and %d × 412 (%v), want 1 and %d", ok, stale, statuses, writers-1)
			}
			if after := env.historyCount(t, "grids", 7); after != before+1 {
				t.Errorf("history rows of grid 7: got %d, want %d", after, before+1)
			}
			var n, version int64
			if err := env.db.Pool().QueryRow(context.Background(), `SELECT count(*), max(version) FROM grids WHERE id = 7`).Scan(&n, &version); err != nil {
				t.Fatal(err)
			}
			if n != 1 || version != 2 {
				t.Errorf("grid 7: got %d rows at version %d, want 1 at version 2", n, version)
			}
		})
	}
}

func TestWrite_preconditionsAndStatuses(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	auth := bearer(env.editor)
	patch := func(etag string, headers ...string) response {
		h := append(append([]string{}, auth...), "Content-Type", "application/merge-patch+json")
		if etag != "" {
			h = append(h, "If-Match", etag)
		}
		return env.call(t, http.MethodPatch, "/collections/parking/items/1", `{"properties":{"free":7}}`, append(h, headers...)...)
	}
	v1 := env.etagOf(t, "parking", 1)
	if r := patch(""); r.status != http.StatusPreconditionRequired {
		t.Errorf("no If-Match: got %d, want 428", r.status)
	}
	if r := patch("*"); r.status != http.StatusPreconditionRequired {
		t.Errorf("If-Match *: got %d, want 428", r.status)
	}
	if r := patch(v1, "X-Unused", "1"); r.status != http.StatusOK || r.header.Get("ETag") != `"parking-1-v2"` {
		t.Fatalf("write: got %d ETag %q, want 200 \"parking-1-v2\"", r.status, r.header.Get("ETag"))
	}
	r := patch(v1)
	var p struct {
		CurrentVersion int64  `json:"current_version"`
		CurrentETag    string `json:"current_etag"`
	}
	_ = json.Unmarshal(r.body, &p)
	if r.status != http.StatusPreconditionFailed || p.CurrentVersion != 2 || p.CurrentETag != `"parking-1-v2"` || r.header.Get("ETag") != `"parking-1-v2"` {
		t.Errorf("stale write: got %d %s, want 412 with version 2", r.status, r.body)
	}
	if r := patch(`"parking-2-v1"`); r.status != http.StatusPreconditionFailed {
		t.Errorf("another item's ETag: got %d, want 412", r.status)
	}

	// Dry run: validated, answered, not written.
	v2 := env.etagOf(t, "parking", 1)
	r = env.call(t, http.MethodPatch, "/collections/parking/items/1?dry_run=true", `{"properties":{"free":9}}`,
		append(append([]string{}, auth...), "Content-Type", "application/merge-patch+json", "If-Match", v2)...)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"dry_run":true`) || env.etagOf(t, "parking", 1) != v2 {
		t.Errorf("dry run: got %d %s", r.status, r.body)
	}
	r = env.call(t, http.MethodPatch, "/collections/parking/items/1?dry_run=true", `{"properties":{"free":900}}`,
		append(append([]string{}, auth...), "Content-Type", "application/merge-patch+json", "If-Match", v2)...)
	if r.status != http.StatusUnprocessableEntity || !slices.Contains(problemRules(t, r), "parking_free_over_capacity") {
		t.Errorf("dry run of a bad value: got %d %s", r.status, r.body)
	}

	// Create, then delete; base-map layers refuse writes.
	post := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.0990,34.5740]},"properties":{"name_zh":"新驿站","name_en":"New cabin","kind":"cabin","services":["water"],"hours":"08:00-18:00"}}`
	r = env.call(t, http.MethodPost, "/collections/posts/items", post, append(append([]string{}, auth...), "Content-Type", "application/geo+json")...)
	if r.status != http.StatusCreated || !strings.Contains(r.header.Get("Location"), "/collections/posts/items/") || !strings.HasSuffix(r.header.Get("ETag"), `-v1"`) {
		t.Fatalf("create: got %d Location %q ETag %q %s", r.status, r.header.Get("Location"), r.header.Get("ETag"), r.body)
	}
	loc := pathOf(r.header.Get("Location"))
	if r := env.call(t, http.MethodDelete, loc, "", append(append([]string{}, auth...), "If-Match", r.header.Get("ETag"))...); r.status != http.StatusNoContent {
		t.Errorf("delete: got %d %s", r.status, r.body)
	}
	if r := env.call(t, http.MethodGet, loc, ""); r.status != http.StatusNotFound {
		t.Errorf("deleted item: got %d, want 404", r.status)
	}
	if r := env.call(t, http.MethodPost, "/collections/streets/items", post, append(append([]string{}, auth...), "Content-Type", "application/geo+json")...); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" {
		t.Errorf("write a street: got %d Allow %q, want 405", r.status, r.header.Get("Allow"))
	}
	if r := env.call(t, http.MethodOptions, "/collections/grids/items/7", ""); r.status != http.StatusNoContent || !strings.Contains(r.header.Get("Allow"), "PATCH") {
		t.Errorf("OPTIONS item: got %d Allow %q", r.status, r.header.Get("Allow"))
	}
	if r := env.call(t, http.MethodOptions, "/collections/streets/items", ""); strings.Contains(r.header.Get("Allow"), "POST") {
		t.Errorf("OPTIONS streets: got Allow %q, want no POST", r.header.Get("Allow"))
	}
	big := `{"type":"Feature","properties":{"name_zh":"` + strings.Repeat("x", 5<<20) + `"}}`
	if r := env.call(t, http.MethodPost, "/collections/posts/items", big, append(append([]string{}, auth...), "Content-Type", "application/geo+json")...); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: got %d, want 413", r.status)
	}
	if r := env.call(t, http.MethodPatch, "/collections/parking/items/1", `{}`, append(append([]string{}, auth...), "Content-Type", "text/plain", "If-Match", env.etagOf(t, "parking", 1))...); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("patch as text/plain: got %d, want 415", r.status)
	}
}

// Bad grid edits through the API: 422 with the right reasons, nothing
// written (the row and the history stay as they were).
func TestWrite_validationTable(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	tests := []struct {
		name     string
		id       int64
		geometry string
		want     []string
	}{
		{"wrong type", 7, `{"type":"Point","coordinates":[110.096,34.572]}`, []string{"wrong_geometry_type"}},
		{"self-intersecting ring", 7, `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0975081,34.5738138],[110.0977345,34.5706222],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`, []string{"invalid_geometry"}},
		{"a hole", 7, `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0977345,34.5706222],[110.0975081,34.5738138],[110.0946006,34.5738318],[110.0944293,34.5706296]],[[110.09,34.56],[110.091,34.56],[110.091,34.561],[110.09,34.56]]]}`, []string{"holes"}},
		{"outside the outline", 1, `{"type":"Polygon","coordinates":[[[110.0910033,34.573789],[110.0946006,34.5738318],[110.094218,34.5772476],[110.0926191,34.5773271],[110.0910654,34.5773527],[110.0905,34.5765],[110.0909533,34.5756295],[110.0910033,34.573789]]]}`, []string{"outside_community"}},
		{"overlaps a neighbour", 7, `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0977345,34.5706222],[110.0977213,34.572218],[110.0975081,34.5738138],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`, []string{"grid_overlap"}},
		{"opens a gap and orphans compounds", 7, `{"type":"Polygon","coordinates":[[[110.0962,34.57062564],[110.0977345,34.5706222],[110.0975081,34.5738138],[110.0962,34.5738219],[110.0962,34.57062564]]]}`, []string{"compound_orphaned", "compound_orphaned", "grid_gap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			etag := env.etagOf(t, "grids", tt.id)
			before := env.historyCount(t, "grids", tt.id)
			r := env.call(t, http.MethodPut, fmt.Sprintf("/collections/grids/items/%d", tt.id), gridBody(t, env, tt.id, tt.geometry),
				append(bearer(env.editor), "Content-Type", "application/geo+json", "If-Match", etag)...)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got %d %s, want 422", r.status, r.body)
			}
			got := problemRules(t, r)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules: got %v, want %v (%s)", got, tt.want, r.body)
			}
			if env.etagOf(t, "grids", tt.id) != etag || env.historyCount(t, "grids", tt.id) != before {
				t.Error("the rejected edit was written")
			}
		})
	}
}

func TestWrite_openAPI(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	paths, _ := env.call(t, http.MethodGet, "/api", "").json(t)["paths"].(map[string]any)
	for p, method := range map[string]string{
		"/collections/grids/items":                    "post",
		"/collections/grids/items/{featureId}":        "patch",
		"/collections/parking/items/{featureId}":      "delete",
		"/collections/posts/items/{featureId}/revert": "post",
		"/api/grids/{featureId}/reshape":              "post",
		"/api/grids/{featureId}/proposals":            "post",
		"/api/changesets/{changeSetId}":               "get",
		"/api/changesets/{changeSetId}/revert":        "post",
		"/api/proposals":                              "get",
		"/api/proposals/{proposalId}/accept":          "post",
		"/api/proposals/{proposalId}/decline":         "post",
		"/api/import":                                 "post",
		"/api/audit":                                  "get",
	} {
		if item, _ := paths[p].(map[string]any); item[method] == nil {
			t.Errorf("the OpenAPI document lacks %s %s", method, p)
		}
	}
	if item, _ := paths["/collections/streets/items"].(map[string]any); item["post"] != nil {
		t.Error("the OpenAPI document offers writes to streets")
	}
}

// The problems of a refused write say exactly what happened and what to do,
// as the handler and the domain worded it: nothing replaces the sentence on
// the way out. A stale write names where the item is now, from the
// conflict itself.
func TestWrite_problemDetails(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	auth := bearer(env.editor)
	v1 := env.etagOf(t, "parking", 1)
	if r := env.patch(t, env.editor, "parking", 1, v1, `{"properties":{"free":5}}`); r.status != http.StatusOK {
		t.Fatalf("first write: got %d %s", r.status, r.body)
	}
	deleted := env.etagOf(t, "posts", 3)
	if r := env.call(t, http.MethodDelete, "/collections/posts/items/3", "", append(bearer(env.editor), "If-Match", deleted)...); r.status != http.StatusNoContent {
		t.Fatalf("delete: got %d %s", r.status, r.body)
	}
	tests := []struct {
		name           string
		method, target string
		body           string
		headers        []string
		status         int
		detail         string
		currentVersion *int64
		currentETag    string
	}{
		{
			name: "base map", method: http.MethodPatch, target: "/collections/streets/items/1", body: `{}`,
			headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", `"streets-1-v1"`},
			status:  http.StatusMethodNotAllowed,
			detail:  `Layer "streets" is part of the base map and cannot be edited.`,
		},
		{
			name: "no If-Match", method: http.MethodPatch, target: "/collections/parking/items/1", body: `{"properties":{"free":6}}`,
			headers: []string{"Content-Type", "application/merge-patch+json"},
			status:  http.StatusPreconditionRequired,
			detail:  "A write needs an If-Match header with the item's ETag (from GET /collections/parking/items/1), so that it cannot overwrite a colleague's newer edit.",
		},
		{
			name: "stale version", method: http.MethodPatch, target: "/collections/parking/items/1", body: `{"properties":{"free":6}}`,
			headers:        []string{"Content-Type", "application/merge-patch+json", "If-Match", v1},
			status:         http.StatusPreconditionFailed,
			detail:         "Someone else changed parking 1 since you read it: you edited version 1, it is now at version 2. Reload it, then apply your change again.",
			currentVersion: ptr(int64(2)), currentETag: `"parking-1-v2"`,
		},
		{
			name: "deleted meanwhile", method: http.MethodPatch, target: "/collections/posts/items/3", body: `{"properties":{"hours":"09:00-17:00"}}`,
			headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", deleted},
			status:  http.StatusNotFound,
			detail:  `Layer "posts" has no feature with id 3.`,
		},
		{
			name: "delete of a deleted item", method: http.MethodDelete, target: "/collections/posts/items/3",
			headers:        []string{"If-Match", deleted},
			status:         http.StatusPreconditionFailed,
			detail:         "Someone else deleted posts 3 since you read it (you edited version 1).",
			currentVersion: ptr(int64(0)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.call(t, tt.method, tt.target, tt.body, append(append([]string{}, auth...), tt.headers...)...)
			var p struct {
				Status         int    `json:"status"`
				Detail         string `json:"detail"`
				CurrentVersion *int64 `json:"current_version"`
				CurrentETag    string `json:"current_etag"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %s %s, want a problem", r.status, r.header.Get("Content-Type"), r.body)
			}
			if r.status != tt.status || p.Status != tt.status {
				t.Errorf("status: got %d (body %d), want %d", r.status, p.Status, tt.status)
			}
			if p.Detail != tt.detail {
				t.Errorf("detail:\n got %q\nwant %q", p.Detail, tt.detail)
			}
			switch {
			case tt.currentVersion == nil && p.CurrentVersion != nil:
				t.Errorf("current_version %d, want none", *p.CurrentVersion)
			case tt.currentVersion != nil && (p.CurrentVersion == nil || *p.CurrentVersion != *tt.currentVersion):
				t.Errorf("current_version %v, want %d", p.CurrentVersion, *tt.currentVersion)
			}
			if p.CurrentETag != tt.currentETag || r.header.Get("ETag") != tt.currentETag {
				t.Errorf("current_etag %q, ETag header %q; want %q in both", p.CurrentETag, r.header.Get("ETag"), tt.currentETag)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
