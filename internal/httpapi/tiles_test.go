package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
	"partymap/internal/tilecache"
)

// tileInstance is one server instance: its router, its own tile cache and
// its own change listener on the database.
type tileInstance struct {
	h       http.Handler
	metrics http.Handler
	cache   *tilecache.Cache
	db      *postgis.DB
}

// startTileInstance serves tiles from db with a fresh cache and listens for
// the database's changes until the test ends.
func startTileInstance(t *testing.T, db *postgis.DB, cacheBytes int64) tileInstance {
	t.Helper()
	hub := changes.NewHub()
	cache := tilecache.New(cacheBytes)
	api := mustNew(t, httpapi.Config{
		Catalogue: geo.NewCatalogue(), Store: db, Tiles: db, TileCache: cache, Changes: hub,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Forwarding: trustedTestProxy,
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		db.Listen(ctx, hub, ready)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	return tileInstance{h: api.Handler(), metrics: api.MetricsHandler(), cache: cache, db: db}
}

// newTileInstance serves tiles from a fresh copy of the seeded database.
func newTileInstance(t *testing.T) tileInstance {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	return startTileInstance(t, db, 64<<20)
}

// tileURL is the address of a tile.
func tileURL(tile maptile.Tile) string {
	return "/tiles/" + itoa(uint64(tile.Z)) + "/" + itoa(uint64(tile.X)) + "/" + itoa(uint64(tile.Y)) + ".mvt"
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// gunzip decompresses a gzip body.
func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("body is not gzip: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return raw
}

// homeTile is the z14 tile at the viewer's home view centre.
// tileID returns the geo.TileID of a tile on the grid.
func tileID(t *testing.T, tile maptile.Tile) geo.TileID {
	t.Helper()
	id, err := geo.NewTileID(tile)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func homeTile() maptile.Tile { return maptile.At(orb.Point{110.0995, 34.5733}, 14) }

func TestTiles_gzipAndHeaders(t *testing.T) {
	in := newTileInstance(t)
	url := tileURL(homeTile())
	gz := get(t, in.h, url, "Accept-Encoding", "gzip, deflate, br")
	if gz.status != http.StatusOK {
		t.Fatalf("GET %s: got %d %s", url, gz.status, gz.body)
	}
	for name, want := range map[string]string{
		"Content-Type":     "application/vnd.mapbox-vector-tile",
		"Content-Encoding": "gzip",
		"Vary":             "Accept-Encoding",
	} {
		if got := gz.header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if cc := gz.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || !strings.Contains(cc, "stale-while-revalidate=") {
		t.Errorf("Cache-Control: got %q, want a max-age and stale-while-revalidate", cc)
	}
	etag := gz.header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Errorf("ETag: got %q, want a strong entity tag", etag)
	}
	raw := gunzip(t, gz.body)
	layers, err := mvt.Unmarshal(raw)
	if err != nil || len(layers) < 5 {
		t.Fatalf("tile: got %d layers, %v; want every layer of z14", len(layers), err)
	}

	plain := get(t, in.h, url)
	if plain.status != http.StatusOK || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("without Accept-Encoding: got %d, Content-Encoding %q; want 200 and none", plain.status, plain.header.Get("Content-Encoding"))
	}
	if !bytes.Equal(plain.body, raw) {
		t.Errorf("the unzipped answer differs from the gzip answer unzipped (%d and %d bytes)", len(plain.body), len(raw))
	}
	if got := plain.header.Get("ETag"); got == etag || got == "" {
		t.Errorf("identity ETag: got %q, want one of its own (gzip has %q)", got, etag)
	}
	refused := get(t, in.h, url, "Accept-Encoding", "gzip;q=0, identity")
	if refused.header.Get("Content-Encoding") != "" || !bytes.Equal(refused.body, raw) {
		t.Errorf("gzip;q=0: got Content-Encoding %q, want the plain tile", refused.header.Get("Content-Encoding"))
	}
	if s := in.cache.Stats(); s.Renders != 1 {
		t.Errorf("three requests of one tile: got %d renders, want 1", s.Renders)
	}
	req := httptest.NewRequest(http.MethodHead, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	in.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Content-Length") != itoa(uint64(len(gz.body))) {
		t.Errorf("HEAD: got %d, %d bytes, ETag %q, Content-Length %q; want 200, no body, the GET's ETag and length",
			rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), rec.Header().Get("Content-Length"))
	}
	metrics := string(get(t, in.metrics, "/metrics").body)
	for _, want := range []string{"partymap_tile_renders_total 1", "partymap_tile_cache_hits_total 3", "partymap_tile_cache_entries 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestTiles_notModified(t *testing.T) {
	in := newTileInstance(t)
	url := tileURL(homeTile())
	first := get(t, in.h, url, "Accept-Encoding", "gzip")
	etag := first.header.Get("ETag")
	tests := []struct {
		name        string
		ifNoneMatch string
		encoding    string
		want        int
	}{
		{"same tag", etag, "gzip", http.StatusNotModified},
		{"weak form of the tag", "W/" + etag, "gzip", http.StatusNotModified},
		{"in a list", `"other", ` + etag, "gzip", http.StatusNotModified},
		{"any", "*", "gzip", http.StatusNotModified},
		{"another tag", `"0123456789abcdef"`, "gzip", http.StatusOK},
		{"the gzip tag for the plain tile", etag, "identity", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, in.h, url, "Accept-Encoding", tt.encoding, "If-None-Match", tt.ifNoneMatch)
			if r.status != tt.want {
				t.Fatalf("got %d, want %d", r.status, tt.want)
			}
			if tt.want == http.StatusNotModified {
				if len(r.body) != 0 || r.header.Get("ETag") != etag || r.header.Get("Cache-Control") == "" {
					t.Errorf("304: got %d bytes, ETag %q, Cache-Control %q", len(r.body), r.header.Get("ETag"), r.header.Get("Cache-Control"))
				}
			}
		})
	}
}

func TestTiles_empty(t *testing.T) {
	in := newTileInstance(t)
	tests := []struct {
		name string
		tile maptile.Tile
	}{
		{"below the first zoom", maptile.At(orb.Point{110.0995, 34.5733}, 7)},
		{"far from the community", maptile.New(0, 0, 14)},
		{"the deepest zoom, elsewhere", maptile.At(orb.Point{2.35, 48.85}, 22)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, in.h, tileURL(tt.tile), "Accept-Encoding", "gzip")
			if r.status != http.StatusNoContent || len(r.body) != 0 {
				t.Errorf("got %d with %d bytes, want 204 and none", r.status, len(r.body))
			}
			if r.header.Get("Content-Encoding") != "" {
				t.Errorf("204 with Content-Encoding %q", r.header.Get("Content-Encoding"))
			}
		})
	}
}

