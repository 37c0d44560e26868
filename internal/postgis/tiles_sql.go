package postgis

import (
	"fmt"
	"math"
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

// tileSource says where a tile layer's rows come from: the table (alias f)
// with its joins, and the property columns after f.id.
type tileSource struct {
	from  string
	props string
}

// tileSourceOf returns the rows of one tile layer; the property columns
// are the contract geo.TileLayer.Fields describes.
func tileSourceOf(layer string) (tileSource, bool) {
	switch layer {
	case "community":
		return tileSource{"community f", "f.name_zh, f.name_en"}, true
	case "landmarks", "streets":
		return tileSource{layer + " f", "f.name_zh, f.name_en, f.kind"}, true
	case "grids":
		return tileSource{"grids f", "f.code, f.name_zh, f.name_en, f.color"}, true
	case "compounds":
		return tileSource{"compounds f LEFT JOIN grids g ON g.code = f.grid_code",
			"f.name_zh, f.name_en, f.grid_code, g.color"}, true
	case "buildings":
		return tileSource{"buildings f LEFT JOIN grids g ON g.code = f.grid_code",
			"f.name_zh, f.name_en, f.floors, f.height_m, f.grid_code, g.color, f.compound_id"}, true
	case "parking":
		return tileSource{"parking f", "f.name_zh, f.name_en, f.capacity, f.free, f.hours"}, true
	case "posts":
		return tileSource{"posts f", "f.name_zh, f.name_en, f.kind, array_to_string(f.services, ',') AS services, f.hours"}, true
	case "organizations":
		return tileSource{"organizations f", "f.name_zh, f.name_en, f.kind, f.level, f.members, f.grid_code, f.parent_id"}, true
	}
	return tileSource{}, false
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

// simplified reports whether a layer's lines or outlines are simplified
// below TileDetailZoom. Points have nothing to simplify, and building
// footprints are a handful of vertices metres apart: snapping them to the
// tile grid is all the generalisation they need.
func simplified(l geo.TileLayer) bool {
	return l.Geometry != geo.Point && l.Name != "buildings"
}

// tileQuery is the statement for one zoom, or "" when no layer shows.
type tileQuery struct {
	sql string
	// orgKinds is the $4 parameter, set when organizations show.
	orgKinds []string
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
func geometryExpr(l geo.TileLayer, z int) string {
	geom := "f.geom_3857"
	if tol := simplifyTolerance(z); tol > 0 && simplified(l) {
		// preserveCollapsed keeps small features as a dot rather than
		// dropping them, so feature counts do not depend on the zoom.
		geom = fmt.Sprintf("ST_Simplify(f.geom_3857, %g, true)", tol)
	}
	return fmt.Sprintf("ST_AsMVTGeom(%s, %s, %d, %d, true)", geom, tileEnvelope, geo.TileExtent, geo.TileBuffer)
}

// buildTileQuery writes the statement for zoom z from the tile layers.
func buildTileQuery(layers []geo.TileLayer, z int) (tileQuery, error) {
	var q tileQuery
	var parts []string
	for _, l := range layers {
		if !l.VisibleAt(z) {
			continue
		}
		src, ok := tileSourceOf(l.Name)
		if !ok {
			return tileQuery{}, fmt.Errorf("tile layer %q has no query", l.Name)
		}
		where := "f.geom_3857 && " + fmt.Sprintf(bufferedEnvelope, marginLiteral())
		if l.Name == "organizations" {
			q.orgKinds = geo.OrganizationKindsAt(z)
			where += " AND f.kind = ANY($4::text[])"
		}
		parts = append(parts, fmt.Sprintf(`coalesce((SELECT ST_AsMVT(t, '%s', %d, 'geom', 'fid') FROM (
  SELECT f.id AS fid, f.id, %s,
         %s AS geom
  FROM %s
  WHERE %s
) t), ''::bytea)`,
			l.Name, geo.TileExtent, src.props, geometryExpr(l, z), src.from, where))
	}
	if len(parts) == 0 {
		return q, nil
	}
	q.sql = "SELECT " + strings.Join(parts, "\n || ")
	return q, nil
}

// marginLiteral is the tile buffer as a fraction of the tile width.
func marginLiteral() string {
	return fmt.Sprintf("%g", float64(geo.TileBuffer)/float64(geo.TileExtent))
}
