package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    orb.Bound
		wantErr string
	}{
		{"four numbers", "110.09,34.56,110.11,34.58", orb.Bound{Min: orb.Point{110.09, 34.56}, Max: orb.Point{110.11, 34.58}}, ""},
		{"six numbers drop heights", "110.09,34.56,0,110.11,34.58,100", orb.Bound{Min: orb.Point{110.09, 34.56}, Max: orb.Point{110.11, 34.58}}, ""},
		{"spaces", " 1, 2 ,3 ,4", orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}, ""},
		{"a point", "1,2,1,2", orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{1, 2}}, ""},
		{"three numbers", "1,2,3", orb.Bound{}, "four numbers"},
		{"empty", "", orb.Bound{}, "four numbers"},
		{"NaN", "NaN,1,2,3", orb.Bound{}, "not a number"},
		{"Inf", "1,2,+Inf,3", orb.Bound{}, "not a number"},
		{"huge", "1e400,1,2,3", orb.Bound{}, "not a number"},
		{"latitude out of range", "0,-91,1,1", orb.Bound{}, "in degrees"},
		{"upside down", "0,2,1,1", orb.Bound{}, "above its maximum"},
		// West of east crosses the antimeridian (Features 1, 7.15.3): the
		// standard says to answer it, not refuse it.
		{"antimeridian", "179,0,-179,1", orb.Bound{Min: orb.Point{179, 0}, Max: orb.Point{-179, 1}}, ""},
		{"SQL", "1,2,3,4);DROP TABLE grids;--", orb.Bound{}, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBBox(tt.in)
			if tt.wantErr != "" {
				if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an invalid error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestLayer_CheckProperties(t *testing.T) {
	posts, _ := NewCatalogue().Layer("posts")
	good := func() map[string]any {
		return map[string]any{"name_zh": "驿站", "name_en": "Cabin", "kind": "cabin", "services": []any{"water", "wifi", "water"}, "hours": "08:00-20:00"}
	}
	tests := []struct {
		name     string
		edit     func(map[string]any)
		partial  bool
		wantRule string
	}{
		{"valid", func(map[string]any) {}, false, ""},
		{"unknown property", func(p map[string]any) { p["colour"] = "red" }, false, "unknown_property"},
		{"missing required", func(p map[string]any) { delete(p, "hours") }, false, "missing_property"},
		{"missing required in a patch is fine", func(p map[string]any) { delete(p, "hours") }, true, ""},
		{"null required", func(p map[string]any) { p["kind"] = nil }, true, "missing_property"},
		{"bad enum", func(p map[string]any) { p["kind"] = "tower" }, false, "bad_value"},
		{"bad service", func(p map[string]any) { p["services"] = []any{"sauna"} }, false, "bad_value"},
		{"number for text", func(p map[string]any) { p["name_en"] = 3.0 }, false, "bad_value"},
		{"invalid UTF-8", func(p map[string]any) { p["name_zh"] = "\xff\xfe" }, false, "bad_value"},
		{"too long", func(p map[string]any) { p["name_zh"] = strings.Repeat("长", MaxTextLength+1) }, false, "bad_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.edit(p)
			out, vs := posts.CheckProperties(p, tt.partial)
			if tt.wantRule == "" {
				if len(vs) != 0 {
					t.Fatalf("got violations %v", vs)
				}
				return
			}
			for _, v := range vs {
				if v.Rule == tt.wantRule {
					if v.MessageEn == "" || v.MessageZh == "" {
						t.Errorf("violation %q lacks a message in both languages: %+v", v.Rule, v)
					}
					return
				}
			}
			t.Errorf("got %v (props %v), want a %q violation", vs, out, tt.wantRule)
		})
	}
	out, _ := posts.CheckProperties(good(), false)
	if got := out["services"].([]string); len(got) != 2 {
		t.Errorf("duplicate services are kept: %v", got)
	}
	grids, _ := NewCatalogue().Layer("grids")
	_, vs := grids.CheckProperties(map[string]any{"color": 15.0}, true)
	if len(vs) != 1 || !strings.Contains(vs[0].MessageEn, "from 0 to 14") {
		t.Errorf("colour 15: got %v", vs)
	}
	_, vs = grids.CheckProperties(map[string]any{"color": 2.5}, true)
	if len(vs) != 1 || !strings.Contains(vs[0].MessageEn, "whole number") {
		t.Errorf("colour 2.5: got %v", vs)
	}
}

func TestDecodeFeature(t *testing.T) {
	parking, _ := NewCatalogue().Layer("parking")
	tests := []struct {
		name     string
		body     string
		wantCode string
		wantText string
	}{
		{"valid", `{"type":"Feature","id":4,"geometry":{"type":"Polygon","coordinates":[[[110.1,34.57],[110.101,34.57],[110.101,34.571],[110.1,34.57]]]},
			"properties":{"name_zh":"停车场","name_en":"Car park","capacity":10,"free":3,"hours":"00:00-24:00","fee_zh":"免费","fee_en":"Free","entrance":[110.1,34.57]}}`, "", ""},
		{"not JSON", `{"type":`, EINVALID, "not valid JSON"},
		{"a collection", `{"type":"FeatureCollection","features":[]}`, EINVALID, "must be a GeoJSON Feature"},
		{"wrong geometry", `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.1,34.57]},"properties":{}}`, EUNPROCESSABLE, "needs a Polygon"},
		{"open ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[110.1,34.57],[110.101,34.57],[110.101,34.571],[110.1,34.571]]]},"properties":{}}`, EUNPROCESSABLE, "not closed"},
		{"bad entrance", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[110.1,34.57],[110.101,34.57],[110.101,34.571],[110.1,34.57]]]},
			"properties":{"name_zh":"a","name_en":"a","capacity":10,"free":3,"hours":"x","fee_zh":"x","fee_en":"x","entrance":[500,34.57]}}`, EUNPROCESSABLE, "entrance"},
		{"negative id", `{"type":"Feature","id":-3,"geometry":null,"properties":{}}`, EUNPROCESSABLE, "positive whole number"},
		{"holes", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]},"properties":{}}`, EUNPROCESSABLE, "holes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeFeature(parking, []byte(tt.body))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				if _, ok := f.Properties["entrance"].(orb.Point); !ok || f.ID != 4 {
					t.Errorf("got %+v", f)
				}
				return
			}
			var text string
			if e, ok := err.(*Error); ok {
				text = e.Message
				for _, v := range e.Violations {
					text += " | " + v.MessageEn
				}
			}
			if ErrorCode(err) != tt.wantCode || !strings.Contains(text, tt.wantText) {
				t.Errorf("got %v (%s), want %s containing %q", err, text, tt.wantCode, tt.wantText)
			}
		})
	}
}
