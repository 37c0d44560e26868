package postgis

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// ReshapeGrid gives a grid a new outline and moves the boundaries it shares,
// in one transaction: every neighbour loses what the new outline takes from
// it, and each piece the grid gives up goes to the neighbour it shares the
// longest edge with. The grid and every neighbour get a new version and a
// history row (reason "reshape"), and the result is validated as a whole.
//
// Only the reshaped grid needs the writer's version (If-Match): the
// neighbours are locked and recomputed from their current outlines inside
// the transaction, so a colleague's concurrent edit of a neighbour is never
// overwritten, only moved along the shared edge.
func (db *DB) ReshapeGrid(ctx context.Context, id, ifVersion int64, shape orb.Polygon, o geo.EditOptions) (geo.EditResult, error) {
	o.Reason = geo.ReasonReshape
	return db.edit(ctx, o, func(ed *editor) error {
		if err := ed.reshape(ctx, id, ifVersion, shape); err != nil {
			return err
		}
		// Asked last, so that what else is wrong with the change is said
		// first: a dry run needs no reason yet.
		if !ed.o.DryRun && ed.o.Comment == "" {
			return geo.NeedComment()
		}
		return nil
	})
}

func (ed *editor) reshape(ctx context.Context, id, ifVersion int64, shape orb.Polygon) error {
	grids, _ := ed.cat.Layer(gridLayer)
	if vs := grids.CheckGeometry(shape); len(vs) > 0 {
		return geo.Unprocessable(vs)
	}
	if err := ed.lockTopology(ctx, []geo.Layer{grids}); err != nil {
		return err
	}
	shapeWKB, err := wkb.Marshal(shape)
	if err != nil {
		return err
	}
	var ids []int64
	rows, err := ed.tx.Query(ctx, `SELECT n.id FROM grids n, (SELECT ST_GeomFromWKB($2, 4326) AS g) s
		WHERE n.id = $1 OR (ST_IsValid(s.g) AND ST_Intersects(n.geom, s.g))
		   OR ST_Intersects(n.geom, (SELECT geom FROM grids WHERE id = $1)) ORDER BY n.id`, id, shapeWKB)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, n)
	}
	rows.Close()
	if err := ed.lock(ctx, grids, ids); err != nil {
		return err
	}
	target, ok := ed.old[gridLayer][id]
	if !ok {
		return geo.Errorf(geo.ENOTFOUND, "There is no grid with id %d.", id)
	}
	if target.Version != ifVersion {
		return geo.ConflictWith(ifVersion, target)
	}
	label := grids.FeatureLabel(id, target.Properties)
	if vs, err := ed.precheck(ctx, []geo.Write{{Op: geo.Update, Feature: geo.Feature{Layer: gridLayer, ID: id, Geometry: shape, Properties: target.Properties}}}); err != nil || len(vs) > 0 {
		if err != nil {
			return err
		}
		return geo.Unprocessable(vs)
	}
	community, _ := target.Properties[geo.CommunityField].(string)
	clipped, outside, err := ed.clipToCommunity(ctx, shapeWKB, community)
	if err != nil {
		return err
	}
	if outside > geo.AreaTolerance {
		return geo.Unprocessable([]geo.Violation{geo.OutsideCommunity(label, outside, false)})
	}
	if err := ed.tx.QueryRow(ctx, `SELECT ST_AsBinary(ST_Snap(d.g, coalesce((SELECT ST_Collect(n.geom) FROM grids n
			WHERE n.id <> $1 AND n.geom && ST_Expand(d.g, $3)), d.g), $3)) FROM (SELECT ST_GeomFromWKB($2, 4326) AS g) d`,
		id, clipped, snapDistance).Scan(&clipped); err != nil {
		return err
	}
	parts, err := ed.neighbourShapes(ctx, id, clipped)
	if err != nil {
		return err
	}
	newShape, err := largestPolygon(clipped)
	if err != nil {
		return err
	}
	tf := target
	tf.Geometry = newShape
	ws := []geo.Write{{Op: geo.Update, Feature: tf, IfVersion: target.Version}}
	var vs []geo.Violation
	for _, p := range parts {
		n := ed.old[gridLayer][p.id]
		nl := grids.FeatureLabel(p.id, n.Properties)
		switch {
		case len(p.areas) == 0 || p.areas[0] <= geo.AreaTolerance:
			vs = append(vs, geo.GridVanishes(nl).At(n.Geometry))
			continue
		case len(p.areas) > 1 && p.areas[1] > geo.AreaTolerance:
			big := 1
			for _, a := range p.areas[1:] {
				if a > geo.AreaTolerance {
					big++
				}
			}
			var pieces orb.MultiPolygon
			for _, b := range p.wkbs {
				if poly, ok := geometryOf(b).(orb.Polygon); ok {
					pieces = append(pieces, poly)
				}
			}
			vs = append(vs, geo.GridCut(nl, big).At(pieces))
			continue
		}
		g, err := wkb.Unmarshal(p.wkbs[0])
		if err != nil {
			return err
		}
		poly, ok := g.(orb.Polygon)
		if !ok {
			return fmt.Errorf("reshape: neighbour %d is a %T", p.id, g)
		}
		for _, v := range grids.CheckGeometry(poly) {
			vs = append(vs, geo.Violation{Rule: v.Rule, MessageZh: nl.Zh + "：" + v.MessageZh, MessageEn: nl.En + ": " + v.MessageEn})
		}
		nf := n
		nf.Geometry = poly
		ws = append(ws, geo.Write{Op: geo.Update, Feature: nf, IfVersion: n.Version})
	}
	if len(vs) > 0 {
		return geo.Unprocessable(vs)
	}
	if len(ws) > 1 {
		// The grid takes exactly what its old outline and its neighbours'
		// covered and the neighbours no longer do: the coverage stays
		// without the floating-point slivers two drawings of one edge leave.
		exact, err := ed.remainder(ctx, ws)
		if err != nil {
			return err
		}
		if exact != nil {
			ws[0].Feature.Geometry = exact
		}
	}
	return ed.apply(ctx, ws)
}

