package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// FindFeatures returns one page of a layer's features in the filter's
// order and how many match the filter in all. When the order allows it
// (geo.Layer.KeysetOrder), the page carries cursors that continue from its
// last and first feature: a page deep in a large layer then costs what the
// first does, where an offset makes the database walk every row before it.
func (db *DB) FindFeatures(ctx context.Context, f geo.Filter) (geo.FeaturePage, error) {
	// The community outline is no collection, but its name titles the map.
	l, ok := db.cat.Layer(f.Layer)
	if !ok {
		_, err := db.cat.LayerOrError(f.Layer)
		return geo.FeaturePage{}, err
	}
	b := &whereBuilder{l: l, crs: f.WhereCRS}
	where, err := b.filter(f)
	if err != nil {
		return geo.FeaturePage{}, err
	}
	// Public reads see only what the layer shows (published orders).
	where = db.sql.layer(l.Name).public + " AND " + where
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	keys := geo.OrderKeys(f.Sort)
	keyset := l.KeysetOrder(keys)
	ls := db.sql.layer(l.Name)
	countSQL := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s`, ls.table, where)
	countArgs := slices.Clone(b.args)

	pos := int64(f.Offset)
	backward := false
	pageWhere := where
	if f.After != nil {
		if !keyset {
			return geo.FeaturePage{}, geo.Errorf(geo.EINVALID, "This order cannot be paged with a cursor; page it with offset.")
		}
		cond, err := b.keyset(l, keys, f.After)
		if err != nil {
			return geo.FeaturePage{}, err
		}
		pageWhere += " AND " + cond
		backward = f.After.Backward
		pos = f.After.Pos
	}
	order, err := orderBy(l, keys, backward)
	if err != nil {
		return geo.FeaturePage{}, err
	}
	offset := ""
	if f.After == nil && f.Offset > 0 {
		offset = fmt.Sprintf(" OFFSET %d", f.Offset)
	}
	// One row more than the page tells whether another page follows.
	pageSQL := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d%s`,
		ls.columnsIn(f.CRS.OrCRS84().SRID), ls.table, pageWhere, order, limit+1, offset)

	var page geo.FeaturePage
	err = db.read(ctx, layerChange(l.Name), func(q querier) error {
		page = geo.FeaturePage{}
		batch := &pgx.Batch{}
		batch.Queue(countSQL, countArgs...).QueryRow(func(r pgx.Row) error { return r.Scan(&page.Matched) })
		batch.Queue(pageSQL, b.args...).Query(func(rows pgx.Rows) error {
			var err error
			page.Features, err = collectFeatures(l, rows)
			return err
		})
		return q.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return geo.FeaturePage{}, storeError(err)
	}
	more := len(page.Features) > limit
	if more {
		page.Features = page.Features[:limit]
	}
	if backward {
		slices.Reverse(page.Features)
		pos = max(pos-int64(len(page.Features)), 0)
	}
	page.Pos = pos
	if keyset && len(page.Features) > 0 {
		first, last := page.Features[0], page.Features[len(page.Features)-1]
		if more || backward {
			page.Next = &geo.Cursor{Values: keyValues(keys, last), ID: last.ID, Pos: pos + int64(len(page.Features))}
		}
		if (backward && more) || (!backward && pos > 0) {
			page.Prev = &geo.Cursor{Values: keyValues(keys, first), ID: first.ID, Pos: pos, Backward: true}
		}
	}
	for i := range page.Features {
		page.Features[i].Geometry = f.CRS.FromPostGIS(page.Features[i].Geometry)
		if f.Properties != nil {
			for name := range page.Features[i].Properties {
				if !slices.Contains(f.Properties, name) {
					delete(page.Features[i].Properties, name)
				}
			}
		}
	}
	return page, nil
}

// orderBy writes the ORDER BY of the keys, reversed for a page read
// backwards. Empty values sort last ascending (PostgreSQL's default).
func orderBy(l geo.Layer, keys []geo.SortKey, backward bool) (string, error) {
	b := &whereBuilder{l: l}
	parts := make([]string, len(keys))
	for i, k := range keys {
		col, err := b.column(k.Property)
		if err != nil {
			return "", err
		}
		if k.Desc != backward {
			col += " DESC"
		}
		parts[i] = col
	}
	return strings.Join(parts, ", "), nil
}

// keyset writes the condition "after the cursor's feature in this order"
// (before it, for a backward cursor): lexicographic over the keys, as a
// row comparison when every key runs the same way, so that an index on
// them serves it.
func (b *whereBuilder) keyset(l geo.Layer, keys []geo.SortKey, c *geo.Cursor) (string, error) {
	cols := make([]string, len(keys))
	vals := make([]string, len(keys))
	same := true
	for i, k := range keys {
		col, err := b.column(k.Property)
		if err != nil {
			return "", err
		}
		cols[i] = col
		var v any = c.ID
		if k.Property != geo.PropID {
			v = c.Values[i]
		}
		vals[i] = b.param(v, castOf(l, k.Property))
		same = same && k.Desc == keys[0].Desc
	}
	greater := func(k geo.SortKey) string {
		if k.Desc != c.Backward {
			return "<"
		}
		return ">"
	}
	if same {
		return "((" + strings.Join(cols, ", ") + ") " + greater(keys[0]) + " (" + strings.Join(vals, ", ") + "))", nil
	}
	cond := cols[len(keys)-1] + " " + greater(keys[len(keys)-1]) + " " + vals[len(keys)-1]
	for i := len(keys) - 2; i >= 0; i-- {
		cond = fmt.Sprintf("(%s %s %s OR (%s = %s AND %s))", cols[i], greater(keys[i]), vals[i], cols[i], vals[i], cond)
	}
	return "(" + cond + ")", nil
}

