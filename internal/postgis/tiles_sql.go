package postgis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"partymap/internal/geo"
)

// The tile query: one statement per zoom, holding one ST_AsMVT layer per
// tile layer visible at that zoom, concatenated (a tile is a sequence of
// layers, so the bytes of several one-layer tiles are one tile). Its
// parameters are $1 zoom, $2 x, $3 y and, when organizations show, $4 the
// organization kinds of that zoom. Identifiers come from the catalogue.
//
// Rows whose tile geometry is NULL (clipped or collapsed away) are left to
// ST_AsMVT, which skips them, and a layer with none writes no bytes: a
// "WHERE geom IS NOT NULL" would be pushed down into the scan and compute
// every geometry twice.

// tileSource returns where a tile layer's rows come from (the table, alias
// f, joined to the grid g the feature lies in when it carries grid fields)
// and its property columns after f.id, in the order of the catalogue's
// TileSpec: the contract geo.TileLayer.Fields describes.
func tileSource(cat *geo.Catalogue, l geo.Layer) (from, props string, err error) {
	from = ident(l.Name) + " f"
	var cols []string
	for _, name := range l.Tile.Fields {
		f, _ := l.Field(name)
		if f.Type == geo.TextList {
			cols = append(cols, fmt.Sprintf("array_to_string(f.%s, ',') AS %s", ident(name), ident(name)))
			continue
		}
		cols = append(cols, "f."+ident(name))
	}
	if len(l.Tile.GridFields) > 0 {
		ref, ok := gridRef(cat, l)
		if !ok {
			return "", "", fmt.Errorf("tile layer %q carries grid fields but has no text field that names a grid", l.Name)
		}
		grid, _ := cat.Layer(ref.Ref)
		from += fmt.Sprintf(" LEFT JOIN %s g ON g.%s = f.%s", ident(grid.Name), ident(grid.Key), ident(ref.Name))
		for _, name := range l.Tile.GridFields {
			cols = append(cols, "g."+ident(name))
		}
	}
	return from, strings.Join(cols, ", "), nil
}

// gridRef returns the layer's field that names a grid by its code: a
// feature's grid_code.
func gridRef(cat *geo.Catalogue, l geo.Layer) (geo.Field, bool) {
	for _, f := range l.Fields {
		if f.Ref == gridLayer && f.Type == geo.Text && cat.RefKey(f) != "id" {
			return f, true
		}
	}
	return geo.Field{}, false
}

// earthCircumference is the width of the Web Mercator plane in metres.
const earthCircumference = 2 * math.Pi * 6378137

// simplifyPixels is the simplification tolerance below TileDetailZoom, in
// pixels of a 512-pixel tile: half a pixel removes nothing anyone sees.
const simplifyPixels = 0.5

// simplifyTolerance returns the tolerance in metres of Web Mercator for
// zoom z, or 0 from TileDetailZoom on, where every vertex is kept.
func simplifyTolerance(z int) float64 {
	if z >= geo.TileDetailZoom {
		return 0
	}
	return earthCircumference / float64(uint64(1)<<z) / 512 * simplifyPixels
}

// tileQuery is the statement for one zoom, or "" when no layer shows.
type tileQuery struct {
	sql string
	// kinds is the $4 parameter, set when a layer shows only some of its
	// kinds at this zoom.
	kinds []string
}

// tileEnvelope and bufferedEnvelope are the tile's square in Web Mercator
// and the same with the buffer around it.
const (
	tileEnvelope     = "ST_TileEnvelope($1, $2, $3)"
	bufferedEnvelope = "ST_TileEnvelope($1, $2, $3, margin => %s)"
)

// geometryExpr is the tile geometry of a layer's row f at zoom z.
// ST_AsMVTGeom clips, snaps to the tile grid and validates; its cost is
// mostly reading each row's geometry, so nothing cheaper is worth having
// next to it (scaling and snapping footprints directly measured no
// faster).
func geometryExpr(l geo.Layer, z int) string {
	geom := "f.geom_3857"
	if tol := simplifyTolerance(z); tol > 0 && l.Tile.Simplify {
		// preserveCollapsed keeps small features as a dot rather than
		// dropping them, so feature counts do not depend on the zoom.
		geom = fmt.Sprintf("ST_Simplify(f.geom_3857, %g, true)", tol)
	}
	return fmt.Sprintf("ST_AsMVTGeom(%s, %s, %d, %d, true)", geom, tileEnvelope, geo.TileExtent, geo.TileBuffer)
}

