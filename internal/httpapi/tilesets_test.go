package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// OGC API – Tiles: the dataset tileset's tiles are the bytes of
// /tiles/{z}/{x}/{y}.mvt; a collection's hold its layer alone; both are
// cached and dropped by a change as the tiles are.
func TestTiles_ogcAPITiles(t *testing.T) {
	db, connString := testdb.Open(t, harness)
	in := startTileInstance(t, db, 64<<20)
	h := in.h
	tile := maptile.At(orb.Point{110.0995, 34.5733}, 16)
	z, x, y := itoa(uint64(tile.Z)), itoa(uint64(tile.X)), itoa(uint64(tile.Y))

	plain := get(t, h, tileURL(tile))
	dataset := get(t, h, "/tiles/WebMercatorQuad/"+z+"/"+y+"/"+x)
	if plain.status != 200 || dataset.status != 200 || !bytes.Equal(plain.body, dataset.body) || plain.header.Get("ETag") != dataset.header.Get("ETag") {
		t.Fatalf("dataset tile: %d, %d bytes, ETag %s; /tiles: %d, %d bytes, ETag %s; want the same bytes and tag",
			dataset.status, len(dataset.body), dataset.header.Get("ETag"), plain.status, len(plain.body), plain.header.Get("ETag"))
	}
	one := get(t, h, "/collections/buildings/tiles/WebMercatorQuad/"+z+"/"+y+"/"+x)
	if one.status != 200 || one.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("collection tile: %d %s", one.status, one.header.Get("Content-Type"))
	}
	layers, err := mvt.Unmarshal(one.body)
	if err != nil || len(layers) != 1 || layers[0].Name != "buildings" || len(layers[0].Features) == 0 {
		t.Fatalf("collection tile: %v, %d layers, want the buildings alone", err, len(layers))
	}
	all, _ := mvt.Unmarshal(plain.body)
	for _, l := range all {
		if l.Name == "buildings" && len(l.Features) != len(layers[0].Features) {
			t.Errorf("collection tile has %d buildings, the dataset tile %d", len(layers[0].Features), len(l.Features))
		}
	}
	if r := get(t, h, "/collections/posts/tiles/WebMercatorQuad/9/411/203"); r.status != http.StatusNoContent {
		t.Errorf("empty collection tile: got %d, want 204", r.status)
	}

	// A change in plain SQL drops the one-layer tile too.
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE buildings SET floors = floors + 1, height_m = height_m + 3
		WHERE ST_Intersects(geom, ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int), 4326))`, int(tile.Z), int(tile.X), int(tile.Y)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		after := get(t, h, "/collections/buildings/tiles/WebMercatorQuad/"+z+"/"+y+"/"+x)
		if !bytes.Equal(after.body, one.body) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the one-layer tile still shows the buildings as they were")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The metadata.
	list := get(t, h, "/tiles").json(t)
	if sets, _ := list["tilesets"].([]any); len(sets) != 1 {
		t.Errorf("/tiles: %v", list)
	}
	ts := get(t, h, "/tiles/WebMercatorQuad").json(t)
	if ts["tileMatrixSetURI"] != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" || ts["dataType"] != "vector" {
		t.Errorf("tileset: %v", ts)
	}
	if layers, _ := ts["layers"].([]any); len(layers) < 9 {
		t.Errorf("dataset tileset: %d layers", len(layers))
	}
	if tmpl := link(t, ts, "item", "application/vnd.mapbox-vector-tile"); !strings.HasSuffix(tmpl, "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}") {
		t.Errorf("tile template %q", tmpl)
	}
	if limits, _ := ts["tileMatrixSetLimits"].([]any); len(limits) == 0 {
		t.Errorf("tileset has no tileMatrixSetLimits")
	}
	cts := get(t, h, "/collections/posts/tiles/WebMercatorQuad").json(t)
	if layers, _ := cts["layers"].([]any); len(layers) != 1 || layers[0].(map[string]any)["id"] != "posts" {
		t.Errorf("collection tileset layers: %v", cts["layers"])
	}
	tms := get(t, h, "/tileMatrixSets/WebMercatorQuad").json(t)
	if m, _ := tms["tileMatrices"].([]any); len(m) != 23 || m[16].(map[string]any)["matrixWidth"].(float64) != 65536 {
		t.Errorf("WebMercatorQuad: %d matrices", len(m))
	}
	if r := get(t, h, "/tileMatrixSets/WorldCRS84Quad"); r.status != 404 {
		t.Errorf("unknown tile matrix set: %d", r.status)
	}
	styles := get(t, h, "/styles").json(t)
	if link(t, styles["styles"].([]any)[0].(map[string]any), "stylesheet", "application/vnd.mapbox.style+json") == "" {
		t.Errorf("/styles: no stylesheet link: %v", styles)
	}
	conf := string(get(t, h, "/conformance").body)
	for _, c := range []string{"ogcapi-tiles-1/1.0/conf/dataset-tilesets", "ogcapi-tiles-1/1.0/conf/geodata-tilesets", "ogcapi-tiles-1/1.0/conf/mvt"} {
		if !strings.Contains(conf, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
}

// The style names its icons from a sprite the server serves, and every
// icon its expressions can name is in it, at 1× and 2×: so the style draws
// the same map in any MapLibre, without the page.
func TestStyle_spriteHasEveryIcon(t *testing.T) {
	h := newViewerServer(t, httpapi.Config{})
	style := get(t, h, "/style.json").json(t)
	sprite, _ := style["sprite"].(string)
	if !strings.HasSuffix(sprite, "/sprite") || !strings.HasPrefix(sprite, "http") {
		t.Fatalf("style sprite %q, want this server's /sprite", sprite)
	}
	for name, src := range style["sources"].(map[string]any) {
		if typ := src.(map[string]any)["type"]; typ != "vector" {
			t.Errorf("source %s is %v: every source must be the server's", name, typ)
		}
	}
	want := []string{"flag-1", "flag-2", "flag-3", "flag-4", "flag-unit", "parking", "parking-full"}
	posts, _ := geo.NewCatalogue().Field("posts", "kind")
	for _, k := range posts.Values() {
		want = append(want, "post-"+k)
	}
	for _, suffix := range []string{"", "@2x"} {
		index := get(t, h, "/sprite"+suffix+".json").json(t)
		for _, name := range want {
			if _, ok := index[name]; !ok {
				t.Errorf("sprite%s.json lacks %s", suffix, name)
			}
		}
		if r := get(t, h, "/sprite"+suffix+".png"); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
			t.Errorf("sprite%s.png: %d %s", suffix, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := get(t, h, "/sprite/flag-1.png"); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("/sprite/flag-1.png: %d", r.status)
	}
	if r := get(t, h, "/sprite/flag-9.png"); r.status != 404 {
		t.Errorf("/sprite/flag-9.png: %d, want 404", r.status)
	}
}
