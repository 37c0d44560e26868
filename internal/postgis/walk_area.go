package postgis

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"partymap/internal/geo"
)

// The walking network rebuilt only where an edit touched it. Cutting the
// graph is local: a way's edges depend only on its line as moved (its ends
// snapped onto the ways they meet, the ends of others snapped into it, kept
// in walk_ways, migrations/080), on the moved ways and the walls it meets,
// and on the gates near its pieces' ends. So an edit
//
//  1. reads the features it wrote from its change set's history rows (the
//     one write path records every write there): the ways' old and new
//     lines, the walls' old and new outlines, the gates' old and new points;
//  2. moves anew the ways within twice geo.WalkSnap of an edited way (only
//     they can have an end snapped, or a snapped end, the edit changed) and
//     keeps in walk_ways those whose moved line or names changed (M);
//  3. finds the ways whose edges can change (F): M, the ways whose moved
//     line meets one of M's old or new lines (their junctions with it
//     moved), the ways meeting an edited wall or a wall an edited way alone
//     met (the wall came or went with the edit), and the ways within
//     geo.GateReach of an edited gate;
//  4. deletes F's edges and cuts F anew: F's moved lines noded with every
//     moved way and wall ring they meet, exactly as the whole rebuild nodes
//     them, each piece owned by the first way it lies on, the pieces
//     through a wall away from a gate left out. The new pieces' ends join
//     the nodes already at their place (node ids stay where the graph did
//     not change), so the graph meets the untouched rest at the area's
//     border; nodes no edge ends at any more are deleted.
//
// The result is the graph the whole rebuild makes, but for the ids of new
// edges and nodes (numbered past the largest): nothing keeps an id beyond a
// statement (route and costs read the graph in one statement each). The
// whole rebuild stays for the migrations, gencity's bulk load, an edit that
// writes many walking features (an import) and an edit whose area reaches
// most of the ways (walkAreaMaxShare).

const (
	// walkAreaMaxEdits is how many features of the walking layers one edit
	// may write before the graph is rebuilt whole. The area's cost grows
	// with the features written (each is looked up on its own: moving 60
	// streets of the city at once took 0.2 s just to find the ways they
	// moved), the whole rebuild's does not; an edit by hand writes a few,
	// an import of a layer hundreds, in a transaction long anyway.
	walkAreaMaxEdits = 64
	// walkAreaMaxShare is the share of all ways an edit's area may hold
	// (F) before the graph is rebuilt whole. Cutting by area costs about a
	// millisecond a way, where the whole rebuild costs more a way the more
	// ways there are (it looks up each piece's way among all of them):
	// measured on the city (496 streets, docs/BENCHMARKS.md), moving one
	// street cuts 17 ways (at most 26) in 13 ms (at most 63) against 0.9 s
	// for the whole rebuild; moving 20 at once cut 280 in 0.3 s against
	// 1.5 s. So the area pays even past half the graph; from three quarters
	// on it is the graph, and the whole rebuild, in one statement, numbers
	// it afresh.
	walkAreaMaxShare = 0.75
	// walkSlack is the margin in metres added to the distances that find
	// the ways an edit may have changed: finding one too many costs a
	// little time, one too few a wrong graph.
	walkSlack = 0.5
)

// walkAreaSQL holds the statements of a rebuild of an area.
type walkAreaSQL struct {
	// edits reads the features of the walking layers a change set wrote
	// ($1 change set, $2 tables).
	edits string
	// remake moves the ways near the edited ways anew and keeps in
	// walk_ways those that changed ($1 edited ways' lines, $2 and $3 the
	// edited ways' layers and ids, $4 geo.WalkSnap); it returns their old
	// and new moved lines.
	remake string
	// reach lists the ways whose edges the edit can have changed ($1 the
	// changed moved lines, $2 and $3 their ways, $4 edited walls, $5 edited
	// gates, $6 edited ways' lines, $7 and $8 the edited ways, $9
	// geo.GateReach), each with the number of all ways.
	reach string
	// recut deletes the edges of the ways $1, $2, cuts them anew ($3
	// geo.GateReach) and deletes the nodes no edge ends at any more.
	recut string
}

