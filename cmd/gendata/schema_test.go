package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// testFiles lists every file the data set must have and its geometry type.
func testFiles() map[string]string {
	return map[string]string{
		"subdistricts": "Polygon", "communities": "Polygon", "grids": "Polygon", "compounds": "Polygon", "buildings": "Polygon",
		"organizations": "Point", "posts": "Point", "parking": "Polygon", "streets": "LineString",
		"landmarks": "Polygon", "paths": "LineString", "gates": "Point", "activities": "Point", "resources": "Point",
	}
}

func TestFiles_Format(t *testing.T) {
	cat := geo.NewCatalogue()
	for layer, geometry := range testFiles() {
		t.Run(layer, func(t *testing.T) {
			if l, ok := cat.Layer(layer); ok && string(l.Geometry) != geometry {
				t.Fatalf("catalogue geometry %s, want %s", l.Geometry, geometry)
			}
			b, c := readCollection(t, layer)
			if c.Type != "FeatureCollection" {
				t.Errorf("type = %q, want FeatureCollection", c.Type)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if got, want := len(lines), len(c.Features)+2; got != want {
				t.Fatalf("%d lines, want %d: a header, one line per feature, a footer", got, want)
			}
			if lines[0] != `{"type":"FeatureCollection","features":[` || lines[len(lines)-1] != "]}" {
				t.Errorf("header %q and footer %q are not the one-feature-a-line layout", lines[0], lines[len(lines)-1])
			}
			for k, line := range lines[1 : len(lines)-1] {
				if !json.Valid([]byte(strings.TrimSuffix(line, ","))) {
					t.Errorf("line %d is not one whole feature", k+2)
				}
			}
			for k, f := range c.Features {
				var id int64
				if err := json.Unmarshal(f.ID, &id); err != nil || id != int64(k+1) {
					t.Errorf("feature %d: id %s, want %d (integers from 1, in order)", k, f.ID, k+1)
				}
				if f.Type != "Feature" || f.Geometry.Type != geometry {
					t.Errorf("feature %s: %s with %s geometry, want Feature with %s", f.ID, f.Type, f.Geometry.Type, geometry)
				}
			}
		})
	}
}

func TestLayers_Counts(t *testing.T) {
	tests := []struct {
		layer     string
		min, most int
	}{
		{"subdistricts", 1, 1},
		{"communities", 1, 1},
		{"grids", 15, 15},
		{"compounds", 33, 33},
		{"buildings", 150, 400},
		{"organizations", 67, 200},
		{"posts", 13, 13},
		{"parking", 3, 3},
		{"streets", 5, 30},
		{"landmarks", 4, 20},
	}
	for _, tt := range tests {
		t.Run(tt.layer, func(t *testing.T) {
			if got := len(load(t, tt.layer)); got < tt.min || got > tt.most {
				t.Errorf("%d features, want %d to %d", got, tt.min, tt.most)
			}
		})
	}
}

// checkValue says what is wrong with a property value for its field.
func checkValue(f geo.Field, raw json.RawMessage) error {
	if len(raw) == 0 || raw[0] == 'n' {
		return fmt.Errorf("%s is null", f.Name)
	}
	inRange := func(v float64) error {
		if f.Max > f.Min && (v < f.Min || v > f.Max) {
			return fmt.Errorf("%s = %v, want %v to %v", f.Name, v, f.Min, f.Max)
		}
		return nil
	}
	inEnum := func(s string) error {
		if !f.Allows(s) {
			return fmt.Errorf("%s = %q, want one of %v", f.Name, s, f.Values())
		}
		return nil
	}
	switch f.Type {
	case geo.Text:
		var s string
		if json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
			return fmt.Errorf("%s = %s, want a non-empty string", f.Name, raw)
		}
		return inEnum(s)
	case geo.Integer:
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			return fmt.Errorf("%s = %s, want a whole number", f.Name, raw)
		}
		return inRange(float64(n))
	case geo.Number:
		var v float64
		if raw[0] == '"' || json.Unmarshal(raw, &v) != nil {
			return fmt.Errorf("%s = %s, want a number", f.Name, raw)
		}
		return inRange(v)
	case geo.TextList:
		var list []string
		if json.Unmarshal(raw, &list) != nil || list == nil {
			return fmt.Errorf("%s = %s, want an array of strings", f.Name, raw)
		}
		for k, s := range list {
			if err := inEnum(s); err != nil {
				return err
			}
			if slices.Contains(list[:k], s) {
				return fmt.Errorf("%s lists %q twice", f.Name, s)
			}
		}
	case geo.Position:
		var p []float64
		if json.Unmarshal(raw, &p) != nil || len(p) != 2 || !nearHuayin(orb.Point{p[0], p[1]}) {
			return fmt.Errorf("%s = %s, want [lon, lat] near Huayin", f.Name, raw)
		}
	default:
		return fmt.Errorf("%s has unknown type %s", f.Name, f.Type)
	}
	return nil
}

// nearHuayin reports whether a lon/lat lies in a box round Xiyue Temple.
func nearHuayin(p orb.Point) bool {
	return p[0] > 110.07 && p[0] < 110.13 && p[1] > 34.55 && p[1] < 34.60
}

