package postgis_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// Origins the nearest search is checked from.
var (
	kioskPos  = orb.Point{110.099817, 34.574658} // the kiosk on the pedestrian street
	templePos = orb.Point{110.102, 34.580}       // Xiyue Temple, just north of the community
	outside   = orb.Point{110.080, 34.560}       // south-west of the community, ~1.7 km out
	eastEdge  = orb.Point{110.1075, 34.5700}     // the community's east side
)

// cstAt returns a fixed time on the clock of China Standard Time.
func cstAt(hh, mm int) time.Time {
	return time.Date(2025, 6, 1, hh, mm, 0, 0, geo.ChinaStandardTime())
}

// candidate is one feature with its independently computed distance.
type candidate struct {
	id     int64
	metres float64
}

// expectNearest computes the answer to q independently: every feature of
// the layer read through the OGC store, filtered in Go, measured with
// Vincenty's formula on the WGS 84 ellipsoid, sorted.
func expectNearest(t *testing.T, db *postgis.DB, q geo.NearestQuery) []candidate {
	t.Helper()
	page, err := db.FindFeatures(context.Background(), geo.Filter{Layer: q.Layer, Limit: geo.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []candidate
	for _, f := range page.Features {
		if services, _ := f.Properties["services"].([]string); len(q.Services) > 0 {
			if !containsAll(services, q.Services) {
				continue
			}
		}
		if free, _ := f.Properties["free"].(int64); q.MinFree > 0 && free < int64(q.MinFree) {
			continue
		}
		if open, known := geo.OpenNow(f.Properties["hours"].(string), q.Now); q.OpenNow && (!open || !known) {
			continue
		}
		target, _ := f.Geometry.(orb.Point)
		if q.Layer == "parking" {
			target = f.Properties["entrance"].(orb.Point)
		}
		out = append(out, candidate{id: f.ID, metres: vincenty(q.Origin, target)})
	}
	slices.SortFunc(out, func(a, b candidate) int { return cmp.Compare(a.metres, b.metres) })
	return out[:min(len(out), q.Limit)]
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// checkNearest compares Nearest's answer with the independent one: the same
// features in the same order (near-ties of a centimetre may swap) and
// distances within 5 cm (PostGIS's geodesic against Vincenty's).
func checkNearest(t *testing.T, got []geo.Nearby, want []candidate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d features, want %d: got %v, want %v", len(got), len(want), nearbyIDs(got), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Feature.ID != w.id {
			tie := slices.ContainsFunc(want, func(c candidate) bool { return c.id == g.Feature.ID && abs(c.metres-w.metres) < 0.01 })
			if !tie {
				t.Fatalf("rank %d: got id %d at %.2f m, want id %d at %.2f m (got order %v, want %v)", i, g.Feature.ID, g.DistanceM, w.id, w.metres, nearbyIDs(got), want)
			}
		}
		if abs(g.DistanceM-w.metres) > 0.05 {
			t.Errorf("rank %d id %d: distance %.3f m, want %.3f m (Vincenty) ± 0.05", i, g.Feature.ID, g.DistanceM, w.metres)
		}
		if i > 0 && got[i-1].DistanceM > g.DistanceM {
			t.Errorf("rank %d is nearer (%.2f m) than rank %d (%.2f m)", i, g.DistanceM, i-1, got[i-1].DistanceM)
		}
	}
}

func nearbyIDs(ns []geo.Nearby) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("%d@%.1f", n.Feature.ID, n.DistanceM)
	}
	return out
}

func abs(f float64) float64 { return max(f, -f) }