func newWalkAreaSQL(ways, walls, gates string) walkAreaSQL {
	const geoms = `SELECT ST_SetSRID(ST_GeomFromWKB(b), 4326) AS g FROM unnest(%s::bytea[]) b`
	var a walkAreaSQL
	a.edits = `SELECT layer, feature_id, ST_AsBinary(old_geom), ST_AsBinary(new_geom), old_props->>'kind', new_props->>'kind'
FROM history WHERE change_set = $1 AND layer = ANY($2) ORDER BY id`
	a.remake = fmt.Sprintf(`WITH e AS (
    %[1]s
),
edited AS (
    SELECT * FROM unnest($2::text[], $3::bigint[]) AS x(layer, fid)
),
-- The ways whose moved line the edit can have changed: an end within the
-- snap of an edited way, or a line within the snap of such an end.
k AS (
    SELECT DISTINCT ON (w.layer, w.fid) w.* FROM e
    CROSS JOIN LATERAL (SELECT * FROM (%[2]s) w WHERE w.geom && ST_Expand(e.g, 0.001)
                        AND ST_DWithin(w.geom::geography, e.g::geography, 2 * $4 + %[3]g)) w
),
-- Their ends, and the ends that may be snapped into them.
pts AS (
    SELECT DISTINCT ON (x.layer, x.fid, x.i) x.* FROM (
        SELECT k.layer, k.fid, e.i, e.pt FROM k
        CROSS JOIN LATERAL (VALUES (0, ST_StartPoint(k.geom)), (1, ST_EndPoint(k.geom))) e(i, pt)
        UNION ALL
        SELECT o.layer, o.fid, e.i, e.pt FROM k
        CROSS JOIN LATERAL (SELECT * FROM (%[2]s) o WHERE o.geom && ST_Expand(k.geom, 0.001)) o
        CROSS JOIN LATERAL (VALUES (0, ST_StartPoint(o.geom)), (1, ST_EndPoint(o.geom))) e(i, pt)
        WHERE e.pt && ST_Expand(k.geom, 0.001) AND ST_DWithin(e.pt::geography, k.geom::geography, $4 + %[3]g)) x
),
ends AS (
    %[4]s
),
moved AS (
    %[5]s
),
changed AS (
    SELECT m.* FROM moved m LEFT JOIN walk_ways o USING (layer, fid)
    WHERE o.fid IS NULL OR o.name_zh <> m.name_zh OR o.name_en <> m.name_en OR ST_AsBinary(o.geom) <> ST_AsBinary(m.geom)
),
gone AS (
    DELETE FROM walk_ways o USING edited x
    WHERE (o.layer, o.fid) = (x.layer, x.fid) AND NOT EXISTS (SELECT 1 FROM k WHERE (k.layer, k.fid) = (x.layer, x.fid))
    RETURNING o.layer, o.fid, o.geom
),
put AS (
    UPDATE walk_ways o SET name_zh = c.name_zh, name_en = c.name_en, geom = c.geom
    FROM changed c JOIN walk_ways p USING (layer, fid)
    WHERE (o.layer, o.fid) = (c.layer, c.fid)
    RETURNING o.layer, o.fid, p.geom AS old, c.geom AS new
),
added AS (
    INSERT INTO walk_ways (layer, fid, name_zh, name_en, geom)
    SELECT c.layer, c.fid, c.name_zh, c.name_en, c.geom FROM changed c
    WHERE NOT EXISTS (SELECT 1 FROM walk_ways o WHERE (o.layer, o.fid) = (c.layer, c.fid))
    RETURNING layer, fid, geom
)
SELECT layer, fid, ST_AsBinary(geom) FROM gone
UNION ALL SELECT layer, fid, ST_AsBinary(old) FROM put
UNION ALL SELECT layer, fid, ST_AsBinary(new) FROM put
UNION ALL SELECT layer, fid, ST_AsBinary(geom) FROM added`,
		fmt.Sprintf(geoms, "$1"), ways, walkSlack,
		fmt.Sprintf(walkEndsSQL, "pts", "("+ways+")", "$4"),
		fmt.Sprintf(walkMovedSQL, "k"))

	a.reach = fmt.Sprintf(`WITH mg AS (
    %[1]s
),
wg AS (
    %[2]s
),
gg AS (
    %[3]s
),
eg AS (
    %[4]s
),
-- A wall stands in the graph while a way meets it: one that only edited
-- ways meet (before or after) may have come or gone with the edit.
standing AS (
    SELECT DISTINCT ON (w.layer, w.fid) w.geom FROM eg
    CROSS JOIN LATERAL (SELECT * FROM (%[5]s) w WHERE w.geom && eg.g AND ST_Intersects(w.geom, eg.g)) w
    WHERE NOT EXISTS (
        SELECT 1 FROM (%[6]s) x WHERE x.geom && w.geom AND ST_Intersects(x.geom, w.geom)
          AND NOT EXISTS (SELECT 1 FROM unnest($7::text[], $8::bigint[]) AS d(layer, fid) WHERE (d.layer, d.fid) = (x.layer, x.fid)))
)
SELECT layer, fid, (SELECT count(*) FROM walk_ways) FROM (
SELECT layer, fid FROM unnest($2::text[], $3::bigint[]) AS m(layer, fid)
UNION
SELECT w.layer, w.fid FROM mg
CROSS JOIN LATERAL (SELECT layer, fid FROM walk_ways w WHERE w.geom && ST_Expand(mg.g, 1e-8) AND ST_DWithin(w.geom, mg.g, 1e-8)) w
UNION
SELECT w.layer, w.fid FROM (SELECT g FROM wg UNION ALL SELECT geom FROM standing) x
CROSS JOIN LATERAL (SELECT layer, fid FROM walk_ways w WHERE w.geom && x.g AND ST_Intersects(w.geom, x.g)) w
UNION
SELECT w.layer, w.fid FROM gg
CROSS JOIN LATERAL (SELECT layer, fid FROM walk_ways w WHERE w.geom && ST_Expand(gg.g, 0.001)
                    AND ST_DWithin(w.geom::geography, gg.g::geography, $9 + %[7]g)) w
) f`,
		fmt.Sprintf(geoms, "$1"), fmt.Sprintf(geoms, "$4"), fmt.Sprintf(geoms, "$5"), fmt.Sprintf(geoms, "$6"),
		walls, ways, walkSlack)

	// The same steps as the whole rebuild's, over the ways cut anew and
	// what they meet.
	a.recut = fmt.Sprintf(`WITH gone AS (
    DELETE FROM walk_edges e USING unnest($1::text[], $2::bigint[]) AS x(layer, fid)
    WHERE (e.layer, e.feature_id) = (x.layer, x.fid)
    RETURNING e.id, e.source, e.target
),
f AS (
    SELECT w.* FROM walk_ways w JOIN unnest($1::text[], $2::bigint[]) AS x(layer, fid) USING (layer, fid)
),
-- The moved ways they meet (themselves too), which node them.
c AS (
    SELECT DISTINCT ON (w.layer, w.fid) w.* FROM f
    CROSS JOIN LATERAL (SELECT * FROM walk_ways w WHERE w.geom && ST_Expand(f.geom, 1e-8) AND ST_DWithin(w.geom, f.geom, 1e-8)) w
),
-- The walls they meet, that stand in the graph (a way meets them).
walls AS (
    SELECT DISTINCT ON (w.layer, w.fid) w.layer, w.fid, ST_ExteriorRing(w.geom) AS ring, w.geom FROM f
    CROSS JOIN LATERAL (SELECT * FROM (%[1]s) w WHERE w.geom && f.geom AND ST_Intersects(w.geom, f.geom)) w
    WHERE EXISTS (SELECT 1 FROM (%[2]s) x WHERE x.geom && w.geom AND ST_Intersects(x.geom, w.geom))
),
pieces AS (
    %[3]s
),
owned AS (
    SELECT p.geom, m.layer, m.fid, m.name_zh, m.name_en
    FROM pieces p
    CROSS JOIN LATERAL (%[4]s) m
    WHERE ST_Length(p.geom) > 0 AND EXISTS (SELECT 1 FROM f WHERE f.geom && p.geom)
      AND EXISTS (SELECT 1 FROM f WHERE (f.layer, f.fid) = (m.layer, m.fid))
),
passable AS (
    SELECT o.* FROM owned o WHERE NOT %[5]s
),
ends AS (
    SELECT DISTINCT ST_X(e.pt) AS x, ST_Y(e.pt) AS y
    FROM passable, LATERAL (VALUES (ST_StartPoint(geom)), (ST_EndPoint(geom))) e(pt)
),
-- A piece ends at a node the graph has, or at a new one.
known AS (
    SELECT e.x, e.y, n.id FROM ends e
    LEFT JOIN LATERAL (SELECT n.id FROM walk_nodes n
                       WHERE n.geom && ST_SetSRID(ST_MakePoint(e.x, e.y), 4326) AND ST_X(n.geom) = e.x AND ST_Y(n.geom) = e.y
                       ORDER BY n.id LIMIT 1) n ON true
),
fresh AS (
    SELECT x, y, (SELECT coalesce(max(id), 0) FROM walk_nodes) + row_number() OVER (ORDER BY x, y) AS id
    FROM known WHERE id IS NULL
),
new_nodes AS (
    INSERT INTO walk_nodes (id, geom) SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM fresh
),
-- The nodes the deleted edges ended at that no edge ends at any more. (The
-- statement sees the graph as it was before it: the deleted edges still
-- there, the new ones not yet.)
pruned AS (
    DELETE FROM walk_nodes n
    WHERE n.id IN (SELECT source FROM gone UNION SELECT target FROM gone)
      AND NOT EXISTS (SELECT 1 FROM known k WHERE k.id = n.id)
      AND NOT EXISTS (SELECT 1 FROM walk_edges e WHERE e.source = n.id AND e.id NOT IN (SELECT id FROM gone))
      AND NOT EXISTS (SELECT 1 FROM walk_edges e WHERE e.target = n.id AND e.id NOT IN (SELECT id FROM gone))
),
nodes AS (
    SELECT x, y, id FROM known WHERE id IS NOT NULL UNION ALL SELECT x, y, id FROM fresh
)
INSERT INTO walk_edges (id, source, target, cost, reverse_cost, layer, feature_id, name_zh, name_en, geom)
SELECT (SELECT coalesce(max(id), 0) FROM walk_edges) + row_number() OVER (ORDER BY p.layer, p.fid, s.id, t.id), s.id, t.id,
       ST_Length(p.geom::geography), ST_Length(p.geom::geography), p.layer, p.fid, p.name_zh, p.name_en, p.geom
FROM passable p
JOIN nodes s ON (s.x, s.y) = (ST_X(ST_StartPoint(p.geom)), ST_Y(ST_StartPoint(p.geom)))
JOIN nodes t ON (t.x, t.y) = (ST_X(ST_EndPoint(p.geom)), ST_Y(ST_EndPoint(p.geom)))`,
		walls, ways,
		fmt.Sprintf(walkPiecesSQL, "(SELECT 0 AS o, layer, fid, geom AS g FROM c UNION ALL SELECT 1, layer, fid, ring FROM walls)"),
		fmt.Sprintf(walkOwnerSQL, "walk_ways"),
		fmt.Sprintf(walkBlockedSQL, "("+gates+")", "$3"))

	return a
}

