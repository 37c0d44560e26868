package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The GIS office's tools as real clients of the real server: GDAL's OAPIF
// driver (CQL2 filters, boxes in CGCS2000, coordinates in CGCS2000 and its
// Gauss–Krüger zone, checked against PROJ's own transformation) and QGIS
// (each collection as an OAPIF layer, a subset filter, the vector tiles
// styled by the server's style, rendered). A recording proxy between them
// and the server shows what they asked.
func TestGISClients(t *testing.T) {
	bin := buildServer(t)
	srv := startServer(t, bin, filepath.Join(reachableDir(t), "var"))
	target, _ := url.Parse("http://" + srv.addr)
	rec := &recorder{}
	proxy := httptest.NewServer(rec.wrap(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(proxy.Close)
	base := proxy.URL

	t.Run("GDAL", func(t *testing.T) { checkGDAL(t, base, rec) })
	t.Run("PROJ", func(t *testing.T) { checkPROJ(t, base) })
	t.Run("QGIS", func(t *testing.T) { checkQGIS(t, base, rec) })
}

// recorder keeps the requests of the clients under test that pass the
// proxy (not the test's own, which it makes with Go's client).
type recorder struct {
	mu   sync.Mutex
	uris []string
}

func (r *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.HasPrefix(req.UserAgent(), "Go-http-client") {
			r.mu.Lock()
			r.uris = append(r.uris, req.Method+" "+req.URL.RequestURI())
			r.mu.Unlock()
		}
		h.ServeHTTP(w, req)
	})
}

// since returns the clients' requests from mark on, and the next mark.
func (r *recorder) since(mark int) ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.uris[mark:]), len(r.uris)
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: `make test` (scripts/deps.sh test) installs it", name)
	}
	return p
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// itemsOf returns the ids and numberMatched of an items request.
func itemsOf(t *testing.T, u string) ([]int64, int64) {
	t.Helper()
	doc := getJSON(t, u)
	var ids []int64
	for _, f := range doc["features"].([]any) {
		ids = append(ids, int64(f.(map[string]any)["id"].(float64)))
	}
	slices.Sort(ids)
	return ids, int64(doc["numberMatched"].(float64))
}

var ogrFID = regexp.MustCompile(`(?m)^OGRFeature\(\w+\):(\d+)$`)

func ogrIDs(out string) []int64 {
	var ids []int64
	for _, m := range ogrFID.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, n)
	}
	slices.Sort(ids)
	return ids
}

