package geo_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func TestPlanImport(t *testing.T) {
	l, _ := geo.NewCatalogue().Layer("parking")
	existing := map[int64]geo.Feature{1: parkingFeature()}
	geom := parkingFeature().Geometry
	full := func() map[string]any {
		return map[string]any{"name_zh": "新", "name_en": "New", "capacity": 10.0, "free": 2.0, "hours": "08:00-18:00",
			"fee_zh": "免费", "fee_en": "Free", "entrance": []any{110.1005, 34.5705}}
	}
	items := []geo.ImportItem{
		{Index: 0, ID: 1, Geometry: geom, Properties: map[string]any{"free": 5.0}},       // update: only free given
		{Index: 1, ID: 0, Geometry: geom, Properties: full()},                            // insert
		{Index: 2, ID: 1, Geometry: geom, Properties: map[string]any{}},                  // duplicate id
		{Index: 3, ID: 9, Geometry: orb.Point{1, 2}, Properties: full()},                 // wrong type
		{Index: 4, ID: 10, Geometry: geom, Properties: map[string]any{"name_zh": "缺字段"}}, // missing fields
	}
	ws, plan, vs := geo.PlanImport(l, items, existing)
	rules := map[string]bool{}
	for _, v := range vs {
		rules[v.Rule] = true
	}
	if !rules["duplicate_id"] || !rules["wrong_geometry_type"] || !rules["missing_property"] || len(ws) != 2 {
		t.Fatalf("got %d writes and violations %v", len(ws), vs)
	}
	if ws[0].Op != geo.Update || ws[0].IfVersion != 4 || ws[0].Feature.Properties["capacity"] != int64(80) || ws[0].Feature.Properties["free"] != int64(5) {
		t.Errorf("update: got %+v, want the other properties kept", ws[0])
	}
	if plan.Updated != 1 || plan.Inserted != 1 || fmt.Sprint(plan.Lines[0].Changed) != "[free]" {
		t.Errorf("plan: got %+v", plan)
	}
	// The same file gives the same tag; an unchanged feature is left alone.
	_, again, _ := geo.PlanImport(l, items[:2], existing)
	_, same, _ := geo.PlanImport(l, items[:2], existing)
	if again.Tag != same.Tag || again.Tag == "" {
		t.Errorf("tags differ for the same plan: %q %q", again.Tag, same.Tag)
	}
	moved := existing[1]
	moved.Version = 5
	if _, other, _ := geo.PlanImport(l, items[:2], map[int64]geo.Feature{1: moved}); other.Tag == again.Tag {
		t.Error("the tag does not change when the feature's version does")
	}
	unchanged := []geo.ImportItem{{Index: 0, ID: 1, Geometry: geom, Properties: map[string]any{"free": 20.0}}}
	if ws, plan, _ := geo.PlanImport(l, unchanged, existing); len(ws) != 0 || plan.Unchanged != 1 {
		t.Errorf("unchanged: got %d writes, %+v", len(ws), plan)
	}
}
