package postgis_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// communityBound is the Xiyue community's bounding box (data/geojson/README.md).
func communityBound() orb.Bound {
	return orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
}

// homeCenter is the viewer's home view centre.
func homeCenter() orb.Point { return orb.Point{110.0995, 34.5733} }

// renderTile renders a tile and decodes it; a tile without features gives
// no layers.
func renderTile(t *testing.T, db *postgis.DB, tile maptile.Tile) mvt.Layers {
	t.Helper()
	raw, err := db.Tile(context.Background(), tileID(t, tile))
	if err != nil {
		t.Fatalf("tile %v: %v", tile, err)
	}
	if len(raw) == 0 {
		return nil
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("tile %v does not decode: %v", tile, err)
	}
	return layers
}

// layerNames lists a tile's layers in tile order.
func layerNames(ls mvt.Layers) []string {
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	return names
}

func TestDB_Tile_layersByZoom(t *testing.T) {
	db, _ := openTestDB(t)
	outlines := []string{"subdistricts", "communities"}
	base := append(slices.Clone(outlines), "landmarks", "streets", "grids")
	// Then the derived layers: the areas' label points and the flags' poles.
	derived := []string{"labels"}
	tests := []struct {
		name string
		z    maptile.Zoom
		want []string
	}{
		{"z7 is empty", 7, nil},
		{"z8 has the outlines of the city's subdistricts and communities", 8, outlines},
		{"z9 is as z8", 9, outlines},
		{"z10 adds the base map, grids and top organizations", 10, slices.Concat(base, []string{"organizations"}, derived)},
		{"z11 is as z10", 11, slices.Concat(base, []string{"organizations"}, derived)},
		{"z12 adds parking and posts", 12, slices.Concat(base, []string{"parking", "posts", "organizations"}, derived)},
		{"z13 adds compounds and activities", 13, slices.Concat(base, []string{"compounds", "parking", "posts", "organizations", "activities"}, derived)},
		{"z14 adds footpaths and buildings", 14, slices.Concat(base[:4], []string{"paths"}, base[4:], []string{"compounds", "buildings", "parking", "posts", "organizations", "activities"}, derived)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tile := maptile.At(homeCenter(), tt.z)
			got := layerNames(renderTile(t, db, tile))
			if !slices.Equal(got, tt.want) {
				t.Errorf("tile %v layers: got %v, want %v", tile, got, tt.want)
			}
		})
	}
}

func TestDB_Tile_organizationKindsByZoom(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		z    maptile.Zoom
		want []string
	}{
		{"z10 street and community", 10, []string{"community_branch", "street_committee"}},
		{"z12 street and community", 12, []string{"community_branch", "street_committee"}},
		{"z13 adds grid and partner organizations", 13, []string{"business_circle", "co_building_unit", "community_branch", "grid_branch", "non_public", "street_committee"}},
		{"z15 still no building groups", 15, []string{"business_circle", "co_building_unit", "community_branch", "grid_branch", "non_public", "street_committee"}},
		{"z16 adds building groups", 16, []string{"building_group", "business_circle", "co_building_unit", "community_branch", "grid_branch", "non_public", "street_committee"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds := map[string]bool{}
			for _, tile := range geo.TilesCovering(communityBound(), tt.z) {
				for _, l := range renderTile(t, db, tile) {
					if l.Name != "organizations" {
						continue
					}
					for _, f := range l.Features {
						kinds[f.Properties.MustString("kind")] = true
					}
				}
			}
			var got []string
			for k := range kinds {
				got = append(got, k)
			}
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("kinds at z%d: got %v, want %v", tt.z, got, tt.want)
			}
		})
	}
}