func checkGDAL(t *testing.T, base string, rec *recorder) {
	// The surveyor's query: buildings with more than six floors in grid
	// XY07, by -where. GDAL pushes it to the server as a CQL2 filter.
	const where = "floors > 6 AND grid_code = 'XY07'"
	_, mark := rec.since(0)
	out := runTool(t, "ogrinfo", "-ro", "-q", "-geom=NO", "OAPIF:"+base, "buildings", "-where", where)
	got := ogrIDs(out)
	want, matched := itemsOf(t, base+"/collections/buildings/items?limit=1000&filter="+url.QueryEscape(where))
	if len(want) == 0 || !slices.Equal(got, want) || int64(len(want)) != matched {
		t.Errorf("ogrinfo -where %q: %v; the server's own filter selects %v", where, got, want)
	}
	reqs, mark := rec.since(mark)
	// GDAL's OAPIF driver sends -where as CQL2 (filter=) from 3.7 on, to a
	// server that declares Part 3; 3.6 (Debian 12's) sends what it can as
	// a property filter (from the parameters /api lists) and evaluates
	// the rest itself. Either way the features are the server's.
	version := strings.TrimPrefix(runTool(t, "ogrinfo", "--version"), "GDAL ")
	var major, minor int
	fmt.Sscanf(version, "%d.%d", &major, &minor)
	cql2, property := false, false
	for _, r := range reqs {
		if !strings.Contains(r, "/collections/buildings/items") {
			continue
		}
		u, _ := url.Parse(strings.TrimPrefix(r, "GET "))
		if f := u.Query().Get("filter"); strings.Contains(f, "floors") && strings.Contains(f, "XY07") {
			cql2 = true
			t.Logf("GDAL %s sent filter=%s (filter-lang %q)", strings.TrimSpace(version), f, u.Query().Get("filter-lang"))
		}
		property = property || u.Query().Get("grid_code") == "XY07"
	}
	switch {
	case major > 3 || major == 3 && minor >= 7:
		if !cql2 {
			t.Errorf("GDAL %s did not send -where to the server as a CQL2 filter; its requests: %v", strings.TrimSpace(version), reqs)
		}
	case !cql2 && !property:
		t.Errorf("GDAL %s sent nothing of -where to the server; its requests: %v", strings.TrimSpace(version), reqs)
	case !cql2:
		t.Logf("GDAL %s (no CQL2 before 3.7) sent grid_code=XY07 to the server and kept floors > 6 for itself: %v", strings.TrimSpace(version), reqs)
	}

	// A box in CGCS2000 (EPSG:4490) by -spat_srs: the same buildings as the
	// server's own bbox.
	spat := []string{"110.0951", "34.5701", "110.0983", "34.5729"}
	out = runTool(t, "ogr2ogr", append(append([]string{"-f", "GeoJSON", "-preserve_fid", "/vsistdout/", "-spat_srs", "EPSG:4490", "-spat"}, spat...), "OAPIF:"+base, "buildings")...)
	var fc struct {
		Features []struct {
			ID int64 `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	got = nil
	for _, f := range fc.Features {
		got = append(got, f.ID)
	}
	slices.Sort(got)
	want, _ = itemsOf(t, base+"/collections/buildings/items?limit=1000&bbox="+strings.Join(spat, ","))
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("ogrinfo -spat in EPSG:4490: %v; the server's bbox selects %v", got, want)
	}
	reqs, _ = rec.since(mark)
	t.Logf("GDAL's requests for -spat: %v", reqs)

	// GDAL reads each collection, every feature.
	for _, c := range []string{"grids", "compounds", "posts", "organizations", "communities"} {
		out := runTool(t, "ogrinfo", "-ro", "-so", "OAPIF:"+base, c)
		_, n := itemsOf(t, base+"/collections/"+c+"/items?limit=1")
		if !strings.Contains(out, fmt.Sprintf("Feature Count: %d", n)) {
			t.Errorf("ogrinfo %s: want Feature Count: %d in\n%s", c, n, out)
		}
	}
}

var ogrPoint = regexp.MustCompile(`(?m)^OGRFeature\(\w+\):(\d+)$[\s\S]*?^\s+POINT \(([-\d.e+]+) ([-\d.e+]+)\)$`)

// checkPROJ reads the posts in CGCS2000 (EPSG:4490, latitude first) and in
// its Gauss–Krüger zone CM 111°E (EPSG:4546, northing first) with GDAL,
// and holds every coordinate against PROJ's own transformation of the WGS
// 84 positions (cs2cs, and gdaltransform) within a millimetre.
func checkPROJ(t *testing.T, base string) {
	wgs := map[int64][2]float64{} // id → lon, lat
	for _, f := range getJSON(t, base+"/collections/posts/items?limit=100")["features"].([]any) {
		m := f.(map[string]any)
		c := m["geometry"].(map[string]any)["coordinates"].([]any)
		wgs[int64(m["id"].(float64))] = [2]float64{c[0].(float64), c[1].(float64)}
	}
	ids := make([]int64, 0, len(wgs))
	var latLon, lonLat strings.Builder
	for id := range wgs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&latLon, "%.10f %.10f\n", wgs[id][1], wgs[id][0])
		fmt.Fprintf(&lonLat, "%.10f %.10f\n", wgs[id][0], wgs[id][1])
	}
	proj := func(name string, input string, args ...string) [][2]float64 {
		cmd := exec.Command(tool(t, name), args...)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var pts [][2]float64
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			a, _ := strconv.ParseFloat(f[0], 64)
			b, _ := strconv.ParseFloat(f[1], 64)
			pts = append(pts, [2]float64{a, b})
		}
		if len(pts) != len(ids) {
			t.Fatalf("%s: %d points for %d", name, len(pts), len(ids))
		}
		return pts
	}
	for _, tc := range []struct {
		crs  string
		ref  [][2]float64 // in the CRS's axis order
		tol  float64      // a millimetre in the CRS's units
		name string
	}{
		// cs2cs follows the authority's axis order: lat, lon in; N, E out.
		{"EPSG:4546", proj("cs2cs", latLon.String(), "-d", "6", "EPSG:4326", "EPSG:4546"), 0.001, "cs2cs"},
		{"EPSG:4490", proj("cs2cs", latLon.String(), "-d", "12", "EPSG:4326", "EPSG:4490"), 1e-8, "cs2cs"},
		// gdaltransform takes and gives the traditional lon, lat / E, N.
		{"EPSG:4546", swapped(proj("gdaltransform", lonLat.String(), "-s_srs", "EPSG:4326", "-t_srs", "EPSG:4546")), 0.001, "gdaltransform"},
	} {
		out := runTool(t, "ogrinfo", "-ro", "-al", base+"/collections/posts/items?limit=100&crs="+url.QueryEscape(tc.crs))
		got := map[int64][2]float64{}
		for _, m := range ogrPoint.FindAllStringSubmatch(out, -1) {
			fid, _ := strconv.ParseInt(m[1], 10, 64)
			a, _ := strconv.ParseFloat(m[2], 64)
			b, _ := strconv.ParseFloat(m[3], 64)
			got[fid] = [2]float64{a, b}
		}
		if len(got) != len(ids) {
			t.Fatalf("%s: GDAL read %d posts, want %d:\n%s", tc.crs, len(got), len(ids), out)
		}
		// GDAL's GeoJSON driver numbers the features 1… in the order of
		// the answer, which is by id.
		worst := 0.0
		for i, id := range ids {
			g := got[int64(i+1)]
			d := math.Max(math.Abs(g[0]-tc.ref[i][0]), math.Abs(g[1]-tc.ref[i][1]))
			worst = math.Max(worst, d)
			if d > tc.tol {
				t.Errorf("%s post %d: server %v, %s %v: %g apart, more than a millimetre", tc.crs, id, g, tc.name, tc.ref[i], d)
			}
		}
		t.Logf("%s: %d posts, the server and %s at most %g apart (tolerance %g)", tc.crs, len(ids), tc.name, worst, tc.tol)
	}
}

func swapped(pts [][2]float64) [][2]float64 {
	out := make([][2]float64, len(pts))
	for i, p := range pts {
		out[i] = [2]float64{p[1], p[0]}
	}
	return out
}

// qgisResult is what testdata/qgis_client.py prints.
type qgisResult struct {
	QGIS        string `json:"qgis"`
	Collections map[string]struct {
		Valid        bool     `json:"valid"`
		FeatureCount int64    `json:"featureCount"`
		Iterated     int64    `json:"iterated"`
		Fields       []string `json:"fields"`
	} `json:"collections"`
	Subset struct {
		Applied bool     `json:"applied"`
		Count   int64    `json:"count"`
		Kinds   []string `json:"kinds"`
	} `json:"subset"`
	Tiles struct {
		Valid  bool `json:"valid"`
		Styled bool `json:"styled"`
	} `json:"tiles"`
	Render struct {
		PNG           string   `json:"png"`
		DrawnFraction float64  `json:"drawnFraction"`
		Colours       int      `json:"colours"`
		Layers        []string `json:"layers"`
	} `json:"render"`
}

func checkQGIS(t *testing.T, base string, rec *recorder) {
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import qgis.core").CombinedOutput(); err != nil {
		t.Fatalf("QGIS's Python bindings are not installed (%v: %s): `make test` (scripts/deps.sh test) installs python3-qgis", err, out)
	}
	collections := []string{"communities", "landmarks", "streets", "grids", "compounds", "buildings", "parking", "posts", "organizations"}
	png := filepath.Join(t.TempDir(), "qgis-community.png")
	_, mark := rec.since(0)
	cmd := exec.Command(python, append([]string{"testdata/qgis_client.py", base, png}, collections...)...)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("QGIS: %v\n%s\n%s", err, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res qgisResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("QGIS printed %s: %v", out, err)
	}
	t.Logf("QGIS %s", res.QGIS)
	for _, c := range collections {
		got := res.Collections[c]
		_, n := itemsOf(t, base+"/collections/"+c+"/items?limit=1")
		if !got.Valid || got.FeatureCount != n || got.Iterated != n {
			t.Errorf("QGIS %s: valid %v, featureCount %d, read %d; the server has %d", c, got.Valid, got.FeatureCount, got.Iterated, n)
		}
	}
	if f := res.Collections["buildings"].Fields; !slices.Contains(f, "floors") || !slices.Contains(f, "height_m") {
		t.Errorf("QGIS buildings fields %v", f)
	}
	// The subset filter: the same posts as the server's own filter,
	// whether QGIS sent it as CQL2 or filtered what it read.
	_, cabins := itemsOf(t, base+"/collections/posts/items?limit=1&filter="+url.QueryEscape("kind = 'cabin'"))
	if !res.Subset.Applied || res.Subset.Count != cabins || !slices.Equal(res.Subset.Kinds, []string{"cabin"}) {
		t.Errorf("QGIS subset \"kind\" = 'cabin': %+v; the server has %d cabins", res.Subset, cabins)
	}
	reqs, _ := rec.since(mark)
	sent := "QGIS filtered the posts it read itself (QGIS 3.22 sends no CQL2)"
	for _, r := range reqs {
		if strings.Contains(r, "/collections/posts/items") && (strings.Contains(r, "filter=") || strings.Contains(r, "kind=cabin")) {
			sent = "QGIS sent the subset to the server: " + r
			u, _ := url.Parse(strings.TrimPrefix(r, "GET "))
			if f := u.Query().Get("filter"); f != "" && !strings.Contains(f, "cabin") {
				t.Errorf("QGIS sent filter=%q for \"kind\" = 'cabin'", f)
			}
		}
	}
	t.Log(sent)
	// The vector tiles, styled from /style.json, and the picture.
	if !res.Tiles.Valid || !res.Tiles.Styled {
		t.Errorf("QGIS vector tiles: %+v", res.Tiles)
	}
	if res.Render.DrawnFraction < 0.3 || res.Render.Colours < 50 {
		t.Errorf("QGIS render %s: %.0f%% drawn in %d colours; want a map, not a blank", res.Render.PNG, 100*res.Render.DrawnFraction, res.Render.Colours)
	}
	tileReqs := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /tiles/") && strings.HasSuffix(r, ".mvt") {
			tileReqs++
		}
	}
	if tileReqs == 0 {
		t.Errorf("QGIS drew no vector tile from the server")
	}
	if dir := os.Getenv("PARTYMAP_QGIS_RENDER"); dir != "" {
		b, _ := os.ReadFile(png)
		_ = os.WriteFile(filepath.Join(dir, "qgis-community.png"), b, 0o644)
	}
	t.Logf("QGIS rendered %s: %.0f%% drawn, %d colours, %d tiles", res.Render.PNG, 100*res.Render.DrawnFraction, res.Render.Colours, tileReqs)
}
