package geo

import (
	"context"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// The shape of the map's vector tiles (Mapbox Vector Tile 2.1).
const (
	// TileExtent is the size of a tile in MVT integer units.
	TileExtent = 4096
	// TileBuffer is how many units around a tile its geometry reaches, so
	// that lines and outlines continue seamlessly across tile edges.
	TileBuffer = 64
	// TileMaxZoom is the deepest zoom the server renders.
	TileMaxZoom = 22
	// TileDetailZoom is the zoom from which tiles keep every vertex; below
	// it lines and polygons are simplified to a fraction of a pixel.
	TileDetailZoom = 16
)

// TileField is one property of a tile layer's features.
type TileField struct {
	Name string
	// Type is the TileJSON type name: "Number" or "String".
	Type        string
	Description string
}

// TileLayer is one source layer of the vector tiles: its name (a catalogue
// layer, or "community" for the outline), the zooms that carry it and the
// properties its features have. Every feature also has the MVT feature id
// and the property "id", both the row id.
type TileLayer struct {
	Name        string
	Description string
	Geometry    GeometryType
	// MinZoom and MaxZoom bound the tiles that carry the layer.
	MinZoom, MaxZoom int
	Fields           []TileField
}

// VisibleAt reports whether tiles of zoom z carry the layer.
func (l TileLayer) VisibleAt(z int) bool { return z >= l.MinZoom && z <= l.MaxZoom }

// FieldNames lists the layer's property names, "id" first.
func (l TileLayer) FieldNames() []string {
	names := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		names[i] = f.Name
	}
	return names
}

// tileFields lists, per tile layer, the properties the viewer styles and
// labels with, "id" first; the other fields of the catalogue are read from
// the OGC API when a feature is tapped.
func tileFields(layer string) []string {
	switch layer {
	case "community":
		return []string{"id", "name_zh", "name_en"}
	case "landmarks", "streets":
		return []string{"id", "name_zh", "name_en", "kind"}
	case "grids":
		return []string{"id", "code", "name_zh", "name_en", "color"}
	case "compounds":
		return []string{"id", "name_zh", "name_en", "grid_code", "color"}
	case "buildings":
		return []string{"id", "name_zh", "name_en", "floors", "height_m", "grid_code", "color", "compound_id"}
	case "parking":
		return []string{"id", "name_zh", "name_en", "capacity", "free", "hours"}
	case "posts":
		return []string{"id", "name_zh", "name_en", "kind", "services", "hours"}
	case "organizations":
		return []string{"id", "name_zh", "name_en", "kind", "level", "members", "grid_code", "parent_id"}
	}
	return nil
}

// TileLayers returns the source layers of the vector tiles, bottom first:
// the community outline, then the catalogue's layers in drawing order.
func (c *Catalogue) TileLayers() []TileLayer {
	all := append([]Layer{c.Community()}, c.layers...)
	out := make([]TileLayer, 0, len(all))
	for _, l := range all {
		tl := TileLayer{
			Name: l.Name, Description: l.TitleEn + " (" + l.TitleZh + ")", Geometry: l.Geometry,
			MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
		}
		if l.Name == "community" {
			tl.MinZoom, tl.MaxZoom = 10, TileMaxZoom
		}
		for _, name := range tileFields(l.Name) {
			tl.Fields = append(tl.Fields, tileField(l, name))
		}
		out = append(out, tl)
	}
	return out
}

// tileField describes one tile property, from the catalogue where the
// layer has the field.
func tileField(l Layer, name string) TileField {
	switch name {
	case "id":
		return TileField{Name: name, Type: "Number", Description: "feature id, also the MVT feature id and the OGC API item id"}
	case "color":
		if l.Name != "grids" {
			return TileField{Name: name, Type: "Number", Description: "colour index 0–14 of the grid the feature lies in"}
		}
	case "services":
		return TileField{Name: name, Type: "String", Description: "services offered, comma-separated (water, charging, first_aid, umbrella, map, wifi, rest)"}
	}
	f, _ := l.Field(name)
	typ := "String"
	if f.Type == Integer || f.Type == Number {
		typ = "Number"
	}
	return TileField{Name: name, Type: typ, Description: f.Description}
}

// OrganizationMinZoom returns the zoom from which tiles carry party
// organizations of that kind: the street committee and the community
// branch from the first zoom, grid-level and partner organizations once
// compounds show, building-door groups only close in.
func OrganizationMinZoom(kind string) int {
	switch kind {
	case "street_committee", "community_branch":
		return 10
	case "building_group":
		return 16
	}
	return 13
}

// OrganizationKindsAt lists the organization kinds tiles of zoom z carry.
func OrganizationKindsAt(z int) []string {
	return slices.DeleteFunc(OrganizationKinds(), func(k string) bool { return OrganizationMinZoom(k) > z })
}

// TileStore renders vector tiles. Implementations answer errors with codes
// from this package: EUNAVAILABLE when the database cannot be reached.
type TileStore interface {
	// Tile returns the MVT bytes of one tile holding every layer visible at
	// its zoom, uncompressed; no bytes when nothing lies in the tile.
	Tile(ctx context.Context, t maptile.Tile) ([]byte, error)
	// TileBounds returns the bounding box of every layer's features
	// together; ok is false when the map is empty.
	TileBounds(ctx context.Context) (b orb.Bound, ok bool, err error)
}

// TilesCovering lists the tiles of zoom z that cover b, row by row from the
// north-west corner.
func TilesCovering(b orb.Bound, z maptile.Zoom) []maptile.Tile {
	nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z)
	se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
	var out []maptile.Tile
	for y := nw.Y; y <= se.Y; y++ {
		for x := nw.X; x <= se.X; x++ {
			out = append(out, maptile.New(x, y, z))
		}
	}
	return out
}
