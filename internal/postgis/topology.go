package postgis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// validate checks the database as this transaction leaves it, around what it
// wrote, and returns every broken rule. It runs after the writes (and what
// reassign moved), so that a batch (a reshape and its neighbours, an
// import) is judged as a whole. It only reads.
func (ed *editor) validate(ctx context.Context) ([]geo.Violation, error) {
	var vs []geo.Violation
	region, err := ed.gridRegion(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range ed.cat.Layers() {
		// The layers of the whole city draw the communities' outlines:
		// nothing to lie outside of. A workflow's layer (orders) is
		// written like an editable one.
		if (!l.Editable && l.Workflow == "") || l.CityWide {
			continue
		}
		ids := ed.writtenIDs(l.Name)
		if l.Name == gridLayer && len(ed.written[ed.cat.Communities().Name]) > 0 {
			// A community's outline moved: its grids must still lie in it.
			if ids, err = ed.idsIn(ctx, l, region, ids); err != nil {
				return nil, err
			}
		}
		if len(ids) == 0 {
			continue
		}
		more, err := ed.checkOutline(ctx, l, ids)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	if region != nil {
		more, err := ed.checkGrids(ctx, region)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	if region != nil || len(ed.written[compoundLayer]) > 0 {
		cs, err := ed.compoundShares(ctx, ed.writtenIDs(compoundLayer), region)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if v, ok := c.violation(); ok {
				vs = append(vs, v)
			}
		}
	}
	for _, check := range []func(context.Context) ([]geo.Violation, error){ed.checkRefs, ed.checkBuildings} {
		more, err := check(ctx)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	return vs, nil
}

// geometryOf decodes a WKB geometry a violation points at; nil when there
// is none (or it cannot be read: the violation stands without it).
func geometryOf(b []byte) orb.Geometry {
	if b == nil {
		return nil
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil
	}
	return g
}

// scanJSON decodes a jsonb column read as text.
func scanJSON(b []byte) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

// idsIn returns ids and the ids of the layer's rows whose bounding box
// meets the region (WKB).
func (ed *editor) idsIn(ctx context.Context, l geo.Layer, region []byte, ids []int64) ([]int64, error) {
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`SELECT id FROM %s WHERE id = ANY($1) OR geom && ST_GeomFromWKB($2, 4326) ORDER BY id`, ed.sql.layer(l.Name).table), ids, region)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// checkOutline finds the features with these ids that reach outside the
// communities (further than their kind allows: geo.Choice.Outside).
func (ed *editor) checkOutline(ctx context.Context, l geo.Layer, ids []int64) ([]geo.Violation, error) {
	rows, err := ed.tx.Query(ctx, ed.sql.layer(l.Name).outside, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	for rows.Next() {
		var id int64
		var props string
		var point bool
		var amount float64
		if err := rows.Scan(&id, &props, &point, &amount); err != nil {
			return nil, err
		}
		p := scanJSON([]byte(props))
		if (point && amount > max(geo.DistanceTolerance, l.OutsideAllowed(p))) || (!point && amount > geo.AreaTolerance) {
			vs = append(vs, geo.OutsideCommunity(l.FeatureLabel(id, p), amount, point))
		}
	}
	return vs, rows.Err()
}

// gridRegion is the area the written grids and communities covered before
// or cover now: where the grids' coverage of their communities and what
// lies in them must be checked again. It is nil when neither was written.
func (ed *editor) gridRegion(ctx context.Context) ([]byte, error) {
	return ed.regionOf(ctx, gridLayer, ed.cat.Communities().Name)
}

// checkGrids finds overlaps between a written grid and any other (and
// between a written community and any other), grids in the region that
// reach beyond their community, and parts of the communities in the region
// that no grid covers any more: the grids of each community tile it.
func (ed *editor) checkGrids(ctx context.Context, region []byte) ([]geo.Violation, error) {
	vs, err := ed.overlaps(ctx, gridLayer, geo.GridOverlap)
	if err != nil {
		return nil, err
	}
	more, err := ed.overlaps(ctx, ed.cat.Communities().Name, geo.CommunityOverlap)
	if err != nil {
		return nil, err
	}
	vs = append(vs, more...)
	if more, err = ed.gridsAcross(ctx, region); err != nil {
		return nil, err
	}
	vs = append(vs, more...)
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`WITH r AS (SELECT ST_GeomFromWKB($1, 4326) AS g),
		inside AS (SELECT ST_Intersection(c.geom, r.g) AS g FROM %s c, r WHERE c.geom && r.g),
		cover AS (SELECT ST_Union(geom) AS g FROM grids, r WHERE grids.geom && r.g),
		holes AS (SELECT (ST_Dump(ST_Difference(i.g, coalesce(cv.g, ST_SetSRID('POLYGON EMPTY'::geometry, 4326))))).geom AS g FROM inside i, cover cv)
		SELECT ST_Area(g::geography), ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g)), ST_AsBinary(g)
		FROM holes WHERE GeometryType(g) = 'POLYGON' AND ST_Area(g::geography) > $2 ORDER BY 1 DESC`, ident(ed.cat.Communities().Name)),
		region, geo.AreaTolerance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var area, x, y float64
		var where []byte
		if err := rows.Scan(&area, &x, &y, &where); err != nil {
			return nil, err
		}
		vs = append(vs, geo.GridGap(area, [2]float64{x, y}).At(geometryOf(where)))
	}
	return vs, rows.Err()
}

// overlaps finds the rows of a layer this batch wrote that overlap another
// row of it by more than a sliver, each pair once, as the violation says.
func (ed *editor) overlaps(ctx context.Context, layer string, violation func(a, b geo.Label, area float64) geo.Violation) ([]geo.Violation, error) {
	ids := ed.writtenIDs(layer)
	if len(ids) == 0 {
		return nil, nil
	}
	l, ls, err := ed.layer(layer)
	if err != nil {
		return nil, err
	}
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`SELECT a.id, partymap_props(to_jsonb(a))::text, b.id, partymap_props(to_jsonb(b))::text,
			ST_Area(ST_Intersection(a.geom, b.geom)::geography), ST_AsBinary(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3))
		FROM %[1]s a JOIN %[1]s b ON a.id <> b.id AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)
		WHERE a.id = ANY($1) AND (b.id <> ALL($1) OR a.id < b.id) ORDER BY a.id, b.id`, ls.table), ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	for rows.Next() {
		var aID, bID int64
		var aProps, bProps string
		var area float64
		var where []byte
		if err := rows.Scan(&aID, &aProps, &bID, &bProps, &area, &where); err != nil {
			return nil, err
		}
		if area > geo.AreaTolerance {
			vs = append(vs, violation(l.FeatureLabel(aID, scanJSON([]byte(aProps))), l.FeatureLabel(bID, scanJSON([]byte(bProps))), area).At(geometryOf(where)))
		}
	}
	return vs, rows.Err()
}

