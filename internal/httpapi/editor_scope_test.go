package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
)

// tokenFor adds an editor of these grids and returns their API token.
func (env *staffEnv) tokenFor(t *testing.T, name string, grids ...string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := env.db.CreateUser(ctx, name, geo.Editor, geo.Scope{Grids: grids}, staffPassword); err != nil {
		t.Fatal(err)
	}
	tok, _, err := env.db.CreateToken(ctx, name, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The security review's L1: an editor of one grid may not place a point on
// a corner it shares with other grids, nor move a car park's entrance
// anywhere; an entrance must lie at its car park.
func TestEditorScope(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	ed1 := env.tokenFor(t, "ed1", "XY01")
	ed8 := env.tokenFor(t, "ed8", "XY08")
	problem := func(r response) (string, []geo.Violation) {
		var p struct {
			Detail     string          `json:"detail"`
			Violations []geo.Violation `json:"violations"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("not a problem: %d %s", r.status, r.body)
		}
		return p.Detail, p.Violations
	}

	// The review's request: a post on the corner of XY08, XY09, XY13, XY14.
	post := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.1008784,34.5705947]},"properties":{"name_zh":"t","name_en":"t","kind":"cabin","services":["water"],"hours":"08:00-18:00","grid_code":"XY01"}}`
	// The refusal names the grids as staff do, in both languages, and
	// lists them for the page.
	r := env.call(t, http.MethodPost, "/collections/posts/items", post, append(bearer(ed1), "Content-Type", "application/geo+json")...)
	var refusal struct {
		Detail   string           `json:"detail"`
		DetailZh string           `json:"detail_zh"`
		Grids    []geo.FeatureRef `json:"grids"`
	}
	_ = json.Unmarshal(r.body, &refusal)
	var codes []string
	for _, g := range refusal.Grids {
		codes = append(codes, g.Key)
	}
	if r.status != http.StatusForbidden || strings.Join(codes, ",") != "XY08,XY09,XY13,XY14" ||
		!strings.Contains(refusal.Detail, "Grid 8 (XY08), Grid 9 (XY09), Grid 13 (XY13) and Grid 14 (XY14)") ||
		!strings.Contains(refusal.DetailZh, "第八网格、第九网格、第十三网格、第十四网格") {
		t.Errorf("ed1 posts on the corner: got %d %s, want 403 naming XY08, XY09, XY13, XY14 in both languages", r.status, r.body)
	}

	// Car park 1's entrance moved to Beijing: by its own grid's editor 403,
	// by an editor of every grid 422 with the rule in both languages.
	var code string
	if err := env.db.Pool().QueryRow(context.Background(), `SELECT grid_code FROM parking WHERE id = 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	edp := env.tokenFor(t, "edp", code)
	beijing := `{"properties":{"entrance":[116.397,39.909]}}`
	if r := env.patch(t, edp, "parking", 1, env.etagOf(t, "parking", 1), beijing); r.status != http.StatusForbidden {
		t.Errorf("edp moves the entrance to Beijing: got %d %s, want 403", r.status, r.body)
	}
	r = env.patch(t, env.editor, "parking", 1, env.etagOf(t, "parking", 1), beijing)
	_, vs := problem(r)
	if r.status != http.StatusUnprocessableEntity || len(vs) != 1 || vs[0].Rule != "position_too_far" ||
		!strings.Contains(vs[0].MessageEn, "must be within 30 m") || !strings.Contains(vs[0].MessageZh, "30 米以内") {
		t.Errorf("alice moves the entrance to Beijing: got %d %s, want 422 position_too_far", r.status, r.body)
	}

	// Legitimate moves: the entrance by a few metres, a post inside its grid.
	var x, y float64
	if err := env.db.Pool().QueryRow(context.Background(), `SELECT ST_X(entrance), ST_Y(entrance) FROM parking WHERE id = 1`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	near := fmt.Sprintf(`{"properties":{"entrance":[%.7f,%.7f]}}`, x+0.00004, y)
	if r := env.patch(t, edp, "parking", 1, env.etagOf(t, "parking", 1), near); r.status != http.StatusOK {
		t.Errorf("edp moves the entrance by 4 m: got %d %s, want 200", r.status, r.body)
	}
	move := `{"geometry":{"type":"Point","coordinates":[110.0995,34.5720]}}`
	r = env.patch(t, ed8, "posts", 13, env.etagOf(t, "posts", 13), move)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"grid_code":"XY08"`) {
		t.Errorf("ed8 moves post 13 inside XY08: got %d %s, want 200", r.status, r.body)
	}
	if r := env.patch(t, ed1, "posts", 13, env.etagOf(t, "posts", 13), `{"properties":{"hours":"07:00-19:00"}}`); r.status != http.StatusForbidden {
		t.Errorf("ed1 edits post 13 of XY08: got %d, want 403", r.status)
	}
}