func TestFeatures_Properties(t *testing.T) {
	for _, layer := range geo.NewCatalogue().Layers() {
		if layer.Workflow != "" {
			// Residents place orders; the data set is the map they
			// place them on, and holds none.
			continue
		}
		t.Run(layer.Name, func(t *testing.T) {
			for _, f := range load(t, layer.Name) {
				for name, raw := range f.props {
					field, ok := layer.Field(name)
					if !ok {
						t.Errorf("%d: property %q is not in the catalogue", f.id, name)
						continue
					}
					if err := checkValue(field, raw); err != nil {
						t.Errorf("%d: %v", f.id, err)
					}
				}
				for _, field := range layer.Fields {
					if _, ok := f.props[field.Name]; field.Required && !ok {
						t.Errorf("%d: required property %q is missing", f.id, field.Name)
					}
				}
			}
		})
	}
}

func TestFeatures_BilingualNames(t *testing.T) {
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	for layer := range testFiles() {
		t.Run(layer, func(t *testing.T) {
			for _, f := range load(t, layer) {
				zh, en := f.text("name_zh"), f.text("name_en")
				if !han(zh) {
					t.Errorf("%d: name_zh %q has no Chinese characters", f.id, zh)
				}
				if en == "" || han(en) || !unicode.IsUpper([]rune(en)[0]) {
					t.Errorf("%d: name_en %q is not an English name", f.id, en)
				}
			}
		})
	}
	community := load(t, "communities")
	if got := community[0].text("name_zh") + "/" + community[0].text("name_en"); got != "西岳社区/Xiyue Community" {
		t.Errorf("community is named %q, want 西岳社区/Xiyue Community", got)
	}
	if got := community[0].text("code"); got != "XY" {
		t.Errorf("community's code is %q, want XY, what its grid codes start with", got)
	}
	if got := len(community[0].props); got != 3 {
		t.Errorf("community has %d properties, want name_zh, name_en and code (its subdistrict is derived)", got)
	}
}

func TestCoordinates_Precision(t *testing.T) {
	decimals := regexp.MustCompile(`\[(-?\d+\.?\d*),(-?\d+\.?\d*)\]`)
	for layer := range testFiles() {
		t.Run(layer, func(t *testing.T) {
			b, _ := readCollection(t, layer)
			for _, m := range decimals.FindAllStringSubmatch(string(b), -1) {
				for _, v := range m[1:] {
					if i := strings.IndexByte(v, '.'); i >= 0 && len(v)-i-1 > 7 {
						t.Errorf("coordinate %s has more than 7 decimals", v)
					}
				}
			}
			for _, f := range load(t, layer) {
				for _, p := range points(f.geom) {
					if !nearHuayin(p) {
						t.Errorf("%d: position %v is not lon, lat near Huayin", f.id, p)
					}
				}
			}
		})
	}
}

// points lists every position of a geometry.
func points(g orb.Geometry) []orb.Point {
	switch x := g.(type) {
	case orb.Point:
		return []orb.Point{x}
	case orb.LineString:
		return x
	case orb.Polygon:
		var out []orb.Point
		for _, r := range x {
			out = append(out, r...)
		}
		return out
	}
	return nil
}

func TestPolygons_Valid(t *testing.T) {
	for layer, geometry := range testFiles() {
		if geometry != "Polygon" {
			continue
		}
		t.Run(layer, func(t *testing.T) {
			for _, f := range load(t, layer) {
				if err := validRing(f.geom.(orb.Polygon)); err != nil {
					t.Errorf("%d: %v", f.id, err)
				}
			}
		})
	}
}

// validRing says what makes a polygon invalid for RFC 7946 and PostGIS: more
// than one ring, an open or short ring, repeated points, a clockwise ring or
// edges that cross or touch.
func validRing(p orb.Polygon) error {
	if len(p) != 1 {
		return fmt.Errorf("%d rings, want 1 (no holes)", len(p))
	}
	r := p[0]
	if len(r) < 4 || r[0] != r[len(r)-1] {
		return fmt.Errorf("ring of %d positions is not closed", len(r))
	}
	if r.Orientation() != orb.CCW {
		return fmt.Errorf("ring is not counter-clockwise")
	}
	n := len(r) - 1
	for i := range n {
		if r[i] == r[i+1] {
			return fmt.Errorf("position %d repeats", i)
		}
		for k := i + 1; k < n; k++ {
			adjacent := k == i+1 || (i == 0 && k == n-1)
			if adjacent {
				continue
			}
			if segmentsMeet(r[i], r[i+1], r[k], r[k+1]) {
				return fmt.Errorf("edges %d and %d meet", i, k)
			}
		}
		// Adjacent edges meet at their vertex only: no folding back.
		a, b, c := r[i], r[i+1], r[(i+2)%n]
		if turn(a, b, c) == 0 && (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) < 0 {
			return fmt.Errorf("ring folds back at position %d", i+1)
		}
	}
	return nil
}

func TestLines_Valid(t *testing.T) {
	for _, f := range load(t, "streets") {
		l := f.geom.(orb.LineString)
		if len(l) < 2 {
			t.Errorf("%d: %d positions, want at least 2", f.id, len(l))
		}
		for i := 0; i+1 < len(l); i++ {
			if l[i] == l[i+1] {
				t.Errorf("%d: position %d repeats", f.id, i)
			}
		}
	}
}
