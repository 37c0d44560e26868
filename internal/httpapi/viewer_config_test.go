package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/web"
)

// The viewer's configuration comes from the data and the catalogue: the
// title is the community outline's name (renamed here, so that a
// hard-coded title would show), the bounds are the tiles', the layers,
// fields and value labels are the catalogue's.
func TestViewerConfig_fromTheData(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	if _, err := db.Pool().Exec(context.Background(), `UPDATE communities SET name_zh = '测试社区', name_en = 'Test Community'`); err != nil {
		t.Fatal(err)
	}
	h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Tiles: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	r := get(t, h, "/viewer-config.json")
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("got %d Cache-Control %q, want 200 no-cache", r.status, r.header.Get("Cache-Control"))
	}
	var doc struct {
		Title  geo.Label `json:"title"`
		Bounds []float64 `json:"bounds"`
		Layers []struct {
			Name     string    `json:"name"`
			Title    geo.Label `json:"title"`
			Item     geo.Label `json:"item"`
			Geometry string    `json:"geometry"`
			Editable bool      `json:"editable"`
			Fields   []struct {
				Name   string    `json:"name"`
				Type   string    `json:"type"`
				Title  geo.Label `json:"title"`
				Values []struct {
					Value, Zh, En string
				} `json:"values"`
			} `json:"fields"`
		} `json:"layers"`
	}
	decode(t, r.body, &doc)
	if want := (geo.Label{Zh: "测试社区", En: "Test Community"}); doc.Title != want {
		t.Errorf("title: got %+v, want the outline's name %+v", doc.Title, want)
	}

	var tj struct {
		Bounds []float64 `json:"bounds"`
	}
	decode(t, get(t, h, "/tiles.json").body, &tj)
	if len(tj.Bounds) != 4 || !reflect.DeepEqual(doc.Bounds, tj.Bounds) {
		t.Errorf("bounds: got %v, want those of /tiles.json %v", doc.Bounds, tj.Bounds)
	}

	cat := geo.NewCatalogue()
	if len(doc.Layers) != len(cat.Layers()) {
		t.Fatalf("got %d layers, want the catalogue's %d collections", len(doc.Layers), len(cat.Layers()))
	}
	for i, l := range cat.Layers() {
		got := doc.Layers[i]
		if got.Name != l.Name || got.Title != l.Title || got.Item != l.Item || got.Geometry != string(l.Geometry) || got.Editable != l.Editable {
			t.Errorf("layer %d: got %s %+v %+v %s %v, want %s %+v %+v %s %v", i, got.Name, got.Title, got.Item, got.Geometry, got.Editable,
				l.Name, l.Title, l.Item, l.Geometry, l.Editable)
			continue
		}
		if len(got.Fields) != len(l.Fields) {
			t.Errorf("%s: got %d fields, want %d", l.Name, len(got.Fields), len(l.Fields))
			continue
		}
		for j, f := range l.Fields {
			gf := got.Fields[j]
			if gf.Name != f.Name || gf.Type != string(f.Type) || gf.Title != f.Title || len(gf.Values) != len(f.Choices) {
				t.Errorf("%s.%s: got %+v", l.Name, f.Name, gf)
				continue
			}
			for k, c := range f.Choices {
				if v := gf.Values[k]; v.Value != c.Value || v.Zh != c.Label.Zh || v.En != c.Label.En {
					t.Errorf("%s.%s value %d: got %+v, want %s %+v", l.Name, f.Name, k, v, c.Value, c.Label)
				}
			}
		}
	}
	// the community titles the map, and is a collection too
	if r := get(t, h, "/collections/communities/items"); r.status != http.StatusOK {
		t.Errorf("/collections/communities/items: got %d, want 200", r.status)
	}
}

func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", clipBody(body), err)
	}
}

