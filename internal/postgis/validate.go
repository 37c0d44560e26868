package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"partymap/internal/geo"
)

// validate checks the database as this transaction leaves it, around what it
// wrote, and returns every broken rule. It runs after the writes, so that a
// batch (a reshape and its neighbours, an import) is judged as a whole.
// Along the way it moves a compound (and its buildings) to another grid when
// a grid edit put it wholly inside that grid.
func (ed *editor) validate(ctx context.Context) ([]geo.Violation, error) {
	var vs []geo.Violation
	for _, l := range ed.cat.Layers() {
		if !l.Editable || len(ed.written[l.Name]) == 0 {
			continue
		}
		more, err := ed.checkOutline(ctx, l)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	var region []byte
	if len(ed.written["grids"]) > 0 {
		var err error
		region, err = ed.gridRegion(ctx)
		if err != nil {
			return nil, err
		}
		more, err := ed.checkGrids(ctx, region)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	if region != nil || len(ed.written["compounds"]) > 0 {
		more, err := ed.checkCompounds(ctx, region)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	for _, check := range []func(context.Context) ([]geo.Violation, error){ed.checkGridCodes, ed.checkBuildings, ed.checkOrganizations} {
		more, err := check(ctx)
		if err != nil {
			return nil, err
		}
		vs = append(vs, more...)
	}
	return vs, nil
}

// scanJSON decodes a jsonb column read as bytes.
func scanJSON(b []byte) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

// checkOutline finds written features that reach outside the community.
func (ed *editor) checkOutline(ctx context.Context, l geo.Layer) ([]geo.Violation, error) {
	rows, err := ed.tx.Query(ctx, fmt.Sprintf(`SELECT t.id, partymap_props(to_jsonb(t))::text, GeometryType(t.geom) = 'POINT',
			CASE WHEN GeometryType(t.geom) = 'POINT' THEN ST_Distance(t.geom::geography, c.geom::geography)
			     ELSE ST_Area(ST_Difference(t.geom, c.geom)::geography) END
		FROM %s t, (SELECT ST_Union(geom) AS geom FROM community) c
		WHERE t.id = ANY($1) AND c.geom IS NOT NULL ORDER BY t.id`, l.Name), ed.writtenIDs(l.Name))
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
		if (point && amount > geo.DistanceTolerance) || (!point && amount > geo.AreaTolerance) {
			vs = append(vs, geo.OutsideCommunity(geo.LabelOf(l.Name, id, scanJSON([]byte(props))), amount, point))
		}
	}
	return vs, rows.Err()
}

// gridRegion is the area the written grids covered before or cover now.
func (ed *editor) gridRegion(ctx context.Context) ([]byte, error) {
	old, err := ed.oldGeometries("grids")
	if err != nil {
		return nil, err
	}
	var region []byte
	err = ed.tx.QueryRow(ctx, `SELECT ST_AsBinary(ST_Union(g)) FROM (
			SELECT ST_GeomFromWKB(w, 4326) AS g FROM unnest($1::bytea[]) w
			UNION ALL SELECT geom FROM grids WHERE id = ANY($2)) s`, old, ed.writtenIDs("grids")).Scan(&region)
	return region, err
}

// checkGrids finds overlaps between a written grid and any other, and parts
// of the community in the region that no grid covers any more.
func (ed *editor) checkGrids(ctx context.Context, region []byte) ([]geo.Violation, error) {
	var vs []geo.Violation
	ids := ed.writtenIDs("grids")
	rows, err := ed.tx.Query(ctx, `SELECT a.id, partymap_props(to_jsonb(a))::text, b.id, partymap_props(to_jsonb(b))::text,
			ST_Area(ST_Intersection(a.geom, b.geom)::geography)
		FROM grids a JOIN grids b ON a.id <> b.id AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)
		WHERE a.id = ANY($1) AND (b.id <> ALL($1) OR a.id < b.id) ORDER BY a.id, b.id`, ids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var aID, bID int64
		var aProps, bProps string
		var area float64
		if err := rows.Scan(&aID, &aProps, &bID, &bProps, &area); err != nil {
			rows.Close()
			return nil, err
		}
		if area > geo.AreaTolerance {
			vs = append(vs, geo.GridOverlap(geo.LabelOf("grids", aID, scanJSON([]byte(aProps))), geo.LabelOf("grids", bID, scanJSON([]byte(bProps))), area))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if region == nil {
		return vs, nil
	}
	rows, err = ed.tx.Query(ctx, `WITH r AS (SELECT ST_GeomFromWKB($1, 4326) AS g),
		inside AS (SELECT ST_Intersection(c.geom, r.g) AS g FROM community c, r),
		cover AS (SELECT ST_Union(geom) AS g FROM grids, r WHERE grids.geom && r.g),
		holes AS (SELECT (ST_Dump(ST_Difference(i.g, coalesce(cv.g, ST_SetSRID('POLYGON EMPTY'::geometry, 4326))))).geom AS g FROM inside i, cover cv)
		SELECT ST_Area(g::geography), ST_X(ST_PointOnSurface(g)), ST_Y(ST_PointOnSurface(g))
		FROM holes WHERE GeometryType(g) = 'POLYGON' AND ST_Area(g::geography) > $2 ORDER BY 1 DESC`, region, geo.AreaTolerance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var area, x, y float64
		if err := rows.Scan(&area, &x, &y); err != nil {
			return nil, err
		}
		vs = append(vs, geo.GridGap(area, [2]float64{x, y}))
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

func (s gridShare) label() geo.Label {
	return geo.LabelOf("grids", s.ID, map[string]any{"code": s.Code, "name_zh": s.NameZh, "name_en": s.NameEn})
}

// checkCompounds checks that every written compound, and every compound in
// the region of a grid edit, lies inside exactly one grid, and that its
// grid_code names it. A compound the writer did not write that a grid edit
// moved wholly into another grid is reassigned to it, with its buildings.
func (ed *editor) checkCompounds(ctx context.Context, region []byte) ([]geo.Violation, error) {
	written := ed.writtenIDs("compounds")
	rows, err := ed.tx.Query(ctx, `SELECT c.id, partymap_props(to_jsonb(c))::text, c.grid_code, ST_Area(c.geom::geography),
			coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'code', g.code, 'name_zh', g.name_zh, 'name_en', g.name_en,
				'area', ST_Area(ST_Intersection(c.geom, g.geom)::geography)) ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '[]')::text
		FROM compounds c LEFT JOIN grids g ON ST_Intersects(c.geom, g.geom) AND NOT ST_Touches(c.geom, g.geom)
		WHERE c.id = ANY($1) OR ($2::bytea IS NOT NULL AND c.geom && ST_GeomFromWKB($2, 4326))
		GROUP BY c.id ORDER BY c.id`, written, region)
	if err != nil {
		return nil, err
	}
	type move struct {
		id   int64
		code string
	}
	var moves []move
	var vs []geo.Violation
	for rows.Next() {
		var id int64
		var props, code, sharesJSON string
		var area float64
		if err := rows.Scan(&id, &props, &code, &area, &sharesJSON); err != nil {
			rows.Close()
			return nil, err
		}
		var shares []gridShare
		if err := json.Unmarshal([]byte(sharesJSON), &shares); err != nil {
			rows.Close()
			return nil, err
		}
		label := geo.LabelOf("compounds", id, scanJSON([]byte(props)))
		var significant []geo.GridShare
		var covering []gridShare
		var covered float64
		for _, s := range shares {
			if s.Area > geo.AreaTolerance {
				significant = append(significant, geo.GridShare{Grid: s.label(), Area: s.Area})
				covered += s.Area
			}
			if area-s.Area <= geo.AreaTolerance {
				covering = append(covering, s)
			}
		}
		switch {
		case len(covering) == 1 && len(significant) <= 1:
			if covering[0].Code == code {
				break
			}
			if slices.Contains(written, id) {
				vs = append(vs, geo.CompoundGridCode(label, code, covering[0].Code))
				break
			}
			moves = append(moves, move{id, covering[0].Code})
		case area-covered > geo.AreaTolerance:
			vs = append(vs, geo.CompoundOrphaned(label, area-covered))
		case len(significant) >= 2:
			vs = append(vs, geo.CompoundSplit(label, significant))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, m := range moves {
		if err := ed.reassign(ctx, m.id, m.code); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// reassign moves a compound, and its buildings, to the grid it now lies in.
func (ed *editor) reassign(ctx context.Context, compoundID int64, code string) error {
	l, _ := ed.cat.Layer("compounds")
	if err := ed.lock(ctx, l, []int64{compoundID}); err != nil {
		return err
	}
	c := ed.old["compounds"][compoundID]
	from, _ := c.Properties["grid_code"].(string)
	note := geo.ItemChange{
		NoteZh: fmt.Sprintf("网格边界移动后，该小区从网格 %s 划入网格 %s。", from, code),
		NoteEn: fmt.Sprintf("The grid boundary moved: the compound moved from grid %s to grid %s.", from, code),
	}
	nc := c
	nc.Properties = cloneProps(c.Properties)
	nc.Properties["grid_code"] = code
	if err := ed.write(ctx, geo.Write{Op: geo.Update, Feature: nc, IfVersion: c.Version}, note); err != nil {
		return err
	}
	bl, _ := ed.cat.Layer("buildings")
	var ids []int64
	rows, err := ed.tx.Query(ctx, `SELECT id FROM buildings WHERE compound_id = $1 AND grid_code IS DISTINCT FROM $2 ORDER BY id`, compoundID, code)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := ed.lock(ctx, bl, ids); err != nil {
		return err
	}
	for _, id := range ids {
		b := ed.old["buildings"][id]
		nb := b
		nb.Properties = cloneProps(b.Properties)
		nb.Properties["grid_code"] = code
		note := geo.ItemChange{
			NoteZh: fmt.Sprintf("所属小区划入网格 %s。", code),
			NoteEn: fmt.Sprintf("Its compound moved to grid %s.", code),
		}
		if err := ed.write(ctx, geo.Write{Op: geo.Update, Feature: nb, IfVersion: b.Version}, note); err != nil {
			return err
		}
	}
	return nil
}

func cloneProps(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// checkGridCodes finds compounds whose grid_code names no grid: the grid
// was deleted or renamed away, or the compound names one that never was.
func (ed *editor) checkGridCodes(ctx context.Context) ([]geo.Violation, error) {
	if len(ed.written["grids"]) == 0 && len(ed.written["compounds"]) == 0 {
		return nil, nil
	}
	oldCodes := map[string]geo.Feature{}
	var codes []string
	for _, g := range ed.old["grids"] {
		if c, ok := g.Properties["code"].(string); ok {
			oldCodes[c] = g
			codes = append(codes, c)
		}
	}
	rows, err := ed.tx.Query(ctx, `SELECT c.id, partymap_props(to_jsonb(c))::text, c.grid_code FROM compounds c
		WHERE (c.id = ANY($1) OR c.grid_code = ANY($2)) AND NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = c.grid_code)
		ORDER BY c.id`, ed.writtenIDs("compounds"), codes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	dependents := map[string]int{}
	for rows.Next() {
		var id int64
		var props, code string
		if err := rows.Scan(&id, &props, &code); err != nil {
			return nil, err
		}
		if _, ok := oldCodes[code]; ok {
			dependents[code]++
			continue
		}
		vs = append(vs, geo.UnknownReference(geo.LabelOf("compounds", id, scanJSON([]byte(props))), "grid_code", "grid", code))
	}
	for code, n := range dependents {
		g := oldCodes[code]
		vs = append(vs, geo.HasDependents(geo.LabelOf("grids", g.ID, g.Properties), n, "compounds", "小区"))
	}
	return vs, rows.Err()
}

// checkBuildings checks that written buildings, and the buildings of
// written compounds, stand inside their compound.
func (ed *editor) checkBuildings(ctx context.Context) ([]geo.Violation, error) {
	compounds := ed.writtenIDs("compounds")
	buildings := ed.writtenIDs("buildings")
	if len(compounds) == 0 && len(buildings) == 0 {
		return nil, nil
	}
	rows, err := ed.tx.Query(ctx, `SELECT b.id, partymap_props(to_jsonb(b))::text, b.compound_id, c.id IS NOT NULL,
			coalesce(partymap_props(to_jsonb(c))::text, '{}'), coalesce(ST_Area(ST_Difference(b.geom, c.geom)::geography), 0)
		FROM buildings b LEFT JOIN compounds c ON c.id = b.compound_id
		WHERE b.id = ANY($1) OR b.compound_id = ANY($2) ORDER BY b.id`, buildings, compounds)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	gone := map[int64]int{}
	for rows.Next() {
		var id, compoundID int64
		var props, cprops string
		var exists bool
		var outside float64
		if err := rows.Scan(&id, &props, &compoundID, &exists, &cprops, &outside); err != nil {
			return nil, err
		}
		b := geo.LabelOf("buildings", id, scanJSON([]byte(props)))
		switch {
		case !exists:
			if _, deleted := ed.old["compounds"][compoundID]; deleted {
				gone[compoundID]++
				continue
			}
			vs = append(vs, geo.UnknownReference(b, "compound_id", "compound", compoundID))
		case outside > geo.AreaTolerance:
			vs = append(vs, geo.BuildingOutsideCompound(b, geo.LabelOf("compounds", compoundID, scanJSON([]byte(cprops))), outside))
		}
	}
	for id, n := range gone {
		c := ed.old["compounds"][id]
		vs = append(vs, geo.HasDependents(geo.LabelOf("compounds", id, c.Properties), n, "buildings", "楼栋"))
	}
	return vs, rows.Err()
}

// checkOrganizations checks that a written organization's parent exists and
// that a deleted one leaves no children behind.
func (ed *editor) checkOrganizations(ctx context.Context) ([]geo.Violation, error) {
	ids := ed.writtenIDs("organizations")
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := ed.tx.Query(ctx, `SELECT o.id, partymap_props(to_jsonb(o))::text, o.parent_id, NOT EXISTS (SELECT 1 FROM organizations x WHERE x.id = o.parent_id)
		FROM organizations o WHERE (o.id = ANY($1) AND o.parent_id IS NOT NULL) OR o.parent_id = ANY($1) ORDER BY o.id`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Violation
	orphans := map[int64]int{}
	for rows.Next() {
		var id, parent int64
		var props string
		var missing bool
		if err := rows.Scan(&id, &props, &parent, &missing); err != nil {
			return nil, err
		}
		if !missing {
			continue
		}
		if _, deleted := ed.old["organizations"][parent]; deleted {
			orphans[parent]++
			continue
		}
		vs = append(vs, geo.UnknownReference(geo.LabelOf("organizations", id, scanJSON([]byte(props))), "parent_id", "organization", parent))
	}
	for id, n := range orphans {
		o := ed.old["organizations"][id]
		vs = append(vs, geo.HasDependents(geo.LabelOf("organizations", id, o.Properties), n, "organizations", "下级党组织"))
	}
	return vs, rows.Err()
}
