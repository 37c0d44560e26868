package geo

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// Outside input never panics a parser, and whatever a parser accepts is
// sane; whatever it refuses is refused with a client error and a message.

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"110.09,34.56,110.11,34.58", "1,2,3", "NaN,0,1,1", "1e308,1e308,1e308,1e308", "0,0,0,0,0,0", "-180,-90,180,90", "a,b,c,d", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || !utf8.ValidString(ErrorMessage(err)) {
				t.Fatalf("%q: got %v", s, err)
			}
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%q: accepted %v", s, b)
			}
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[0] < -180 || b.Max[0] > 180 {
			t.Fatalf("%q: accepted %v", s, b)
		}
	})
}

func FuzzParseFilterValue(f *testing.F) {
	for _, s := range [][2]string{{"kind", "cabin"}, {"level", "3"}, {"level", "9999999999999999999999"}, {"name_zh", "驿站"}, {"name_zh", "\xff"}, {"nope", "x"}, {"kind", "'; DROP TABLE organizations;--"}} {
		f.Add(s[0], s[1])
	}
	orgs, _ := NewCatalogue().Layer("organizations")
	f.Fuzz(func(t *testing.T, name, value string) {
		pf, err := ParseFilterValue(orgs, name, value)
		if err != nil {
			if ErrorCode(err) != EINVALID || !utf8.ValidString(ErrorMessage(err)) {
				t.Fatalf("%q=%q: got %v", name, value, err)
			}
			return
		}
		fd, ok := orgs.Field(pf.Field)
		if !ok || !fd.Filterable {
			t.Fatalf("%q: accepted a filter on %q", name, pf.Field)
		}
		if s, ok := pf.Value.(string); ok && (!utf8.ValidString(s) || len(fd.Choices) > 0 && !strings.Contains(strings.Join(fd.Values(), "|"), s)) {
			t.Fatalf("%q=%q: accepted %q", name, value, s)
		}
	})
}

func FuzzDecodeFeature(f *testing.F) {
	for _, s := range []string{
		`{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[110.1,34.57]},"properties":{"name_zh":"驿站","name_en":"Cabin","kind":"cabin","services":["water"],"hours":"08:00-20:00"}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,0]},"properties":{}}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0]]]},"properties":null}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"type":"Feature","properties":{"services":[1,2,{"a":[]}]}}`,
		"{\"type\":\"Feature\",\"properties\":{\"name_zh\":\"\xff\"}}",
	} {
		f.Add([]byte(s))
	}
	posts, _ := NewCatalogue().Layer("posts")
	f.Fuzz(func(t *testing.T, data []byte) {
		feat, err := DecodeFeature(posts, data)
		if err != nil {
			if c := ErrorCode(err); c != EINVALID && c != EUNPROCESSABLE {
				t.Fatalf("got code %s: %v", c, err)
			}
			return
		}
		if vs := posts.CheckGeometry(feat.Geometry); len(vs) != 0 {
			t.Fatalf("accepted a bad geometry: %v", vs)
		}
		if _, vs := posts.CheckProperties(anyProperties(feat.Properties), false); len(vs) != 0 {
			t.Fatalf("accepted bad properties: %v", vs)
		}
	})
}

// anyProperties turns checked properties back into decoded-JSON shapes.
func anyProperties(p map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range JSONProperties(p) {
		switch x := v.(type) {
		case []string:
			l := make([]any, len(x))
			for i, s := range x {
				l[i] = s
			}
			out[k] = l
		case []float64:
			out[k] = []any{x[0], x[1]}
		case int64:
			out[k] = float64(x)
		default:
			out[k] = v
		}
	}
	return out
}
