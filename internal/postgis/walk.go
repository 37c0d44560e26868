package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
)

// The walking network (migrations/070): walk_nodes and walk_edges are a
// pgRouting graph derived from the layers the catalogue gives a walk role
// (geo.Walk): the ways' lines, noded where they meet (a way's end within
// geo.WalkSnap metres of another way is moved onto it), cut where they
// cross a wall, and without the pieces inside a wall that touch it away
// from every gate: a wall is crossed only within geo.GateReach metres of a
// gate. The graph is rebuilt in the transaction of every edit that writes
// one of those layers (edit.go), so that the next route reads what the
// edit left: where the edit touched it (walk_area.go), or whole; a second
// edit waits for the first's rebuild (walkLockKey).
//
// pgRouting reads its graph and its points from SQL texts. The edges' text
// is a constant; the points' text is made by format() inside PostgreSQL
// from the numbers the same statement computed (an edge id, a fraction),
// never from a request's text.

// walkLockKey is the advisory lock held while the graph is rebuilt.
const walkLockKey = 7_015_070_001

// walkSQL holds the walking network's statements.
type walkSQL struct {
	// roles are the layers with a walk role, by name.
	roles map[string]bool
	// tables are the layers with a walk role by table name (as the history
	// names them), for the area an edit touched (walk_area.go).
	tables map[string]walkTable
	// rebuild replaces the graph ($1 geo.WalkSnap, $2 geo.GateReach).
	rebuild string
	// area holds the statements that rebuild it where an edit touched it.
	area walkAreaSQL
	// route walks from ($1, $2) to ($3, $4): one row per leg, in order.
	route string
	// snaps tells how far ($1, $2) and ($3, $4) lie from the network and
	// whether they meet it at the same place: for a route with no leg.
	snaps string
	// costs walks from ($1, $2) to each of the points ($3 lons, $4 lats):
	// the length in metres, NULL when unreachable, in the points' order.
	costs string
	// targets reads where a route to a feature of a layer goes ($1 id):
	// its position field (a car park's entrance), its point, or a point
	// inside its outline.
	targets map[string]string
}

// walkTable is a layer with a walk role, as the history names it.
type walkTable struct {
	layer string
	role  geo.WalkRole
	// kinds, when set, are the kinds of the layer's features that play the
	// role (a landmark is a wall when it is a temple).
	kinds []string
}

// walkEdgesSQL is the graph as pgRouting reads it.
const walkEdgesSQL = `SELECT id, source, target, cost, reverse_cost FROM walk_edges`