func TestTiles_badAddresses(t *testing.T) {
	in := newTileInstance(t)
	tests := []struct {
		name, url, mention string
	}{
		{"zoom too deep", "/tiles/23/0/0.mvt", "zoom"},
		{"negative zoom", "/tiles/-1/0/0.mvt", "zoom"},
		{"zoom not a number", "/tiles/z/0/0.mvt", "zoom"},
		{"zoom with a leading zero", "/tiles/014/13202/6513.mvt", "zoom"},
		{"x outside the zoom", "/tiles/2/4/0.mvt", "column"},
		{"y outside the zoom", "/tiles/2/0/4.mvt", "row"},
		{"x far outside", "/tiles/14/99999999999/0.mvt", "column"},
		{"y with a sign", "/tiles/14/13202/+6513.mvt", "row"},
		{"pbf suffix", "/tiles/14/13202/6513.pbf", ".mvt"},
		{"no suffix", "/tiles/14/13202/6513", ".mvt"},
		{"json suffix", "/tiles/14/13202/6513.json", ".mvt"},
		{"unknown parameter", "/tiles/14/13202/6513.mvt?x=2", "parameter"},
		{"version not a number", "/tiles/14/13202/6513.mvt?v=abc", "v=<number>"},
		{"version and more", "/tiles/14/13202/6513.mvt?v=2&x=1", "parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, in.h, tt.url, "Accept-Encoding", "gzip")
			if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %s, want 400 application/problem+json", r.status, r.header.Get("Content-Type"))
			}
			detail, _ := r.json(t)["detail"].(string)
			if !strings.Contains(detail, tt.mention) {
				t.Errorf("detail %q does not mention %q", detail, tt.mention)
			}
		})
	}
	if s := in.cache.Stats(); s.Renders != 0 {
		t.Errorf("bad addresses rendered %d tiles, want 0", s.Renders)
	}
}

// A viewer's version parameter reaches past its own HTTP cache; the answer
// is the same tile, from the same server cache entry.
func TestTiles_versionParameter(t *testing.T) {
	in := newTileInstance(t)
	plain := get(t, in.h, "/tiles/14/13202/6513.mvt", "Accept-Encoding", "gzip")
	versioned := get(t, in.h, "/tiles/14/13202/6513.mvt?v=1234", "Accept-Encoding", "gzip")
	if plain.status != http.StatusOK || versioned.status != http.StatusOK {
		t.Fatalf("got %d and %d, want 200 twice", plain.status, versioned.status)
	}
	if plain.header.Get("ETag") != versioned.header.Get("ETag") {
		t.Errorf("ETags %q and %q differ", plain.header.Get("ETag"), versioned.header.Get("ETag"))
	}
	if s := in.cache.Stats(); s.Renders != 1 {
		t.Errorf("rendered %d times, want 1", s.Renders)
	}
}

