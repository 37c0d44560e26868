package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// dataDir is where the tests read the written data set from.
const dataDir = "../../data/geojson"

// rawCollection is a GeoJSON file decoded loosely, so that every detail of
// it can be checked.
type rawCollection struct {
	Type     string       `json:"type"`
	Features []rawFeature `json:"features"`
}

// rawFeature is one feature, its id and properties still undecoded.
type rawFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   rawGeometry                `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// rawGeometry is a geometry with its coordinates undecoded.
type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// testFeature is a decoded feature: its id, its geometry both in lon/lat and
// in local metres, and its properties.
type testFeature struct {
	id    int64
	geom  orb.Geometry // lon/lat as written
	local orb.Geometry // metres east and north of Xiyue Temple
	props map[string]json.RawMessage
}

// readCollection reads one written file.
func readCollection(t *testing.T, layer string) ([]byte, rawCollection) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, layer+".geojson"))
	if err != nil {
		t.Fatalf("reading %s: %v (run go run ./cmd/gendata first)", layer, err)
	}
	var c rawCollection
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decoding %s: %v", layer, err)
	}
	return b, c
}

// load reads one layer's features.
func load(t *testing.T, layer string) []testFeature {
	t.Helper()
	_, c := readCollection(t, layer)
	out := make([]testFeature, 0, len(c.Features))
	for k, f := range c.Features {
		var id int64
		if err := json.Unmarshal(f.ID, &id); err != nil {
			t.Fatalf("%s feature %d: id %s is not an integer", layer, k, f.ID)
		}
		g, err := decodeGeometry(f.Geometry)
		if err != nil {
			t.Fatalf("%s %d: %v", layer, id, err)
		}
		out = append(out, testFeature{id: id, geom: g, local: toLocal(g), props: f.Properties})
	}
	return out
}

// decodeGeometry decodes the three geometry types the data set uses.
func decodeGeometry(g rawGeometry) (orb.Geometry, error) {
	switch g.Type {
	case "Point":
		var p orb.Point
		return p, strictCoordinates(g.Coordinates, &p)
	case "LineString":
		var l orb.LineString
		return l, strictCoordinates(g.Coordinates, &l)
	case "Polygon":
		var p orb.Polygon
		return p, strictCoordinates(g.Coordinates, &p)
	}
	return nil, &json.UnsupportedValueError{Str: "geometry type " + g.Type}
}

// strictCoordinates decodes coordinates, refusing positions that are not
// exactly [lon, lat].
func strictCoordinates(raw json.RawMessage, into any) error {
	var nested any
	if err := json.Unmarshal(raw, &nested); err != nil {
		return err
	}
	if err := checkPositions(nested); err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// checkPositions walks nested arrays down to positions of two numbers.
func checkPositions(v any) error {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return &json.UnsupportedValueError{Str: "coordinates must be non-empty arrays"}
	}
	if _, isNumber := a[0].(float64); isNumber {
		if len(a) != 2 {
			return &json.UnsupportedValueError{Str: "a position must be [lon, lat]"}
		}
		for _, x := range a {
			if _, ok := x.(float64); !ok {
				return &json.UnsupportedValueError{Str: "a position must hold numbers"}
			}
		}
		return nil
	}
	for _, x := range a {
		if err := checkPositions(x); err != nil {
			return err
		}
	}
	return nil
}

// The tests' own flat projection, on a spherical Earth, independent of the
// generator's constants.
const (
	testLon0, testLat0 = 110.102, 34.580
	earthRadius        = 6371008.8
)

// localPoint converts lon/lat to metres east and north of Xiyue Temple.
func localPoint(p orb.Point) orb.Point {
	perDegree := earthRadius * math.Pi / 180
	return orb.Point{
		(p[0] - testLon0) * perDegree * math.Cos(testLat0*math.Pi/180),
		(p[1] - testLat0) * perDegree,
	}
}

// toLocal converts a geometry to local metres.
func toLocal(g orb.Geometry) orb.Geometry {
	conv := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for i, p := range ps {
			out[i] = localPoint(p)
		}
		return out
	}
	switch x := g.(type) {
	case orb.Point:
		return localPoint(x)
	case orb.LineString:
		return orb.LineString(conv(x))
	case orb.Polygon:
		out := make(orb.Polygon, len(x))
		for i, r := range x {
			out[i] = orb.Ring(conv(r))
		}
		return out
	}
	return nil
}

// ring is a polygon feature's outer ring in local metres.
func (f testFeature) ring() orb.Ring { return f.local.(orb.Polygon)[0] }

// point is a point feature in local metres.
func (f testFeature) point() orb.Point { return f.local.(orb.Point) }

// text returns a text property, "" when absent or not a string.
func (f testFeature) text(name string) string {
	var s string
	if raw, ok := f.props[name]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// integer returns a whole-number property and whether it is there.
func (f testFeature) integer(name string) (int64, bool) {
	raw, ok := f.props[name]
	if !ok {
		return 0, false
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	return n, true
}

// number returns a numeric property, NaN when absent.
func (f testFeature) number(name string) float64 {
	v := math.NaN()
	if raw, ok := f.props[name]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

// texts returns a list-of-text property.
func (f testFeature) texts(name string) []string {
	var s []string
	if raw, ok := f.props[name]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}
