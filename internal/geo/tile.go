package geo

import (
	"context"
	"strings"

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
// layer), the zooms that carry it and the
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

// TileLayers returns the source layers of the vector tiles, bottom first:
// the collections in drawing order.
func (c *Catalogue) TileLayers() []TileLayer {
	all := c.Layers()
	out := make([]TileLayer, 0, len(all))
	for _, l := range all {
		tl := TileLayer{
			Name: l.Name, Description: l.Title.En + " (" + l.Title.Zh + ")", Geometry: l.Geometry,
			MinZoom: l.Tile.MinZoom, MaxZoom: l.Tile.MaxZoom,
		}
		tl.Fields = append(tl.Fields, TileField{Name: "id", Type: "Number", Description: "feature id, also the MVT feature id and the OGC API item id"})
		for _, name := range l.Tile.Fields {
			f, _ := l.Field(name)
			tl.Fields = append(tl.Fields, tileField(f, f.Description))
		}
		grids, _ := c.Layer("grids")
		for _, name := range l.Tile.GridFields {
			f, _ := grids.Field(name)
			tl.Fields = append(tl.Fields, tileField(f, f.Description+", of the grid the feature lies in"))
		}
		out = append(out, tl)
	}
	return append(out, c.derivedTileLayers()...)
}

// derivedTileLayers are the tile layers made from others: the label
// points of the labelled areas, and the flags' poles.
func (c *Catalogue) derivedTileLayers() []TileLayer {
	var out []TileLayer
	labels := TileLayer{Name: LabelsTileLayer, Geometry: Point, MinZoom: TileMaxZoom, Description: "one label point per feature of",
		Fields: []TileField{
			{Name: "id", Type: "Number", Description: "the feature's id in its layer"},
			{Name: "layer", Type: "String", Description: "the layer of the feature"},
			{Name: "name_zh", Type: "String", Description: "name in Chinese"},
			{Name: "name_en", Type: "String", Description: "name in English"},
			{Name: "code", Type: "String", Description: "the feature's key (a grid's code)"},
			{Name: "kind", Type: "String", Description: "the feature's kind, if its layer has kinds"},
			{Name: "color", Type: "Number", Description: "colour index 0–14 of the grid the feature is or lies in"},
		}}
	for _, l := range c.Layers() {
		if l.Tile.Labelled {
			labels.Description += " " + l.Name
			labels.MinZoom, labels.MaxZoom = min(labels.MinZoom, l.Tile.MinZoom), max(labels.MaxZoom, l.Tile.MaxZoom)
		}
		if l.Tile.Poles {
			out = append(out, TileLayer{Name: PolesTileLayer, Geometry: Polygon, MinZoom: max(l.Tile.MinZoom, PoleMinZoom), MaxZoom: l.Tile.MaxZoom,
				Description: "a square a few metres wide around each of " + l.Name + ", for the style to extrude as a flag's pole",
				Fields: []TileField{
					{Name: "id", Type: "Number", Description: "the id of the " + l.Name + " feature"},
					{Name: "kind", Type: "String", Description: "its kind"},
					{Name: "level", Type: "Number", Description: "its level"},
				}})
		}
	}
	if labels.MaxZoom > 0 {
		labels.Description += ", where its name is written"
		out = append([]TileLayer{labels}, out...)
	}
	return out
}

// tileField describes one tile property.
func tileField(f Field, description string) TileField {
	typ := "String"
	switch f.Type {
	case Integer, Number:
		typ = "Number"
	case TextList:
		description += ", comma-separated (" + strings.Join(f.Values(), ", ") + ")"
	}
	return TileField{Name: f.Name, Type: typ, Description: description}
}

// TileStore renders vector tiles. Implementations answer errors with codes
// from this package: EUNAVAILABLE when the database cannot be reached.
type TileStore interface {
	// Tile returns the MVT bytes of one tile holding every layer visible at
	// its zoom, uncompressed; no bytes when nothing lies in the tile. The
	// TileID is valid by construction: implementations do not check it.
	Tile(ctx context.Context, t TileID) ([]byte, error)
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
