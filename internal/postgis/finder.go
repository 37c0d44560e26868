package postgis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The finder asks PostGIS for candidates nearest first in degrees, with the
// GiST index (KNN: ORDER BY target <-> origin), measures each exactly on the
// ellipsoid (ST_Distance on geography) and sorts by that true distance. A
// degree east is shorter than a degree north, so the index order is not
// quite the true order: it fetches more than asked, and fetches again with
// a larger window until no candidate beyond the window can be nearer than
// the last answer it keeps (geo.MinMetresWithin).
//
// The filters (services, free spaces, opening hours) are applied in Go to
// the candidates in index order, by the same widening loop: opening hours
// must be read in Go anyway, and a plain KNN scan is the plan PostgreSQL
// always picks, where a filtered one on a small table may fall back to a
// sequential scan and a sort.

// nearestSQL returns the candidate query of a layer: the catalogue's
// columns, then the target's lon and lat, the distance in metres on the
// ellipsoid and the planar distance in degrees. $1, $2 are the origin's lon
// and lat, $3 the number of candidates; with a where clause (one of a
// community, $4) only the rows it keeps. The target is the layer's position
// property when it has one (a car park's entrance, where a driver actually
// goes, not its outline), else its geometry.
func nearestSQL(ls *layerSQL, where string) string {
	target := ident("geom")
	for _, f := range ls.layer.Fields {
		if f.Type == geo.Position {
			target = ident(f.Name)
			break
		}
	}
	origin := "ST_SetSRID(ST_MakePoint($1, $2), 4326)"
	if where != "" {
		where = "\nWHERE " + where
	}
	return fmt.Sprintf(`SELECT %[1]s, ST_X(%[2]s), ST_Y(%[2]s),
	ST_Distance(%[2]s::geography, %[3]s::geography), %[2]s <-> %[3]s
FROM %[4]s t%[5]s
ORDER BY %[2]s <-> %[3]s
LIMIT $3`, ls.columns, target, origin, ls.table, where)
}

// nearestFirstWindow is how many candidates the first round fetches beyond
// the limit.
const nearestFirstWindow = 16

// Nearest returns the features of q.Layer nearest to q.Origin that pass its
// filters, ordered by their true distance on the ellipsoid.
func (db *DB) Nearest(ctx context.Context, q geo.NearestQuery) ([]geo.Nearby, error) {
	if !slices.Contains(geo.NearestLayers(), q.Layer) {
		return nil, geo.Errorf(geo.EINVALID, "The layer must be one of posts, parking; got %q.", q.Layer)
	}
	l, err := db.cat.LayerOrError(q.Layer)
	if err != nil {
		return nil, err
	}
	if q.Limit < 1 || q.Limit > geo.MaxNearestLimit {
		return nil, geo.Errorf(geo.EINVALID, "The limit must be from 1 to %d; got %d.", geo.MaxNearestLimit, q.Limit)
	}
	if !validPoint(q.Origin) {
		return nil, geo.Errorf(geo.EINVALID, "The origin must be a longitude from -180 to 180 and a latitude from -90 to 90; got %v.", q.Origin)
	}
	now := q.Now
	if now.IsZero() {
		now = time.Now()
	}
	if len(q.Services) > 0 && l.Name != "posts" {
		return nil, geo.Errorf(geo.EINVALID, "Only posts offer services; car parks cannot be filtered by service.")
	}
	if q.MinFree > 0 && l.Name != "parking" {
		return nil, geo.Errorf(geo.EINVALID, "Only car parks have free spaces; posts cannot be filtered by min_free.")
	}
	sql := db.sql.layer(l.Name).nearest
	var more []any
	if q.Community != "" {
		if err := db.checkCommunity(ctx, q.Community); err != nil {
			return nil, err
		}
		sql, more = db.sql.layer(l.Name).nearestIn, []any{q.Community}
	}
	if q.ByWalking {
		return db.nearestByWalking(ctx, q)
	}
	window := q.Limit + nearestFirstWindow
	if len(q.Services) > 0 || q.MinFree > 0 || q.OpenNow {
		window *= 4
	}
	for {
		cands, lastDeg, err := db.nearestRound(ctx, l, sql, window, q, now, more...)
		if err != nil {
			return nil, err
		}
		exhausted := lastDeg < 0
		enough := len(cands) >= q.Limit && cands[q.Limit-1].DistanceM <= geo.MinMetresWithin(q.Origin.Lat(), lastDeg)
		if exhausted || enough {
			return cands[:min(q.Limit, len(cands))], nil
		}
		window *= 4
	}
}