// While the database is unreachable the viewer still starts: the title and
// bounds it last read are remembered.
func TestViewerConfig_duringOutage(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	api := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Tiles: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := api.Handler()
	before := get(t, h, "/viewer-config.json")
	if before.status != http.StatusOK {
		t.Fatalf("before the outage: got %d", before.status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go api.MonitorDatabase(ctx, 100*time.Millisecond)
	restart := stopDatabase(t)
	waitFor(t, 10*time.Second, "the outage to be noticed", func() bool { return get(t, h, "/readyz").status == 503 })
	during := get(t, h, "/viewer-config.json")
	if during.status != http.StatusOK || !bytes.Equal(during.body, before.body) {
		t.Errorf("during the outage: got %d %s, want 200 and the same answer as before", during.status, clipBody(during.body))
	}
	restart()
}

// A card asks /api/open-now whether its place is open: computed by the
// server's one reading of opening hours at each request, never cached, so
// the answer follows the clock while the item answer stays cached.
func TestOpenNow(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	if _, err := db.Pool().Exec(context.Background(), `UPDATE posts SET hours = '08:00-12:00,14:00-18:00' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	cst := geo.ChinaStandardTime()
	var now atomic.Pointer[time.Time]
	set := func(hh, mm int) { t := time.Date(2026, 12, 2, hh, mm, 0, 0, cst); now.Store(&t) }
	set(9, 0)
	h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() time.Time { return *now.Load() }}).Handler()

	if r := get(t, h, "/collections/posts/items/3"); r.status != http.StatusOK {
		t.Fatalf("the post: got %d", r.status)
	}
	type answer struct {
		At       string `json:"at"`
		Features []struct {
			Layer   string `json:"layer"`
			ID      int64  `json:"id"`
			Hours   string `json:"hours"`
			OpenNow *bool  `json:"open_now"`
		} `json:"features"`
	}
	for _, tc := range []struct {
		name   string
		hh, mm int
		open   bool
	}{
		{name: "morning", hh: 9, mm: 0, open: true},
		{name: "lunch break", hh: 13, mm: 0, open: false},
		{name: "afternoon", hh: 14, mm: 0, open: true},
		{name: "evening", hh: 18, mm: 0, open: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set(tc.hh, tc.mm)
			r := get(t, h, "/api/open-now?layer=posts&id=3")
			if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("got %d Cache-Control %q, want 200 no-store: %s", r.status, r.header.Get("Cache-Control"), r.body)
			}
			var a answer
			decode(t, r.body, &a)
			if len(a.Features) != 1 || a.Features[0].ID != 3 || a.Features[0].Hours != "08:00-12:00,14:00-18:00" || a.Features[0].OpenNow == nil {
				t.Fatalf("got %s", r.body)
			}
			if got := *a.Features[0].OpenNow; got != tc.open {
				t.Errorf("open at %02d:%02d: got %v, want %v", tc.hh, tc.mm, got, tc.open)
			}
			if want := time.Date(2026, 12, 2, tc.hh, tc.mm, 0, 0, cst).Format(time.RFC3339); a.At != want {
				t.Errorf("at: got %s, want %s", a.At, want)
			}
		})
	}

	// several at once, a car park too
	var a answer
	decode(t, get(t, h, "/api/open-now?layer=parking&id=1,2").body, &a)
	if len(a.Features) != 2 || a.Features[0].ID != 1 || a.Features[1].ID != 2 || a.Features[0].Layer != "parking" {
		t.Errorf("two car parks: got %+v", a.Features)
	}

	for _, tc := range []struct {
		name, query string
		status      int
		detail      string
	}{
		{name: "a layer without hours", query: "layer=grids&id=1", status: 400, detail: `Layer "grids" has no opening hours; ask about parking or posts.`},
		{name: "no such layer", query: "layer=shops&id=1", status: 404, detail: `There is no layer "shops"`},
		{name: "no id", query: "layer=posts", status: 400, detail: "Name the features with id, e.g. id=3 or id=3,5."},
		{name: "not an id", query: "layer=posts&id=abc", status: 400, detail: `Feature ids are positive whole numbers; got "abc".`},
		{name: "too many", query: "layer=posts&id=" + strings.Repeat("1,", 20) + "1", status: 400, detail: "Ask about at most 20 features at once; got 21."},
		{name: "no such post", query: "layer=posts&id=99999", status: 404, detail: `Layer "posts" has no feature with id 99999.`},
		{name: "unknown parameter", query: "layer=posts&id=1&at=" + url.QueryEscape("12:00"), status: 400, detail: `Unknown query parameter "at"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, h, "/api/open-now?"+tc.query)
			if r.status != tc.status || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %s, want %d problem+json", r.status, r.header.Get("Content-Type"), tc.status)
			}
			if d, _ := r.json(t)["detail"].(string); !strings.HasPrefix(d, tc.detail) {
				t.Errorf("detail: got %q, want it to start %q", d, tc.detail)
			}
		})
	}
}

