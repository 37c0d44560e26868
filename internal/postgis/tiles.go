package postgis

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// Tile renders one Mapbox Vector Tile with every layer visible at the
// tile's zoom, in one round trip: PostGIS clips, simplifies and encodes
// (ST_AsMVTGeom, ST_AsMVT) from the stored Web Mercator geometry. It
// returns no bytes when nothing lies in the tile. It implements
// geo.TileStore; the TileID is valid by construction.
func (db *DB) Tile(ctx context.Context, id geo.TileID) ([]byte, error) {
	t := id.Tile()
	q := db.sql.tiles[t.Z]
	if q.sql == "" {
		return nil, nil
	}
	args := []any{int32(t.Z), int32(t.X), int32(t.Y)}
	if q.kinds != nil {
		args = append(args, q.kinds)
	}
	var mvt []byte
	// A change within the tile's buffer shows in it.
	b := t.Bound(float64(geo.TileBuffer) / geo.TileExtent)
	fresh := areaChange(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	if err := db.read(ctx, fresh, func(r querier) error { return r.QueryRow(ctx, q.sql, args...).Scan(&mvt) }); err != nil {
		return nil, storeError(fmt.Errorf("render tile %d/%d/%d: %w", t.Z, t.X, t.Y, err))
	}
	if len(mvt) == 0 {
		return nil, nil
	}
	return mvt, nil
}

// TileBounds returns the bounding box of everything the tiles draw: the
// community and what lies around it (the temple, the village, roads), so
// that a client asks for every tile that holds something; ok is false when
// the map is empty. It implements geo.TileStore.
func (db *DB) TileBounds(ctx context.Context) (orb.Bound, bool, error) {
	var minx, miny, maxx, maxy *float64
	err := db.read(ctx, anyChange, func(q querier) error {
		return q.QueryRow(ctx, db.sql.tileBounds).Scan(&minx, &miny, &maxx, &maxy)
	})
	if err != nil {
		return orb.Bound{}, false, storeError(err)
	}
	if minx == nil || miny == nil || maxx == nil || maxy == nil {
		return orb.Bound{}, false, nil
	}
	return orb.Bound{Min: orb.Point{*minx, *miny}, Max: orb.Point{*maxx, *maxy}}, true, nil
}
