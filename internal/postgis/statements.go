package postgis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// Every statement of this package that names a layer is built here, once,
// in Open, from the layer catalogue: identifiers come only from it and are
// quoted (pgx.Identifier.Sanitize); values are always parameters. A new
// layer in the catalogue gets its reads, writes, locks, derived fields and
// tiles without a line here.

// statements are the SQL of every stored layer and of the tiles.
type statements struct {
	layers map[string]*layerSQL
	// tiles holds the tile statement of each zoom, 0 to geo.TileMaxZoom.
	tiles []tileQuery
	// tileBounds is the extent of every layer together.
	tileBounds string
	// locate finds the grid, compound, party branch and community at a
	// point; locateIn within one community.
	locate, locateIn locateSQL
	// communityExists tells whether a community has the code $1.
	communityExists string
	// overview reads the city's overview.
	overview overviewSQL
	// walk is the walking network's (walk.go).
	walk *walkSQL
}

// layerSQL is the SQL of one stored layer.
type layerSQL struct {
	layer geo.Layer
	// table is the quoted table name.
	table string
	// columns is the select list row.targets scans: id, geometry,
	// bookkeeping, then the catalogue's fields; cols is the same, one
	// column a string (the geometry second).
	columns string
	cols    []string
	// params are the fields a write passes as parameters $2… after the
	// geometry ($1), in order; Derived fields are computed by the
	// statement instead.
	params []geo.Field
	// byID reads one row ($1 id); all reads every row by id; lock reads
	// and locks rows ($1 ids) in id order. publicByID reads one row the
	// public may see.
	byID, all, lock, publicByID string
	// public is the condition on the table's columns (unqualified) that
	// keeps public reads to what the layer shows (geo.Layer.Public):
	// "true" for most layers.
	public string
	// insert writes a new row and lets the table pick its id; insertAs
	// takes the id ($n+2) and continues the versions its history has
	// ($n+3 the layer's name); update writes $n+2 id at version $n+3. Each
	// returns the row as columns reads it.
	insert, insertAs, update string
	// remove deletes $1 id at version $2, returning the version.
	remove string
	// moveSerial moves the id sequence past the largest id ($1 the quoted
	// table name); it returns no row for a table whose ids are given.
	moveSerial string
	// keyTaken finds another row ($2 id) with the key $1, when the layer
	// has a key: its id and properties.
	keyTaken string
	// extent counts the rows and bounds their geometry.
	extent string
	// nearest lists the rows nearest to a point (finder.go); nearestIn
	// those of one community ($4), for a layer with a community.
	nearest, nearestIn string
	// derived keeps each Derived field.
	derived []derivedSQL
	// outside measures how far the rows $1 reach outside the community:
	// id, properties, whether a point, and the distance (m) or area (m²).
	outside string
	// refs checks each reference the layer's rows make that is not derived.
	refs []refSQL
}

// refSQL checks one field that names a row of another layer (its Ref).
type refSQL struct {
	field geo.Field
	// key is the column of the Ref layer the field holds (geo.Catalogue.RefKey).
	key string
	// missing lists the rows, among $1 (ids) and those whose value is one
	// of $2, that name a row the Ref layer does not have: id, properties,
	// and the value as text.
	missing string
}

// derivedSQL keeps one Derived field.
type derivedSQL struct {
	field geo.Field
	// stale lists the rows, and the value their position now gives them,
	// whose value is another: among the rows whose geometry meets $1 (WKB,
	// or NULL) or whose value is one of $2.
	stale string
	// refresh sets the field of every row to what its position gives,
	// where it differs (DeriveFields).
	refresh string
}

// columnsIn is the select list with the geometry in the CRS of SRID srid
// (PostGIS's axis order): the stored WGS 84, or transformed by PostGIS.
func (ls *layerSQL) columnsIn(srid int) string {
	if srid == 0 || srid == 4326 {
		return ls.columns
	}
	cols := slices.Clone(ls.cols)
	cols[1] = fmt.Sprintf("ST_AsBinary(ST_Transform(%s, %d))", ident("geom"), srid)
	return strings.Join(cols, ", ")
}

// publicCond is the condition that keeps a layer's rows (of the table
// alias, "" for none) to those the public sees: "true" for a layer
// without geo.Layer.Public.
func publicCond(l geo.Layer, alias string) string {
	v := l.Public
	if v == nil {
		return "true"
	}
	values := make([]string, len(v.Values))
	for i, s := range v.Values {
		values[i] = literal(s)
	}
	col := ident(v.Field)
	if alias != "" {
		col = alias + "." + col
	}
	return fmt.Sprintf("%s = ANY(ARRAY[%s]::text[])", col, strings.Join(values, ", "))
}