// postgisCount counts a layer's features in a tile's buffered envelope with
// the zoom rules, asking PostGIS directly from the 4326 geometry.
func postgisCount(t *testing.T, conn *pgx.Conn, l geo.TileLayer, tile maptile.Tile) int {
	t.Helper()
	if !l.VisibleAt(int(tile.Z)) {
		return 0
	}
	cat := geo.NewCatalogue()
	table := l.Name
	switch l.Name {
	case geo.LabelsTileLayer:
		// One label point per labelled area visible at the zoom, in the
		// tile that holds it, half-open, counted here independently.
		n := 0
		for _, st := range cat.Layers() {
			if !st.Tile.Labelled || !st.VisibleAt(int(tile.Z)) {
				continue
			}
			var c int
			err := conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT count(*) FROM (SELECT ST_Transform(CASE WHEN ST_Intersects(ST_Centroid(geom), geom) THEN ST_Centroid(geom) ELSE ST_PointOnSurface(geom) END, 3857) AS p,
				ST_TileEnvelope($1, $2, $3) AS e FROM %s) s WHERE ST_X(p) >= ST_XMin(e) AND ST_X(p) < ST_XMax(e) AND ST_Y(p) > ST_YMin(e) AND ST_Y(p) <= ST_YMax(e)`, st.Name),
				int(tile.Z), int(tile.X), int(tile.Y)).Scan(&c)
			if err != nil {
				t.Fatalf("count labels of %s in %v: %v", st.Name, tile, err)
			}
			n += c
		}
		return n
	case geo.PolesTileLayer:
		table = "organizations" // a pole per flag whose square reaches the tile
	}
	shape := "ST_Transform(geom, 3857)"
	if l.Name == geo.PolesTileLayer {
		shape = fmt.Sprintf("ST_Expand(ST_Transform(geom, 3857), (CASE WHEN level <= 2 THEN %g ELSE %g END) / cos(radians(ST_Y(geom))))", geo.PoleHalfWidth(1), geo.PoleHalfWidth(4))
	}
	sql := fmt.Sprintf(`SELECT count(*) FROM %s
		WHERE ST_Intersects(%s, ST_TileEnvelope($1, $2, $3, margin => $4))`, table, shape)
	args := []any{int(tile.Z), int(tile.X), int(tile.Y), float64(geo.TileBuffer) / geo.TileExtent}
	if stored, _ := cat.Layer(table); stored.KindsAt(int(tile.Z)) != nil {
		sql += ` AND kind = ANY($5)`
		args = append(args, stored.KindsAt(int(tile.Z)))
	}
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("count %s in %v: %v", l.Name, tile, err)
	}
	return n
}

// connect opens a plain connection to the test database.
func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// coveringTiles lists the tiles over the community at the zooms tests look at.
func coveringTiles() []maptile.Tile {
	var tiles []maptile.Tile
	for _, z := range []maptile.Zoom{9, 10, 11, 12, 13, 14, 15, 16} {
		tiles = append(tiles, geo.TilesCovering(communityBound(), z)...)
	}
	return append(tiles, maptile.At(homeCenter(), 18), maptile.At(homeCenter(), 20), maptile.At(homeCenter(), 22))
}

func TestDB_Tile_countsMatchPostGIS(t *testing.T) {
	db, connString := openTestDB(t)
	conn := connect(t, connString)
	layers := geo.NewCatalogue().TileLayers()
	for _, tile := range coveringTiles() {
		decoded := map[string]int{}
		for _, l := range renderTile(t, db, tile) {
			decoded[l.Name] = len(l.Features)
			if len(l.Features) == 0 {
				t.Errorf("tile %v has an empty layer %s", tile, l.Name)
			}
		}
		for _, l := range layers {
			want := postgisCount(t, conn, l, tile)
			if got := decoded[l.Name]; got != want {
				t.Errorf("tile %v layer %s: got %d features, want %d", tile, l.Name, got, want)
			}
			delete(decoded, l.Name)
		}
		for name := range decoded {
			t.Errorf("tile %v has a layer %q outside the contract", tile, name)
		}
	}
}

func TestDB_Tile_geometry(t *testing.T) {
	db, connString := openTestDB(t)
	conn := connect(t, connString)
	const lo, hi = -geo.TileBuffer, geo.TileExtent + geo.TileBuffer
	var polygons [][]byte
	var where []string
	for _, tile := range coveringTiles() {
		for _, l := range renderTile(t, db, tile) {
			if l.Extent != geo.TileExtent {
				t.Errorf("tile %v layer %s extent: got %d, want %d", tile, l.Name, l.Extent, geo.TileExtent)
			}
			for _, f := range l.Features {
				b := f.Geometry.Bound()
				if b.Min[0] < lo || b.Min[1] < lo || b.Max[0] > hi || b.Max[1] > hi {
					t.Errorf("tile %v %s %v: bound %v leaves the extent plus buffer [%d, %d]", tile, l.Name, f.ID, b, lo, hi)
				}
				switch g := f.Geometry.(type) {
				case orb.Polygon, orb.MultiPolygon:
					w, err := wkb.Marshal(g)
					if err != nil {
						t.Fatal(err)
					}
					polygons = append(polygons, w)
					where = append(where, fmt.Sprintf("tile %v %s %v", tile, l.Name, f.ID))
				case orb.LineString, orb.MultiLineString, orb.Point, orb.MultiPoint:
				default:
					t.Errorf("tile %v %s %v: unexpected geometry %T", tile, l.Name, f.ID, g)
				}
			}
		}
	}
	if len(polygons) < 100 {
		t.Fatalf("got %d polygons to check, want many", len(polygons))
	}
	rows, err := conn.Query(context.Background(),
		`SELECT i, ST_IsValidReason(ST_GeomFromWKB(w)) FROM unnest($1::bytea[]) WITH ORDINALITY AS u (w, i) WHERE NOT ST_IsValid(ST_GeomFromWKB(w))`, polygons)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var reason string
		if err := rows.Scan(&i, &reason); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s: decoded polygon is not valid: %s", where[i-1], reason)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestDB_Tile_propertiesAndIDs(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	// Orders have no built-in data; the unpublished ones must not show.
	seedOrders(t, db)
	cat := geo.NewCatalogue()
	rows := map[string]map[int64]geo.Feature{}
	for _, l := range cat.Layers() {
		page, err := db.FindFeatures(ctx, geo.Filter{Layer: l.Name, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		rows[l.Name] = map[int64]geo.Feature{}
		for _, f := range page.Features {
			rows[l.Name][f.ID] = f
		}
	}
	gridColor := map[string]float64{}
	for _, g := range rows["grids"] {
		gridColor[g.Properties["code"].(string)] = float64(g.Properties["color"].(int64))
	}
	seen := map[string]map[string]bool{} // layer → properties seen
	for _, tile := range geo.TilesCovering(communityBound(), 16) {
		for _, l := range renderTile(t, db, tile) {
			tl := tileLayer(t, cat, l.Name)
			if seen[l.Name] == nil {
				seen[l.Name] = map[string]bool{}
			}
			for _, f := range l.Features {
				id, ok := f.ID.(float64)
				if !ok || id < 1 {
					t.Fatalf("tile %v %s: feature id %v, want a positive integer", tile, l.Name, f.ID)
				}
				if got := f.Properties["id"]; got != id && l.Name != geo.LabelsTileLayer {
					t.Errorf("tile %v %s %v: property id %v, want the feature id", tile, l.Name, id, got)
				}
				for k := range f.Properties {
					if !slices.Contains(tl.FieldNames(), k) {
						t.Errorf("%s %v: property %q is not in the contract %v", l.Name, id, k, tl.FieldNames())
					}
					seen[l.Name][k] = true
				}
				if l.Name == geo.LabelsTileLayer || l.Name == geo.PolesTileLayer {
					checkDerived(t, l.Name, f.Properties, rows, gridColor)
					continue
				}
				row, ok := rows[l.Name][int64(id)]
				if !ok {
					t.Errorf("%s %v: no such row", l.Name, id)
					continue
				}
				for _, k := range tl.FieldNames()[1:] {
					want, ok := tileValue(row, k, gridColor)
					got, has := f.Properties[k]
					switch {
					case ok && !has:
						t.Errorf("%s %v: property %s missing, want %v", l.Name, id, k, want)
					case ok && got != want:
						t.Errorf("%s %v: property %s: got %v, want %v", l.Name, id, k, got, want)
					case !ok && has:
						t.Errorf("%s %v: property %s: got %v, want none", l.Name, id, k, got)
					}
				}
			}
		}
	}
	for _, tl := range cat.TileLayers() {
		for _, k := range tl.FieldNames() {
			if !seen[tl.Name][k] {
				t.Errorf("no %s feature at z16 has property %s", tl.Name, k)
			}
		}
	}
}

// tileLayer returns the contract of a tile layer.
func tileLayer(t *testing.T, cat *geo.Catalogue, name string) geo.TileLayer {
	t.Helper()
	for _, l := range cat.TileLayers() {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("tile layer %q is not in the contract", name)
	return geo.TileLayer{}
}

// tileValue is what a tile should carry for a row's property, as MVT
// decodes it: numbers as float64, services comma-joined, colour from the
// grid.
func tileValue(row geo.Feature, name string, gridColor map[string]float64) (any, bool) {
	if name == "color" && row.Layer != "grids" {
		code, ok := row.Properties["grid_code"].(string)
		if !ok {
			return nil, false
		}
		c, ok := gridColor[code]
		return c, ok
	}
	switch v := row.Properties[name].(type) {
	case int64:
		return float64(v), true
	case float64, string:
		return v, true
	case []string:
		return strings.Join(v, ","), true
	}
	return nil, false
}

func TestDB_Tile_empty(t *testing.T) {
	db, _ := openTestDB(t)
	tests := []struct {
		name string
		tile maptile.Tile
	}{
		{"below the first zoom", maptile.At(homeCenter(), 7)},
		{"the whole world", maptile.New(0, 0, 0)},
		{"far away at z14", maptile.New(0, 0, 14)},
		{"far away at z22", maptile.At(orb.Point{-70, -30}, 22)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := db.Tile(context.Background(), tileID(t, tt.tile))
			if err != nil || len(raw) != 0 {
				t.Errorf("tile %v: got %d bytes, %v; want none", tt.tile, len(raw), err)
			}
		})
	}
}

// tileID returns the geo.TileID of a tile on the grid.
func tileID(t *testing.T, tile maptile.Tile) geo.TileID {
	t.Helper()
	id, err := geo.NewTileID(tile)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDB_TileBounds(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	b, ok, err := db.TileBounds(ctx)
	if err != nil || !ok {
		t.Fatalf("got %v, %v, want the map's bounds", ok, err)
	}
	// Independently: the smallest and largest coordinates of every point of
	// every layer.
	var want [4]float64
	err = db.Pool().QueryRow(ctx, `SELECT min(ST_X(p)), min(ST_Y(p)), max(ST_X(p)), max(ST_Y(p)) FROM (
		SELECT (ST_DumpPoints(geom)).geom AS p FROM (
			SELECT geom FROM subdistricts UNION ALL SELECT geom FROM communities UNION ALL SELECT geom FROM grids UNION ALL SELECT geom FROM compounds
			UNION ALL SELECT geom FROM buildings UNION ALL SELECT geom FROM organizations UNION ALL SELECT geom FROM posts
			UNION ALL SELECT geom FROM parking UNION ALL SELECT geom FROM streets UNION ALL SELECT geom FROM landmarks
			UNION ALL SELECT geom FROM paths UNION ALL SELECT geom FROM gates) g) pts`).
		Scan(&want[0], &want[1], &want[2], &want[3])
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-5
	for i, got := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if d := got - want[i]; d > tol || d < -tol {
			t.Errorf("bound %d: got %.6f, want %.6f", i, got, want[i])
		}
	}
	if c := communityBound(); !b.Contains(c.Min) || !b.Contains(c.Max) || b == c {
		t.Errorf("bounds %v should hold the community %v and the temple north of it", b, c)
	}
}

// checkDerived checks a feature of a derived tile layer against the row it
// comes from: a label's names, code, kind and colour; a pole's kind and
// level.
func checkDerived(t *testing.T, name string, props map[string]any, rows map[string]map[int64]geo.Feature, gridColor map[string]float64) {
	t.Helper()
	layer := "organizations"
	if name == geo.LabelsTileLayer {
		layer, _ = props["layer"].(string)
	}
	id, _ := props["id"].(float64)
	row, ok := rows[layer][int64(id)]
	if !ok {
		t.Errorf("%s: %s %v: no such row", name, layer, id)
		return
	}
	want := map[string]any{}
	if name == geo.LabelsTileLayer {
		want["name_zh"], want["name_en"] = row.Properties["name_zh"], row.Properties["name_en"]
		if c, ok := row.Properties["code"]; ok {
			want["code"] = c
		}
		if k, ok := row.Properties["kind"]; ok {
			want["kind"] = k
		}
		if c, ok := row.Properties["color"].(int64); ok {
			want["color"] = float64(c)
		} else if g, ok := row.Properties["grid_code"].(string); ok {
			want["color"] = gridColor[g]
		}
	} else {
		want["kind"], want["level"] = row.Properties["kind"], float64(row.Properties["level"].(int64))
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s: %s %v: %s is %v, want %v", name, layer, id, k, props[k], v)
		}
	}
}
