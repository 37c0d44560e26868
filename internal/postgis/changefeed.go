package postgis

import (
	"context"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// changesSinceSQL reads history rows after a seq, with a car park's spaces
// after the change and the area it touched.
const changesSinceSQL = `
SELECT id, layer, feature_id, version, operation,
       CASE WHEN layer = 'parking' AND operation <> 'delete' THEN (new_props->>'free')::bigint END,
       CASE WHEN layer = 'parking' AND operation <> 'delete' THEN (new_props->>'capacity')::bigint END,
       new_props,
       ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box)
FROM (
    SELECT h.*, ST_Extent(g)::box2d AS box
    FROM history h
    LEFT JOIN LATERAL (VALUES (h.old_geom), (h.new_geom)) AS t (g) ON true
    WHERE h.id > $1
    GROUP BY h.id
    ORDER BY h.id
    LIMIT $2
) c
ORDER BY id`

// ChangesSince returns up to limit committed changes with a seq above
// after, oldest first, as the history table recorded them.
func (db *DB) ChangesSince(ctx context.Context, after int64, limit int) ([]geo.ChangeRecord, error) {
	if limit < 1 {
		return nil, geo.Errorf(geo.EINVALID, "The limit of changes must be 1 or more; got %d.", limit)
	}
	rows, err := db.pool.Query(ctx, changesSinceSQL, after, limit)
	if err != nil {
		return nil, storeError(err)
	}
	defer rows.Close()
	var out []geo.ChangeRecord
	for rows.Next() {
		var c geo.ChangeRecord
		var minx, miny, maxx, maxy *float64
		var props map[string]any
		if err := rows.Scan(&c.Seq, &c.Layer, &c.ID, &c.Version, &c.Op, &c.Free, &c.Capacity, &props, &minx, &miny, &maxx, &maxy); err != nil {
			return nil, storeError(err)
		}
		if l, ok := db.cat.Layer(c.Layer); ok && l.Public != nil {
			c.Hidden = c.Op == "delete" || !l.Public.Shows(props)
		}
		if minx != nil && miny != nil && maxx != nil && maxy != nil {
			c.BBox = orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// LatestChange returns the seq of the newest committed change, 0 when the
// history is empty.
func (db *DB) LatestChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM history`).Scan(&seq); err != nil {
		return 0, storeError(err)
	}
	return seq, nil
}
