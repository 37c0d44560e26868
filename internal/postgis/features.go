package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// FindFeatures returns one page of a layer's features, ordered by id, and how
// many match the filter in all.
func (db *DB) FindFeatures(ctx context.Context, f geo.Filter) (geo.FeaturePage, error) {
	// The community outline is no collection, but its name titles the map.
	l, ok := db.cat.Layer(f.Layer)
	if !ok {
		_, err := db.cat.LayerOrError(f.Layer)
		return geo.FeaturePage{}, err
	}
	where, args, err := whereClause(l, f)
	if err != nil {
		return geo.FeaturePage{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = geo.DefaultLimit
	}
	ls := db.sql.layer(l.Name)
	countSQL := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s`, ls.table, where)
	pageSQL := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY id LIMIT %d OFFSET %d`,
		ls.columns, ls.table, where, limit, f.Offset)
	pageArgs := args
	if f.After > 0 {
		// Keyset paging: from the primary key's index, not past every row
		// before, and not counted.
		pageArgs = append(slices.Clone(args), f.After)
		pageSQL = fmt.Sprintf(`SELECT %s FROM %s WHERE %s AND id > $%d ORDER BY id LIMIT %d`,
			ls.columns, ls.table, where, len(pageArgs), limit)
	}

	var page geo.FeaturePage
	err = db.read(ctx, layerChange(l.Name), func(q querier) error {
		page = geo.FeaturePage{Matched: -1}
		batch := &pgx.Batch{}
		if f.After <= 0 {
			batch.Queue(countSQL, args...).QueryRow(func(r pgx.Row) error { return r.Scan(&page.Matched) })
		}
		batch.Queue(pageSQL, pageArgs...).Query(func(rows pgx.Rows) error {
			var err error
			page.Features, err = collectFeatures(l, rows)
			return err
		})
		return q.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return geo.FeaturePage{}, storeError(err)
	}
	return page, nil
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

// whereClause builds the filter's condition with numbered parameters.
func whereClause(l geo.Layer, f geo.Filter) (string, []any, error) {
	conds := []string{"true"}
	var args []any
	if f.BBox != nil {
		args = append(args, f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1])
		conds = append(conds, `geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`)
	}
	for _, pf := range f.Props {
		fd, ok := l.Field(pf.Field)
		if !ok {
			return "", nil, geo.Errorf(geo.EINVALID, "Layer %q has no property %q to filter on.", l.Name, pf.Field)
		}
		args = append(args, pf.Value)
		if fd.Type == geo.TextList {
			conds = append(conds, fmt.Sprintf("$%d = ANY(%s)", len(args), ident(fd.Name)))
			continue
		}
		conds = append(conds, fmt.Sprintf("%s = $%d", ident(fd.Name), len(args)))
	}
	return strings.Join(conds, " AND "), args, nil
}

// FindFeature returns one feature by id.
func (db *DB) FindFeature(ctx context.Context, layer string, id int64) (geo.Feature, error) {
	l, err := db.cat.LayerOrError(layer)
	if err != nil {
		return geo.Feature{}, err
	}
	var fs []geo.Feature
	err = db.read(ctx, layerChange(l.Name), func(q querier) error {
		rows, err := q.Query(ctx, db.sql.layer(l.Name).byID, id)
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
	l, err := db.cat.LayerOrError(layer)
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
