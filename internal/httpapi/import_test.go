package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/web"
)

type importResult struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Features  []struct {
		ID      int64    `json:"id"`
		Action  string   `json:"action"`
		Changed []string `json:"changed"`
	} `json:"features"`
}

func decodeImportResult(t *testing.T, r response) importResult {
	t.Helper()
	var out importResult
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("import answer: %d %s", r.status, r.body)
	}
	return out
}

// An import is a dry run first, then the same file with the dry run's ETag;
// a plan that went stale is refused.
func TestImport_dryRunThenApply(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	auth := bearer(env.editor)
	r := env.call(t, http.MethodGet, "/api/export?layer=parking&format=geojson", "", auth...)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), `filename=parking.geojson`) {
		t.Fatalf("export: got %d %q", r.status, r.header.Get("Content-Disposition"))
	}
	fc, err := geojson.UnmarshalFeatureCollection(r.body)
	if err != nil || len(fc.Features) != 3 {
		t.Fatalf("export: %v, %d features", err, len(fc.Features))
	}
	fc.Features[0].Properties["free"] = 1.0
	fresh := *fc.Features[2]
	fresh.ID = nil
	fresh.Properties = geojson.Properties{}
	for k, v := range fc.Features[2].Properties {
		fresh.Properties[k] = v
	}
	fresh.Properties["name_en"] = "New car park"
	fc.Features = append(fc.Features, &fresh)
	file, _ := json.Marshal(fc)

	before := env.historyCount(t, "parking", 1)
	r = env.call(t, http.MethodPost, "/api/import?layer=parking&dry_run=true", string(file), append(auth, "Content-Type", "application/geo+json")...)
	plan := decodeImportResult(t, r)
	if r.status != http.StatusOK || plan.Inserted != 1 || plan.Updated != 1 || plan.Unchanged != 2 || fmt.Sprint(plan.Features[0].Changed) != "[free]" {
		t.Fatalf("dry run: got %d %s, want 1 insert, 1 update of free, 2 unchanged", r.status, r.body)
	}
	tag := r.header.Get("ETag")
	if env.historyCount(t, "parking", 1) != before {
		t.Fatal("the dry run wrote")
	}
	if r := env.call(t, http.MethodPost, "/api/import?layer=parking", string(file), append(auth, "Content-Type", "application/geo+json")...); r.status != http.StatusPreconditionRequired {
		t.Errorf("apply without the dry run's ETag: got %d, want 428", r.status)
	}
	// Someone edits car park 1 in between: the plan is stale.
	if r := env.patch(t, env.admin, "parking", 1, env.etagOf(t, "parking", 1), `{"properties":{"free":2}}`); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	if r := env.call(t, http.MethodPost, "/api/import?layer=parking", string(file), append(auth, "Content-Type", "application/geo+json", "If-Match", tag)...); r.status != http.StatusPreconditionFailed {
		t.Errorf("apply a stale plan: got %d %s, want 412", r.status, r.body)
	}
	r = env.call(t, http.MethodPost, "/api/import?layer=parking&dry_run=true", string(file), append(auth, "Content-Type", "application/geo+json")...)
	tag = r.header.Get("ETag")
	r = env.call(t, http.MethodPost, "/api/import?layer=parking", string(file), append(auth, "Content-Type", "application/geo+json", "If-Match", tag)...)
	if got := decodeImportResult(t, r); r.status != http.StatusOK || got.Inserted != 1 || got.Updated != 1 {
		t.Fatalf("apply: got %d %s", r.status, r.body)
	}
	if n := decodeItems(t, env.call(t, http.MethodGet, "/collections/parking/items", "")); n != 4 {
		t.Errorf("car parks after the import: got %d, want 4", n)
	}
	var reason string
	if err := env.db.Pool().QueryRow(t.Context(), `SELECT reason FROM history WHERE layer = 'parking' AND feature_id = 1 ORDER BY id DESC LIMIT 1`).Scan(&reason); err != nil || reason != "import" {
		t.Errorf("history reason: got %q %v, want import", reason, err)
	}
	// A bad file is refused whole, naming the feature.
	bad := strings.Replace(string(file), `"capacity":`, `"capacity":"many","x":`, 1)
	r = env.call(t, http.MethodPost, "/api/import?layer=parking&dry_run=true", bad, append(auth, "Content-Type", "application/geo+json")...)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "feature 1") {
		t.Errorf("bad file: got %d %s, want 422 naming feature 1", r.status, r.body)
	}
}

func decodeItems(t *testing.T, r response) int {
	t.Helper()
	fc, err := geojson.UnmarshalFeatureCollection(r.body)
	if err != nil {
		t.Fatalf("items: %v", err)
	}
	return len(fc.Features)
}

