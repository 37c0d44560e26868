package kml

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// feature converts the placemark numbered number (from 1) to a feature of
// the layer.
func (pm placemarkXML) feature(layer geo.Layer, number int) (geo.Feature, error) {
	fail := func(format string, args ...any) (geo.Feature, error) {
		return geo.Feature{}, placemarkError(number, pm.Name, format, args...)
	}
	g, err := pm.geometry()
	if err != nil {
		return fail("%v", err)
	}
	if got := geo.GeometryType(g.GeoJSONType()); got != layer.Geometry {
		return fail("its geometry is a %s; layer %q holds %ss", got, layer.Name, layer.Geometry)
	}
	values, err := pm.values()
	if err != nil {
		return fail("%v", err)
	}
	f := geo.Feature{Layer: layer.Name, Geometry: g, Properties: map[string]any{}}
	for _, kv := range values {
		field, ok := layer.Field(kv.name)
		if !ok {
			continue
		}
		v, present, err := convert(field, kv.value)
		if err != nil {
			return fail("%v", err)
		}
		if present {
			f.Properties[field.Name] = v
		}
	}
	if _, ok := f.Properties["name_zh"]; !ok {
		if _, isField := layer.Field("name_zh"); isField && strings.TrimSpace(pm.Name) != "" {
			f.Properties["name_zh"] = strings.TrimSpace(pm.Name)
		}
	}
	f.ID = pm.featureID(layer, values)
	return f, nil
}

type namedValue struct{ name, value string }

// values lists the ExtendedData values, Data first, refusing a name given
// twice.
func (pm placemarkXML) values() ([]namedValue, error) {
	var out []namedValue
	seen := map[string]bool{}
	add := func(name, value string) error {
		name = strings.TrimSpace(name)
		if seen[name] {
			return fmt.Errorf("ExtendedData gives %q twice; want each field once", clip(name))
		}
		seen[name] = true
		out = append(out, namedValue{name, strings.TrimSpace(value)})
		return nil
	}
	for _, d := range pm.ExtendedData.Data {
		if err := add(d.Name, d.Value); err != nil {
			return nil, err
		}
	}
	for _, sd := range pm.ExtendedData.SchemaData {
		for _, d := range sd.SimpleData {
			if err := add(d.Name, d.Value); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// featureID returns the id given by a Data field "id", else by the id
// attribute, or 0 when neither is a positive whole number.
func (pm placemarkXML) featureID(layer geo.Layer, values []namedValue) int64 {
	for _, kv := range values {
		if kv.name == "id" {
			if id, ok := positiveID(kv.value); ok {
				return id
			}
		}
	}
	attr := strings.TrimSpace(pm.ID)
	if id, ok := positiveID(strings.TrimPrefix(attr, layer.Name+".")); ok {
		return id
	}
	return 0
}

func positiveID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == s
}

// convert reads a KML value as the field's type. present is false for an
// empty value of a type that has no empty form.
func convert(f geo.Field, s string) (v any, present bool, err error) {
	bad := func(want string) (any, bool, error) {
		return nil, false, fmt.Errorf("field %q is %q; want %s", f.Name, clip(s), want)
	}
	switch f.Type {
	case geo.Integer:
		if s == "" {
			return nil, false, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true, nil
		}
		// Spreadsheets write whole numbers as "3.0".
		if x, err := strconv.ParseFloat(s, 64); err == nil && x == math.Trunc(x) && math.Abs(x) <= 1e15 {
			return int64(x), true, nil
		}
		return bad("a whole number")
	case geo.Number:
		if s == "" {
			return nil, false, nil
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return bad("a number")
		}
		return x, true, nil
	case geo.TextList:
		list := []string{}
		for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		return list, true, nil
	case geo.Position:
		if s == "" {
			return nil, false, nil
		}
		parts := strings.Split(s, ",")
		if len(parts) != 2 {
			return bad(`a position "lon,lat"`)
		}
		p, ok := parseLonLat(strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]))
		if !ok {
			return bad(`a position "lon,lat" in WGS 84 degrees`)
		}
		return p, true, nil
	default:
		return s, true, nil
	}
}

