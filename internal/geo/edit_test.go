package geo_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The examples of RFC 7396, appendix A.
func TestMergePatch_RFC7396(t *testing.T) {
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		var target, patch, want any
		json.Unmarshal([]byte(tt.target), &target)
		json.Unmarshal([]byte(tt.patch), &patch)
		json.Unmarshal([]byte(tt.want), &want)
		if got := geo.MergePatch(target, patch); !reflect.DeepEqual(got, want) {
			t.Errorf("%s + %s: got %v, want %v", tt.target, tt.patch, got, want)
		}
	}
}

func parkingFeature() geo.Feature {
	return geo.Feature{Layer: "parking", ID: 1, Version: 4,
		Geometry: orb.Polygon{{{110.1, 34.57}, {110.101, 34.57}, {110.101, 34.571}, {110.1, 34.57}}},
		Properties: map[string]any{"name_zh": "停车场", "name_en": "Car park", "capacity": int64(80), "free": int64(20),
			"hours": "00:00-24:00", "fee_zh": "免费", "fee_en": "Free", "entrance": orb.Point{110.1005, 34.5705}}}
}

func TestPatchFeature(t *testing.T) {
	l, _ := geo.NewCatalogue().Layer("parking")
	tests := []struct {
		name  string
		patch string
		code  string
		rules []string
		check func(t *testing.T, f geo.Feature)
	}{
		{name: "one property", patch: `{"properties":{"free":3}}`, check: func(t *testing.T, f geo.Feature) {
			if f.Properties["free"] != int64(3) || f.Properties["capacity"] != int64(80) || f.Version != 4 || f.ID != 1 {
				t.Errorf("got %v version %d", f.Properties, f.Version)
			}
		}},
		{name: "geometry coordinates", patch: `{"geometry":{"coordinates":[[[110.2,34.5],[110.201,34.5],[110.201,34.501],[110.2,34.5]]]}}`, check: func(t *testing.T, f geo.Feature) {
			if f.Geometry.(orb.Polygon)[0][0] != (orb.Point{110.2, 34.5}) {
				t.Errorf("got %v", f.Geometry)
			}
		}},
		{name: "entrance moves", patch: `{"properties":{"entrance":[110.1001,34.5701]}}`, check: func(t *testing.T, f geo.Feature) {
			if f.Properties["entrance"] != (orb.Point{110.1001, 34.5701}) {
				t.Errorf("got %v", f.Properties["entrance"])
			}
		}},
		{name: "removing a required field", patch: `{"properties":{"hours":null}}`, code: geo.EUNPROCESSABLE, rules: []string{"missing_property"}},
		{name: "unknown field and bad value", patch: `{"properties":{"colour":"red","free":"many"}}`, code: geo.EUNPROCESSABLE, rules: []string{"bad_value", "unknown_property"}},
		{name: "changing the id", patch: `{"id":2}`, code: geo.EUNPROCESSABLE, rules: []string{"id_changed"}},
		{name: "removing the geometry", patch: `{"geometry":null}`, code: geo.EUNPROCESSABLE, rules: []string{"missing_geometry"}},
		{name: "not an object", patch: `[1]`, code: geo.EINVALID},
		{name: "not JSON", patch: `{"properties":`, code: geo.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := geo.PatchFeature(l, parkingFeature(), []byte(tt.patch))
			if code(err) != tt.code {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if err != nil {
				if tt.rules != nil {
					var got []string
					for _, v := range err.(*geo.Error).Violations {
						got = append(got, v.Rule)
					}
					slices.Sort(got)
					if !slices.Equal(got, tt.rules) {
						t.Errorf("rules: got %v, want %v", got, tt.rules)
					}
				}
				return
			}
			tt.check(t, f)
		})
	}
}

func TestCheckRules_parking(t *testing.T) {
	l, _ := geo.NewCatalogue().Layer("parking")
	f := parkingFeature()
	if vs := l.CheckRules(f); len(vs) != 0 {
		t.Errorf("20 of 80 free: got %v", vs)
	}
	f.Properties["free"] = int64(81)
	if vs := l.CheckRules(f); len(vs) != 1 || vs[0].Rule != "parking_free_over_capacity" || vs[0].MessageZh == "" {
		t.Errorf("81 of 80 free: got %v", vs)
	}
}

func TestConflictError(t *testing.T) {
	err := geo.ConflictError("grids", 7, 3, 5)
	var vc *geo.VersionConflict
	if geo.ErrorCode(err) != geo.ECONFLICT || !errorsAs(err, &vc) || vc.Current != 5 || vc.Want != 3 {
		t.Errorf("got %v", err)
	}
}
