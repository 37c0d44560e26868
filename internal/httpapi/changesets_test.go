package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
)

// grid7East is grid 7's outline with its east edge moved 2% of the way
// towards grid 8's east edge: a reshape that changes grids 7 and 8.
const grid7East = `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.09779738,34.57062165],[110.09757828,34.57381319],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`

// commentQuery is a comment parameter in Chinese, as staff write it.
var commentQuery = "comment=" + url.QueryEscape("按街道办12月通知调整")

// reshape7 reshapes grid 7 with a token; query carries the parameters.
func (env *staffEnv) reshape7(t *testing.T, token, shape, query string) response {
	t.Helper()
	return env.call(t, http.MethodPost, "/api/grids/7/reshape?"+query, shape,
		append(bearer(token), "Content-Type", "application/geo+json", "If-Match", env.etagOf(t, "grids", 7))...)
}

// changeSetDoc is what GET /api/changesets/{id} answers.
type changeSetDoc struct {
	ID         int64  `json:"id"`
	Who        string `json:"who"`
	Reason     string `json:"reason"`
	Comment    string `json:"comment"`
	Reverts    int64  `json:"reverts"`
	RevertedBy int64  `json:"reverted_by"`
	Proposal   int64  `json:"proposal"`
	Revertible bool   `json:"revertible"`
	ETag       string `json:"etag"`
	Features   []struct {
		Layer      string          `json:"layer"`
		ID         int64           `json:"id"`
		Key        string          `json:"key"`
		Name       geo.Label       `json:"name"`
		Op         string          `json:"op"`
		OldVersion int64           `json:"old_version"`
		Version    int64           `json:"version"`
		Before     json.RawMessage `json:"before"`
		After      json.RawMessage `json:"after"`
	} `json:"features"`
	Later []struct {
		Feature   geo.FeatureRef `json:"feature"`
		Version   int64          `json:"version"`
		Who       string         `json:"who"`
		ChangeSet int64          `json:"change_set"`
	} `json:"later"`
}

func (env *staffEnv) changeSet(t *testing.T, id int64) (changeSetDoc, response) {
	t.Helper()
	r := env.call(t, http.MethodGet, fmt.Sprintf("/api/changesets/%d", id), "", bearer(env.admin)...)
	var doc changeSetDoc
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatal(err)
		}
	}
	return doc, r
}

// changeSetOf reads the change set of a write's answer.
func changeSetOf(t *testing.T, r response) int64 {
	t.Helper()
	var ans struct {
		ChangeSet int64 `json:"change_set"`
	}
	if err := json.Unmarshal(r.body, &ans); err != nil || ans.ChangeSet == 0 {
		t.Fatalf("no change set in %d %s", r.status, r.body)
	}
	return ans.ChangeSet
}

// outlineOf reads a feature's geometry as WKT from the database.
func (env *staffEnv) outlineOf(t *testing.T, layer string, id int64) string {
	t.Helper()
	var wkt string
	if err := env.db.Pool().QueryRow(context.Background(), fmt.Sprintf(`SELECT ST_AsText(geom) FROM %s WHERE id = $1`, layer), id).Scan(&wkt); err != nil {
		t.Fatal(err)
	}
	return wkt
}

