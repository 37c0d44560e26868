package postgis

import (
	"context"
	"time"

	"partymap/internal/geo"
)

// WalkUpdate is what TimeWalkUpdatesForTest measured.
type WalkUpdate struct {
	// Area and Whole are how long the graph's update took rebuilt where
	// the writes touched it and rebuilt whole.
	Area, Whole time.Duration
	// Ways is how many ways the area's update cut anew, -1 when it rebuilt
	// the graph whole.
	Ways int
	// Same is whether both made the same graph (edges, nodes and moved
	// ways, ids aside).
	Same bool
}

// TimeWalkUpdatesForTest applies the writes in a transaction it rolls
// back, and updates the walking graph after them both ways, each from the
// same state.
func (db *DB) TimeWalkUpdatesForTest(ctx context.Context, ws []geo.Write, o geo.EditOptions) (WalkUpdate, error) {
	var u WalkUpdate
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return u, err
	}
	defer rollback(ctx, tx)
	if _, err := setActor(ctx, tx, o.Actor.Name, geo.ReasonEdit); err != nil {
		return u, err
	}
	// The whole rebuild of a city takes seconds, past the store's bound
	// for a statement when the machine is busy.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return u, err
	}
	ed := &editor{tx: tx, cat: db.cat, sql: db.sql, o: o,
		old: map[string]map[int64]geo.Feature{}, written: map[string]map[int64]bool{}, serials: map[string]bool{}}
	if err := ed.apply(ctx, ws); err != nil {
		return u, err
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return u, err
	}
	start := time.Now()
	u.Ways, err = updateWalkingNetwork(ctx, sp, db.sql.walk, ed.changeSet)
	u.Area = time.Since(start)
	if err != nil {
		return u, err
	}
	var area, whole string
	if err := sp.QueryRow(ctx, walkDigestSQL).Scan(&area); err != nil {
		return u, err
	}
	if err := sp.Rollback(ctx); err != nil {
		return u, err
	}
	start = time.Now()
	if err := rebuildWalkingNetwork(ctx, tx, db.sql.walk); err != nil {
		return u, err
	}
	u.Whole = time.Since(start)
	if err := tx.QueryRow(ctx, walkDigestSQL).Scan(&whole); err != nil {
		return u, err
	}
	u.Same = area == whole
	return u, nil
}

// walkDigestSQL sums up the graph, ids aside: every edge with its way,
// names, costs, line and the places of its nodes; the nodes' places; the
// moved ways.
const walkDigestSQL = `SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
    SELECT concat_ws(' ', 'edge', e.layer, e.feature_id, e.name_zh, e.name_en, e.cost::text, e.reverse_cost::text,
                     encode(ST_AsBinary(e.geom), 'hex'), ST_X(s.geom)::text, ST_Y(s.geom)::text, ST_X(t.geom)::text, ST_Y(t.geom)::text) AS x
    FROM walk_edges e LEFT JOIN walk_nodes s ON s.id = e.source LEFT JOIN walk_nodes t ON t.id = e.target
    UNION ALL SELECT concat_ws(' ', 'node', ST_X(geom)::text, ST_Y(geom)::text) FROM walk_nodes
    UNION ALL SELECT concat_ws(' ', 'way', layer, fid, name_zh, name_en, encode(ST_AsBinary(geom), 'hex')) FROM walk_ways) d`