// hidden is a file system without some of its files.
type hidden struct {
	fs.FS
	names map[string]bool
}

func (h hidden) Open(name string) (fs.File, error) {
	if h.names[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return h.FS.Open(name)
}

// A server whose viewer lacks files says so at start, in an error line of
// the log naming them, and in /readyz (503, naming them) instead of
// serving an empty map as if all were well.
func TestReady_viewerFilesMissing(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	tests := []struct {
		name    string
		viewer  fs.FS
		style   []byte
		missing []string
	}{
		{name: "complete", viewer: web.Files(), style: web.Style()},
		{name: "no browser libraries", viewer: hidden{web.Files(), map[string]bool{
			"vendor/maplibre-gl/maplibre-gl.mjs": true, "vendor/maplibre-gl/maplibre-gl-worker.mjs": true, "vendor/qrcode-generator/qrcode.mjs": true}},
			style:   web.Style(),
			missing: []string{"vendor/maplibre-gl/maplibre-gl.mjs", "vendor/maplibre-gl/maplibre-gl-worker.mjs", "vendor/qrcode-generator/qrcode.mjs"}},
		{name: "a page's stylesheet and the style", viewer: hidden{web.Files(), map[string]bool{"css/map.css": true}},
			missing: []string{"css/map.css", "style.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			h := mustNew(t, httpapi.Config{Catalogue: geo.NewCatalogue(), Store: db, Viewer: tc.viewer, Style: tc.style,
				Logger: slog.New(slog.NewTextHandler(&logged, nil))}).Handler()
			r := get(t, h, "/readyz")
			if len(tc.missing) == 0 {
				if r.status != http.StatusOK || strings.Contains(logged.String(), "level=ERROR") {
					t.Errorf("got %d and log %q, want 200 and no error logged", r.status, logged.String())
				}
				return
			}
			if r.status != http.StatusServiceUnavailable || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("/readyz: got %d %s, want 503 problem+json", r.status, r.header.Get("Content-Type"))
			}
			detail, _ := r.json(t)["detail"].(string)
			line := logged.String()
			if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "the viewer's files are missing") {
				t.Errorf("log at start: got %q, want an error line about missing viewer files", line)
			}
			for _, name := range tc.missing {
				if !strings.Contains(detail, name) {
					t.Errorf("/readyz detail %q does not name %s", detail, name)
				}
				if !strings.Contains(line, name) {
					t.Errorf("the log %q does not name %s", line, name)
				}
			}
			if !strings.Contains(detail, "make web") {
				t.Errorf("/readyz detail %q does not say how to fix it", detail)
			}
		})
	}
}

// The OpenAPI document describes the viewer's own addresses, the layers
// with opening hours taken from the catalogue.
func TestOpenAPI_viewerPaths(t *testing.T) {
	paths := get(t, newServer(t), "/api").json(t)["paths"].(map[string]any)
	for _, p := range []string{"/viewer-config.json", "/api/open-now"} {
		if op, _ := paths[p].(map[string]any); op == nil || op["get"] == nil {
			t.Errorf("OpenAPI lacks GET %s", p)
		}
	}
	params := paths["/api/open-now"].(map[string]any)["get"].(map[string]any)["parameters"].([]any)
	enum, _ := json.Marshal(params[0].(map[string]any)["schema"].(map[string]any)["enum"])
	if string(enum) != `["parking","posts"]` {
		t.Errorf("open-now's layers: got %s, want the catalogue's layers with hours [\"parking\",\"posts\"]", enum)
	}
}
