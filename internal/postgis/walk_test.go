package postgis_test

import (
	"container/heap"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// The seed's places the routes below walk between.
var (
	kiosk = orb.Point{110.099817, 34.574658}
	// outsideWestWall is where the closed west gate's passage leaves the
	// ring path round Xiyue Temple; templeHall is on the temple's axis
	// straight east of it, 139 m away through the wall.
	outsideWestWall = orb.Point{110.1004989, 34.5809017}
	templeHall      = orb.Point{110.102, 34.5809017}
	// shuangquanLane is on the lane north of Dongguan Compound, whose
	// activity room (post 9) stands inside its southern gate.
	shuangquanLane = orb.Point{110.0935, 34.57223}
)

// walkEdge is an edge of the graph as the test reads it back.
type walkEdge struct {
	id, source, target int64
	cost               float64
	line               orb.LineString
}

// readGraph reads the walking network the store built.
func readGraph(t *testing.T, conn string) ([]walkEdge, map[int64]orb.Point) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT id, source, target, cost, ST_AsBinary(geom) FROM walk_edges ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var edges []walkEdge
	nodes := map[int64]orb.Point{}
	for rows.Next() {
		var e walkEdge
		var b []byte
		if err := rows.Scan(&e.id, &e.source, &e.target, &e.cost, &b); err != nil {
			t.Fatal(err)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		e.line = g.(orb.LineString)
		nodes[e.source], nodes[e.target] = e.line[0], e.line[len(e.line)-1]
		edges = append(edges, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(edges) < 50 {
		t.Fatalf("the walking network has %d edges; the seed's streets and paths make more than 50", len(edges))
	}
	return edges, nodes
}

// dijkstra is the shortest walk from a to b over the edges, both ways, with
// extra edges (a point on an edge joined to its ends); -1 when none.
func dijkstra(edges []walkEdge, extra [][3]float64, a, b int64) float64 {
	adj := map[int64][][2]float64{}
	link := func(u, v int64, c float64) {
		adj[u] = append(adj[u], [2]float64{float64(v), c})
		adj[v] = append(adj[v], [2]float64{float64(u), c})
	}
	for _, e := range edges {
		link(e.source, e.target, e.cost)
	}
	for _, x := range extra {
		link(int64(x[0]), int64(x[1]), x[2])
	}
	dist := map[int64]float64{a: 0}
	pq := &queue{{a, 0}}
	for pq.Len() > 0 {
		it := heap.Pop(pq).(item)
		if it.d > dist[it.n] {
			continue
		}
		if it.n == b {
			return it.d
		}
		for _, nb := range adj[it.n] {
			v, d := int64(nb[0]), it.d+nb[1]
			if old, ok := dist[v]; !ok || d < old {
				dist[v] = d
				heap.Push(pq, item{v, d})
			}
		}
	}
	return -1
}

type item struct {
	n int64
	d float64
}
type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// pointAlong is the point at fraction f of a line measured in degrees (as
// PostGIS's ST_LineLocatePoint measures it on lon/lat).
func pointAlong(ls orb.LineString, f float64) orb.Point {
	var total float64
	for i := 1; i < len(ls); i++ {
		total += math.Hypot(ls[i][0]-ls[i-1][0], ls[i][1]-ls[i-1][1])
	}
	want := f * total
	for i := 1; i < len(ls); i++ {
		seg := math.Hypot(ls[i][0]-ls[i-1][0], ls[i][1]-ls[i-1][1])
		if want <= seg {
			t := want / seg
			return orb.Point{ls[i-1][0] + t*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + t*(ls[i][1]-ls[i-1][1])}
		}
		want -= seg
	}
	return ls[len(ls)-1]
}

func route(t *testing.T, db *postgis.DB, from orb.Point, to geo.RouteTarget) geo.Route {
	t.Helper()
	r, err := db.Route(context.Background(), geo.RouteQuery{From: from, To: to})
	if err != nil {
		t.Fatalf("route from %v to %+v: %v", from, to, err)
	}
	return r
}

func TestRoute_equalsDijkstra(t *testing.T) {
	db, conn := openTestDB(t)
	edges, nodes := readGraph(t, conn)
	n := int64(len(nodes))
	// Between nodes: the route's length is the shortest path's.
	for _, pair := range [][2]int64{{1, n}, {2, n / 2}, {n / 3, 2 * n / 3}, {5, n - 4}, {n / 4, n / 5}, {7, 11}} {
		a, b := nodes[pair[0]], nodes[pair[1]]
		want := dijkstra(edges, nil, pair[0], pair[1])
		r := route(t, db, a, geo.RouteTarget{Point: b})
		if want < 0 {
			if r.Reachable {
				t.Errorf("nodes %d → %d: the route is %.1f m, but no path joins them", pair[0], pair[1], r.LengthM())
			}
			continue
		}
		if !r.Reachable || math.Abs(r.LengthM()-want) > 0.5 {
			t.Errorf("nodes %d → %d: route reachable=%v %.2f m, Dijkstra %.2f m", pair[0], pair[1], r.Reachable, r.LengthM(), want)
		}
	}
	// Between points on edges: each is joined to its edge's ends by the
	// parts of the edge's length, as pgRouting places points.
	for _, pick := range [][4]float64{{3, 0.3, 40, 0.6}, {10, 0.5, 60, 0.25}, {20, 0.8, 21, 0.1}, {float64(len(edges) - 1), 0.45, 15, 0.5}} {
		ea, eb := edges[int(pick[0])], edges[int(pick[2])]
		fa, fb := pick[1], pick[3]
		pa, pb := pointAlong(ea.line, fa), pointAlong(eb.line, fb)
		const va, vb = -1, -2
		extra := [][3]float64{
			{va, float64(ea.source), fa * ea.cost}, {va, float64(ea.target), (1 - fa) * ea.cost},
			{vb, float64(eb.source), fb * eb.cost}, {vb, float64(eb.target), (1 - fb) * eb.cost},
		}
		want := dijkstra(edges, extra, va, vb)
		r := route(t, db, pa, geo.RouteTarget{Point: pb})
		if !r.Reachable || math.Abs(r.LengthM()-want) > 0.5 {
			t.Errorf("edge %d at %.2f → edge %d at %.2f: route reachable=%v %.2f m, Dijkstra %.2f m", ea.id, fa, eb.id, fb, r.Reachable, r.LengthM(), want)
		}
		if line := r.Line(); line[0] != pa || line[len(line)-1] != pb {
			t.Errorf("the route's line runs %v … %v, want from %v to %v", line[0], line[len(line)-1], pa, pb)
		}
	}
}

// wallCrossings returns the points where a line crosses the walls of
// compounds and temples away from every gate (further than
// geo.GateReach), as PostGIS finds them.
func wallCrossings(t *testing.T, conn string, line orb.LineString) []string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	b, err := wkb.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, `WITH r AS (SELECT ST_GeomFromWKB($1, 4326) AS g),
		walls AS (SELECT geom FROM compounds UNION ALL SELECT geom FROM landmarks WHERE kind = 'temple'),
		hits AS (SELECT (ST_Dump(ST_Intersection(r.g, ST_ExteriorRing(w.geom)))).geom AS p FROM r, walls w WHERE ST_Intersects(r.g, w.geom))
		SELECT ST_AsText(p) FROM hits
		WHERE NOT EXISTS (SELECT 1 FROM gates g WHERE ST_DWithin(g.geom::geography, hits.p::geography, $2))`, b, geo.GateReach)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoute_neverCrossesAWallButAtAGate(t *testing.T) {
	db, conn := openTestDB(t)
	// Beside the temple's west wall, its hall 139 m east: the closed west
	// gate's passage leads straight there, through the wall; the walk goes
	// round to the south gate.
	r := route(t, db, outsideWestWall, geo.RouteTarget{Point: templeHall})
	if !r.Reachable {
		t.Fatal("the temple's hall is unreachable from beside its west wall; the south gate leads in")
	}
	if r.LengthM() < 700 {
		t.Errorf("the walk from beside the west wall to the hall is %.0f m; through the wall it is 139 m, round by the south gate more than 700 m", r.LengthM())
	}
	gated := false
	for _, l := range r.Legs {
		gated = gated || (l.Gate != nil && l.Gate.En == "Xiyue Temple South Gate")
	}
	if !gated {
		t.Errorf("the walk into the temple does not go through its south gate: %+v", r.Legs)
	}
	for _, to := range []geo.RouteTarget{{Point: templeHall}, {Layer: "posts", ID: 9}, {Layer: "posts", ID: 10}, {Layer: "landmarks", ID: 1}, {Layer: "parking", ID: 1}} {
		r := route(t, db, kiosk, to)
		if !r.Reachable {
			t.Errorf("%+v is unreachable from the kiosk", to)
			continue
		}
		if hits := wallCrossings(t, conn, r.Line()); len(hits) > 0 {
			t.Errorf("the walk from the kiosk to %+v crosses a wall away from every gate at %v", to, hits)
		}
	}
}

func TestRoute_stepsNameTheStreetsInOrder(t *testing.T) {
	db, _ := openTestDB(t)
	r := route(t, db, kiosk, geo.RouteTarget{Layer: "posts", ID: 10})
	if !r.Reachable || r.Target == nil {
		t.Fatalf("posts/10 unreachable from the kiosk: %+v", r)
	}
	// The streets walked, in order, each once per stretch.
	var names []string
	for _, l := range r.Legs {
		if len(names) == 0 || names[len(names)-1] != l.Name.En {
			names = append(names, l.Name.En)
		}
	}
	if names[0] != "Yuemiao Pedestrian Street" || names[len(names)-1] != "Quanxiang Court Lane" {
		t.Errorf("the walk to the Quanxiang Court activity room runs along %v; want from the pedestrian street to the court's lane", names)
	}
	target := geo.Label{Zh: "泉香苑共享活动室", En: "Quanxiang Court Shared Activity Room"}
	steps := geo.Steps(r, &target)
	next := 0
	var sum float64
	for _, s := range steps {
		sum += s.LengthM
		if next < len(names) && strings.Contains(s.Text.En, names[next]) {
			next++
		}
	}
	if next != len(names) {
		t.Errorf("the steps name %d of the %d streets %v in order:\n%v", next, len(names), names, steps)
	}
	if math.Abs(sum-r.LengthM()) > 0.01 {
		t.Errorf("the steps add up to %.2f m, the route is %.2f m", sum, r.LengthM())
	}
	last := steps[len(steps)-1]
	if last.Text.Zh != "到达泉香苑共享活动室" || last.Text.En != "Arrive at Quanxiang Court Shared Activity Room" {
		t.Errorf("the last step is %+v, want the arrival", last.Text)
	}
	gate := false
	for _, s := range steps {
		gate = gate || strings.HasPrefix(s.Text.Zh, "穿过泉香苑大门")
	}
	if !gate {
		t.Errorf("no step goes through the court's gate: %v", steps)
	}
	if r.Target.Properties["name_zh"] != target.Zh {
		t.Errorf("the route's target is %v, want %s", r.Target.Properties, target.Zh)
	}
}

func TestRoute_anEditChangesTheNextRoute(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	before := route(t, db, outsideWestWall, geo.RouteTarget{Point: templeHall})
	// Staff open the west gate: the passage leads in.
	gate := geo.Feature{Layer: "gates", Geometry: orb.Point{110.1007718, 34.5809017},
		Properties: map[string]any{"name_zh": "西华门", "name_en": "West Gate", "kind": "temple_entrance"}}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Insert, Feature: gate}}, editor()); err != nil {
		t.Fatal(err)
	}
	after := route(t, db, outsideWestWall, geo.RouteTarget{Point: templeHall})
	if !after.Reachable || math.Abs(after.LengthM()-139) > 3 || before.LengthM() < 700 {
		t.Errorf("with the west gate open the walk to the hall is %.0f m (before %.0f m); want 139 m straight through it", after.LengthM(), before.LengthM())
	}
	// The pedestrian street is taken off the map: the walk from the kiosk
	// to the temple finds another way.
	via := route(t, db, kiosk, geo.RouteTarget{Layer: "landmarks", ID: 1})
	if via.Legs[0].Name.En != "Yuemiao Pedestrian Street" {
		t.Fatalf("the walk to the temple starts along %s, want the pedestrian street", via.Legs[0].Name.En)
	}
	street, err := db.FindFeature(ctx, "streets", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Delete, Feature: street, IfVersion: street.Version}}, geo.EditOptions{Actor: geo.SystemUser("test")}); err != nil {
		t.Fatal(err)
	}
	other := route(t, db, kiosk, geo.RouteTarget{Layer: "landmarks", ID: 1})
	for _, l := range other.Legs {
		if l.Layer == "streets" && l.FeatureID == 1 {
			t.Fatalf("the walk still runs along the deleted pedestrian street: %+v", l)
		}
	}
	if !other.Reachable || other.LengthM() <= via.LengthM() {
		t.Errorf("without the pedestrian street the walk is %.0f m (reachable %v), with it %.0f m: want a longer way round", other.LengthM(), other.Reachable, via.LengthM())
	}
}