// gridsAcross finds the grids, written or in the region, that reach into
// another community than their own: a grid lies inside one community.
// (What lies outside every community is checkOutline's.)
func (ed *editor) gridsAcross(ctx context.Context, region []byte) ([]geo.Violation, error) {
	grids, _ := ed.cat.Layer(gridLayer)
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`SELECT g.id, partymap_props(to_jsonb(g))::text, g.%[2]s, o.code,
			ST_Area(ST_Intersection(g.geom, o.geom)::geography), ST_AsBinary(ST_CollectionExtract(ST_Intersection(g.geom, o.geom), 3))
		FROM grids g JOIN %[1]s o ON o.code <> g.%[2]s AND ST_Intersects(o.geom, g.geom) AND NOT ST_Touches(o.geom, g.geom)
		WHERE g.id = ANY($1) OR g.geom && ST_GeomFromWKB($2, 4326)
		ORDER BY g.id, o.code`, ident(ed.cat.Communities().Name), ident(geo.CommunityField)), ed.writtenIDs(gridLayer), region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	for rows.Next() {
		var id int64
		var props, own, other string
		var area float64
		var where []byte
		if err := rows.Scan(&id, &props, &own, &other, &area, &where); err != nil {
			return nil, err
		}
		if area > geo.AreaTolerance {
			vs = append(vs, geo.GridAcrossCommunities(grids.FeatureLabel(id, scanJSON([]byte(props))), own, other, area).At(geometryOf(where)))
		}
	}
	return vs, rows.Err()
}