// nearestRound fetches up to window candidates nearest first in degrees and
// returns those that pass the query's filters sorted by true distance, and
// the planar distance of the last candidate fetched: -1 when the window was
// not filled, so that every candidate was seen.
func (db *DB) nearestRound(ctx context.Context, l geo.Layer, sql string, window int, q geo.NearestQuery, now time.Time, more ...any) ([]geo.Nearby, float64, error) {
	var out []geo.Nearby
	var fetched int
	var lastDeg float64
	err := db.read(ctx, layerChange(l.Name), func(qr querier) error {
		out, fetched, lastDeg = nil, 0, 0
		rows, err := qr.Query(ctx, sql, append([]any{q.Origin.Lon(), q.Origin.Lat(), window}, more...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r := newRow(l)
			var tx, ty, metres float64
			if err := rows.Scan(append(r.targets(), &tx, &ty, &metres, &lastDeg)...); err != nil {
				return err
			}
			fetched++
			f, err := r.feature(l)
			if err != nil {
				return err
			}
			n := geo.NewNearby(f, q.Origin, orb.Point{tx, ty}, metres, now)
			if passes(q, n) {
				out = append(out, n)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, storeError(err)
	}
	slices.SortStableFunc(out, func(a, b geo.Nearby) int {
		return cmp.Or(cmp.Compare(a.DistanceM, b.DistanceM), cmp.Compare(a.Feature.ID, b.Feature.ID))
	})
	if fetched < window {
		lastDeg = -1
	}
	return out, lastDeg, nil
}

// locateSQL is what /api/locate reads.
type locateSQL struct {
	// grid, compound and branch find the grid, the compound and the grid's
	// party branch that cover the point ($1, $2); community the community
	// of that grid. On an edge two grids share, the lower code wins (as a
	// point's derived grid_code does). In a community ($3), only its grid
	// counts.
	grid, compound, branch, community string
}

// newLocateSQL builds the statements of /api/locate, within a community
// ($3) when in is true.
func newLocateSQL(st *statements, in bool) locateSQL {
	pt := "ST_SetSRID(ST_MakePoint($1, $2), 4326)"
	gl, cl, ol, col := st.layer("grids"), st.layer("compounds"), st.layer("organizations"), st.layer(geo.CommunityLayer)
	within := ""
	if in {
		within = " AND " + ident(geo.CommunityField) + " = $3"
	}
	grid := fmt.Sprintf(`(SELECT code FROM %s WHERE ST_Covers(geom, %s)%s ORDER BY code LIMIT 1)`, gl.table, pt, within)
	return locateSQL{
		grid:     fmt.Sprintf(`SELECT %s FROM %s WHERE code = %s`, gl.columns, gl.table, grid),
		compound: fmt.Sprintf(`SELECT %s FROM %s WHERE ST_Covers(geom, %s)%s ORDER BY ST_Area(geom), id LIMIT 1`, cl.columns, cl.table, pt, within),
		branch: fmt.Sprintf(`SELECT %s FROM %s
WHERE kind = 'grid_branch' AND grid_code = %s
ORDER BY id LIMIT 1`, ol.columns, ol.table, grid),
		community: fmt.Sprintf(`SELECT %s FROM %s WHERE code = (SELECT %s FROM %s WHERE code = %s)`,
			col.columns, col.table, ident(geo.CommunityField), gl.table, grid),
	}
}

// Locate returns what covers the point: its grid, the grid's party branch,
// its compound, and the nearest post. Outside every grid it returns an
// empty Location, not an error.
func (db *DB) Locate(ctx context.Context, q geo.LocateQuery) (geo.Location, error) {
	if !validPoint(q.Point) {
		return geo.Location{}, geo.Errorf(geo.EINVALID, "The point must be a longitude from -180 to 180 and a latitude from -90 to 90; got %v.", q.Point)
	}
	loc := geo.Location{Point: q.Point}
	sql, args := db.sql.locate, []any{q.Point.Lon(), q.Point.Lat()}
	if q.Community != "" {
		if err := db.checkCommunity(ctx, q.Community); err != nil {
			return geo.Location{}, err
		}
		sql, args = db.sql.locateIn, append(args, q.Community)
	}
	err := db.read(ctx, anyChange, func(q querier) error {
		loc = geo.Location{Point: loc.Point}
		batch := &pgx.Batch{}
		one := func(layer string, sql string, dst **geo.Feature) {
			l, _ := db.cat.Layer(layer)
			batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
				fs, err := collectFeatures(l, rows)
				if len(fs) > 0 {
					*dst = &fs[0]
				}
				return err
			})
		}
		one("grids", sql.grid, &loc.Grid)
		one("compounds", sql.compound, &loc.Compound)
		one("organizations", sql.branch, &loc.Branch)
		one(geo.CommunityLayer, sql.community, &loc.Community)
		return q.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return geo.Location{}, storeError(err)
	}
	if loc.Grid == nil {
		return geo.Location{Point: q.Point}, nil
	}
	posts, err := db.Nearest(ctx, geo.NearestQuery{Layer: "posts", Origin: q.Point, Limit: 1, Now: q.Now, Community: q.Community})
	if err != nil {
		return geo.Location{}, err
	}
	if len(posts) > 0 {
		loc.NearestPost = &posts[0]
	}
	return loc, nil
}

// passes reports whether a candidate passes the query's filters.
func passes(q geo.NearestQuery, n geo.Nearby) bool {
	if q.OpenNow && (n.Open == nil || !*n.Open) {
		return false
	}
	if len(q.Services) > 0 {
		offered, _ := n.Feature.Properties["services"].([]string)
		for _, s := range q.Services {
			if !slices.Contains(offered, s) {
				return false
			}
		}
	}
	if q.MinFree > 0 {
		free, _ := n.Feature.Properties["free"].(int64)
		if free < int64(q.MinFree) {
			return false
		}
	}
	return true
}

// nearestByWalking ranks the geo.WalkingCandidates nearest in a straight
// line by the walk to them along the network; the places the network does
// not reach come last, nearest in a line first.
func (db *DB) nearestByWalking(ctx context.Context, q geo.NearestQuery) ([]geo.Nearby, error) {
	limit := q.Limit
	q.ByWalking, q.Limit = false, geo.WalkingCandidates(q.Limit)
	cands, err := db.Nearest(ctx, q)
	if err != nil {
		return nil, err
	}
	targets := make([]orb.Point, len(cands))
	for i, c := range cands {
		targets[i] = c.Target
	}
	walks, err := db.WalkingDistances(ctx, q.Origin, targets)
	if err != nil {
		return nil, err
	}
	for i := range cands {
		cands[i].Walked, cands[i].WalkM = true, walks[i]
		if walks[i] >= 0 {
			cands[i].WalkingMin = max(1, int(math.Ceil(walks[i]/geo.WalkingMetresPerMinute)))
		}
	}
	slices.SortStableFunc(cands, func(a, b geo.Nearby) int {
		switch {
		case (a.WalkM < 0) != (b.WalkM < 0):
			if a.WalkM < 0 {
				return 1
			}
			return -1
		case a.WalkM < 0:
			return cmp.Compare(a.DistanceM, b.DistanceM)
		}
		return cmp.Compare(a.WalkM, b.WalkM)
	})
	return cands[:min(limit, len(cands))], nil
}

func validPoint(p orb.Point) bool {
	return p.Lon() >= -180 && p.Lon() <= 180 && p.Lat() >= -90 && p.Lat() <= 90
}

// checkCommunity answers ENOTFOUND when no community has the code.
func (db *DB) checkCommunity(ctx context.Context, code string) error {
	var ok bool
	err := db.read(ctx, layerChange(geo.CommunityLayer), func(q querier) error {
		return q.QueryRow(ctx, db.sql.communityExists, code).Scan(&ok)
	})
	if err != nil {
		return storeError(err)
	}
	if !ok {
		return geo.Errorf(geo.ENOTFOUND, "There is no community with code %q; the communities are listed at /collections/communities/items.", code)
	}
	return nil
}