// remainder returns what the old outlines of the grids in ws covered that
// the new outlines of ws[1:] do not: the reshaped grid's exact new outline.
// It answers nil when that is not one polygon, and the drawn one stands.
func (ed *editor) remainder(ctx context.Context, ws []geo.Write) (orb.Polygon, error) {
	var olds, news [][]byte
	for i, w := range ws {
		b, err := geomParam(ed.old[gridLayer][w.Feature.ID].Geometry)
		if err != nil {
			return nil, err
		}
		olds = append(olds, b)
		if i > 0 {
			nb, err := geomParam(w.Feature.Geometry)
			if err != nil {
				return nil, err
			}
			news = append(news, nb)
		}
	}
	var out []byte
	err := ed.tx.QueryRow(ctx, `SELECT ST_AsBinary(ST_CollectionExtract(ST_Difference(
			(SELECT ST_Union(ST_GeomFromWKB(w, 4326)) FROM unnest($1::bytea[]) w),
			(SELECT ST_Union(ST_GeomFromWKB(w, 4326)) FROM unnest($2::bytea[]) w)), 3))`, olds, news).Scan(&out)
	if err != nil {
		return nil, err
	}
	p, err := largestPolygon(out)
	if err != nil || len(p) != 1 {
		return nil, nil
	}
	return p, nil
}

// clipToCommunity returns the shape inside the outline of the grid's
// community (code) and the area of it outside, in m²: a reshape moves
// boundaries between the grids of one community, never into another.
func (ed *editor) clipToCommunity(ctx context.Context, shape []byte, code string) ([]byte, float64, error) {
	var clipped []byte
	var outside float64
	err := ed.tx.QueryRow(ctx, `WITH s AS (SELECT ST_GeomFromWKB($1, 4326) AS g), c AS (SELECT ST_Union(geom) AS g FROM communities WHERE code = $2)
		SELECT ST_AsBinary(CASE WHEN c.g IS NULL THEN s.g ELSE ST_CollectionExtract(ST_Intersection(s.g, c.g), 3) END),
		       CASE WHEN c.g IS NULL THEN 0 ELSE ST_Area(ST_Difference(s.g, c.g)::geography) END
		FROM s, c`, shape, code).Scan(&clipped, &outside)
	return clipped, outside, err
}