// castOf is the SQL type of a sortable property's cursor value.
func castOf(l geo.Layer, name string) string {
	if name == geo.PropID {
		return "int8"
	}
	if name == geo.PropUpdatedAt {
		return "timestamptz"
	}
	f, _ := l.Field(name)
	switch f.Type {
	case geo.Integer:
		return "int8"
	case geo.Number:
		return "float8"
	}
	return "text"
}

// keyValues are a feature's values of the order's keys, for its cursor.
func keyValues(keys []geo.SortKey, f geo.Feature) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		switch k.Property {
		case geo.PropID:
			out[i] = f.ID
		case geo.PropUpdatedAt:
			out[i] = f.UpdatedAt
		default:
			out[i] = f.Properties[k.Property]
		}
	}
	return out
}

func collectFeatures(l geo.Layer, rows pgx.Rows) ([]geo.Feature, error) {
	defer rows.Close()
	var out []geo.Feature
	for rows.Next() {
		r := newRow(l)
		if err := rows.Scan(r.targets()...); err != nil {
			return nil, err
		}
		f, err := r.feature(l)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// filter builds the condition of everything but the order: the bounding
// box, the property filters and the CQL2 filter.
func (b *whereBuilder) filter(f geo.Filter) (string, error) {
	conds := []string{"true"}
	geom := ident("geom")
	if f.BBox != nil {
		env := b.envelope(*f.BBox, f.BBoxCRS)
		conds = append(conds, fmt.Sprintf("ST_Intersects(%s, %s)", geom, env))
	}
	for _, pf := range f.Props {
		fd, ok := b.l.Field(pf.Field)
		if !ok {
			return "", geo.Errorf(geo.EINVALID, "Layer %q has no property %q to filter on.", b.l.Name, pf.Field)
		}
		b.args = append(b.args, pf.Value)
		if fd.Type == geo.TextList {
			conds = append(conds, fmt.Sprintf("$%d = ANY(%s)", len(b.args), ident(fd.Name)))
			continue
		}
		conds = append(conds, fmt.Sprintf("%s = $%d", ident(fd.Name), len(b.args)))
	}
	if f.Where != nil {
		s, err := b.cql(f.Where)
		if err != nil {
			return "", err
		}
		conds = append(conds, s)
	}
	return strings.Join(conds, " AND "), nil
}

// FindFeature returns one feature by id.
func (db *DB) FindFeature(ctx context.Context, layer string, id int64) (geo.Feature, error) {
	l, err := db.cat.CollectionOrError(layer)
	if err != nil {
		return geo.Feature{}, err
	}
	var fs []geo.Feature
	err = db.read(ctx, layerChange(l.Name), func(q querier) error {
		rows, err := q.Query(ctx, db.sql.layer(l.Name).publicByID, id)
		if err != nil {
			return err
		}
		fs, err = collectFeatures(l, rows)
		return err
	})
	if err != nil {
		return geo.Feature{}, storeError(err)
	}
	if len(fs) == 0 {
		return geo.Feature{}, geo.Errorf(geo.ENOTFOUND, "Layer %q has no feature with id %d.", layer, id)
	}
	return fs[0], nil
}

// LayerExtent returns the bounding box of a layer's features.
func (db *DB) LayerExtent(ctx context.Context, layer string) (geo.Extent, error) {
	l, err := db.cat.CollectionOrError(layer)
	if err != nil {
		return geo.Extent{}, err
	}
	var e geo.Extent
	var minx, miny, maxx, maxy *float64
	err = db.read(ctx, layerChange(l.Name), func(q querier) error {
		return q.QueryRow(ctx, db.sql.layer(l.Name).extent).Scan(&e.Count, &minx, &miny, &maxx, &maxy)
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return geo.Extent{}, storeError(err)
	}
	if minx == nil {
		e.Empty = true
		return e, nil
	}
	e.Bound.Min = [2]float64{*minx, *miny}
	e.Bound.Max = [2]float64{*maxx, *maxy}
	return e, nil
}

// TransformGeometry transforms a geometry between two EPSG coordinate
// systems (PostGIS's ST_Transform, with PROJ's definitions); the
// coordinates are in PostGIS's order, longitude or easting first. It
// implements geo.GeometryTransformer.
func (db *DB) TransformGeometry(ctx context.Context, g orb.Geometry, fromSRID, toSRID int) (orb.Geometry, error) {
	raw, err := wkb.Marshal(g)
	if err != nil {
		return nil, geo.WrapError(geo.EINVALID, err, "The geometry cannot be read.")
	}
	var out []byte
	err = db.pool.QueryRow(ctx, `SELECT ST_AsBinary(ST_Transform(ST_GeomFromWKB($1, $2::int), $3::int))`, raw, fromSRID, toSRID).Scan(&out)
	if err != nil {
		return nil, storeError(err)
	}
	return wkb.Unmarshal(out)
}