func TestRoute_unreachableIsAnAnswer(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	// A lane inside Yuemiao New Village, which has no gate: walled off.
	c, err := db.FindFeature(ctx, "compounds", 1)
	if err != nil {
		t.Fatal(err)
	}
	mid := c.Geometry.Bound().Center()
	lane := geo.Feature{Layer: "paths", Geometry: orb.LineString{{mid[0] - 0.00005, mid[1]}, {mid[0] + 0.00005, mid[1]}},
		Properties: map[string]any{"name_zh": "新村内巷", "name_en": "New Village Inner Lane", "kind": "lane"}}
	if _, err := db.ApplyWrites(ctx, []geo.Write{{Op: geo.Insert, Feature: lane}}, editor()); err != nil {
		t.Fatal(err)
	}
	r := route(t, db, kiosk, geo.RouteTarget{Point: mid})
	if r.Reachable || len(r.Legs) != 0 || r.LengthM() != 0 {
		t.Errorf("the lane inside a compound without a gate is reachable: %.0f m over %d legs", r.LengthM(), len(r.Legs))
	}
	if steps := geo.Steps(r, nil); steps != nil {
		t.Errorf("an unreachable target has steps %v", steps)
	}
	// A feature that does not exist is not found, not unreachable.
	_, err = db.Route(ctx, geo.RouteQuery{From: kiosk, To: geo.RouteTarget{Layer: "posts", ID: 999}})
	if geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("route to posts/999: %v, want ENOTFOUND", err)
	}
}

