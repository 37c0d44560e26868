package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// invalidationDeadline is how soon after a commit the next fetch must show
// the change.
const invalidationDeadline = 100 * time.Millisecond

// gridGeometry returns grid id's geometry in a decoded tile, or nil.
func gridGeometry(t *testing.T, body []byte, id float64) orb.Geometry {
	t.Helper()
	layers, err := mvt.Unmarshal(gunzip(t, body))
	if err != nil {
		t.Fatalf("tile does not decode: %v", err)
	}
	for _, l := range layers {
		if l.Name != "grids" {
			continue
		}
		for _, f := range l.Features {
			if f.ID == id {
				return f.Geometry
			}
		}
	}
	return nil
}

// fetch gets a tile with gzip from an instance, failing on anything but 200.
func fetch(t *testing.T, in tileInstance, tile maptile.Tile) response {
	t.Helper()
	r := get(t, in.h, tileURL(tile), "Accept-Encoding", "gzip")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: got %d %s", tileURL(tile), r.status, r.body)
	}
	return r
}

func TestTiles_invalidationBySQL(t *testing.T) {
	ctx := context.Background()
	db, connString := testdb.Open(t, harness)
	// A second server instance: its own pool, listener and cache on the
	// same database, as behind a load balancer.
	db2, err := postgis.Open(ctx, connString, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db2.Close)
	instances := []tileInstance{startTileInstance(t, db, 64<<20), startTileInstance(t, db2, 64<<20)}

	community := orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
	var tiles []maptile.Tile
	for z := maptile.Zoom(10); z <= 16; z++ {
		tiles = append(tiles, geo.TilesCovering(community, z)...)
	}
	before := make([]map[maptile.Tile]response, len(instances))
	for i, in := range instances {
		before[i] = map[maptile.Tile]response{}
		for _, tile := range tiles {
			before[i][tile] = fetch(t, in, tile)
		}
		if got := in.cache.Stats().Entries; got != int64(len(tiles)) {
			t.Fatalf("instance %d: %d tiles cached, want %d", i, got, len(tiles))
		}
	}

	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	const gridID = 1
	// The probe is a tile that draws grid 1: the change must reach it.
	var probe maptile.Tile
	for _, tile := range tiles {
		if tile.Z == 16 && gridGeometry(t, before[0][tile].body, gridID) != nil {
			probe = tile
			break
		}
	}
	if probe == (maptile.Tile{}) {
		t.Fatalf("no z16 tile draws grid %d", gridID)
	}
	var b [4]float64
	// Shrink grid 1 about its centre, in plain SQL as an administrator
	// would: the trigger announces it like any other change.
	err = conn.QueryRow(ctx, `UPDATE grids SET geom = ST_Translate(ST_Scale(ST_Translate(geom, -ST_X(ST_Centroid(geom)), -ST_Y(ST_Centroid(geom))), 0.8, 0.8), ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)))
		WHERE id = $1
		RETURNING ST_XMin(geom::box2d), ST_YMin(geom::box2d), ST_XMax(geom::box2d), ST_YMax(geom::box2d)`, gridID).Scan(&b[0], &b[1], &b[2], &b[3])
	committed := time.Now()
	if err != nil {
		t.Fatal(err)
	}

	// On every instance at once, the next fetches of the probe show the new
	// shape in time.
	took := make([]time.Duration, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(committed) < time.Second {
				r := get(t, in.h, tileURL(probe), "Accept-Encoding", "gzip")
				if r.status == http.StatusOK && !bytes.Equal(r.body, before[i][probe].body) {
					took[i] = time.Since(committed)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	for i, d := range took {
		switch {
		case d == 0:
			t.Fatalf("instance %d: tile %v still shows the old grid a second after the commit", i, probe)
		case d > invalidationDeadline:
			t.Errorf("instance %d: the new shape showed %v after the commit, want within %v", i, d, invalidationDeadline)
		}
		t.Logf("instance %d: the new shape showed %v after the commit", i, d.Round(time.Microsecond))
	}

	// The change touched the old geometry's box and the new one's.
	var old [4]float64
	if err := conn.QueryRow(ctx, `SELECT ST_XMin(old_geom::box2d), ST_YMin(old_geom::box2d), ST_XMax(old_geom::box2d), ST_YMax(old_geom::box2d)
		FROM history WHERE layer = 'grids' AND feature_id = $1 ORDER BY id DESC LIMIT 1`, gridID).Scan(&old[0], &old[1], &old[2], &old[3]); err != nil {
		t.Fatal(err)
	}
	area := orb.Bound{Min: orb.Point{min(old[0], b[0]), min(old[1], b[1])}, Max: orb.Point{max(old[2], b[2]), max(old[3], b[3])}}
	touched := map[maptile.Tile]bool{}
	for _, tile := range tiles {
		if tile.Bound(float64(geo.TileBuffer) / geo.TileExtent).Intersects(area) {
			touched[tile] = true
		}
	}
	if !touched[probe] || len(touched) == len(tiles) {
		t.Fatalf("the change touches %d of %d tiles, probe %v included: %v; the test needs some untouched", len(touched), len(tiles), probe, touched[probe])
	}

	// Exactly the touched tiles were dropped; every tile now matches a
	// fresh render.
	for i, in := range instances {
		stats := in.cache.Stats()
		if got, want := stats.Invalidations, uint64(len(touched)); got != want {
			t.Errorf("instance %d: %d tiles invalidated, want exactly the %d touched", i, got, want)
		}
		for _, tile := range tiles {
			_, cached := in.cache.Peek(tileID(t, tile))
			switch {
			case touched[tile] && tile != probe && cached:
				t.Errorf("instance %d: touched tile %v is still cached", i, tile)
			case !touched[tile] && !cached:
				t.Errorf("instance %d: untouched tile %v was dropped", i, tile)
			}
		}
		renders := stats.Renders
		for _, tile := range tiles {
			r := fetch(t, in, tile)
			fresh, err := in.db.Tile(ctx, tileID(t, tile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gunzip(t, r.body), fresh) {
				t.Errorf("instance %d: tile %v differs from a fresh render", i, tile)
			}
			oldShape, newShape := gridGeometry(t, before[i][tile].body, gridID), gridGeometry(t, r.body, gridID)
			if (oldShape != nil || newShape != nil) && orb.Equal(oldShape, newShape) {
				t.Errorf("instance %d: tile %v still has grid %d's old shape", i, tile, gridID)
			}
			if !touched[tile] && r.header.Get("ETag") != before[i][tile].header.Get("ETag") {
				t.Errorf("instance %d: untouched tile %v changed its ETag", i, tile)
			}
		}
		if got, want := in.cache.Stats().Renders-renders, uint64(len(touched)-1); got != want {
			t.Errorf("instance %d: refetching rendered %d tiles, want the %d touched ones", i, got, want)
		}
	}
}