// gridShare is how much of a compound lies in one grid.
type gridShare struct {
	ID     int64   `json:"id"`
	Code   string  `json:"code"`
	NameZh string  `json:"name_zh"`
	NameEn string  `json:"name_en"`
	Area   float64 `json:"area"`
}

// compoundState is a compound, the grid it names and how it lies in the
// grids: what both reassign and validate judge it by.
type compoundState struct {
	id      int64
	label   geo.Label
	code    string
	written bool
	// significant are the grids more than a sliver of it lies in; covering
	// the grids it lies wholly in; covered how much of it any grid covers.
	significant []geo.GridShare
	covering    []gridShare
	covered     float64
	area        float64
	// outline is the compound's shape, what a violation points at.
	outline orb.Geometry
}

// lonelyGrid returns the one grid the compound lies wholly in, when it lies
// in no other.
func (c compoundState) lonelyGrid() (gridShare, bool) {
	if len(c.covering) == 1 && len(c.significant) <= 1 {
		return c.covering[0], true
	}
	return gridShare{}, false
}

// violation is the rule the compound breaks, if any: it must lie inside
// exactly one grid, the one its grid_code names.
func (c compoundState) violation() (geo.Violation, bool) {
	if g, ok := c.lonelyGrid(); ok {
		if g.Code == c.code {
			return geo.Violation{}, false
		}
		return geo.CompoundGridCode(c.label, c.code, g.Code).At(c.outline), true
	}
	switch {
	case c.area-c.covered > geo.AreaTolerance:
		return geo.CompoundOrphaned(c.label, c.area-c.covered).At(c.outline), true
	case len(c.significant) >= 2:
		return geo.CompoundSplit(c.label, c.significant).At(c.outline), true
	}
	return geo.Violation{}, false
}

