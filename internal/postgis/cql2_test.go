package postgis_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/cql2"
	"partymap/internal/cql2test"
	"partymap/internal/geo"
	"partymap/internal/postgis"
)

// dataset is every feature of every collection, as the Go evaluation
// reads them.
type dataset map[string][]cql2test.Feature

func loadDataset(t *testing.T, db *postgis.DB) dataset {
	t.Helper()
	ds := dataset{}
	for _, l := range geo.NewCatalogue().Layers() {
		page, err := db.FindFeatures(context.Background(), geo.Filter{Layer: l.Name, Limit: geo.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Features {
			props := map[string]any{geo.PropID: f.ID, geo.PropUpdatedAt: f.UpdatedAt}
			for k, v := range f.Properties {
				if _, ok := v.(orb.Point); !ok {
					props[k] = v
				}
			}
			ds[l.Name] = append(ds[l.Name], cql2test.Feature{Props: props, Geometry: f.Geometry})
		}
	}
	return ds
}

// selectIDs runs the filter through the store and in Go, and returns both
// selections' ids.
func selectIDs(t *testing.T, db *postgis.DB, ds dataset, layer, text, lang string) (sql, want []int64) {
	t.Helper()
	l, _ := geo.NewCatalogue().Layer(layer)
	e, err := geo.ParseFilter(l, text, lang)
	if err != nil {
		t.Fatalf("%s: %s: %v", layer, text, err)
	}
	page, err := db.FindFeatures(context.Background(), geo.Filter{Layer: layer, Where: e, Limit: geo.MaxLimit})
	if err != nil {
		t.Fatalf("%s: %s: FindFeatures: %v", layer, text, err)
	}
	if page.Matched != int64(len(page.Features)) {
		t.Errorf("%s: %s: numberMatched %d, page %d", layer, text, page.Matched, len(page.Features))
	}
	sql = []int64{}
	for _, f := range page.Features {
		sql = append(sql, f.ID)
	}
	want = []int64{}
	for _, f := range ds[layer] {
		if cql2test.Matches(e, f) {
			want = append(want, f.Props[geo.PropID].(int64))
		}
	}
	slices.Sort(sql)
	slices.Sort(want)
	return sql, want
}

func checkSame(t *testing.T, db *postgis.DB, ds dataset, layer, text, lang string) []int64 {
	t.Helper()
	got, want := selectIDs(t, db, ds, layer, text, lang)
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s\n  PostGIS selects %v\n  Go selects      %v", layer, text, got, want)
	}
	return got
}

// TestCQL2_tableAgainstGo runs a table of filters, each in the store and
// in Go over the whole data set, and wants the same features from both.
func TestCQL2_tableAgainstGo(t *testing.T) {
	db, _ := openTestDB(t)
	ds := loadDataset(t, db)
	// Boxes and shapes off the data's own edges, so that planar Go and
	// PostGIS agree on every feature.
	const box = "BBOX(110.0951, 34.5701, 110.1013, 34.5763)"
	const triangle = "POLYGON((110.0931 34.5688, 110.1042 34.5691, 110.0987 34.5779, 110.0931 34.5688))"
	cases := []struct{ layer, text string }{
		{"buildings", "floors > 6"},
		{"buildings", "floors > 6 AND grid_code = 'XY07'"},
		{"buildings", "floors >= 3 AND floors <= 5 OR height_m > 30"},
		{"buildings", "NOT (floors BETWEEN 2 AND 6)"},
		{"buildings", "height_m BETWEEN 9.5 AND 18"},
		{"buildings", "compound_id IN (1, 2, 3, 30)"},
		{"buildings", "grid_code NOT IN ('XY01', 'XY02')"},
		{"buildings", "grid_code IS NULL OR floors = 1"},
		{"buildings", "floors < height_m"},
		{"buildings", "S_INTERSECTS(geometry, " + box + ")"},
		{"buildings", "S_WITHIN(geometry, " + triangle + ")"},
		{"buildings", "S_INTERSECTS(geometry, " + triangle + ") AND floors > 4"},
		{"buildings", "S_DISJOINT(geometry, " + box + ")"},
		{"grids", "S_CONTAINS(geometry, POINT(110.099817 34.574658))"},
		{"grids", "S_INTERSECTS(geometry, LINESTRING(110.0900 34.5700, 110.1100 34.5780))"},
		{"grids", "code LIKE 'XY1%'"},
		{"grids", "code NOT LIKE 'XY0_'"},
		{"grids", "CASEI(name_en) LIKE CASEI('%GRID%')"},
		{"grids", "households > 300 OR households IS NULL"},
		{"compounds", "CASEI(name_en) = CASEI(name_en) AND grid_code = 'XY03'"},
		{"compounds", "name_zh <> name_en"},
		{"compounds", "S_INTERSECTS(geometry, MULTIPOINT((110.0975 34.5721), (110.1001 34.5742)))"},
		{"posts", "kind = 'cabin'"},
		{"posts", "A_CONTAINS(services, ('water', 'wifi'))"},
		{"posts", "A_OVERLAPS(services, ('first_aid'))"},
		{"posts", "A_CONTAINEDBY(services, ('water', 'charging', 'rest', 'map', 'wifi'))"},
		{"posts", "S_DWITHIN(geometry, POINT(110.099817 34.574658), 250)"},
		{"posts", "S_DWITHIN(geometry, POINT(110.099817 34.574658), 600) AND NOT kind = 'cabin'"},
		{"organizations", "level <= 2 OR (kind = 'grid_branch' AND members > 20)"},
		{"organizations", "parent_id IS NULL"},
		{"organizations", "parent_id = id"},
		{"parking", "free <= capacity AND free > 0"},
		{"parking", "updated_at > TIMESTAMP('2000-01-01T00:00:00Z')"},
		{"parking", "updated_at < DATE('2000-01-01')"},
		{"streets", "kind IN ('main', 'pedestrian')"},
		{"landmarks", "S_INTERSECTS(geometry, " + box + ") OR kind = 'temple'"},
		{"landmarks", "true"},
		{"landmarks", "false"},
	}
	nonEmpty := 0
	for _, c := range cases {
		if len(checkSame(t, db, ds, c.layer, c.text, "cql2-text")) > 0 {
			nonEmpty++
		}
	}
	// A table whose filters select nothing would prove nothing.
	if nonEmpty < len(cases)*2/3 {
		t.Errorf("only %d of %d filters select anything: the table does not exercise the data", nonEmpty, len(cases))
	}
	t.Run("json encoding selects as the text does", func(t *testing.T) {
		checkSame(t, db, ds, "buildings", `{"op":"and","args":[{"op":">","args":[{"property":"floors"},6]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[110.0951,34.5701,110.1013,34.5763]}]}]}`, "cql2-json")
		checkSame(t, db, ds, "posts", `{"op":"s_dwithin","args":[{"property":"geometry"},{"type":"Point","coordinates":[110.099817,34.574658]},250]}`, "cql2-json")
		checkSame(t, db, ds, "grids", `{"op":"like","args":[{"op":"casei","args":[{"property":"name_en"}]},{"op":"casei","args":["%grid%"]}]}`, "cql2-json")
	})
}

// TestCQL2_conformanceSuite applies the tests of the CQL2 conformance
// suite (OGC 21-065, Annex A) for the classes the server declares to our
// data: for every queryable of every collection, the six comparisons with
// a value of its type (their result sets must be pairwise disjoint, as the
// suite asserts), IS NULL and IS NOT NULL, true and false, then the
// suite's logical combination of four stored predicates, "(NOT ({p2}) AND
// {p1}) OR ({p3} and {p4}) or not ({p1} OR {p4})"; for the advanced
// comparison operators LIKE, BETWEEN and IN, and CASEI on the text
// queryables. Each is checked against the Go evaluation.
func TestCQL2_conformanceSuite(t *testing.T) {
	db, _ := openTestDB(t)
	// Orders have no built-in data: some of every status, which the
	// public reads must keep to the published.
	seedOrders(t, db)
	ds := loadDataset(t, db)
	cat := geo.NewCatalogue()
	for _, l := range cat.Layers() {
		t.Run(l.Name, func(t *testing.T) {
			var stored []string
			for _, q := range l.Queryables() {
				lit, ok := literalFor(ds[l.Name], q)
				if !ok {
					continue
				}
				var sets [6][]int64
				for i, op := range []string{"=", "<>", ">", "<=", "<", ">="} {
					p := fmt.Sprintf("%s %s %s", q.Name, op, lit)
					sets[i] = checkSame(t, db, ds, l.Name, p, "")
					stored = append(stored, p)
				}
				for _, pair := range [][2]int{{0, 1}, {2, 3}, {4, 5}} {
					if common := intersect(sets[pair[0]], sets[pair[1]]); len(common) > 0 {
						t.Errorf("%s: the results of two opposite comparisons share %v", q.Name, common)
					}
				}
				isNull := checkSame(t, db, ds, l.Name, q.Name+" IS NULL", "")
				notNull := checkSame(t, db, ds, l.Name, q.Name+" is not null", "")
				if len(intersect(isNull, notNull)) > 0 || len(isNull)+len(notNull) != len(ds[l.Name]) {
					t.Errorf("%s: IS NULL and IS NOT NULL must split the collection", q.Name)
				}
				stored = append(stored, q.Name+" IS NULL", q.Name+" IS NOT NULL")
				if q.Type == cql2.TString {
					v := strings.Trim(lit, "'")
					prefix := []rune(v)
					checkSame(t, db, ds, l.Name, fmt.Sprintf("%s LIKE '%s%%'", q.Name, string(prefix[:max(1, len(prefix)/2)])), "")
					checkSame(t, db, ds, l.Name, fmt.Sprintf("%s NOT LIKE '%%%s'", q.Name, string(prefix[len(prefix)-1:])), "")
					checkSame(t, db, ds, l.Name, fmt.Sprintf("CASEI(%s) = casei('%s')", q.Name, strings.ToUpper(v)), "")
					checkSame(t, db, ds, l.Name, fmt.Sprintf("%s IN (%s, 'nothing')", q.Name, lit), "")
				}
				if q.Type == cql2.TInteger || q.Type == cql2.TNumber {
					checkSame(t, db, ds, l.Name, fmt.Sprintf("%s BETWEEN %s AND %s", q.Name, lit, lit), "")
					checkSame(t, db, ds, l.Name, fmt.Sprintf("%s NOT BETWEEN 0 AND %s", q.Name, lit), "")
				}
			}
			if got := checkSame(t, db, ds, l.Name, "false", ""); len(got) != 0 {
				t.Errorf("false selects %v", got)
			}
			if got := checkSame(t, db, ds, l.Name, "true", ""); len(got) != len(ds[l.Name]) {
				t.Errorf("true selects %d of %d", len(got), len(ds[l.Name]))
			}
			// The suite's combinations, with predicates drawn in a fixed
			// pseudo-random order from those stored above.
			r := uint64(len(l.Name))
			pick := func() string {
				r = r*6364136223846793005 + 1442695040888963407
				return stored[(r>>33)%uint64(len(stored))]
			}
			for range 25 {
				p1, p2, p3, p4 := pick(), pick(), pick(), pick()
				checkSame(t, db, ds, l.Name, fmt.Sprintf("(NOT (%s) AND %s) OR (%s and %s) or not (%s OR %s)", p2, p1, p3, p4, p1, p4), "")
			}
		})
	}
}

// literalFor picks a value of the queryable's type from the data: the
// median of its values, so that every comparison splits the collection.
func literalFor(fs []cql2test.Feature, q cql2.Queryable) (string, bool) {
	var vals []any
	for _, f := range fs {
		if v, ok := f.Props[q.Name]; ok && v != nil {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return "", false
	}
	switch q.Type {
	case cql2.TString:
		ss := make([]string, len(vals))
		for i, v := range vals {
			ss[i] = v.(string)
		}
		sort.Strings(ss)
		return "'" + strings.ReplaceAll(ss[len(ss)/2], "'", "''") + "'", true
	case cql2.TInteger, cql2.TNumber:
		ns := make([]float64, len(vals))
		for i, v := range vals {
			switch n := v.(type) {
			case int64:
				ns[i] = float64(n)
			case float64:
				ns[i] = n
			}
		}
		slices.Sort(ns)
		return fmt.Sprint(ns[len(ns)/2]), true
	case cql2.TTimestamp:
		ts := make([]time.Time, len(vals))
		for i, v := range vals {
			ts[i] = v.(time.Time)
		}
		slices.SortFunc(ts, time.Time.Compare)
		return "TIMESTAMP('" + ts[len(ts)/2].UTC().Format(time.RFC3339Nano) + "')", true
	}
	return "", false
}

func intersect(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