// buildTileQuery writes the statement for zoom z from the stored layers.
func buildTileQuery(cat *geo.Catalogue, z int) (tileQuery, error) {
	var q tileQuery
	var parts []string
	for _, l := range cat.Layers() {
		if !l.VisibleAt(z) {
			continue
		}
		from, props, err := tileSource(cat, l)
		if err != nil {
			return tileQuery{}, err
		}
		where := "f.geom_3857 && " + fmt.Sprintf(bufferedEnvelope, marginLiteral())
		if l.Public != nil {
			where += " AND " + publicCond(l, "f")
		}
		if kinds := l.KindsAt(z); kinds != nil {
			if q.kinds != nil {
				return tileQuery{}, fmt.Errorf("tile layer %q: only one layer may show some of its kinds", l.Name)
			}
			q.kinds = kinds
			where += " AND f." + ident("kind") + " = ANY($4::text[])"
		}
		parts = append(parts, fmt.Sprintf(`coalesce((SELECT ST_AsMVT(t, %s, %d, 'geom', 'fid') FROM (
  SELECT f.id AS fid, f.id, %s,
         %s AS geom
  FROM %s
  WHERE %s
) t), ''::bytea)`,
			literal(l.Name), geo.TileExtent, props, geometryExpr(l, z), from, where))
	}
	derived, err := derivedTileLayers(cat, z, &q)
	if err != nil {
		return tileQuery{}, err
	}
	parts = append(parts, derived...)
	if len(parts) == 0 {
		return q, nil
	}
	q.sql = "SELECT " + strings.Join(parts, "\n || ")
	return q, nil
}

// derivedTileLayers writes the tile layers made from others at zoom z
// (geo.TileSpec.Labelled and Poles): the labelled areas' label points,
// each in the one tile that holds it (half-open tile bounds), with an MVT
// id unique across the layers they come from; and the poles, squares
// around the flags, as wide in metres at every latitude.
func derivedTileLayers(cat *geo.Catalogue, z int, q *tileQuery) ([]string, error) {
	var labels []string
	var parts []string
	stored := cat.Layers()
	for i, l := range stored {
		if !l.VisibleAt(z) {
			continue
		}
		if l.Tile.Labelled {
			from, _, err := tileSource(cat, l)
			if err != nil {
				return nil, err
			}
			opt := func(name string) string {
				if _, ok := l.Field(name); ok {
					return "f." + ident(name)
				}
				if slices.Contains(l.Tile.GridFields, name) {
					return "g." + ident(name)
				}
				return "NULL"
			}
			code := "NULL"
			if l.Key != "" {
				code = "f." + ident(l.Key)
			}
			labels = append(labels, fmt.Sprintf(`SELECT f.id * %d + %d AS fid, f.id, %s::text AS layer, f.name_zh, f.name_en, %s::text AS code, %s::text AS kind, %s::int AS color,
         ST_AsMVTGeom(p.pt, %s, %d, 0, true) AS geom
  FROM %s, LATERAL (SELECT CASE WHEN ST_Intersects(ST_Centroid(f.geom_3857), f.geom_3857) THEN ST_Centroid(f.geom_3857) ELSE ST_PointOnSurface(f.geom_3857) END AS pt) p
  WHERE f.geom_3857 && %s
    AND ST_X(p.pt) >= ST_XMin(%s) AND ST_X(p.pt) < ST_XMax(%s) AND ST_Y(p.pt) > ST_YMin(%s) AND ST_Y(p.pt) <= ST_YMax(%s)`,
				len(stored), i, literal(l.Name), code, opt("kind"), opt("color"),
				tileEnvelope, geo.TileExtent, from, tileEnvelope, tileEnvelope, tileEnvelope, tileEnvelope, tileEnvelope))
		}
		if l.Tile.Poles && z >= geo.PoleMinZoom {
			where := "f.geom_3857 && " + fmt.Sprintf(bufferedEnvelope, marginLiteral())
			if kinds := l.KindsAt(z); kinds != nil {
				// The same kinds as the layer itself: $4, set above.
				where += " AND f." + ident("kind") + " = ANY($4::text[])"
			}
			parts = append(parts, fmt.Sprintf(`coalesce((SELECT ST_AsMVT(t, %s, %d, 'geom', 'fid') FROM (
  SELECT f.id AS fid, f.id, f.%s, f.%s,
         ST_AsMVTGeom(ST_Expand(f.geom_3857, (CASE WHEN f.%s <= 2 THEN %g ELSE %g END) / cos(radians(ST_Y(f.geom)))), %s, %d, %d, true) AS geom
  FROM %s f
  WHERE %s
) t), ''::bytea)`, literal(geo.PolesTileLayer), geo.TileExtent, ident("kind"), ident("level"), ident("level"),
				geo.PoleHalfWidth(2), geo.PoleHalfWidth(3), tileEnvelope, geo.TileExtent, geo.TileBuffer, ident(l.Name), where))
		}
	}
	if len(labels) > 0 {
		parts = append([]string{fmt.Sprintf(`coalesce((SELECT ST_AsMVT(t, %s, %d, 'geom', 'fid') FROM (
  %s
) t), ''::bytea)`, literal(geo.LabelsTileLayer), geo.TileExtent, strings.Join(labels, "\n  UNION ALL\n  "))}, parts...)
	}
	return parts, nil
}

// marginLiteral is the tile buffer as a fraction of the tile width.
func marginLiteral() string {
	return fmt.Sprintf("%g", float64(geo.TileBuffer)/float64(geo.TileExtent))
}