// geometry returns the placemark's one geometry.
func (pm placemarkXML) geometry() (orb.Geometry, error) {
	gs, err := pm.geometriesXML.all()
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("it has no geometry; want a Point, LineString or Polygon")
	}
	if len(gs) != 1 {
		return nil, fmt.Errorf("it has %d geometries; want exactly one Point, LineString or Polygon", len(gs))
	}
	return gs[0], nil
}

// all returns every geometry, a MultiGeometry counting as the one it holds.
func (gx geometriesXML) all() ([]orb.Geometry, error) {
	var out []orb.Geometry
	for _, p := range gx.Points {
		ps, err := parseCoordinates("Point", p.Coordinates)
		if err != nil {
			return nil, err
		}
		if len(ps) != 1 {
			return nil, fmt.Errorf("its Point has %s; want 1", plural(len(ps), "position"))
		}
		out = append(out, ps[0])
	}
	for _, l := range gx.LineStrings {
		ps, err := parseCoordinates("LineString", l.Coordinates)
		if err != nil {
			return nil, err
		}
		if len(ps) < 2 {
			return nil, fmt.Errorf("its LineString has %s; want at least 2", plural(len(ps), "position"))
		}
		out = append(out, orb.LineString(ps))
	}
	for _, p := range gx.Polygons {
		poly, err := p.polygon()
		if err != nil {
			return nil, err
		}
		out = append(out, poly)
	}
	for _, m := range gx.MultiGeometrys {
		inner, err := m.all()
		if err != nil {
			return nil, err
		}
		if len(inner) != 1 {
			return nil, fmt.Errorf("its MultiGeometry holds %d geometries; want exactly one", len(inner))
		}
		out = append(out, inner[0])
	}
	return out, nil
}

func (p polygonXML) polygon() (orb.Polygon, error) {
	if len(p.Inner) > 0 {
		return nil, fmt.Errorf("its Polygon has %s (innerBoundaryIs); want none: holes are not supported", plural(len(p.Inner), "hole"))
	}
	if len(p.Outer) != 1 {
		return nil, fmt.Errorf("its Polygon has %s (outerBoundaryIs/LinearRing); want exactly 1", plural(len(p.Outer), "outer ring"))
	}
	ps, err := parseCoordinates("Polygon", p.Outer[0])
	if err != nil {
		return nil, err
	}
	if len(ps) > 0 && ps[0] != ps[len(ps)-1] {
		ps = append(ps, ps[0])
	}
	if len(ps) < 4 {
		return nil, fmt.Errorf("its Polygon ring has %s; want at least 3", plural(max(len(ps)-1, 0), "distinct position"))
	}
	return orb.Polygon{orb.Ring(ps)}, nil
}

// parseCoordinates reads a KML coordinates string: "lon,lat[,alt]" tuples
// separated by white space. Altitude is dropped.
func parseCoordinates(kind, s string) ([]orb.Point, error) {
	tuples := strings.Fields(s)
	ps := make([]orb.Point, 0, len(tuples))
	for i, t := range tuples {
		parts := strings.Split(t, ",")
		var p orb.Point
		ok := len(parts) == 2 || len(parts) == 3
		if ok {
			p, ok = parseLonLat(parts[0], parts[1])
		}
		if ok && len(parts) == 3 {
			alt, err := strconv.ParseFloat(parts[2], 64)
			ok = err == nil && !math.IsNaN(alt) && !math.IsInf(alt, 0)
		}
		if !ok {
			return nil, fmt.Errorf(`position %d of its %s is %q; want "lon,lat" or "lon,lat,alt" in WGS 84 degrees`, i+1, kind, clip(t))
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// parseLonLat reads a longitude and latitude in degrees, refusing NaN,
// infinities and values off the globe.
func parseLonLat(lonText, latText string) (orb.Point, bool) {
	lon, err1 := strconv.ParseFloat(lonText, 64)
	lat, err2 := strconv.ParseFloat(latText, 64)
	if err1 != nil || err2 != nil || !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return orb.Point{}, false
	}
	return orb.Point{lon, lat}, true
}