// The steps of cutting the graph that the whole rebuild and the rebuild of
// an area share, so that both cut alike.
const (
	// walkEndsSQL snaps the ends %[1]s (layer, fid, i, pt) of ways onto the
	// nearest other way of %[2]s within the parameter %[3]s (metres).
	walkEndsSQL = `SELECT p.layer, p.fid, p.i, s.other_layer, s.other_fid, s.snap
    FROM %[1]s p
    CROSS JOIN LATERAL (
        SELECT o.layer AS other_layer, o.fid AS other_fid, ST_ClosestPoint(o.geom, p.pt) AS snap
        FROM %[2]s o
        WHERE (o.layer, o.fid) <> (p.layer, p.fid) AND o.geom && ST_Expand(p.pt, 0.001)
          AND ST_DWithin(o.geom::geography, p.pt::geography, %[3]s)
        ORDER BY ST_Distance(o.geom, p.pt), o.layer, o.fid LIMIT 1) s`
	// walkMovedSQL moves the ends of the ways %[1]s as the CTE ends says,
	// and gives each way the points others' ends were moved to on it as
	// vertices, so that noding finds the junctions exactly.
	walkMovedSQL = `SELECT w.layer, w.fid, w.name_zh, w.name_en,
        ST_Snap(
            CASE WHEN s1.snap IS NULL THEN m0.g ELSE ST_SetPoint(m0.g, ST_NPoints(m0.g) - 1, s1.snap) END,
            coalesce((SELECT ST_Collect(e.snap ORDER BY e.layer, e.fid, e.i) FROM ends e WHERE (e.other_layer, e.other_fid) = (w.layer, w.fid)),
                     ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326)),
            1e-7) AS geom
    FROM %[1]s w
    LEFT JOIN ends s0 ON (s0.layer, s0.fid, s0.i) = (w.layer, w.fid, 0)
    LEFT JOIN ends s1 ON (s1.layer, s1.fid, s1.i) = (w.layer, w.fid, 1)
    CROSS JOIN LATERAL (SELECT CASE WHEN s0.snap IS NULL THEN w.geom ELSE ST_SetPoint(w.geom, 0, s0.snap) END AS g) m0`
	// walkPiecesSQL nodes the moved ways and wall rings of %[1]s (o: 0 a
	// way, 1 a wall; layer; fid; g) together, in a fixed order.
	walkPiecesSQL = `SELECT (ST_Dump(ST_Node(ST_Collect(g ORDER BY o, layer, fid)))).geom AS geom FROM %[1]s a`
	// walkOwnerSQL is the moved way of %[1]s a piece p lies on: the first
	// by layer and id where ways overlap.
	walkOwnerSQL = `SELECT m.layer, m.fid, m.name_zh, m.name_en FROM %[1]s m
        WHERE m.geom && ST_Expand(ST_LineInterpolatePoint(p.geom, 0.5), 1e-9)
          AND ST_DWithin(m.geom, ST_LineInterpolatePoint(p.geom, 0.5), 1e-9)
        ORDER BY m.layer, m.fid LIMIT 1`
	// walkBlockedSQL holds for a piece o inside a wall of the CTE walls
	// that reaches the wall away from every gate of %[1]s (within the
	// parameter %[2]s, in metres): it would lead through the wall.
	walkBlockedSQL = `EXISTS (
        SELECT 1 FROM walls w
        CROSS JOIN LATERAL (VALUES (ST_StartPoint(o.geom)), (ST_EndPoint(o.geom))) e(pt)
        WHERE w.geom && o.geom AND ST_Contains(w.geom, ST_LineInterpolatePoint(o.geom, 0.5))
          AND ST_DWithin(w.ring, e.pt, 1e-9)
          AND NOT EXISTS (SELECT 1 FROM %[1]s g WHERE g.geom && ST_Expand(e.pt, 0.001)
                          AND ST_DWithin(g.geom::geography, e.pt::geography, %[2]s)))`
)