// largestPolygon returns the largest polygon of a WKB (multi)polygon.
func largestPolygon(b []byte) (orb.Polygon, error) {
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	switch t := g.(type) {
	case orb.Polygon:
		return t, nil
	case orb.MultiPolygon:
		var best orb.Polygon
		var bestArea float64
		for _, p := range t {
			if area := planarArea(p); area > bestArea {
				best, bestArea = p, area
			}
		}
		if best != nil {
			return best, nil
		}
	}
	return nil, geo.Unprocessable([]geo.Violation{{Rule: "empty_shape",
		MessageZh: "新形状与社区范围没有重叠。", MessageEn: "The new shape does not overlap the community."}})
}

// planarArea is a polygon's area in square degrees: enough to rank parts.
func planarArea(p orb.Polygon) float64 {
	var a float64
	for i, r := range p {
		var s float64
		for j := 0; j+1 < len(r); j++ {
			s += r[j][0]*r[j+1][1] - r[j+1][0]*r[j][1]
		}
		if s < 0 {
			s = -s
		}
		if i == 0 {
			a += s / 2
		} else {
			a -= s / 2
		}
	}
	return a
}

// negligibleArea is how little a neighbour must change (m²) to be left as
// it is: floating-point slivers where a drawn vertex lies a hair off the
// shared edge would otherwise give untouched grids new versions.
const negligibleArea = 0.01

// snapDistance (degrees, about 5 cm) is how close a drawn vertex must be to
// a neighbour's vertex or edge to be taken as lying on it, so that a shared
// boundary stays shared to the last digit, without slivers.
const snapDistance = 5e-7

// neighbourShape is a neighbour's recomputed outline: its parts as WKB,
// largest first, and their areas in m².
type neighbourShape struct {
	id    int64
	wkbs  [][]byte
	areas []float64
}

// neighbourShapes recomputes every neighbour the new outline touches: minus
// what the outline takes, plus the pieces of the old outline it gives up
// that border the neighbour longest.
func (ed *editor) neighbourShapes(ctx context.Context, id int64, shape []byte) ([]neighbourShape, error) {
	rows, err := ed.tx.Query(ctx, `
		WITH t AS (SELECT geom AS old FROM grids WHERE id = $1),
		s AS (SELECT ST_GeomFromWKB($2, 4326) AS new),
		pieces AS (SELECT (ST_Dump(ST_Difference(ST_Snap(t.old, s.new, $4), s.new))).geom AS g FROM t, s),
		owned AS (
			SELECT p.g, (SELECT x.id FROM (
					SELECT n.id, ST_Length(ST_Intersection(ST_Boundary(p.g), ST_Snap(n.geom, p.g, $4))) AS shared
					FROM grids n WHERE n.id <> $1 AND ST_DWithin(n.geom, p.g, $4)) x
				WHERE x.shared > 0 ORDER BY x.shared DESC, x.id LIMIT 1) AS owner
			FROM pieces p WHERE ST_Area(p.g) > 0),
		affected AS (
			SELECT n.id, n.geom FROM grids n, s
			WHERE n.id <> $1 AND ST_Intersects(n.geom, s.new) AND NOT ST_Touches(n.geom, s.new)
			UNION
			SELECT n.id, n.geom FROM grids n WHERE n.id IN (SELECT owner FROM owned)),
		reshaped AS (
			SELECT a.id, ST_UnaryUnion(ST_Collect(ST_Difference(ST_Snap(a.geom, s.new, $4), s.new),
				coalesce((SELECT ST_Collect(o.g) FROM owned o WHERE o.owner = a.id), ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326)))) AS g
			FROM affected a, s)
		SELECT r.id,
			coalesce((SELECT array_agg(ST_AsBinary(d.geom) ORDER BY ST_Area(d.geom::geography) DESC) FROM ST_Dump(ST_CollectionExtract(r.g, 3)) d), '{}'),
			coalesce((SELECT array_agg(ST_Area(d.geom::geography) ORDER BY ST_Area(d.geom::geography) DESC) FROM ST_Dump(ST_CollectionExtract(r.g, 3)) d), '{}')
		FROM reshaped r JOIN grids n ON n.id = r.id
		WHERE ST_Area(ST_SymDifference(r.g, n.geom)::geography) >= $3
		ORDER BY r.id`, id, shape, negligibleArea, snapDistance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []neighbourShape
	for rows.Next() {
		var n neighbourShape
		if err := rows.Scan(&n.id, &n.wkbs, &n.areas); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
