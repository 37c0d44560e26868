// Package kml reads and writes a layer's features as KML 2.2, the format of
// Google Earth and of Chinese map apps such as 奥维地图 (Ovital Map).
//
// It is partymap's one bridge to go-geom: geometries are orb everywhere else,
// converted to go-geom only here, to be written by go-geom's encoding/kml.
// go-geom has no KML decoder, so Decode reads KML with encoding/xml.
package kml

import (
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	geomkml "github.com/twpayne/go-geom/encoding/kml"
	gokml "github.com/twpayne/go-kml/v3"

	"partymap/internal/geo"
)

// Colours are the colours of a feature's style, as "#rrggbb": its outline
// and its fill (drawn at Opacity). Nil: no colour of its own.
type Colours func(f geo.Feature) (line, fill string, ok bool)

// Options change how Encode writes.
type Options struct {
	// Colours gives each feature its style (a grid's colour): features of
	// one colour share one Style, so that Google Earth and 奥维 draw the
	// grids as the map does.
	Colours Colours
	// Opacity is the fill's opacity, 0 to 1; zero: 0.4.
	Opacity float64
}

// Encode writes the features as one KML 2.2 Document named after the layer,
// with a typed Schema of the layer's fields (string, int, double), a
// Style per colour when opts gives colours, and one Placemark per feature:
// its name (name_zh, or name_en when there is no Chinese name), its id as
// the attribute id="<layer>.<id>" (as GDAL writes it), its style, every
// property as SchemaData of that schema (lists joined with ", ", positions
// as "lon,lat") and its geometry. A feature without geometry is an
// EINVALID error and nothing is written.
func Encode(w io.Writer, layer geo.Layer, features []geo.Feature, opts ...Options) error {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Opacity == 0 {
		o.Opacity = 0.4
	}
	doc := gokml.Document(gokml.Name(documentName(layer)), schema(layer))
	styles := map[string]bool{}
	for i, f := range features {
		pm, err := encodePlacemark(layer, f)
		if err != nil {
			return geo.Errorf(geo.EINVALID, "Feature %d (id %d) of layer %q cannot be written as KML: %v.", i+1, f.ID, layer.Name, err)
		}
		if o.Colours != nil {
			if line, fill, ok := o.Colours(f); ok {
				id, style, err := sharedStyle(line, fill, o.Opacity)
				if err != nil {
					return geo.Errorf(geo.EINVALID, "Feature %d (id %d) of layer %q has a colour KML cannot write: %v.", i+1, f.ID, layer.Name, err)
				}
				if !styles[id] {
					styles[id] = true
					doc.Append(style)
				}
				pm.children = append([]gokml.Element{pm.children[0], gokml.StyleURL("#" + id)}, pm.children[1:]...)
			}
		}
		doc.Append(pm)
	}
	// Every placemark is built before the first byte is written, so a bad
	// feature leaves w untouched.
	if err := gokml.KML(doc).WriteIndent(w, "", "  "); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func documentName(layer geo.Layer) string {
	for _, s := range []string{layer.Title.Zh, layer.Title.En} {
		if s != "" {
			return s
		}
	}
	return layer.Name
}

// schema is the layer's fields as a typed KML Schema, for SchemaData.
func schema(layer geo.Layer) gokml.Element {
	sc := gokml.Schema(layer.Name).WithName(layer.Name)
	for _, f := range layer.Fields {
		typ := "string"
		switch f.Type {
		case geo.Integer:
			typ = "int"
		case geo.Number:
			typ = "double"
		}
		sc.Append(gokml.SimpleField(f.Name, typ, gokml.DisplayName(f.Title.Zh+" "+f.Title.En)))
	}
	return sc
}

// sharedStyle is the Style of a colour pair: its id and element.
func sharedStyle(line, fill string, opacity float64) (string, gokml.Element, error) {
	lc, err := parseHex(line, 1)
	if err != nil {
		return "", nil, err
	}
	fc, err := parseHex(fill, opacity)
	if err != nil {
		return "", nil, err
	}
	id := "c" + strings.TrimPrefix(line, "#") + "-" + strings.TrimPrefix(fill, "#")
	return id, gokml.SharedStyle(id,
		gokml.LineStyle(gokml.Color(lc), gokml.Width(2)),
		gokml.PolyStyle(gokml.Color(fc)),
		gokml.IconStyle(gokml.Color(lc)),
	), nil
}

// parseHex reads #rrggbb with an opacity.
func parseHex(s string, opacity float64) (color.RGBA, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil || len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, fmt.Errorf("%q is not a colour like #4e79a7", s)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: uint8(math.Round(opacity * 255))}, nil
}

