package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// files lists the layers written, one GeoJSON file each, in writing order.
func files() []string {
	return []string{"subdistricts", "communities", "grids", "compounds", "buildings", "organizations", "posts", "parking", "streets", "landmarks", "paths", "gates", "activities", "resources"}
}

// write checks every feature against the catalogue and writes one GeoJSON
// file per layer, and the README, into the directory out.
func write(out string, ds *dataset, cat *geo.Catalogue) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, name := range files() {
		l, ok := cat.Layer(name)
		if !ok {
			return fmt.Errorf("layer %s is not in the catalogue", name)
		}
		b, err := encodeCollection(name, ds.layers[name], l.Fields)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".geojson"), b, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(out, "README.md"), readme(ds), 0o644)
}

// encodeCollection writes a FeatureCollection with one feature a line, so
// that changes to the data read as small diffs. Properties follow the
// catalogue's field order.
func encodeCollection(layer string, fs []feature, fields []geo.Field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for k, f := range fs {
		if err := check(f.props, fields); err != nil {
			return nil, fmt.Errorf("%s %d: %w", layer, k+1, err)
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"geometry":`, k+1)
		if err := encodeGeometry(&b, f.geometry); err != nil {
			return nil, fmt.Errorf("%s %d: %w", layer, k+1, err)
		}
		b.WriteString(`,"properties":{`)
		n := 0
		for _, fd := range fields {
			v, ok := f.props[fd.Name]
			if !ok {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			fmt.Fprintf(&b, "%q:", fd.Name)
			if err := encodeValue(&b, v); err != nil {
				return nil, err
			}
		}
		b.WriteString("}}")
		if k+1 < len(fs) {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}

// check compares properties with the fields: none unknown, every required one
// present, each of the field's type and enum.
func check(props map[string]any, fields []geo.Field) error {
	for name := range props {
		if !slices.ContainsFunc(fields, func(f geo.Field) bool { return f.Name == name }) {
			return fmt.Errorf("property %q is not in the catalogue", name)
		}
	}
	for _, f := range fields {
		v, ok := props[f.Name]
		if !ok {
			if f.Required {
				return fmt.Errorf("required property %q is missing", f.Name)
			}
			continue
		}
		var typeOK bool
		var values []string
		switch f.Type {
		case geo.Text:
			s, is := v.(string)
			typeOK, values = is && s != "", []string{s}
		case geo.Integer:
			_, typeOK = v.(int)
		case geo.Number:
			_, typeOK = v.(float64)
		case geo.TextList:
			values, typeOK = v.([]string)
		case geo.Position:
			_, typeOK = v.(orb.Point)
		}
		if !typeOK {
			return fmt.Errorf("property %q is %T, want %s", f.Name, v, f.Type)
		}
		for _, s := range values {
			if !f.Allows(s) {
				return fmt.Errorf("property %q is %q, want one of %v", f.Name, s, f.Values())
			}
		}
	}
	return nil
}

// encodeValue writes one property value as JSON.
func encodeValue(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case orb.Point:
		writePoint(b, x)
	default:
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode ends with a newline
	}
	return nil
}

// encodeGeometry writes a Point, LineString or single-ring Polygon.
func encodeGeometry(b *bytes.Buffer, g orb.Geometry) error {
	switch x := g.(type) {
	case orb.Point:
		b.WriteString(`{"type":"Point","coordinates":`)
		writePoint(b, x)
	case orb.LineString:
		b.WriteString(`{"type":"LineString","coordinates":`)
		writePoints(b, x)
	case orb.Polygon:
		b.WriteString(`{"type":"Polygon","coordinates":[`)
		writePoints(b, x[0])
		b.WriteByte(']')
	default:
		return fmt.Errorf("cannot write a %T", g)
	}
	b.WriteByte('}')
	return nil
}

// writePoints writes [[lon,lat],…].
func writePoints(b *bytes.Buffer, ps []orb.Point) {
	b.WriteByte('[')
	for k, p := range ps {
		if k > 0 {
			b.WriteByte(',')
		}
		writePoint(b, p)
	}
	b.WriteByte(']')
}

// writePoint writes [lon,lat] with at most 7 decimals.
func writePoint(b *bytes.Buffer, p orb.Point) {
	b.WriteByte('[')
	b.WriteString(strconv.FormatFloat(round7(p[0]), 'f', -1, 64))
	b.WriteByte(',')
	b.WriteString(strconv.FormatFloat(round7(p[1]), 'f', -1, 64))
	b.WriteByte(']')
}
