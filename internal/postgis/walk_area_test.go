package postgis_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// The walking graph an edit rebuilds where it touched it must be the graph
// the whole rebuild makes: the same edges (line, cost, way and names), the
// same nodes joining them, the same moved ways they were cut from. Each
// edit below is applied through the write path (which rebuilds the area),
// the graph read back, then rebuilt whole in a transaction that is rolled
// back (so that the next edit builds on the area's graph, as in service)
// and compared. Before and after the whole series, routes between many
// points have the same lengths on both graphs.

// walkGraph is the walking graph read back in a form two builds can be
// compared in: ids, which only name rows, left out.
type walkGraph struct {
	// edges are the edges, sorted: way, names, costs, line (exact WKB), and
	// the exact places of the nodes they join.
	edges []string
	// ways are the moved ways the graph was cut from.
	ways []string
	// nodes is how many nodes there are.
	nodes int
	// rows are the edges' ids with the transactions that wrote them.
	rows map[int64]string
}

// readWalkGraph reads the graph and checks what makes it a graph: every
// edge's nodes exist and lie exactly at its ends, no two nodes share a
// place, and every node ends an edge.
func readWalkGraph(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}) walkGraph {
	t.Helper()
	ctx := context.Background()
	g := walkGraph{rows: map[int64]string{}}
	rows, err := q.Query(ctx, `SELECT e.id, e.xmin::text, e.layer, e.feature_id, e.name_zh, e.name_en, e.cost, e.reverse_cost,
			encode(ST_AsBinary(e.geom), 'hex'), ST_X(s.geom), ST_Y(s.geom), ST_X(t.geom), ST_Y(t.geom),
			ST_X(s.geom) = ST_X(ST_StartPoint(e.geom)) AND ST_Y(s.geom) = ST_Y(ST_StartPoint(e.geom))
			AND ST_X(t.geom) = ST_X(ST_EndPoint(e.geom)) AND ST_Y(t.geom) = ST_Y(ST_EndPoint(e.geom))
		FROM walk_edges e LEFT JOIN walk_nodes s ON s.id = e.source LEFT JOIN walk_nodes t ON t.id = e.target`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, fid int64
		var xmin, layer, zh, en, line string
		var cost, reverse float64
		var sx, sy, tx, ty *float64
		var atEnds *bool
		if err := rows.Scan(&id, &xmin, &layer, &fid, &zh, &en, &cost, &reverse, &line, &sx, &sy, &tx, &ty, &atEnds); err != nil {
			t.Fatal(err)
		}
		if sx == nil || tx == nil {
			t.Fatalf("edge %d (%s/%d) names a node that does not exist", id, layer, fid)
		}
		if !*atEnds {
			t.Fatalf("edge %d (%s/%d) joins nodes that are not at its ends", id, layer, fid)
		}
		g.rows[id] = xmin
		g.edges = append(g.edges, fmt.Sprintf("%s/%d %s|%s cost=%s/%s %s from=%s,%s to=%s,%s", layer, fid, zh, en,
			exact(cost), exact(reverse), line, exact(*sx), exact(*sy), exact(*tx), exact(*ty)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(g.edges)
	var nodes, places, orphans int
	err = q.QueryRow(ctx, `SELECT count(*), count(DISTINCT (ST_X(geom), ST_Y(geom))),
			count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM walk_edges e WHERE n.id IN (e.source, e.target)))
		FROM walk_nodes n`).Scan(&nodes, &places, &orphans)
	if err != nil {
		t.Fatal(err)
	}
	if places != nodes || orphans != 0 {
		t.Fatalf("the graph has %d nodes at %d places, %d of them ending no edge", nodes, places, orphans)
	}
	g.nodes = nodes
	rows, err = q.Query(ctx, `SELECT layer, fid, name_zh, name_en, encode(ST_AsBinary(geom), 'hex') FROM walk_ways ORDER BY layer, fid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var layer, zh, en, line string
		var fid int64
		if err := rows.Scan(&layer, &fid, &zh, &en, &line); err != nil {
			t.Fatal(err)
		}
		g.ways = append(g.ways, fmt.Sprintf("%s/%d %s|%s %s", layer, fid, zh, en, line))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return g
}

func exact(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// wholeWalkGraph rebuilds the graph whole in a transaction it rolls back,
// and reads it.
func wholeWalkGraph(t *testing.T, db *postgis.DB) walkGraph {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := db.RebuildWalkingNetwork(ctx, tx); err != nil {
		t.Fatal(err)
	}
	return readWalkGraph(t, tx)
}

// sameGraph reports how two builds of the graph differ.
func sameGraph(t *testing.T, area, whole walkGraph) {
	t.Helper()
	diff := func(what string, a, w []string) {
		onlyA, onlyW := missing(a, w), missing(w, a)
		if len(onlyA) > 0 || len(onlyW) > 0 {
			t.Errorf("the area's rebuild has %d %s, the whole rebuild %d; only the area's:\n  %s\nonly the whole's:\n  %s",
				len(a), what, len(w), strings.Join(first(onlyA, 5), "\n  "), strings.Join(first(onlyW, 5), "\n  "))
		}
	}
	diff("edges", area.edges, whole.edges)
	diff("moved ways", area.ways, whole.ways)
	if area.nodes != whole.nodes {
		t.Errorf("the area's rebuild has %d nodes, the whole rebuild %d", area.nodes, whole.nodes)
	}
}

// missing lists what of a (sorted) is not in b (sorted), counting repeats.
func missing(a, b []string) []string {
	var out []string
	i := 0
	for _, s := range a {
		for i < len(b) && b[i] < s {
			i++
		}
		if i < len(b) && b[i] == s {
			i++
			continue
		}
		out = append(out, s)
	}
	return out
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// walkRouteLengths walks between pairs of points spread over the
// community (the same pairs every time): the length of each, -1 when
// unreachable.
func walkRouteLengths(t *testing.T, db *postgis.DB) []float64 {
	t.Helper()
	var pts []orb.Point
	for i := range 6 {
		for j := range 6 {
			pts = append(pts, orb.Point{110.0912 + float64(i)*0.0032, 34.5670 + float64(j)*0.0030})
		}
	}
	var out []float64
	for i, a := range pts {
		b := pts[(i*7+5)%len(pts)]
		r := route(t, db, a, geo.RouteTarget{Point: b})
		if !r.Reachable {
			out = append(out, -1)
			continue
		}
		out = append(out, r.LengthM()+r.ApproachFromM+r.ApproachToM)
	}
	return out
}

// shifted returns a line (or a polygon's outer ring) with the vertices
// picked by pick moved by (dx, dy) degrees.
func shifted(t *testing.T, g orb.Geometry, dx, dy float64, pick func(i int, p orb.Point) bool) orb.Geometry {
	move := func(ls []orb.Point) {
		for i, p := range ls {
			if pick(i, p) {
				ls[i] = orb.Point{p[0] + dx, p[1] + dy}
			}
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		ls := slices.Clone(g)
		move(ls)
		return ls
	case orb.Polygon:
		ring := slices.Clone(g[0])
		move(ring)
		return orb.Polygon{ring}
	}
	t.Fatalf("cannot shift a %T", g)
	return nil
}

func every(int, orb.Point) bool { return true }

func TestWalkArea_equalsTheWholeRebuild(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	system := geo.EditOptions{Actor: geo.SystemUser("test")}
	find := func(t *testing.T, layer string, id int64) geo.Feature {
		t.Helper()
		f, err := db.FindFeature(ctx, layer, id)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	update := func(t *testing.T, f geo.Feature) geo.Write {
		return geo.Write{Op: geo.Update, Feature: f, IfVersion: f.Version}
	}
	// A second community east of Xiyue, for edits across the border.
	testdb.AddNeighbour(t, db)
	sameGraph(t, readWalkGraph(t, db.Pool()), wholeWalkGraph(t, db))
	routesBefore := walkRouteLengths(t, db)
	var across int64

	cases := []struct {
		name   string
		writes func(t *testing.T) []geo.Write
		// same is when the edit changes nothing the graph is cut from.
		same bool
	}{
		{"move a street a metre, a lane's end snapped onto it", func(t *testing.T) []geo.Write {
			f := find(t, "streets", 4) // Yuquan Road; Dongguan Compound Lane ends on it
			f.Geometry = shifted(t, f.Geometry, 0, 0.000009, every)
			return []geo.Write{update(t, f)}
		}, false},
		{"bend a lane", func(t *testing.T) []geo.Write {
			f := find(t, "streets", 8) // Shuangquan Lane, past Dongguan Compound
			f.Geometry = shifted(t, f.Geometry, 0, 0.00003, func(i int, _ orb.Point) bool { return i == 1 })
			return []geo.Write{update(t, f)}
		}, false},
		{"rename a street", func(t *testing.T) []geo.Write {
			f := find(t, "streets", 3)
			f.Properties["name_en"] = "Taihua Avenue"
			return []geo.Write{update(t, f)}
		}, false},
		{"delete a path", func(t *testing.T) []geo.Write {
			f := find(t, "paths", 5) // Quanxiang Court Lane, through its gate
			return []geo.Write{{Op: geo.Delete, Feature: f, IfVersion: f.Version}}
		}, false},
		{"add a gate", func(t *testing.T) []geo.Write {
			return []geo.Write{{Op: geo.Insert, Feature: geo.Feature{Layer: "gates", Geometry: orb.Point{110.1007718, 34.5809017},
				Properties: map[string]any{"name_zh": "西华门", "name_en": "West Gate", "kind": "temple_entrance"}}}}
		}, false},
		{"close a compound's wall: its gate left 11 m off it", func(t *testing.T) []geo.Write {
			f := find(t, "compounds", 11) // Dongguan Compound; its gate is on the south wall
			f.Geometry = shifted(t, f.Geometry, 0, 0.0001, func(_ int, p orb.Point) bool { return p[1] < 34.571 })
			return []geo.Write{update(t, f)}
		}, false},
		{"open it again", func(t *testing.T) []geo.Write {
			f := find(t, "compounds", 11)
			f.Geometry = shifted(t, f.Geometry, 0, -0.0001, func(_ int, p orb.Point) bool { return p[1] < 34.571 })
			return []geo.Write{update(t, f)}
		}, false},
		{"a lane's end past the community's edge, a path along it", func(t *testing.T) []geo.Write {
			f := find(t, "streets", 12) // Dongguan Lane, from the community's south edge
			f.Geometry = shifted(t, f.Geometry, 0, -0.0002, func(i int, _ orb.Point) bool { return i == 0 })
			path := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.1026, 34.56685}, {110.1045, 34.56675}, {110.10583, 34.56682}},
				Properties: map[string]any{"name_zh": "南墙小路", "name_en": "South Edge Path", "kind": "footpath"}}
			return []geo.Write{update(t, f), {Op: geo.Insert, Feature: path}}
		}, false},
		{"a path into the temple away from its gates", func(t *testing.T) []geo.Write {
			path := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.1035011, 34.5790}, {110.1028, 34.5792}},
				Properties: map[string]any{"name_zh": "东墙小路", "name_en": "East Wall Path", "kind": "footpath"}}
			return []geo.Write{{Op: geo.Insert, Feature: path}}
		}, false},
		{"a street across the border into the next community", func(t *testing.T) []geo.Write {
			// From Dongguan Lane (its start a metre off it) to the middle
			// of the neighbour.
			street := geo.Feature{Layer: "streets", Geometry: orb.LineString{{110.10590, 34.5690}, {110.1085, 34.56905}, {110.1130, 34.5690}},
				Properties: map[string]any{"name_zh": "东岭路", "name_en": "Dongling Road", "kind": "minor"}}
			return []geo.Write{{Op: geo.Insert, Feature: street}}
		}, false},
		{"move it, and a path in the next community onto its end", func(t *testing.T) []geo.Write {
			if err := db.Pool().QueryRow(ctx, `SELECT id FROM streets WHERE name_en = 'Dongling Road'`).Scan(&across); err != nil {
				t.Fatal(err)
			}
			f := find(t, "streets", across)
			f.Geometry = shifted(t, f.Geometry, 0, 0.000009, every)
			path := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.11301, 34.56902}, {110.1130, 34.5720}},
				Properties: map[string]any{"name_zh": "东岭小路", "name_en": "Dongling Path", "kind": "footpath"}}
			return []geo.Write{update(t, f), {Op: geo.Insert, Feature: path}}
		}, false},
		{"delete the street across the border", func(t *testing.T) []geo.Write {
			f := find(t, "streets", across)
			return []geo.Write{{Op: geo.Delete, Feature: f, IfVersion: f.Version}}
		}, false},
		// A wall stands in the graph only while a way meets it. A shrine's
		// walls no way meets; a path's end snapped onto a street 1.7 m away
		// would cut its corner, but the path as drawn does not: the graph
		// leaves the shrine out.
		{"a shrine no way meets, a path whose snapped end cuts its corner", func(t *testing.T) []geo.Write {
			shrine := geo.Feature{Layer: "landmarks", Geometry: orb.Polygon{{{110.1140, 34.572946}, {110.1142, 34.572946}, {110.1142, 34.573146}, {110.1140, 34.573146}, {110.1140, 34.572946}}},
				Properties: map[string]any{"name_zh": "东岭祠", "name_en": "Dongling Shrine", "kind": "temple"}}
			street := geo.Feature{Layer: "streets", Geometry: orb.LineString{{110.1120, 34.572915}, {110.1160, 34.572915}},
				Properties: map[string]any{"name_zh": "东岭南街", "name_en": "Dongling South Street", "kind": "minor"}}
			path := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.1125, 34.5733}, {110.1130, 34.5731}, {110.11425, 34.57290}},
				Properties: map[string]any{"name_zh": "祠西小路", "name_en": "Shrine West Path", "kind": "footpath"}}
			return []geo.Write{{Op: geo.Insert, Feature: shrine}, {Op: geo.Insert, Feature: street}, {Op: geo.Insert, Feature: path}}
		}, false},
		// A path into the shrine 15 m from the first: now a way meets the
		// shrine, its walls stand, and the first path's snapped end is cut
		// where it crosses them.
		{"a path into the shrine puts its walls in the way of another", func(t *testing.T) []geo.Write {
			path := geo.Feature{Layer: "paths", Geometry: orb.LineString{{110.11415, 34.5735}, {110.11415, 34.5731}},
				Properties: map[string]any{"name_zh": "祠北小路", "name_en": "Shrine North Path", "kind": "footpath"}}
			return []geo.Write{{Op: geo.Insert, Feature: path}}
		}, false},
		{"a path's kind", func(t *testing.T) []geo.Write {
			f := find(t, "paths", 1)
			f.Properties["kind"] = "footpath"
			return []geo.Write{update(t, f)}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := readWalkGraph(t, db.Pool())
			if _, err := db.ApplyWrites(ctx, c.writes(t), system); err != nil {
				t.Fatal(err)
			}
			area := readWalkGraph(t, db.Pool())
			// The edit rebuilt the area, not the whole graph: the edges
			// outside it are the rows they were.
			kept := 0
			for id, xmin := range before.rows {
				if area.rows[id] == xmin {
					kept++
				}
			}
			t.Logf("the edit wrote %d of %d edges anew", len(area.rows)-kept, len(area.rows))
			if kept == 0 || kept == len(area.rows) && !c.same {
				t.Errorf("the edit kept %d of %d edges as they were: it rebuilt the graph whole, or not at all", kept, len(area.rows))
			}
			if c.same && kept != len(before.rows) {
				t.Errorf("an edit the graph is not made of wrote %d of its %d edges anew", len(before.rows)-kept, len(before.rows))
			}
			sameGraph(t, area, wholeWalkGraph(t, db))
		})
	}

	// The routes walk the same lengths on the area's graph as on the whole
	// rebuild's, which the edits changed: to a millimetre, as a point
	// nearest to a node meets the network on whichever edge of the node
	// the index gives first, and its walk is summed from other pieces
	// (micrometres apart).
	routesArea := walkRouteLengths(t, db)
	if err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error { return db.RebuildWalkingNetwork(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	routesWhole := walkRouteLengths(t, db)
	changed := 0
	for i := range routesArea {
		if math.Abs(routesArea[i]-routesWhole[i]) > 1e-3 {
			t.Errorf("route %d: %.9f m on the area's graph, %.9f m on the whole rebuild's", i, routesArea[i], routesWhole[i])
		}
		if math.Abs(routesBefore[i]-routesWhole[i]) > 1e-3 {
			changed++
		}
	}
	t.Logf("%d of %d routes changed with the edits", changed, len(routesWhole))
	if changed == 0 {
		t.Errorf("none of the %d routes changed with the edits: they prove nothing", len(routesWhole))
	}
}

// An import of many walking features rebuilds the graph whole: every edge
// is written anew, and the graph is the whole rebuild's.
func TestWalkArea_manyFeaturesRebuildWhole(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	before := readWalkGraph(t, db.Pool())
	var ws []geo.Write
	for i := range 65 {
		x := 110.0950 + float64(i%13)*0.0001
		y := 34.5745 + float64(i/13)*0.0001
		ws = append(ws, geo.Write{Op: geo.Insert, Feature: geo.Feature{Layer: "paths", Geometry: orb.LineString{{x, y}, {x + 0.00005, y + 0.00005}},
			Properties: map[string]any{"name_zh": fmt.Sprintf("小路%d", i), "name_en": fmt.Sprintf("Path %d", i), "kind": "footpath"}}})
	}
	if _, err := db.ApplyWrites(ctx, ws, geo.EditOptions{Actor: geo.SystemUser("test")}); err != nil {
		t.Fatal(err)
	}
	after := readWalkGraph(t, db.Pool())
	for id, xmin := range before.rows {
		if after.rows[id] == xmin {
			t.Fatalf("edge %d was kept as it was: the graph was not rebuilt whole", id)
		}
	}
	if len(after.edges) < len(before.edges)+65 {
		t.Errorf("the graph has %d edges after 65 paths were added to %d", len(after.edges), len(before.edges))
	}
	sameGraph(t, after, wholeWalkGraph(t, db))
}