func encodePlacemark(layer geo.Layer, f geo.Feature) (*placemark, error) {
	if f.Geometry == nil {
		return nil, fmt.Errorf("it has no geometry")
	}
	g, err := toGeom(f.Geometry)
	if err != nil {
		return nil, err
	}
	geometry, err := geomkml.Encode(g)
	if err != nil {
		return nil, err
	}
	children := []gokml.Element{}
	if name := placemarkName(f.Properties); name != "" {
		children = append(children, gokml.Name(name))
	}
	if data := schemaData(layer, f.Properties); data != nil {
		children = append(children, data)
	}
	children = append(children, geometry)
	pm := &placemark{children: children}
	if f.ID > 0 {
		pm.id = layer.Name + "." + strconv.FormatInt(f.ID, 10)
	}
	return pm, nil
}

// placemark is a Placemark with an id attribute, which go-kml's
// PlacemarkElement cannot carry.
type placemark struct {
	id       string
	children []gokml.Element
}

// MarshalXML writes <Placemark id="…"> and its children.
func (p *placemark) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: "Placemark"}}
	if p.id != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "id"}, Value: p.id}}
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, c := range p.children {
		if err := c.MarshalXML(e, xml.StartElement{}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func placemarkName(props map[string]any) string {
	for _, k := range []string{"name_zh", "name_en"} {
		if s, ok := props[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// schemaData lists the properties in catalogue order as the layer's
// SchemaData, then any others by name as Data, so that the output is the
// same every time.
func schemaData(layer geo.Layer, props map[string]any) gokml.Element {
	names := make([]string, 0, len(props))
	for _, f := range layer.Fields {
		if _, ok := props[f.Name]; ok {
			names = append(names, f.Name)
		}
	}
	var others []string
	for k := range props {
		if !slices.Contains(names, k) {
			others = append(others, k)
		}
	}
	sort.Strings(others)
	names = append(names, others...)
	var simple, data []gokml.Element
	for _, k := range names {
		if props[k] == nil {
			continue
		}
		if _, ok := layer.Field(k); ok {
			simple = append(simple, gokml.SimpleData(k, formatValue(props[k])))
			continue
		}
		data = append(data, gokml.Data(k, gokml.Value(formatValue(props[k]))))
	}
	if len(simple) > 0 {
		data = append([]gokml.Element{gokml.SchemaData("#"+layer.Name, simple...)}, data...)
	}
	if len(data) == 0 {
		return nil
	}
	return gokml.ExtendedData(data...)
}

// formatValue writes a property the way Decode reads it back.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []string:
		return strings.Join(v, ", ")
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = formatValue(item)
		}
		return strings.Join(items, ", ")
	case orb.Point:
		return strconv.FormatFloat(v[0], 'f', -1, 64) + "," + strconv.FormatFloat(v[1], 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// toGeom converts an orb geometry to go-geom, in two dimensions.
func toGeom(g orb.Geometry) (geom.T, error) {
	switch g := g.(type) {
	case orb.Point:
		return geom.NewPointFlat(geom.XY, []float64{g[0], g[1]}), nil
	case orb.MultiPoint:
		return geom.NewMultiPointFlat(geom.XY, flatPoints(nil, g)), nil
	case orb.LineString:
		return geom.NewLineStringFlat(geom.XY, flatPoints(nil, g)), nil
	case orb.MultiLineString:
		var flat []float64
		ends := make([]int, len(g))
		for i, ls := range g {
			flat = flatPoints(flat, ls)
			ends[i] = len(flat)
		}
		return geom.NewMultiLineStringFlat(geom.XY, flat, ends), nil
	case orb.Ring:
		return toGeom(orb.Polygon{g})
	case orb.Polygon:
		flat, ends := flatPolygon(nil, g)
		return geom.NewPolygonFlat(geom.XY, flat, ends), nil
	case orb.MultiPolygon:
		var flat []float64
		endss := make([][]int, len(g))
		for i, p := range g {
			flat, endss[i] = flatPolygon(flat, p)
		}
		return geom.NewMultiPolygonFlat(geom.XY, flat, endss), nil
	case orb.Collection:
		c := geom.NewGeometryCollection()
		for _, member := range g {
			m, err := toGeom(member)
			if err != nil {
				return nil, err
			}
			if err := c.Push(m); err != nil {
				return nil, err
			}
		}
		return c, nil
	case orb.Bound:
		return toGeom(g.ToPolygon())
	default:
		return nil, fmt.Errorf("its geometry is a %T; want a point, line or polygon", g)
	}
}

func flatPoints(flat []float64, ps []orb.Point) []float64 {
	for _, p := range ps {
		flat = append(flat, p[0], p[1])
	}
	return flat
}

// flatPolygon appends the polygon's rings to flat and returns the end offset
// of each ring, counted from the start of flat as go-geom wants.
func flatPolygon(flat []float64, p orb.Polygon) ([]float64, []int) {
	ends := make([]int, len(p))
	for i, r := range p {
		flat = flatPoints(flat, r)
		ends[i] = len(flat)
	}
	return flat, ends
}