// ident quotes an identifier from the catalogue.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// literal quotes a text from the catalogue as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// newStatements builds every statement from the catalogue.
func newStatements(cat *geo.Catalogue) (*statements, error) {
	st := &statements{layers: map[string]*layerSQL{}}
	var extents []string
	for _, l := range cat.Layers() {
		ls, err := newLayerSQL(cat, l)
		if err != nil {
			return nil, err
		}
		st.layers[l.Name] = ls
		extents = append(extents, "SELECT ST_Extent(geom)::geometry AS b FROM "+ls.table+" WHERE "+ls.public)
	}
	st.tileBounds = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
	SELECT ST_Extent(b) AS e FROM (
		` + strings.Join(extents, "\n\t\tUNION ALL ") + `
	) layers
) s`
	st.locate, st.locateIn = newLocateSQL(st, false), newLocateSQL(st, true)
	st.overview = newOverviewSQL(cat)
	st.walk = newWalkSQL(st, cat)
	communities := st.layer(cat.Communities().Name)
	st.communityExists = fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1)`, communities.table, ident(cat.Communities().Key))
	for z := 0; z <= geo.TileMaxZoom; z++ {
		q, err := buildTileQuery(cat, z)
		if err != nil {
			return nil, err
		}
		st.tiles = append(st.tiles, q)
	}
	return st, nil
}

// layer returns the SQL of a stored layer; the catalogue's layers all have
// theirs.
func (st *statements) layer(name string) *layerSQL { return st.layers[name] }

func newLayerSQL(cat *geo.Catalogue, l geo.Layer) (*layerSQL, error) {
	ls := &layerSQL{layer: l, table: ident(l.Name)}
	cols := []string{ident("id"), "ST_AsBinary(" + ident("geom") + ")", ident("version"), ident("updated_at"), ident("updated_by")}
	for _, f := range l.Fields {
		if f.Type == geo.Position {
			cols = append(cols, "ST_AsBinary("+ident(f.Name)+")")
			continue
		}
		cols = append(cols, ident(f.Name))
	}
	ls.columns = strings.Join(cols, ", ")
	ls.cols = cols
	ls.byID = fmt.Sprintf(`SELECT %s FROM %s WHERE id = $1`, ls.columns, ls.table)
	ls.public = publicCond(l, "")
	ls.publicByID = fmt.Sprintf(`SELECT %s FROM %s WHERE id = $1 AND %s`, ls.columns, ls.table, ls.public)
	ls.all = fmt.Sprintf(`SELECT %s FROM %s ORDER BY id`, ls.columns, ls.table)
	ls.lock = fmt.Sprintf(`SELECT %s FROM %s WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ls.columns, ls.table)
	ls.extent = fmt.Sprintf(`SELECT n, ST_XMin(ext), ST_YMin(ext), ST_XMax(ext), ST_YMax(ext)
		FROM (SELECT count(*) AS n, ST_Extent(geom) AS ext FROM %s WHERE %s) s`, ls.table, ls.public)
	ls.nearest = nearestSQL(ls, "")
	if _, ok := l.Field(geo.CommunityField); ok {
		ls.nearestIn = nearestSQL(ls, "t."+ident(geo.CommunityField)+" = $4")
	}
	ls.remove = fmt.Sprintf(`DELETE FROM %s WHERE id = $1 AND version = $2 RETURNING version`, ls.table)
	ls.moveSerial = fmt.Sprintf(`SELECT setval(s, greatest((SELECT max(id) FROM %s), 1))
		FROM pg_get_serial_sequence($1, 'id') s WHERE s IS NOT NULL`, ls.table)

	geom := "ST_GeomFromWKB($1, 4326)"
	names := []string{ident("geom")}
	exprs := []string{geom}
	for _, f := range l.Fields {
		names = append(names, ident(f.Name))
		if f.Derived {
			expr, err := deriveExpr(cat, l, f, geom)
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, expr)
			continue
		}
		ls.params = append(ls.params, f)
		n := len(ls.params) + 1
		if f.Type == geo.Position {
			exprs = append(exprs, fmt.Sprintf("ST_GeomFromWKB($%d, 4326)", n))
			continue
		}
		exprs = append(exprs, fmt.Sprintf("$%d", n))
	}
	n := len(ls.params) + 1
	ls.insert = fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s) RETURNING %s`,
		ls.table, strings.Join(names, ", "), strings.Join(exprs, ", "), ls.columns)
	ls.insertAs = fmt.Sprintf(`INSERT INTO %s (%s, id, version) VALUES (%s, $%d,
		coalesce((SELECT max(version) FROM history WHERE layer = $%d AND feature_id = $%d), 0) + 1) RETURNING %s`,
		ls.table, strings.Join(names, ", "), strings.Join(exprs, ", "), n+1, n+2, n+1, ls.columns)
	sets := make([]string, len(names))
	for i := range names {
		sets[i] = names[i] + " = " + exprs[i]
	}
	ls.update = fmt.Sprintf(`UPDATE %s SET %s WHERE id = $%d AND version = $%d RETURNING %s`,
		ls.table, strings.Join(sets, ", "), n+1, n+2, ls.columns)

	if l.Key != "" {
		ls.keyTaken = fmt.Sprintf(`SELECT id, partymap_props(to_jsonb(t))::text FROM %s t WHERE %s = $1 AND id <> $2 ORDER BY id LIMIT 1`,
			ls.table, ident(l.Key))
	}
	// A feature must lie inside the communities (its kind may let it
	// stand a little outside): a point is measured to the nearest one, a
	// shape by its area outside those it meets. A map without any
	// community yet (an import writes them first) checks nothing.
	communities := ident(cat.Communities().Name)
	ls.outside = fmt.Sprintf(`SELECT t.id, partymap_props(to_jsonb(t))::text, GeometryType(t.geom) = 'POINT',
			CASE WHEN GeometryType(t.geom) = 'POINT' THEN coalesce((SELECT ST_Distance(t.geom::geography, c.geom::geography)
			         FROM %[2]s c ORDER BY c.geom <-> t.geom LIMIT 1), 0)
			     ELSE coalesce((SELECT ST_Area(ST_Difference(t.geom, ST_Union(c.geom))::geography)
			         FROM %[2]s c WHERE c.geom && t.geom), ST_Area(t.geom::geography)) END
		FROM %[1]s t
		WHERE t.id = ANY($1) AND EXISTS (SELECT 1 FROM %[2]s) ORDER BY t.id`, ls.table, communities)
	for _, f := range l.Fields {
		if f.Ref == "" || f.Derived {
			continue
		}
		ref, ok := cat.Layer(f.Ref)
		if !ok {
			return nil, fmt.Errorf("layer %s: field %s refers to layer %q, which the catalogue does not have", l.Name, f.Name, f.Ref)
		}
		key := cat.RefKey(f)
		array := "bigint[]"
		if f.Type == geo.Text {
			array = "text[]"
		}
		col := "t." + ident(f.Name)
		ls.refs = append(ls.refs, refSQL{field: f, key: key, missing: fmt.Sprintf(`SELECT t.id, partymap_props(to_jsonb(t))::text, %[1]s::text FROM %[2]s t
		WHERE (t.id = ANY($1) OR %[1]s = ANY($2::%[3]s)) AND %[1]s IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM %[4]s r WHERE r.%[5]s = %[1]s) ORDER BY t.id`, col, ls.table, array, ident(ref.Name), ident(key))})
	}
	for _, f := range l.DerivedFields() {
		expr, err := deriveExpr(cat, l, f, "t.geom")
		if err != nil {
			return nil, err
		}
		col := "t." + ident(f.Name)
		ls.derived = append(ls.derived, derivedSQL{field: f, stale: fmt.Sprintf(`SELECT t.id, d.v FROM %s t, LATERAL (SELECT %s AS v) d
		WHERE (t.geom && ST_GeomFromWKB($1, 4326) OR %s = ANY($2::text[])) AND %s IS DISTINCT FROM d.v ORDER BY t.id`,
			ls.table, expr, col, col),
			refresh: fmt.Sprintf(`UPDATE %[1]s u SET %[2]s = d.v FROM (SELECT t.id, %[3]s AS v FROM %[1]s t) d
		WHERE u.id = d.id AND u.%[2]s IS DISTINCT FROM d.v`, ls.table, ident(f.Name), expr)})
	}
	return ls, nil
}