// A reshape is one change set: both grids, who, why, before and after;
// each grid's history names it and the other grid; reverting it puts both
// grids back in one new change set, validated as one, and the first can
// then no longer be reverted (the revert changed its features since).
func TestChangeSet_reshapeAndRevert(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	before7, before8 := env.outlineOf(t, "grids", 7), env.outlineOf(t, "grids", 8)
	r := env.reshape7(t, env.editor, grid7East, commentQuery)
	if r.status != http.StatusOK {
		t.Fatalf("reshape: %d %s", r.status, r.body)
	}
	id := changeSetOf(t, r)
	cs, _ := env.changeSet(t, id)
	if cs.Who != "alice" || cs.Reason != "reshape" || cs.Comment != "按街道办12月通知调整" || !cs.Revertible {
		t.Errorf("change set: got %+v", cs)
	}
	grids := map[string]int64{}
	for _, f := range cs.Features {
		if f.Layer == "grids" {
			grids[f.Key] = f.Version
			if f.OldVersion != 1 || len(f.Before) < 10 || len(f.After) < 10 || string(f.Before) == string(f.After) {
				t.Errorf("grid %s in the change set: versions %d→%d, before %s, after %s", f.Key, f.OldVersion, f.Version, f.Before, f.After)
			}
		}
	}
	if len(grids) != 2 || grids["XY07"] != 2 || grids["XY08"] != 2 {
		t.Errorf("grids in the change set: got %v, want XY07 and XY08 at version 2", grids)
	}

	var hist struct {
		Entries []struct {
			ChangeSet int64            `json:"change_set"`
			Comment   string           `json:"comment"`
			With      []geo.FeatureRef `json:"with"`
		} `json:"entries"`
	}
	json.Unmarshal(env.call(t, http.MethodGet, "/collections/grids/items/7/history", "", bearer(env.editor)...).body, &hist)
	last := hist.Entries[len(hist.Entries)-1]
	if last.ChangeSet != id || last.Comment != "按街道办12月通知调整" || len(last.With) != 1 || last.With[0].Name.Zh != "第八网格" {
		t.Errorf("grid 7's latest history entry: got %+v, want change set %d with 第八网格", last, id)
	}

	// Reverting needs the change set's ETag and, for a boundary, a reason.
	revert := func(etag, query string) response {
		h := bearer(env.admin)
		if etag != "" {
			h = append(h, "If-Match", etag)
		}
		return env.call(t, http.MethodPost, fmt.Sprintf("/api/changesets/%d/revert?%s", id, query), "", h...)
	}
	if r := revert("", commentQuery); r.status != http.StatusPreconditionRequired {
		t.Errorf("revert without If-Match: got %d, want 428", r.status)
	}
	if r := revert(fmt.Sprintf(`"changeset-%d-1"`, id), commentQuery); r.status != http.StatusPreconditionFailed {
		t.Errorf("revert with a stale ETag: got %d %s, want 412", r.status, r.body)
	}
	if r := revert(cs.ETag, ""); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "调整边界需要说明原因") {
		t.Errorf("revert without a comment: got %d %s, want 400 asking why", r.status, r.body)
	}
	if r := revert(cs.ETag, "dry_run=true"); r.status != http.StatusOK || env.outlineOf(t, "grids", 7) == before7 {
		t.Errorf("dry run of the revert: got %d %s (and it must write nothing)", r.status, r.body)
	}
	r = revert(cs.ETag, "comment=undo")
	if r.status != http.StatusOK {
		t.Fatalf("revert: %d %s", r.status, r.body)
	}
	undo := changeSetOf(t, r)
	if got7, got8 := env.outlineOf(t, "grids", 7), env.outlineOf(t, "grids", 8); got7 != before7 || got8 != before8 {
		t.Errorf("after the revert: grid 7 %s, grid 8 %s; want them as before", got7, got8)
	}
	assertCoverage(t, env)
	ucs, _ := env.changeSet(t, undo)
	if ucs.Reverts != id || ucs.Reason != "revert" || ucs.Who != "admin" || len(ucs.Features) != len(cs.Features) {
		t.Errorf("the revert's change set: got %+v", ucs)
	}
	cs, _ = env.changeSet(t, id)
	if cs.RevertedBy != undo || cs.Revertible || len(cs.Later) != len(cs.Features) {
		t.Errorf("the reverted change set: got reverted_by %d, revertible %v, %d later changes", cs.RevertedBy, cs.Revertible, len(cs.Later))
	}
}

