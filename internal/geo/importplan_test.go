package geo_test

import (
	"errors"
	"fmt"
	"strings"
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
	ws, plan, vs := geo.PlanImport(l, geo.ImportFile{Items: items}, existing)
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
	_, again, _ := geo.PlanImport(l, geo.ImportFile{Items: items[:2]}, existing)
	_, same, _ := geo.PlanImport(l, geo.ImportFile{Items: items[:2]}, existing)
	if again.Tag != same.Tag || again.Tag == "" {
		t.Errorf("tags differ for the same plan: %q %q", again.Tag, same.Tag)
	}
	moved := existing[1]
	moved.Version = 5
	if _, other, _ := geo.PlanImport(l, geo.ImportFile{Items: items[:2]}, map[int64]geo.Feature{1: moved}); other.Tag == again.Tag {
		t.Error("the tag does not change when the feature's version does")
	}
	unchanged := []geo.ImportItem{{Index: 0, ID: 1, Geometry: geom, Properties: map[string]any{"free": 20.0}}}
	if ws, plan, _ := geo.PlanImport(l, geo.ImportFile{Items: unchanged}, existing); len(ws) != 0 || plan.Unchanged != 1 {
		t.Errorf("unchanged: got %d writes, %+v", len(ws), plan)
	}
}

// What a file says for a derived field is dropped: it neither counts as a
// change nor reaches the store. Violations name the file when it has one.
func TestPlanImport_derivedAndFileName(t *testing.T) {
	l, _ := geo.NewCatalogue().Layer("parking")
	old := parkingFeature()
	old.Properties["grid_code"] = "XY09"
	existing := map[int64]geo.Feature{1: old}
	items := []geo.ImportItem{
		{Index: 0, ID: 1, Geometry: old.Geometry, Properties: map[string]any{"grid_code": "XY01"}},
		{Index: 1, ID: 0, Geometry: old.Geometry, Properties: map[string]any{"grid_code": "XY01", "name_zh": "缺字段"}},
	}
	ws, plan, vs := geo.PlanImport(l, geo.ImportFile{Name: "parking.geojson", Items: items}, existing)
	if len(ws) != 0 || plan.Unchanged != 1 {
		t.Errorf("a wrong grid_code alone: got %d writes, plan %+v; want it unchanged", len(ws), plan)
	}
	if len(vs) == 0 || !strings.HasPrefix(vs[0].MessageEn, "parking.geojson: feature 2: ") || !strings.HasPrefix(vs[0].MessageZh, "parking.geojson：第 2 个要素：") {
		t.Errorf("violations %+v, want them prefixed with the file and feature", vs)
	}
	moved := items[0]
	moved.Geometry = orb.Polygon{{{110.1, 34.57}, {110.102, 34.57}, {110.102, 34.571}, {110.1, 34.57}}}
	ws, _, _ = geo.PlanImport(l, geo.ImportFile{Items: []geo.ImportItem{moved}}, existing)
	if len(ws) != 1 || ws[0].Feature.Properties["grid_code"] != "XY09" {
		t.Errorf("a moved car park: got %+v, want the stored grid_code kept for the store to derive again", ws)
	}
}

func TestLayer_FeatureLabel(t *testing.T) {
	cat := geo.NewCatalogue()
	tests := []struct {
		layer  string
		id     int64
		props  map[string]any
		zh, en string
	}{
		{"grids", 1, map[string]any{"code": "XY01", "name_zh": "第一网格", "name_en": "Grid 1"}, "网格 XY01“第一网格”", "grid XY01 (Grid 1)"},
		{"grids", 1, map[string]any{"name_zh": "第一网格", "name_en": "Grid 1"}, "网格 1“第一网格”", "grid 1 (Grid 1)"},
		{"compounds", 3, map[string]any{"name_zh": "华山小区", "name_en": "Huashan"}, "小区 3“华山小区”", "compound 3 (Huashan)"},
		{"parking", 2, map[string]any{"name_zh": "文化馆停车场", "name_en": "Culture Centre"}, "共享停车场 2“文化馆停车场”", "shared car park 2 (Culture Centre)"},
		{"posts", 7, map[string]any{"name_zh": "驿站", "name_en": "Cabin"}, "服务站点 7“驿站”", "service post 7 (Cabin)"},
	}
	for _, tt := range tests {
		t.Run(tt.en, func(t *testing.T) {
			l, _ := cat.Layer(tt.layer)
			got := l.FeatureLabel(tt.id, tt.props)
			if got.Zh != tt.zh || got.En != tt.en {
				t.Errorf("got %q / %q, want %q / %q", got.Zh, got.En, tt.zh, tt.en)
			}
		})
	}
}