// deriveExpr is the SQL that gives a Derived field its value from the
// geometry g: the key of the feature of the field's Ref layer that covers
// g when g is a point (the lowest key when several share an edge or
// corner, as /api/locate answers), or that covers the most of g (its
// length, or area); for an
// OrNearest field, when none does, the nearest one.
func deriveExpr(cat *geo.Catalogue, l geo.Layer, f geo.Field, g string) (string, error) {
	ref, ok := cat.Layer(f.Ref)
	if !ok || f.Type != geo.Text || ref.Key == "" {
		return "", fmt.Errorf("layer %s: derived field %s must be text naming a layer with a key; it names %q", l.Name, f.Name, f.Ref)
	}
	key := "ref." + ident(ref.Key)
	var expr string
	switch l.Geometry {
	case geo.Point:
		expr = fmt.Sprintf(`(SELECT %[1]s FROM %[2]s ref WHERE ST_Covers(ref.geom, %[3]s) ORDER BY %[1]s LIMIT 1)`,
			key, ident(ref.Name), g)
	default:
		// The most of a line is its length, of a polygon its area.
		measure := "ST_Area"
		if l.Geometry == geo.LineString {
			measure = "ST_Length"
		}
		expr = fmt.Sprintf(`(SELECT %[1]s FROM %[2]s ref WHERE ST_Intersects(ref.geom, %[3]s)
		ORDER BY %[4]s(ST_Intersection(ref.geom, %[3]s)) DESC, %[1]s LIMIT 1)`, key, ident(ref.Name), g, measure)
	}
	if f.OrNearest {
		expr = fmt.Sprintf(`coalesce(%[1]s, (SELECT %[2]s FROM %[3]s ref ORDER BY ref.geom <-> %[4]s, %[2]s LIMIT 1))`,
			expr, key, ident(ref.Name), g)
	}
	return expr, nil
}