// Points across the community, given in GCJ-02 (as Amap shows them) in a
// KML file, land within half a metre of where they are in WGS 84.
func TestImport_GCJ02RoundTrip(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	auth := bearer(env.editor)
	var truth []orb.Point
	for _, layer := range []string{"grids", "compounds"} {
		fc, err := geojson.UnmarshalFeatureCollection(env.call(t, http.MethodGet, "/collections/"+layer+"/items?limit=100", "").body)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			c, _ := planarCentroid(f.Geometry.(orb.Polygon))
			truth = append(truth, c)
		}
	}
	var kmlDoc strings.Builder
	kmlDoc.WriteString(`<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>`)
	for i, p := range truth {
		g := geo.WGS84ToGCJ02(p)
		fmt.Fprintf(&kmlDoc, `<Placemark><name>测试点 %d</name><ExtendedData><Data name="name_en"><value>Test point %d</value></Data>`+
			`<Data name="kind"><value>cabin</value></Data><Data name="services"><value>water、wifi</value></Data><Data name="hours"><value>08:00-18:00</value></Data></ExtendedData>`+
			`<Point><coordinates>%.7f,%.7f</coordinates></Point></Placemark>`, i, i, g[0], g[1])
	}
	kmlDoc.WriteString(`</Document></kml>`)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "points.kml")
	fw.Write([]byte(kmlDoc.String()))
	mw.Close()
	send := func(query string, headers ...string) response {
		return env.call(t, http.MethodPost, "/api/import?layer=posts&crs=gcj02"+query, form.String(), append(append(append([]string{}, auth...), "Content-Type", mw.FormDataContentType()), headers...)...)
	}
	r := send("&dry_run=true")
	if plan := decodeImportResult(t, r); r.status != http.StatusOK || plan.Inserted != len(truth) {
		t.Fatalf("dry run: got %d %s, want %d inserts", r.status, r.body, len(truth))
	}
	r = send("", "If-Match", r.header.Get("ETag"))
	if r.status != http.StatusOK {
		t.Fatalf("apply: got %d %s", r.status, r.body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(env.call(t, http.MethodGet, "/collections/posts/items?limit=1000&kind=cabin", "").body)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	found := 0
	for _, f := range fc.Features {
		var i int
		if _, err := fmt.Sscanf(f.Properties.MustString("name_en", ""), "Test point %d", &i); err != nil {
			continue
		}
		found++
		d := orbgeo.Distance(f.Geometry.(orb.Point), truth[i])
		worst = max(worst, d)
	}
	if found != len(truth) || worst >= 0.5 {
		t.Errorf("got %d of %d points back, the worst %.3f m from the truth; want all within 0.5 m", found, len(truth), worst)
	}
	t.Logf("%d points across the community, worst error %.4f m", found, worst)
}

// planarCentroid is the centroid of a polygon's outer ring: inside the
// convex-ish grids and compounds of the data set.
func planarCentroid(p orb.Polygon) (orb.Point, float64) {
	var cx, cy, a float64
	r := p[0]
	for i := 0; i+1 < len(r); i++ {
		k := r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
		a += k
		cx += (r[i][0] + r[i+1][0]) * k
		cy += (r[i][1] + r[i+1][1]) * k
	}
	return orb.Point{cx / (3 * a), cy / (3 * a)}, a / 2
}

func TestExport_KML(t *testing.T) {
	env := newStaffEnv(t, httpapi.AuthConfig{})
	r := env.call(t, http.MethodGet, "/api/export?layer=grids&format=kml&crs=gcj02", "", bearer(env.editor)...)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.google-earth.kml+xml" ||
		!strings.Contains(r.header.Get("Content-Disposition"), "grids-gcj02.kml") || strings.Count(string(r.body), "<Placemark") != 15 {
		t.Errorf("KML export: got %d %q %q, %d placemarks", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"), strings.Count(string(r.body), "<Placemark"))
	}
	if r := env.call(t, http.MethodGet, "/api/export?layer=grids", ""); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous export: got %d, want 401", r.status)
	}
}

// A KML export draws in Google Earth and 奥维 as the map does: one Style
// per grid colour (the style's palette), each placemark pointing at its
// grid's, and typed ExtendedData.
func TestExport_KMLStylesAndSchema(t *testing.T) {
	env := newStaffEnvWith(t, httpapi.Config{Style: web.Style()})
	grids := env.call(t, http.MethodGet, "/api/export?layer=grids&format=kml", "", bearer(env.editor)...)
	body := string(grids.body)
	if n := strings.Count(body, "<Style id="); n != 15 {
		t.Errorf("grids: %d styles, want one per colour of the 15 grids", n)
	}
	if n := strings.Count(body, "<styleUrl>#c"); n != 15 {
		t.Errorf("grids: %d placemarks with a style, want 15", n)
	}
	// Grid 1 has colour 0: the style's #4e79a7 fill and #3b5b7d line, as
	// KML's aabbggrr.
	if !strings.Contains(body, `<Style id="c3b5b7d-4e79a7">`) || !strings.Contains(body, "<color>66a7794e</color>") {
		t.Errorf("grids: colour 0 not as the map draws it")
	}
	for _, want := range []string{`<SimpleField name="color" type="int">`, `<SimpleField name="households" type="int">`, `<SimpleData name="code">XY01</SimpleData>`} {
		if !strings.Contains(body, want) {
			t.Errorf("grids: lacks %s", want)
		}
	}
	buildings := string(env.call(t, http.MethodGet, "/api/export?layer=buildings&format=kml", "", bearer(env.editor)...).body)
	if !strings.Contains(buildings, `<SimpleField name="height_m" type="double">`) || strings.Count(buildings, "<styleUrl>") != 184 {
		t.Errorf("buildings: %d styled placemarks, want 184 in their grid's colour", strings.Count(buildings, "<styleUrl>"))
	}
}