func TestDB_Nearest(t *testing.T) {
	db, _ := openTestDB(t)
	origins := []struct {
		name string
		at   orb.Point
	}{{"kiosk", kioskPos}, {"temple", templePos}, {"outside", outside}, {"east edge", eastEdge}}
	queries := []struct {
		name string
		q    geo.NearestQuery
	}{
		{name: "posts", q: geo.NearestQuery{Layer: "posts", Limit: 50}},
		{name: "posts limit 3", q: geo.NearestQuery{Layer: "posts", Limit: 3}},
		{name: "charging", q: geo.NearestQuery{Layer: "posts", Services: []string{"charging"}, Limit: 5}},
		{name: "first aid and wifi", q: geo.NearestQuery{Layer: "posts", Services: []string{"first_aid", "wifi"}, Limit: 5}},
		{name: "open at 03:00", q: geo.NearestQuery{Layer: "posts", OpenNow: true, Now: cstAt(3, 0), Limit: 5}},
		{name: "open at 10:00", q: geo.NearestQuery{Layer: "posts", OpenNow: true, Now: cstAt(10, 0), Limit: 50}},
		{name: "open at 12:30 with map", q: geo.NearestQuery{Layer: "posts", Services: []string{"map"}, OpenNow: true, Now: cstAt(12, 30), Limit: 2}},
		{name: "parking", q: geo.NearestQuery{Layer: "parking", Limit: 5}},
		{name: "parking with free spaces", q: geo.NearestQuery{Layer: "parking", MinFree: 1, Limit: 5}},
		{name: "parking with 20 free", q: geo.NearestQuery{Layer: "parking", MinFree: 20, Limit: 5}},
		{name: "parking open at 19:00", q: geo.NearestQuery{Layer: "parking", OpenNow: true, Now: cstAt(19, 0), Limit: 1}},
	}
	for _, o := range origins {
		for _, qq := range queries {
			t.Run(o.name+"/"+qq.name, func(t *testing.T) {
				q := qq.q
				q.Origin = o.at
				if q.Now.IsZero() {
					q.Now = cstAt(12, 0)
				}
				got, err := db.Nearest(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				checkNearest(t, got, expectNearest(t, db, q))
			})
		}
	}
}

func TestDB_Nearest_KnownAnswers(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	tests := []struct {
		name string
		q    geo.NearestQuery
		want []int64
	}{
		// At 03:00 only the mid-street cabin (00:00-24:00) is open.
		{name: "night", q: geo.NearestQuery{Layer: "posts", Origin: kioskPos, OpenNow: true, Now: cstAt(3, 0), Limit: 5}, want: []int64{3}},
		// Same instant given in UTC (19:00 the day before).
		{name: "night in UTC", q: geo.NearestQuery{Layer: "posts", Origin: kioskPos, OpenNow: true, Now: cstAt(3, 0).UTC(), Limit: 5}, want: []int64{3}},
		// The cultural centre car park (id 2) is full; the nearest with
		// free spaces from the kiosk is the subdistrict office's (id 1).
		{name: "free parking", q: geo.NearestQuery{Layer: "parking", Origin: kioskPos, MinFree: 1, Limit: 5}, want: []int64{1, 3}},
		// At 19:00 the tax office car park (08:00-18:00) is closed.
		{name: "parking at 19:00", q: geo.NearestQuery{Layer: "parking", Origin: kioskPos, OpenNow: true, Now: cstAt(19, 0), Limit: 5}, want: []int64{1, 2}},
		{name: "parking free and open at 19:00", q: geo.NearestQuery{Layer: "parking", Origin: kioskPos, MinFree: 1, OpenNow: true, Now: cstAt(19, 0), Limit: 5}, want: []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Nearest(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, n := range got {
				ids = append(ids, n.Feature.ID)
				if tt.q.OpenNow && (n.Open == nil || !*n.Open) {
					t.Errorf("id %d is not marked open", n.Feature.ID)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}
}

// TestDB_Nearest_MinFreeFollowsEdits: a car park that fills up drops out.
func TestDB_Nearest_MinFreeFollowsEdits(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	q := geo.NearestQuery{Layer: "parking", Origin: kioskPos, MinFree: 1, Limit: 5}
	if _, err := db.Pool().Exec(ctx, `UPDATE parking SET free = 0 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	got, err := db.Nearest(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if ids := nearbyIDs(got); len(got) != 1 || got[0].Feature.ID != 3 {
		t.Errorf("after car park 1 filled up: %v, want only car park 3", ids)
	}
	if free := got[0].Feature.Properties["free"]; free != int64(12) {
		t.Errorf("free = %v, want 12", free)
	}
}

// TestDB_Nearest_ParkingMeasuresToEntrance: the distance is to the
// entrance, not to the car park's outline or centre.
func TestDB_Nearest_ParkingMeasuresToEntrance(t *testing.T) {
	db, _ := openTestDB(t)
	got, err := db.Nearest(context.Background(), geo.NearestQuery{Layer: "parking", Origin: kioskPos, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range got {
		entrance := n.Feature.Properties["entrance"].(orb.Point)
		if n.Target != entrance {
			t.Errorf("car park %d: target %v, want its entrance %v", n.Feature.ID, n.Target, entrance)
		}
		if d := vincenty(kioskPos, entrance); abs(d-n.DistanceM) > 0.05 {
			t.Errorf("car park %d: %.2f m, want %.2f m to the entrance", n.Feature.ID, n.DistanceM, d)
		}
	}
}

// TestDB_Nearest_ManyCandidates: with thousands of posts, some closed, the
// widening window still returns exactly the nearest open ones.
func TestDB_Nearest_ManyCandidates(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	// 3000 posts on a spiral around the kiosk, every third one closed at noon.
	_, err := db.Pool().Exec(ctx, `
INSERT INTO posts (name_zh, name_en, kind, services, hours, geom)
SELECT '测试站' || i, 'Test post ' || i, 'cabin', ARRAY['water'],
       CASE WHEN i % 3 = 0 THEN '18:00-06:00' ELSE '08:00-20:00' END,
       ST_SetSRID(ST_MakePoint(110.099817 + 0.00002 * i * cos(i), 34.574658 + 0.00002 * i * sin(i)), 4326)
FROM generate_series(1, 3000) AS i`)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []geo.NearestQuery{
		{Layer: "posts", Origin: kioskPos, Limit: 50, OpenNow: true, Now: cstAt(12, 0)},
		{Layer: "posts", Origin: orb.Point{110.13, 34.57}, Limit: 20, OpenNow: true, Now: cstAt(23, 0)},
		{Layer: "posts", Origin: templePos, Limit: 7},
	} {
		got, err := db.Nearest(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		checkNearest(t, got, expectNearest(t, db, q))
	}
}

func TestDB_Nearest_Invalid(t *testing.T) {
	db, _ := openTestDB(t)
	for _, q := range []geo.NearestQuery{
		{Layer: "grids", Origin: kioskPos, Limit: 5},
		{Layer: "posts", Origin: kioskPos, Limit: 0},
		{Layer: "posts", Origin: kioskPos, Limit: 51},
		{Layer: "posts", Origin: orb.Point{200, 0}, Limit: 5},
		{Layer: "parking", Origin: kioskPos, Services: []string{"water"}, Limit: 5},
		{Layer: "posts", Origin: kioskPos, MinFree: 3, Limit: 5},
	} {
		if _, err := db.Nearest(context.Background(), q); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("Nearest(%+v) error = %v, want invalid", q, err)
		}
	}
}

// TestDB_Nearest_UsesIndex reads the plan of the query Nearest runs: a KNN
// scan of the GiST index, never a sequential scan of the table.
func TestDB_Nearest_UsesIndex(t *testing.T) {
	db, _ := openTestDB(t)
	for layer, index := range map[string]string{"posts": "posts_geom_idx", "parking": "parking_entrance_idx"} {
		t.Run(layer, func(t *testing.T) {
			plan := explain(t, db, db.NearestSQLForTest(layer), kioskPos[0], kioskPos[1], 21)
			if !strings.Contains(plan, "Index Scan using "+index) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("plan does not scan %s by KNN:\n%s", index, plan)
			}
		})
	}
	t.Run("locate", func(t *testing.T) {
		grid, compound, _ := db.LocateSQLForTest()
		for sql, index := range map[string]string{grid: "grids_geom_idx", compound: "compounds_geom_idx"} {
			plan := explain(t, db, sql, kioskPos[0], kioskPos[1])
			if !strings.Contains(plan, index) || strings.Contains(plan, "Seq Scan on grids") || strings.Contains(plan, "Seq Scan on compounds") {
				t.Errorf("plan does not use %s:\n%s", index, plan)
			}
		}
	})
}

func explain(t *testing.T, db *postgis.DB, sql string, args ...any) string {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan += line + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestDB_Nearest_DegreesAreNotMetres: a degree east is shorter than a degree
// north, so the index's order in degrees is not the true order. Two hundred
// posts just north of a point come before, in degrees, one post east of it
// that is truly nearer; the search must still answer that one first.
func TestDB_Nearest_DegreesAreNotMetres(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	origin := orb.Point{110.5, 34.57}
	_, err := db.Pool().Exec(ctx, `
INSERT INTO posts (name_zh, name_en, kind, services, hours, geom)
SELECT '北' || i, 'North ' || i, 'cabin', ARRAY['water'], '00:00-24:00',
       ST_SetSRID(ST_MakePoint($1, $2 + 0.001 + 0.0000001 * i), 4326)
FROM generate_series(1, 200) AS i;
`, origin[0], origin[1])
	if err != nil {
		t.Fatal(err)
	}
	var east int64
	err = db.Pool().QueryRow(ctx, `
INSERT INTO posts (name_zh, name_en, kind, services, hours, geom)
VALUES ('东', 'East', 'cabin', ARRAY['water'], '00:00-24:00', ST_SetSRID(ST_MakePoint($1 + 0.00118, $2), 4326))
RETURNING id`, origin[0], origin[1]).Scan(&east)
	if err != nil {
		t.Fatal(err)
	}
	q := geo.NearestQuery{Layer: "posts", Origin: origin, Limit: 1}
	got, err := db.Nearest(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Feature.ID != east {
		t.Fatalf("nearest = %v, want the east post %d", nearbyIDs(got), east)
	}
	q.Limit = 3
	got, err = db.Nearest(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	checkNearest(t, got, expectNearest(t, db, q))
}
