package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"partymap/internal/cql2"
	"partymap/internal/geo"
)

// The JSON Schemas of a collection, both from the catalogue: its
// queryables (what a CQL2 filter may name, OGC API – Features Part 3) and
// the schema of its features (Part 5), which QGIS reads for the fields'
// types.

// schemaDraft is the JSON Schema version of both documents.
const schemaDraft = "https://json-schema.org/draft/2019-09/schema"

// handleQueryables answers /collections/{id}/queryables.
func (s *Server) handleQueryables(c echo.Context) error {
	return s.answerSchema(c, "queryables", func(l geo.Layer) obj {
		props := obj{}
		for _, q := range l.Queryables() {
			props[q.Name] = s.propertySchema(l, q.Name, q.Type)
		}
		return obj{"title": l.Title.En + " " + l.Title.Zh + ": queryables",
			"description": "The properties a CQL2 filter (filter=…) may name; geometry is the feature's geometry.",
			"properties":  props, "additionalProperties": false}
	})
}

// handleSchema answers /collections/{id}/schema.
func (s *Server) handleSchema(c echo.Context) error {
	return s.answerSchema(c, "schema", func(l geo.Layer) obj {
		props := obj{"id": obj{"title": "id", "type": "integer", "x-ogc-role": "id", "readOnly": true, "x-ogc-propertySeq": 0}}
		var required []string
		for i, f := range l.Fields {
			var p obj
			if t, ok := queryableTypeOf(f); ok {
				p = s.propertySchema(l, f.Name, t)
			} else {
				p = obj{"title": f.Title.En + " " + f.Title.Zh, "description": f.Description,
					"type": "array", "items": obj{"type": "number"}, "minItems": 2, "maxItems": 2}
			}
			p["x-ogc-propertySeq"] = i + 1
			if f.Derived {
				p["readOnly"] = true
			}
			if f.Required && !f.Derived {
				required = append(required, f.Name)
			}
			props[f.Name] = p
		}
		props[geo.PropGeometry] = obj{"title": "geometry", "format": geometryFormat(l.Geometry), "x-ogc-role": "primary-geometry"}
		out := obj{"title": l.Title.En + " " + l.Title.Zh, "description": layerDescription(l), "properties": props}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	})
}

// answerSchema answers one of a collection's JSON Schemas.
func (s *Server) answerSchema(c echo.Context, name string, build func(geo.Layer) obj) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	l, err := s.collectionOrError(c.Param("layer"))
	if err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	self := baseURL(c.Request()) + "/collections/" + l.Name + "/" + name
	doc := build(l)
	doc["$schema"] = schemaDraft
	doc["$id"] = self
	doc["type"] = "object"
	if html {
		doc["links"] = []Link{{Href: self + "?f=json", Rel: relAlternate, Type: mediaSchema, Title: "this schema as JSON"}}
		return s.renderHTML(c, l.Title.En+" "+name, doc)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return writeJSON(c, http.StatusOK, mediaSchema, doc)
}

// propertySchema describes one queryable or field.
func (s *Server) propertySchema(l geo.Layer, name string, t cql2.Type) obj {
	p := obj{"title": name}
	if f, ok := l.Field(name); ok {
		p["title"] = f.Title.En + " " + f.Title.Zh
		if f.Description != "" {
			p["description"] = f.Description
		}
		if f.Max > f.Min {
			p["minimum"], p["maximum"] = f.Min, f.Max
		}
		if vs := f.Values(); vs != nil && f.Type == geo.Text {
			p["enum"] = vs
		}
	}
	switch t {
	case cql2.TString:
		p["type"] = "string"
	case cql2.TInteger:
		p["type"] = "integer"
	case cql2.TNumber:
		p["type"] = "number"
	case cql2.TTimestamp:
		p["type"], p["format"] = "string", "date-time"
		p["title"] = "updated_at"
		p["description"] = "when the feature last changed"
	case cql2.TStringArray:
		items := obj{"type": "string"}
		if f, ok := l.Field(name); ok && f.Values() != nil {
			items["enum"] = f.Values()
		}
		p["type"], p["items"] = "array", items
	case cql2.TGeometry:
		p["format"] = geometryFormat(l.Geometry)
		p["x-ogc-role"] = "primary-geometry"
		p["description"] = "the feature's geometry, for the spatial functions"
	}
	if name == geo.PropID {
		p["x-ogc-role"] = "id"
		p["description"] = "the feature's id"
	}
	return p
}

// queryableTypeOf is the JSON type of a field, false for a position.
func queryableTypeOf(f geo.Field) (cql2.Type, bool) {
	for _, q := range (geo.Layer{Fields: []geo.Field{f}}).Queryables() {
		if q.Name == f.Name {
			return q.Type, true
		}
	}
	return 0, false
}

// geometryFormat is the JSON Schema format Part 5 gives a geometry type.
func geometryFormat(t geo.GeometryType) string {
	switch t {
	case geo.Point:
		return "geometry-point"
	case geo.LineString:
		return "geometry-linestring"
	case geo.Polygon:
		return "geometry-polygon"
	}
	return "geometry-any"
}