func TestNearest_byWalkingRanksAPostBehindAWallLower(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	// From the lane north of Dongguan Compound its activity room (post 9)
	// is nearest in a straight line, but its gate is on the far side.
	q := geo.NearestQuery{Layer: "posts", Origin: shuangquanLane, Limit: 3}
	straight, err := db.Nearest(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	q.ByWalking = true
	walking, err := db.Nearest(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rank := func(ns []geo.Nearby) int {
		for i, n := range ns {
			if n.Feature.ID == 9 {
				return i
			}
		}
		return len(ns)
	}
	if rank(straight) != 0 || rank(walking) <= rank(straight) {
		t.Errorf("post 9 ranks %d in a straight line and %d by walking; want first, then lower", rank(straight), rank(walking))
	}
	for i, n := range walking {
		if !n.Walked || n.WalkM < n.DistanceM-0.5 {
			t.Errorf("answer %d: walked %v, %.0f m on foot, %.0f m in a straight line", i, n.Walked, n.WalkM, n.DistanceM)
		}
		if i > 0 && n.WalkM < walking[i-1].WalkM {
			t.Errorf("answers by walking are not ordered: %.0f m after %.0f m", n.WalkM, walking[i-1].WalkM)
		}
		r := route(t, db, shuangquanLane, geo.RouteTarget{Layer: "posts", ID: n.Feature.ID})
		if math.Abs(r.LengthM()-n.WalkM) > 0.5 {
			t.Errorf("post %d: nearest by walking says %.1f m, the route %.1f m", n.Feature.ID, n.WalkM, r.LengthM())
		}
	}
}