func TestTiles_concurrentMissesRenderOnce(t *testing.T) {
	in := newTileInstance(t)
	url := tileURL(homeTile())
	var wg sync.WaitGroup
	etags := make([]string, 8)
	for i := range etags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			etags[i] = get(t, in.h, url, "Accept-Encoding", "gzip").header.Get("ETag")
		}()
	}
	wg.Wait()
	for i, e := range etags {
		if e == "" || e != etags[0] {
			t.Errorf("request %d: ETag %q, want %q", i, e, etags[0])
		}
	}
	if s := in.cache.Stats(); s.Renders != 1 {
		t.Errorf("8 concurrent requests: got %d renders, want 1", s.Renders)
	}
}

func TestTileJSON(t *testing.T) {
	in := newTileInstance(t)
	r := get(t, in.h, "/tiles.json", "Forwarded", `for=192.0.2.1;proto=https;host="maps.example.org"`)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("got %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		MinZoom      int       `json:"minzoom"`
		MaxZoom      int       `json:"maxzoom"`
		Bounds       []float64 `json:"bounds"`
		Center       []float64 `json:"center"`
		VectorLayers []struct {
			ID      string            `json:"id"`
			MinZoom int               `json:"minzoom"`
			MaxZoom int               `json:"maxzoom"`
			Fields  map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.TileJSON != "3.0.0" {
		t.Errorf("tilejson: got %q, want 3.0.0", doc.TileJSON)
	}
	if want := "https://maps.example.org/tiles/{z}/{x}/{y}.mvt"; len(doc.Tiles) != 1 || doc.Tiles[0] != want {
		t.Errorf("tiles: got %v, want [%s]", doc.Tiles, want)
	}
	if doc.MinZoom != 8 || doc.MaxZoom != 18 {
		t.Errorf("zooms: got %d–%d, want 8–18 (the city's outlines from z8)", doc.MinZoom, doc.MaxZoom)
	}
	// The bounds hold the community and what the map draws around it: Xiyue
	// Temple to the north (its north wall near 34.5823) and Shuangquan
	// village to the west.
	if len(doc.Bounds) != 4 {
		t.Fatalf("bounds: got %v", doc.Bounds)
	}
	inside := func(lon, lat float64) bool {
		return doc.Bounds[0] <= lon && lon <= doc.Bounds[2] && doc.Bounds[1] <= lat && lat <= doc.Bounds[3]
	}
	for _, p := range [][2]float64{{110.09095, 34.56676}, {110.10758, 34.57737}, {110.102, 34.5823}} {
		if !inside(p[0], p[1]) {
			t.Errorf("bounds %v do not hold %v", doc.Bounds, p)
		}
	}
	if doc.Bounds[3] > 34.60 || doc.Bounds[0] < 110.07 || doc.Bounds[1] < 34.55 || doc.Bounds[2] > 110.13 {
		t.Errorf("bounds %v reach far beyond the map", doc.Bounds)
	}
	if want := []float64{110.0995, 34.5733, 15}; len(doc.Center) != 3 || doc.Center[0] != want[0] || doc.Center[1] != want[1] || doc.Center[2] != want[2] {
		t.Errorf("center: got %v, want %v", doc.Center, want)
	}
	wantZooms := map[string]int{"subdistricts": 8, "communities": 8, "landmarks": 10, "streets": 10, "grids": 10, "paths": 14, "compounds": 13, "buildings": 14, "gates": 15, "parking": 12, "posts": 12, "organizations": 10,
		"activities": 13, "resources": 16, "orders": 13, "labels": 10, "flag_poles": 15}
	if len(doc.VectorLayers) != len(wantZooms) {
		t.Errorf("vector_layers: got %d, want %d", len(doc.VectorLayers), len(wantZooms))
	}
	for _, l := range doc.VectorLayers {
		if l.MinZoom != wantZooms[l.ID] || l.MaxZoom != 18 {
			t.Errorf("%s zooms: got %d–%d, want %d–18", l.ID, l.MinZoom, l.MaxZoom, wantZooms[l.ID])
		}
		if l.Fields["id"] != "Number" || (l.ID != "flag_poles" && l.ID != "orders" && l.Fields["name_zh"] != "String") {
			t.Errorf("%s fields: got %v, want id as Number and name_zh as String", l.ID, l.Fields)
		}
		// The bare words, as TileJSON has them and GDAL reads them.
		for name, typ := range l.Fields {
			if typ != "Number" && typ != "String" && typ != "Boolean" {
				t.Errorf("%s.%s type %q, want Number, String or Boolean", l.ID, name, typ)
			}
		}
	}
	bad := get(t, in.h, "/tiles.json?x=1")
	if bad.status != http.StatusBadRequest {
		t.Errorf("unknown parameter: got %d, want 400", bad.status)
	}
}