// walkEdits is what an edit wrote of the walking layers.
type walkEdits struct {
	n int
	// ways are the edited ways' old and new lines, wayLayers and wayIDs the
	// ways.
	ways              [][]byte
	wayLayers         []string
	wayIDs            []int64
	walls, gatePoints [][]byte
}

// readWalkEdits reads from the change set's history what it wrote of the
// walking layers.
func readWalkEdits(ctx context.Context, tx pgx.Tx, w *walkSQL, changeSet int64) (walkEdits, error) {
	var e walkEdits
	tables := make([]string, 0, len(w.tables))
	for t := range w.tables {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	rows, err := tx.Query(ctx, w.area.edits, changeSet, tables)
	if err != nil {
		return e, err
	}
	defer rows.Close()
	seen := map[string]map[int64]bool{}
	for rows.Next() {
		var table string
		var id int64
		var oldGeom, newGeom []byte
		var oldKind, newKind *string
		if err := rows.Scan(&table, &id, &oldGeom, &newGeom, &oldKind, &newKind); err != nil {
			return e, err
		}
		t := w.tables[table]
		e.n++
		// A feature of a kind that plays no part in the walk (a landmark
		// that is no temple) is no wall.
		plays := func(kind *string) bool {
			return len(t.kinds) == 0 || kind != nil && slices.Contains(t.kinds, *kind)
		}
		// A way's lines count whatever its kind: one that leaves the walk
		// leaves its old neighbours to be cut anew.
		var geoms [][]byte
		for _, g := range []struct {
			b    []byte
			kind *string
		}{{oldGeom, oldKind}, {newGeom, newKind}} {
			if g.b != nil && (t.role == geo.WalkWay || plays(g.kind)) {
				geoms = append(geoms, g.b)
			}
		}
		switch t.role {
		case geo.WalkWay:
			e.ways = append(e.ways, geoms...)
			if seen[t.layer] == nil {
				seen[t.layer] = map[int64]bool{}
			}
			if !seen[t.layer][id] {
				seen[t.layer][id] = true
				e.wayLayers, e.wayIDs = append(e.wayLayers, t.layer), append(e.wayIDs, id)
			}
		case geo.WalkWall:
			e.walls = append(e.walls, geoms...)
		case geo.WalkGate:
			e.gatePoints = append(e.gatePoints, geoms...)
		}
	}
	return e, rows.Err()
}

// updateWalkingNetwork rebuilds the graph where the change set's writes
// touched it, or whole when they touched too much to be worth finding. It
// returns how many ways it cut anew, or -1 when it rebuilt the graph whole.
func updateWalkingNetwork(ctx context.Context, tx pgx.Tx, w *walkSQL, changeSet int64) (int, error) {
	n, err := updateWalkingArea(ctx, tx, w, changeSet)
	if err == nil && n < 0 {
		err = rebuildWalkingNetwork(ctx, tx, w)
	}
	return n, err
}

// updateWalkingArea rebuilds the graph where the change set's writes
// touched it; -1 when it is to be rebuilt whole instead.
func updateWalkingArea(ctx context.Context, tx pgx.Tx, w *walkSQL, changeSet int64) (int, error) {
	if err := lockWalks(ctx, tx); err != nil {
		return 0, err
	}
	e, err := readWalkEdits(ctx, tx, w, changeSet)
	if err != nil {
		return 0, err
	}
	if e.n == 0 || e.n > walkAreaMaxEdits {
		// No history to read would be a write path that records none:
		// rebuild rather than trust it.
		return -1, nil
	}
	// The ways the edit moved.
	var mLayers []string
	var mIDs []int64
	var mGeoms [][]byte
	var layer string
	var id int64
	var g []byte
	rows, err := tx.Query(ctx, w.area.remake, e.ways, e.wayLayers, e.wayIDs, geo.WalkSnap)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&layer, &id, &g}, func() error {
			mLayers, mIDs, mGeoms = append(mLayers, layer), append(mIDs, id), append(mGeoms, g)
			return nil
		})
	}
	if err != nil {
		return 0, err
	}
	if len(mGeoms) == 0 && len(e.walls) == 0 && len(e.gatePoints) == 0 {
		return 0, nil // nothing the graph is cut from changed (a path's kind)
	}
	// The ways whose edges may change.
	var fLayers []string
	var fIDs []int64
	var all int64
	rows, err = tx.Query(ctx, w.area.reach, mGeoms, mLayers, mIDs, e.walls, e.gatePoints, e.ways, e.wayLayers, e.wayIDs, geo.GateReach)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&layer, &id, &all}, func() error {
			fLayers, fIDs = append(fLayers, layer), append(fIDs, id)
			return nil
		})
	}
	if err != nil {
		return 0, err
	}
	if float64(len(fIDs)) > walkAreaMaxShare*float64(all) {
		return -1, nil
	}
	// Their edges out, cut anew and joined to the nodes in place, the
	// nodes nothing ends at any more out.
	_, err = tx.Exec(ctx, w.area.recut, fLayers, fIDs, geo.GateReach)
	return len(fIDs), err
}
