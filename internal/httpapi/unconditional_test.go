package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"partymap/internal/httpapi"
)

// The requests QGIS 3.32+ sends to edit OGC API – Features, as its OAPIF
// provider writes them (qgsoapif{create,put,patch,delete}featurerequest):
// no If-Match; POST and PUT a whole GeoJSON feature (application/geo+json,
// properties as QGIS read them, its own "id" property dropped), PATCH a
// merge patch of the properties or of the geometry alone, Content-Crs when
// the layer is in another CRS, then DELETE; the token in an API header.
func TestUnconditionalToken_qgisRequests(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{})
	ctx := context.Background()
	qgis, t1, err := env.db.CreateToken(ctx, "alice", "qgis", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.db.MakeUnconditional(ctx, t1.ID); err != nil {
		t.Fatal(err)
	}
	auth := bearer(qgis)
	geoJSON := append([]string{"Content-Type", "application/geo+json"}, auth...)
	mergePatch := append([]string{"Content-Type", "application/merge-patch+json"}, auth...)

	// An ordinary token still needs If-Match: 428.
	if r := env.call(t, http.MethodPatch, "/collections/parking/items/1", `{"properties":{"free":3}}`,
		append(bearer(env.editor), "Content-Type", "application/merge-patch+json")...); r.status != http.StatusPreconditionRequired {
		t.Fatalf("ordinary token without If-Match: %d, want 428", r.status)
	}

	// QGIS reads the post (version 1) …
	read := env.call(t, http.MethodGet, "/collections/posts/items/2", "")
	var post struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
	decode(t, read.body, &post)
	// … then a colleague, with If-Match, changes its hours.
	if r := env.patch(t, env.editor7, "posts", 2, read.header.Get("ETag"), `{"properties":{"hours":"07:00-21:00"}}`); r.status != 200 {
		// bob is limited to XY07; use the admin when the post lies elsewhere
		if r = env.patch(t, env.admin, "posts", 2, read.header.Get("ETag"), `{"properties":{"hours":"07:00-21:00"}}`); r.status != 200 {
			t.Fatalf("colleague's patch: %d %s", r.status, r.body)
		}
	}
	// QGIS saves a change of the phone with a PUT of the whole feature
	// as it read it: the old hours go back with it.
	oldHours := post.Properties["hours"]
	post.Properties["phone"] = "029-8888-0000"
	body, _ := json.Marshal(map[string]any{"type": "Feature", "id": 2, "geometry": post.Geometry, "properties": post.Properties})
	r := env.call(t, http.MethodPut, "/collections/posts/items/2", string(body), geoJSON...)
	if r.status != http.StatusOK {
		t.Fatalf("QGIS PUT without If-Match: %d %s", r.status, r.body)
	}
	var ans struct {
		Properties map[string]any `json:"properties"`
		Conflicts  []struct {
			Property, Who string
			Version       int64
			MessageEn     string `json:"message_en"`
		} `json:"conflicts"`
	}
	decode(t, r.body, &ans)
	if ans.Properties["phone"] != "029-8888-0000" || ans.Properties["hours"] != oldHours {
		t.Errorf("PUT applied %v", ans.Properties)
	}
	if len(ans.Conflicts) != 1 || ans.Conflicts[0].Property != "hours" || ans.Conflicts[0].Version != 2 {
		t.Fatalf("conflicts %+v, want the colleague's change of hours (version 2) reported", ans.Conflicts)
	}
	// It is a new version in the history, which notes the conflict, and
	// so does the audit.
	hist := env.call(t, http.MethodGet, "/collections/posts/items/2/history", "", auth...)
	var doc struct {
		Entries []struct {
			Version int64          `json:"version"`
			Who     string         `json:"who"`
			Note    map[string]any `json:"note"`
		} `json:"entries"`
	}
	decode(t, hist.body, &doc)
	last := doc.Entries[len(doc.Entries)-1]
	if last.Version != 3 || last.Who != "alice" || last.Note["unconditional"] != true || !strings.Contains(fmt.Sprint(last.Note["conflicts"]), "hours") {
		t.Errorf("history's last entry: %+v, want version 3 by alice noting the undone hours", last)
	}
	audit := env.call(t, http.MethodGet, "/api/audit?layer=posts", "", bearer(env.admin)...)
	if !strings.Contains(string(audit.body), `"conflicts"`) || !strings.Contains(string(audit.body), `"unconditional":true`) {
		t.Errorf("audit does not show the conflict: %s", audit.body)
	}
	// Revertable: version 2 comes back as version 4.
	if r := env.call(t, http.MethodPost, "/collections/posts/items/2/revert?version=2", "", append(auth, "If-Match", `"posts-2-v3"`)...); r.status != 200 {
		t.Errorf("revert: %d %s", r.status, r.body)
	}

	// A PATCH of attributes, as QGIS sends when the server allows PATCH:
	// no conflict when nobody else changed the property.
	if r := env.call(t, http.MethodPatch, "/collections/parking/items/1", `{"properties":{"free":7}}`, mergePatch...); r.status != 200 || strings.Contains(string(r.body), "conflicts") {
		t.Errorf("QGIS PATCH of properties: %d %s", r.status, r.body)
	}
	// A PATCH of the geometry alone, in the layer's CRS (EPSG:4326, so
	// latitude first, with Content-Crs as QGIS sends it: no brackets).
	r = env.call(t, http.MethodGet, "/collections/posts/items/3?crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"), "")
	var p3 struct {
		Geometry struct{ Coordinates [2]float64 }
	}
	decode(t, r.body, &p3)
	lat, lon := p3.Geometry.Coordinates[0]+0.00001, p3.Geometry.Coordinates[1]
	patch := fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.8f,%.8f]}}`, lat, lon)
	r = env.call(t, http.MethodPatch, "/collections/posts/items/3", patch, append(mergePatch, "Content-Crs", "http://www.opengis.net/def/crs/EPSG/0/4326")...)
	if r.status != 200 {
		t.Fatalf("QGIS PATCH of the geometry in EPSG:4326: %d %s", r.status, r.body)
	}
	decode(t, r.body, &p3)
	if got := p3.Geometry.Coordinates; math.Abs(got[0]-lon) > 1e-9 || math.Abs(got[1]-lat) > 1e-9 {
		t.Errorf("stored %v, want lon %v lat %v", got, lon, lat)
	}
	// A geometry in the Gauss–Krüger zone comes back where it was sent.
	r = env.call(t, http.MethodGet, "/collections/posts/items/4?crs=EPSG:4546", "")
	var gk struct {
		Geometry   struct{ Coordinates [2]float64 }
		Properties map[string]any
	}
	decode(t, r.body, &gk)
	n, e := gk.Geometry.Coordinates[0]+3, gk.Geometry.Coordinates[1]+2 // 3 m north, 2 m east
	r = env.call(t, http.MethodPatch, "/collections/posts/items/4", fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.4f,%.4f]}}`, n, e),
		append(mergePatch, "Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/4546>")...)
	if r.status != 200 {
		t.Fatalf("PATCH in EPSG:4546: %d %s", r.status, r.body)
	}
	r = env.call(t, http.MethodGet, "/collections/posts/items/4?crs=EPSG:4546", "")
	decode(t, r.body, &gk)
	if got := gk.Geometry.Coordinates; math.Abs(got[0]-n) > 0.001 || math.Abs(got[1]-e) > 0.001 {
		t.Errorf("EPSG:4546 round trip: got %v, want %.4f, %.4f within 1 mm", got, n, e)
	}

	// POST a new post (QGIS drops "id"; grid_code, derived, comes as it
	// read it: null for a new feature), then DELETE it without If-Match.
	create := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.0998,34.5746]},"properties":{"name_zh":"测试驿站","name_en":"Test cabin","kind":"cabin","services":["water"],"hours":"08:00-18:00","phone":null,"grid_code":null}}`
	r = env.call(t, http.MethodPost, "/collections/posts/items", create, geoJSON...)
	if r.status != http.StatusCreated || !strings.Contains(r.header.Get("Location"), "/collections/posts/items/") {
		t.Fatalf("QGIS POST: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if r := env.call(t, http.MethodDelete, pathOf(loc), "", auth...); r.status != http.StatusNoContent {
		t.Errorf("QGIS DELETE without If-Match: %d %s", r.status, r.body)
	}
	// QGIS asks OPTIONS to learn what it may do.
	if r := env.call(t, http.MethodOptions, "/collections/posts/items/2", "", auth...); !strings.Contains(r.header.Get("Allow"), "PATCH") {
		t.Errorf("OPTIONS: Allow %q", r.header.Get("Allow"))
	}
}
