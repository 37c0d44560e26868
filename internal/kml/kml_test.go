package kml_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/kml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func mustLayer(t testing.TB, name string) geo.Layer {
	t.Helper()
	l, ok := geo.NewCatalogue().Layer(name)
	if !ok {
		t.Fatalf("the catalogue has no layer %q", name)
	}
	return l
}

// sampleFeatures returns illustrative features of each geometry type, with
// every kind of property, around Xiyue Temple.
func sampleFeatures() map[string][]geo.Feature {
	return map[string][]geo.Feature{
		"posts": {
			{Layer: "posts", ID: 7, Geometry: orb.Point{110.0912345678901, 34.5712345678901}, Properties: map[string]any{
				"name_zh": "岳庙街党建驿站", "name_en": "Yuemiao Street party-building post",
				"kind": "cabin", "services": []string{"water", "charging", "first_aid"},
				"hours": "08:00-20:00", "phone": "0913-0000001", "grid_code": "XY-03",
			}},
			{Layer: "posts", ID: 8, Geometry: orb.Point{110.0931, 34.5698}, Properties: map[string]any{
				"name_zh": "共享书屋 <西岳> & “书香”", "name_en": "Shared library",
				"kind": "library", "services": []string{}, "hours": "09:00-17:00",
			}},
		},
		"parking": {
			{Layer: "parking", ID: 2, Geometry: orb.Polygon{{
				{110.0941, 34.5721}, {110.0952, 34.5721}, {110.0952, 34.5729}, {110.0941, 34.5729}, {110.0941, 34.5721},
			}}, Properties: map[string]any{
				"name_zh": "文化馆共享停车场", "name_en": "Cultural Centre shared parking",
				"capacity": int64(60), "free": int64(12), "hours": "00:00-24:00",
				"fee_zh": "免费", "fee_en": "free", "entrance": orb.Point{110.0946, 34.5721},
			}},
		},
		"streets": {
			{Layer: "streets", ID: 1, Geometry: orb.LineString{{110.0901, 34.5702}, {110.0925, 34.5703}, {110.0958, 34.5705}},
				Properties: map[string]any{"name_zh": "岳庙步行街", "name_en": "Yuemiao Pedestrian Street", "kind": "pedestrian"}},
		},
		"buildings": {
			{Layer: "buildings", ID: 31, Geometry: orb.Polygon{{
				{110.0961, 34.5731}, {110.0964, 34.5731}, {110.0964, 34.5733}, {110.0961, 34.5731},
			}}, Properties: map[string]any{
				"name_zh": "3号楼", "name_en": "Building 3", "compound_id": int64(4),
				"floors": int64(6), "height_m": 18.75,
			}},
		},
	}
}

func TestEncode_golden(t *testing.T) {
	for _, layerName := range []string{"posts", "parking", "streets"} {
		t.Run(layerName, func(t *testing.T) {
			var buf bytes.Buffer
			if err := kml.Encode(&buf, mustLayer(t, layerName), sampleFeatures()[layerName]); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			path := filepath.Join("testdata", layerName+".golden.kml")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading the golden file (run go test -update to write it): %v", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("Encode output differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestEncode_document(t *testing.T) {
	var buf bytes.Buffer
	if err := kml.Encode(&buf, mustLayer(t, "posts"), sampleFeatures()["posts"]); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got := buf.String()
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<kml xmlns="http://www.opengis.net/kml/2.2">`,
		`<name>服务站点</name>`,
		`<Placemark id="posts.7">`,
		`<name>岳庙街党建驿站</name>`,
		// Typed: a Schema of the layer's fields, and SchemaData of it.
		`<Schema id="posts" name="posts">`,
		`<SimpleField name="services" type="string">`,
		`<SchemaData schemaUrl="#posts">`,
		`<SimpleData name="services">water, charging, first_aid</SimpleData>`,
		`<coordinates>110.0912345678901,34.5712345678901</coordinates>`,
		`共享书屋 &lt;西岳&gt; &amp; “书香”`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Encode output lacks %s; got:\n%s", want, got)
		}
	}
}

func TestEncode_roundTrip(t *testing.T) {
	for layerName, features := range sampleFeatures() {
		t.Run(layerName, func(t *testing.T) {
			layer := mustLayer(t, layerName)
			var buf bytes.Buffer
			if err := kml.Encode(&buf, layer, features); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := kml.Decode(&buf, layer)
			if err != nil {
				t.Fatalf("Decode(Encode(features)): %v", err)
			}
			if diff := cmp.Diff(features, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode(Encode(features)) differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncode_errors(t *testing.T) {
	tests := []struct {
		name     string
		feature  geo.Feature
		wantText string
	}{
		{name: "no geometry", feature: geo.Feature{ID: 3}, wantText: "no geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := kml.Encode(&buf, mustLayer(t, "posts"), []geo.Feature{tt.feature})
			if geo.ErrorCode(err) != geo.EINVALID || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Encode error = %v, want an %q error mentioning %q", err, geo.EINVALID, tt.wantText)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before failing, want none", buf.Len())
			}
		})
	}
}

// Features of one colour share one Style, referred to by each placemark;
// the schema types integers and numbers.
func TestEncode_stylesAndTypedSchema(t *testing.T) {
	layer := mustLayer(t, "parking")
	var buf bytes.Buffer
	colours := func(f geo.Feature) (string, string, bool) {
		if f.ID%2 == 0 {
			return "#3b5b7d", "#4e79a7", true
		}
		return "#b66b20", "#f28e2b", true
	}
	if err := kml.Encode(&buf, layer, sampleFeatures()["parking"], kml.Options{Colours: colours}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{
		`<SimpleField name="capacity" type="int">`, `<SimpleField name="name_zh" type="string">`,
		`<Style id="c3b5b7d-4e79a7">`, `<color>ff7d5b3b</color>`, `<color>66a7794e</color>`,
		`<styleUrl>#c`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "<Style id="); n > 2 {
		t.Errorf("%d styles for two colours", n)
	}
	back, err := kml.Decode(strings.NewReader(got), layer)
	if err != nil || len(back) != len(sampleFeatures()["parking"]) {
		t.Errorf("Decode of the styled KML: %d features, %v", len(back), err)
	}
}