func newWalkSQL(st *statements, cat *geo.Catalogue) *walkSQL {
	w := &walkSQL{roles: map[string]bool{}, tables: map[string]walkTable{}, targets: map[string]string{}}
	part := func(role geo.WalkRole, sel func(l geo.Layer, table string) string) string {
		var parts []string
		for _, l := range cat.WalkLayers(role) {
			w.roles[l.Name] = true
			table := st.layer(l.Name).table
			w.tables[strings.Trim(table, `"`)] = walkTable{layer: l.Name, role: role, kinds: l.Walk.Kinds}
			s := sel(l, table)
			if len(l.Walk.Kinds) > 0 {
				kinds := make([]string, len(l.Walk.Kinds))
				for i, k := range l.Walk.Kinds {
					kinds[i] = literal(k)
				}
				s += " WHERE kind IN (" + strings.Join(kinds, ", ") + ")"
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n    UNION ALL ")
	}
	ways := part(geo.WalkWay, func(l geo.Layer, t string) string {
		return fmt.Sprintf("SELECT %s::text AS layer, id AS fid, name_zh, name_en, geom FROM %s", literal(l.Name), t)
	})
	if ways == "" {
		ways = "SELECT NULL::text AS layer, NULL::bigint AS fid, NULL::text AS name_zh, NULL::text AS name_en, NULL::geometry AS geom WHERE false"
	}
	walls := part(geo.WalkWall, func(l geo.Layer, t string) string {
		return fmt.Sprintf("SELECT %s::text AS layer, id AS fid, geom FROM %s", literal(l.Name), t)
	})
	if walls == "" {
		walls = "SELECT NULL::text AS layer, NULL::bigint AS fid, NULL::geometry AS geom WHERE false"
	}
	gates := part(geo.WalkGate, func(l geo.Layer, t string) string {
		return "SELECT name_zh, name_en, geom FROM " + t
	})
	if gates == "" {
		gates = "SELECT NULL::text AS name_zh, NULL::text AS name_en, NULL::geometry AS geom WHERE false"
	}
	w.rebuild = fmt.Sprintf(`WITH ways AS (
    %[1]s
),
-- Only the walls a way meets can stand in its way.
walls AS (
    SELECT w.layer, w.fid, ST_ExteriorRing(w.geom) AS ring, w.geom FROM (%[2]s) w
    WHERE EXISTS (SELECT 1 FROM ways x WHERE x.geom && w.geom AND ST_Intersects(x.geom, w.geom))
),
gates AS (
    %[3]s
),
-- A way's end near another way is moved onto it ...
ends AS (
    %[4]s
),
-- ... and the way it meets gets that point as a vertex.
moved AS (
    %[5]s
),
-- What the graph was cut from, for the rebuild of an area (walk_area.go).
new_ways AS (
    INSERT INTO walk_ways (layer, fid, name_zh, name_en, geom) SELECT layer, fid, name_zh, name_en, geom FROM moved
),
-- Noded together with the walls: every piece ends where ways meet or
-- cross a wall. The walls' own pieces are left out (they are no way).
pieces AS (
    %[6]s
),
owned AS (
    SELECT p.geom, m.layer, m.fid, m.name_zh, m.name_en
    FROM pieces p
    CROSS JOIN LATERAL (%[7]s) m
    WHERE ST_Length(p.geom) > 0
),
-- A piece inside a wall that reaches the wall away from every gate would
-- lead through it: left out.
passable AS (
    SELECT o.* FROM owned o WHERE NOT %[8]s
),
nodes AS (
    SELECT row_number() OVER (ORDER BY x, y) AS id, x, y
    FROM (SELECT ST_X(e.pt) AS x, ST_Y(e.pt) AS y
          FROM passable, LATERAL (VALUES (ST_StartPoint(geom)), (ST_EndPoint(geom))) e(pt) GROUP BY 1, 2) n
),
new_nodes AS (
    INSERT INTO walk_nodes (id, geom) SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM nodes
)
INSERT INTO walk_edges (id, source, target, cost, reverse_cost, layer, feature_id, name_zh, name_en, geom)
SELECT row_number() OVER (ORDER BY p.layer, p.fid, s.id, t.id), s.id, t.id,
       ST_Length(p.geom::geography), ST_Length(p.geom::geography), p.layer, p.fid, p.name_zh, p.name_en, p.geom
FROM passable p
JOIN nodes s ON (s.x, s.y) = (ST_X(ST_StartPoint(p.geom)), ST_Y(ST_StartPoint(p.geom)))
JOIN nodes t ON (t.x, t.y) = (ST_X(ST_EndPoint(p.geom)), ST_Y(ST_EndPoint(p.geom)))`, ways, walls, gates,
		fmt.Sprintf(walkEndsSQL, `(SELECT w.layer, w.fid, e.i, e.pt FROM ways w
        CROSS JOIN LATERAL (VALUES (0, ST_StartPoint(w.geom)), (1, ST_EndPoint(w.geom))) e(i, pt))`, "ways", "$1"),
		fmt.Sprintf(walkMovedSQL, "ways"),
		fmt.Sprintf(walkPiecesSQL, "(SELECT 0 AS o, layer, fid, geom AS g FROM moved UNION ALL SELECT 1, layer, fid, ring FROM walls)"),
		fmt.Sprintf(walkOwnerSQL, "moved"),
		fmt.Sprintf(walkBlockedSQL, "gates", "$2"))
	w.area = newWalkAreaSQL(ways, walls, gates)

	// The points of a walk meet the network on its nearest edge; a
	// fraction of exactly 0 or 1 (a point at a node) is moved a hair
	// inside, where pgRouting places points.
	const snapped = `SELECT v.pid, v.pt, e.id AS edge_id,
        least(greatest(ST_LineLocatePoint(e.geom, v.pt), 1e-9), 1 - 1e-9) AS fraction,
        ST_Distance(ST_ClosestPoint(e.geom, v.pt)::geography, v.pt::geography) AS approach
    FROM %s v(pid, pt)
    CROSS JOIN LATERAL (SELECT id, geom FROM walk_edges ORDER BY geom <-> v.pt LIMIT 1) e`
	const fromTo = `(VALUES (1, ST_SetSRID(ST_MakePoint($1, $2), 4326)), (2, ST_SetSRID(ST_MakePoint($3, $4), 4326)))`
	w.route = fmt.Sprintf(`WITH pts AS (
    %[1]s
),
path AS (
    SELECT r.path_seq, r.node, r.edge, lead(r.node) OVER (ORDER BY r.path_seq) AS next
    FROM pgr_withPoints(%[2]s,
        (SELECT format('SELECT * FROM (VALUES (1::bigint, %%s::bigint, %%s::float8), (2, %%s, %%s)) v(pid, edge_id, fraction)',
                a.edge_id, a.fraction, b.edge_id, b.fraction) FROM pts a, pts b WHERE a.pid = 1 AND b.pid = 2),
        -1, -2, directed => false) r
),
legs AS (
    SELECT p.path_seq, e.layer, e.feature_id, e.name_zh, e.name_en, e.geom,
        CASE p.node WHEN e.source THEN 0 WHEN e.target THEN 1 WHEN -1 THEN a.fraction ELSE b.fraction END AS f0,
        CASE p.next WHEN e.source THEN 0 WHEN e.target THEN 1 WHEN -1 THEN a.fraction ELSE b.fraction END AS f1
    FROM path p JOIN walk_edges e ON e.id = p.edge, pts a, pts b
    WHERE a.pid = 1 AND b.pid = 2
)
SELECT l.layer, l.feature_id, l.name_zh, l.name_en, ST_AsBinary(s.piece), ST_Length(s.piece::geography),
    (SELECT json_build_object('zh', g.name_zh, 'en', g.name_en) FROM (%[3]s) g
     WHERE g.geom && ST_Expand(ST_StartPoint(s.piece), 0.001) AND ST_DWithin(g.geom::geography, ST_StartPoint(s.piece)::geography, $5)
     ORDER BY g.geom <-> ST_StartPoint(s.piece) LIMIT 1)::text,
    (SELECT approach FROM pts WHERE pid = 1), (SELECT approach FROM pts WHERE pid = 2)
FROM legs l
CROSS JOIN LATERAL (SELECT CASE WHEN l.f0 <= l.f1 THEN ST_LineSubstring(l.geom, l.f0, l.f1)
                                ELSE ST_Reverse(ST_LineSubstring(l.geom, l.f1, l.f0)) END AS piece) s
WHERE l.f0 <> l.f1
ORDER BY l.path_seq`, fmt.Sprintf(snapped, fromTo), literal(walkEdgesSQL), gates)

	w.snaps = fmt.Sprintf(`WITH pts AS (
    %s
)
SELECT a.approach, b.approach, a.edge_id = b.edge_id AND abs(a.fraction - b.fraction) < 1e-9
FROM pts a, pts b WHERE a.pid = 1 AND b.pid = 2`, fmt.Sprintf(snapped, fromTo))

	w.costs = fmt.Sprintf(`WITH pts AS (
    %[1]s
),
costs AS (
    SELECT c.end_pid, c.agg_cost FROM pgr_withPointsCost(%[2]s,
        (SELECT format('SELECT * FROM (VALUES %%s) v(pid, edge_id, fraction)',
                string_agg(format('(%%s::bigint, %%s::bigint, %%s::float8)', pid, edge_id, fraction), ', ')) FROM pts),
        -1, (SELECT array_agg(-pid) FROM pts WHERE pid > 1), directed => false) c
)
SELECT p.pid, CASE WHEN p.edge_id = o.edge_id AND abs(p.fraction - o.fraction) < 1e-9 THEN o.approach + p.approach
                   ELSE c.agg_cost + o.approach + p.approach END
FROM pts p JOIN pts o ON o.pid = 1
LEFT JOIN costs c ON abs(c.end_pid) = p.pid
WHERE p.pid > 1
ORDER BY p.pid`, fmt.Sprintf(snapped, `(SELECT 1, ST_SetSRID(ST_MakePoint($1, $2), 4326)
          UNION ALL SELECT (n + 1)::int, ST_SetSRID(ST_MakePoint(x, y), 4326)
          FROM unnest($3::float8[], $4::float8[]) WITH ORDINALITY AS u(x, y, n))`), literal(walkEdgesSQL))

	for _, l := range cat.Layers() {
		target := "t.geom"
		if l.Geometry == geo.Polygon {
			target = "ST_PointOnSurface(t.geom)"
		}
		for _, f := range l.Fields {
			if f.Type == geo.Position {
				target = fmt.Sprintf("coalesce(t.%s, %s)", ident(f.Name), target)
				break
			}
		}
		w.targets[l.Name] = fmt.Sprintf(`SELECT ST_X(p), ST_Y(p), t.name_zh, t.name_en FROM %s t, LATERAL (SELECT %s AS p) d WHERE t.id = $1`,
			st.layer(l.Name).table, target)
	}
	return w
}

// rebuildWalks rebuilds the walking network where the edit wrote a layer
// it is made of (walk_area.go): in the edit's transaction, so that a route
// read after the edit's answer walks what the edit left, and a failed edit
// leaves the graph as it was.
func (ed *editor) rebuildWalks(ctx context.Context) error {
	touched := false
	for layer := range ed.written {
		if ed.sql.walk.roles[layer] {
			touched = true
			break
		}
	}
	if !touched {
		return nil
	}
	_, err := updateWalkingNetwork(ctx, ed.tx, ed.sql.walk, ed.changeSet)
	return err
}

// lockWalks makes a second edit of the graph wait for the first. The
// graph's statements look dear enough for JIT compilation, which costs far
// more than they do (1.7 s against 25 ms for the whole rebuild on a city):
// off, as the store's pool has it, for the bulk loader's connection too.
func lockWalks(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1), set_config('jit', 'off', true)`, int64(walkLockKey))
	return err
}

// rebuildWalkingNetwork replaces the graph with what the layers hold now.
func rebuildWalkingNetwork(ctx context.Context, tx pgx.Tx, w *walkSQL) error {
	if err := lockWalks(ctx, tx); err != nil {
		return err
	}
	// Deleted first, in statements of their own: rows a statement deletes
	// still hold their keys against what the same statement inserts.
	for _, sql := range []string{`DELETE FROM walk_edges`, `DELETE FROM walk_nodes`, `DELETE FROM walk_ways`} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, w.rebuild, geo.WalkSnap, geo.GateReach)
	return err
}

// RebuildWalkingNetwork rebuilds the walking network from the layers in
// tx: after the migrations (one may have made it, over layers filled
// before), and after a bulk load that bypasses the write path (gencity).
func (db *DB) RebuildWalkingNetwork(ctx context.Context, tx pgx.Tx) error {
	return rebuildWalkingNetwork(ctx, tx, db.sql.walk)
}

// Route walks the network from q.From to q.To (geo.Router).
func (db *DB) Route(ctx context.Context, q geo.RouteQuery) (geo.Route, error) {
	if !validPoint(q.From) {
		return geo.Route{}, geo.Errorf(geo.EINVALID, "The point to walk from must be a longitude from -180 to 180 and a latitude from -90 to 90; got %v.", q.From)
	}
	r := geo.Route{From: q.From, To: q.To.Point}
	err := db.read(ctx, anyChange, func(qr querier) error {
		if q.To.IsFeature() {
			sql, ok := db.sql.walk.targets[q.To.Layer]
			if !ok {
				_, err := db.cat.LayerOrError(q.To.Layer)
				return err
			}
			var x, y float64
			var name geo.Label
			err := qr.QueryRow(ctx, sql, q.To.ID).Scan(&x, &y, &name.Zh, &name.En)
			if err == pgx.ErrNoRows {
				l, _ := db.cat.Layer(q.To.Layer)
				return geo.Errorf(geo.ENOTFOUND, "There is no %s with id %d to walk to.", l.Item.Mid().En, q.To.ID)
			}
			if err != nil {
				return err
			}
			r.To = orb.Point{x, y}
			r.Target = &geo.Feature{Layer: q.To.Layer, ID: q.To.ID, Properties: map[string]any{"name_zh": name.Zh, "name_en": name.En}}
		}
		if !validPoint(r.To) {
			return geo.Errorf(geo.EINVALID, "The point to walk to must be a longitude from -180 to 180 and a latitude from -90 to 90; got %v.", r.To)
		}
		legs, from, to, err := db.routeLegs(ctx, qr, r.From, r.To)
		if err != nil {
			return err
		}
		r.Legs, r.ApproachFromM, r.ApproachToM, r.Reachable = legs, from, to, len(legs) > 0
		if len(legs) > 0 {
			return nil
		}
		// No leg: either no way joins the two, or they meet the network
		// at the same place (the walk is straight there).
		var same *bool
		err = qr.QueryRow(ctx, db.sql.walk.snaps, r.From.Lon(), r.From.Lat(), r.To.Lon(), r.To.Lat()).Scan(&r.ApproachFromM, &r.ApproachToM, &same)
		if err == pgx.ErrNoRows {
			return nil // no network at all
		}
		r.Reachable = err == nil && same != nil && *same
		return err
	})
	if err != nil {
		return geo.Route{}, storeError(err)
	}
	if !r.Reachable {
		r.Legs, r.ApproachFromM, r.ApproachToM = nil, 0, 0
	}
	return r, nil
}

// routeLegs reads the legs of the walk from a to b along the network and
// the straight walks onto and off it.
func (db *DB) routeLegs(ctx context.Context, qr querier, a, b orb.Point) ([]geo.RouteLeg, float64, float64, error) {
	rows, err := qr.Query(ctx, db.sql.walk.route, a.Lon(), a.Lat(), b.Lon(), b.Lat(), geo.GateReach)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	var legs []geo.RouteLeg
	var from, to float64
	for rows.Next() {
		var l geo.RouteLeg
		var line []byte
		var gate *string
		if err := rows.Scan(&l.Layer, &l.FeatureID, &l.Name.Zh, &l.Name.En, &line, &l.LengthM, &gate, &from, &to); err != nil {
			return nil, 0, 0, err
		}
		g, err := wkb.Unmarshal(line)
		if err != nil {
			return nil, 0, 0, err
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return nil, 0, 0, fmt.Errorf("a route leg is a %s, not a line", g.GeoJSONType())
		}
		l.Line = ls
		if gate != nil {
			var lb geo.Label
			if err := json.Unmarshal([]byte(*gate), &lb); err != nil {
				return nil, 0, 0, err
			}
			l.Gate = &lb
		}
		legs = append(legs, l)
	}
	return legs, from, to, rows.Err()
}

// WalkingDistances returns the length in metres of the walk from origin to
// each point along the network, in the points' order; a point the network
// cannot reach from origin gets a negative length.
func (db *DB) WalkingDistances(ctx context.Context, origin orb.Point, points []orb.Point) ([]float64, error) {
	out := make([]float64, len(points))
	if len(points) == 0 {
		return out, nil
	}
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		xs[i], ys[i] = p.Lon(), p.Lat()
		out[i] = -1
	}
	err := db.read(ctx, anyChange, func(qr querier) error {
		rows, err := qr.Query(ctx, db.sql.walk.costs, origin.Lon(), origin.Lat(), xs, ys)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var pid int
			var m *float64
			if err := rows.Scan(&pid, &m); err != nil {
				return err
			}
			if m != nil && pid >= 2 && pid-2 < len(out) {
				out[pid-2] = *m
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}