// compoundShares reads the compounds with these ids and those in the region
// (WKB, or nil), each with the grids it lies in.
func (ed *editor) compoundShares(ctx context.Context, ids []int64, region []byte) ([]compoundState, error) {
	compounds, _ := ed.cat.Layer(compoundLayer)
	grids, _ := ed.cat.Layer(gridLayer)
	rows, err := ed.tx.Query(ctx, `SELECT c.id, partymap_props(to_jsonb(c))::text, c.grid_code, ST_Area(c.geom::geography),
			coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'code', g.code, 'name_zh', g.name_zh, 'name_en', g.name_en,
				'area', ST_Area(ST_Intersection(c.geom, g.geom)::geography)) ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '[]')::text,
			ST_AsBinary(c.geom)
		FROM compounds c LEFT JOIN grids g ON ST_Intersects(c.geom, g.geom) AND NOT ST_Touches(c.geom, g.geom)
		WHERE c.id = ANY($1) OR ($2::bytea IS NOT NULL AND c.geom && ST_GeomFromWKB($2, 4326))
		GROUP BY c.id ORDER BY c.id`, ids, region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []compoundState
	for rows.Next() {
		var c compoundState
		var props, sharesJSON string
		var outline []byte
		if err := rows.Scan(&c.id, &props, &c.code, &c.area, &sharesJSON, &outline); err != nil {
			return nil, err
		}
		c.outline = geometryOf(outline)
		var shares []gridShare
		if err := json.Unmarshal([]byte(sharesJSON), &shares); err != nil {
			return nil, err
		}
		c.label = compounds.FeatureLabel(c.id, scanJSON([]byte(props)))
		c.written = ed.written[compoundLayer][c.id]
		for _, s := range shares {
			if s.Area > geo.AreaTolerance {
				gl := grids.FeatureLabel(s.ID, map[string]any{"code": s.Code, "name_zh": s.NameZh, "name_en": s.NameEn})
				c.significant = append(c.significant, geo.GridShare{Grid: gl, Area: s.Area})
				c.covered += s.Area
			}
			if c.area-s.Area <= geo.AreaTolerance {
				c.covering = append(c.covering, s)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// checkRefs checks every reference a written feature makes (a compound's
// grid_code, a building's compound_id, an organization's parent_id), and
// that no feature still refers to one this batch deleted or re-keyed.
// Derived references are the store's own (reassign.go) and not checked.
func (ed *editor) checkRefs(ctx context.Context) ([]geo.Violation, error) {
	var vs []geo.Violation
	for _, l := range ed.cat.Layers() {
		for _, ref := range ed.sql.layer(l.Name).refs {
			target, _ := ed.cat.Layer(ref.field.Ref)
			if len(ed.written[l.Name]) == 0 && len(ed.written[target.Name]) == 0 {
				continue
			}
			// The keys the written target rows had: a row that still names
			// one of them names a row deleted or re-keyed here.
			gone := map[string]int64{}
			var goneText []string
			var goneIDs []int64
			for id, f := range ed.old[target.Name] {
				key := keyOf(f, ref.key)
				gone[key] = id
				goneText = append(goneText, key)
				goneIDs = append(goneIDs, id)
			}
			var goneArg any = goneIDs
			if ref.key != "id" {
				goneArg = goneText
			}
			rows, err := ed.tx.Query(ctx, ref.missing, ed.writtenIDs(l.Name), goneArg)
			if err != nil {
				return nil, err
			}
			dependents := map[int64]int{}
			for rows.Next() {
				var id int64
				var props, value string
				if err := rows.Scan(&id, &props, &value); err != nil {
					rows.Close()
					return nil, err
				}
				if targetID, ok := gone[value]; ok {
					dependents[targetID]++
					continue
				}
				vs = append(vs, geo.UnknownReference(l.FeatureLabel(id, scanJSON([]byte(props))), ref.field.Name, target, value))
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			for id, n := range dependents {
				t := ed.old[target.Name][id]
				vs = append(vs, geo.HasDependents(target.FeatureLabel(id, t.Properties), n, l))
			}
		}
	}
	return vs, nil
}

// checkBuildings checks that written buildings, and the buildings of
// written compounds, stand inside their compound.
func (ed *editor) checkBuildings(ctx context.Context) ([]geo.Violation, error) {
	compounds := ed.writtenIDs(compoundLayer)
	buildings := ed.writtenIDs(buildingLayer)
	if len(compounds) == 0 && len(buildings) == 0 {
		return nil, nil
	}
	bl, _ := ed.cat.Layer(buildingLayer)
	cl, _ := ed.cat.Layer(compoundLayer)
	rows, err := ed.tx.Query(ctx, `SELECT b.id, partymap_props(to_jsonb(b))::text, c.id,
			partymap_props(to_jsonb(c))::text,
			CASE WHEN ST_CoveredBy(b.geom, c.geom) THEN 0 ELSE ST_Area(ST_Difference(b.geom, c.geom)::geography) END
		FROM buildings b JOIN compounds c ON c.id = b.compound_id
		WHERE b.id = ANY($1) OR b.compound_id = ANY($2) ORDER BY b.id`, buildings, compounds)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	for rows.Next() {
		var id, compoundID int64
		var props, cprops string
		var outside float64
		if err := rows.Scan(&id, &props, &compoundID, &cprops, &outside); err != nil {
			return nil, err
		}
		if outside > geo.AreaTolerance {
			vs = append(vs, geo.BuildingOutsideCompound(bl.FeatureLabel(id, scanJSON([]byte(props))), cl.FeatureLabel(compoundID, scanJSON([]byte(cprops))), outside))
		}
	}
	return vs, rows.Err()
}