// A change set whose features changed since cannot be reverted: 409 with
// what changed, who and in which change set, and nothing is written; once
// that change is undone in turn, it can.
func TestChangeSet_revertRefusedAfterALaterChange(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	r := env.reshape7(t, env.editor, grid7East, commentQuery)
	if r.status != http.StatusOK {
		t.Fatalf("reshape: %d %s", r.status, r.body)
	}
	id := changeSetOf(t, r)
	cs, _ := env.changeSet(t, id)
	r = env.patch(t, env.admin, "grids", 8, env.etagOf(t, "grids", 8), `{"properties":{"leader_zh":"黄淑芬"}}`)
	if r.status != http.StatusOK {
		t.Fatalf("later change of grid 8: %d %s", r.status, r.body)
	}
	later := changeSetOf(t, r)
	v7, v8 := env.etagOf(t, "grids", 7), env.etagOf(t, "grids", 8)
	r = env.call(t, http.MethodPost, fmt.Sprintf("/api/changesets/%d/revert?comment=undo", id), "", append(bearer(env.admin), "If-Match", cs.ETag)...)
	var p struct {
		DetailZh string `json:"detail_zh"`
		Later    []struct {
			Feature   geo.FeatureRef `json:"feature"`
			Version   int64          `json:"version"`
			Who       string         `json:"who"`
			ChangeSet int64          `json:"change_set"`
		} `json:"later"`
	}
	json.Unmarshal(r.body, &p)
	if r.status != http.StatusConflict || len(p.Later) != 1 || p.Later[0].Feature.Key != "XY08" || p.Later[0].Version != 3 ||
		p.Later[0].Who != "admin" || p.Later[0].ChangeSet != later || !strings.Contains(p.DetailZh, "第八网格") {
		t.Errorf("revert after a later change: got %d %s, want 409 naming grid 8 v3 by admin", r.status, r.body)
	}
	if env.etagOf(t, "grids", 7) != v7 || env.etagOf(t, "grids", 8) != v8 {
		t.Error("the refused revert wrote")
	}
	if doc, _ := env.changeSet(t, id); doc.Revertible || len(doc.Later) != 1 {
		t.Errorf("the change set after a later change: revertible %v, later %d", doc.Revertible, len(doc.Later))
	}
	// Once the later change is undone, grid 8 is as the reshape left it:
	// nothing stands in the way any more.
	lcs, _ := env.changeSet(t, later)
	if r := env.call(t, http.MethodPost, fmt.Sprintf("/api/changesets/%d/revert", later), "", append(bearer(env.admin), "If-Match", lcs.ETag)...); r.status != http.StatusOK {
		t.Fatalf("undo the later change: %d %s", r.status, r.body)
	}
	doc, _ := env.changeSet(t, id)
	if !doc.Revertible || len(doc.Later) != 2 {
		t.Errorf("after the later change was undone: revertible %v with %d later changes, want revertible with 2", doc.Revertible, len(doc.Later))
	}
	if r := env.call(t, http.MethodPost, fmt.Sprintf("/api/changesets/%d/revert?comment=undo", id), "", append(bearer(env.admin), "If-Match", doc.ETag)...); r.status != http.StatusOK {
		t.Errorf("revert after the later change was undone: %d %s", r.status, r.body)
	}
	assertCoverage(t, env)
	if _, r := env.changeSet(t, 999999); r.status != http.StatusNotFound {
		t.Errorf("an unknown change set: got %d", r.status)
	}
}

// A refused write says where: the gap, the overlap and the split compound
// each come with their geometry, as GeoJSON, beside the sentence.
func TestViolations_carryGeometry(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	type violation struct {
		Rule     string `json:"rule"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	}
	problem := func(r response) map[string]violation {
		var p struct {
			Violations []violation `json:"violations"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || r.status != http.StatusUnprocessableEntity {
			t.Fatalf("want a 422 problem, got %d %s", r.status, r.body)
		}
		out := map[string]violation{}
		for _, v := range p.Violations {
			out[v.Rule] = v
		}
		return out
	}
	// Grid 7 alone pushed east: it overlaps grid 8.
	wide := `{"geometry":{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0981,34.5706222],[110.0979,34.5738138],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}}`
	vs := problem(env.patch(t, env.editor, "grids", 7, env.etagOf(t, "grids", 7), wide))
	if v := vs["grid_overlap"]; v.Geometry == nil || v.Geometry.Type != "Polygon" {
		t.Errorf("the overlap: got %+v, want its polygon", v)
	}
	// Grid 7 alone pulled west, its east corners moved along its north
	// and south edges: a gap where it was.
	narrow := `{"geometry":{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0970,34.5706238],[110.0970,34.5738170],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}}`
	vs = problem(env.patch(t, env.editor, "grids", 7, env.etagOf(t, "grids", 7), narrow))
	gap := vs["grid_gap"]
	if gap.Geometry == nil || gap.Geometry.Type != "Polygon" {
		t.Fatalf("the gap: got %+v, want its polygon", gap)
	}
	var ring [][][2]float64
	json.Unmarshal(gap.Geometry.Coordinates, &ring)
	for _, p := range ring[0] {
		if p[0] < 110.09695 || p[0] > 110.09778 {
			t.Errorf("the gap's vertex %v lies outside the strip grid 7 gave up (110.0970 to 110.0977)", p)
		}
	}
	// A reshape through compound 15 (grid 8) splits it.
	split := `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.0985,34.5706222],[110.0983,34.5738138],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`
	vs = problem(env.reshape7(t, env.editor, split, "dry_run=true"))
	if v := vs["compound_split"]; v.Geometry == nil || v.Geometry.Type != "Polygon" {
		t.Errorf("the split compound: got %+v, want its outline", v)
	}
}
