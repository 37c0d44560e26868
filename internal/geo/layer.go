// Package geo is partymap's domain: the layer catalogue, features, filters,
// tile coordinates, validation rules, error codes and the store interfaces.
// It does no I/O.
package geo

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// GeometryType names the single geometry type a layer holds.
type GeometryType string

// The geometry types partymap stores.
const (
	Point      GeometryType = "Point"
	LineString GeometryType = "LineString"
	Polygon    GeometryType = "Polygon"
)

// FieldType says how a property is stored and how it is written in GeoJSON.
type FieldType string

// The property types of the catalogue.
const (
	Text     FieldType = "text"     // a JSON string
	Integer  FieldType = "integer"  // a JSON whole number
	Number   FieldType = "number"   // a JSON number
	TextList FieldType = "textlist" // a JSON array of strings
	Position FieldType = "position" // a JSON [lon, lat] pair, stored as a point
)

// Label is a text in the map's two languages, Chinese and English.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Choice is one allowed value of a field and what people read for it.
type Choice struct {
	Value string
	Label Label
	// Keywords are other words people search for it with ("水", "tea").
	Keywords []string
	// Outside is how far, in metres, a feature of this kind may stand
	// outside the community's outline (a co-building unit is a unit around
	// the community that reports to it); 0: it stands inside.
	Outside float64
}

// Field is one property of a layer's features.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	// Title is what a card calls the property.
	Title Label
	// Choices, when set, lists every allowed value (for TextList: of each
	// element) in display order, with its label.
	Choices []Choice
	// Min and Max bound Integer and Number values when Max > Min.
	Min, Max float64
	// Filterable fields may be used as simple property filters in item queries.
	Filterable bool
	// Ref names the layer this field points to: the grid's code for
	// grid_code, the row's id for the *_id fields.
	Ref string
	// Derived fields are computed by the store from the feature's position
	// inside the write's transaction (the code of the grid a point lies
	// in); a writer may leave them out, and what it sends is replaced.
	Derived bool
	// OrNearest, for a Derived field, gives a feature that lies in no
	// feature of the Ref layer the nearest one instead of none: a
	// co-building unit beyond the community's edge, the temple beside it,
	// still belong to a community.
	OrNearest bool
	// Within, for a Position, is how far in metres it may lie from the
	// feature's own geometry (a car park's entrance at its outline); 0
	// leaves it unbounded.
	Within float64
	// Description says what the field means, for OpenAPI and TileJSON.
	Description string
}

// Values lists the allowed values of a field with choices, in display
// order; nil when any value of its type is allowed.
func (f Field) Values() []string {
	if len(f.Choices) == 0 {
		return nil
	}
	out := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		out[i] = c.Value
	}
	return out
}

// Allows reports whether v is one of the field's choices (any value, when
// it has none).
func (f Field) Allows(v string) bool {
	return len(f.Choices) == 0 || slices.ContainsFunc(f.Choices, func(c Choice) bool { return c.Value == v })
}

// Choice returns the choice of that value.
func (f Field) Choice(v string) (Choice, bool) {
	for _, c := range f.Choices {
		if c.Value == v {
			return c, true
		}
	}
	return Choice{}, false
}

// TileSpec says how the vector tiles carry a layer.
type TileSpec struct {
	// MinZoom and MaxZoom bound the tiles that carry the layer.
	MinZoom, MaxZoom int
	// Fields are the properties tiles carry after "id", in order: what
	// the viewer styles and labels with. The other fields are read from
	// the OGC API when a feature is tapped. A TextList is carried as one
	// comma-separated string.
	Fields []string
	// GridFields are carried too, read from the grid whose code is the
	// feature's grid_code (the grid's colour, for compounds and buildings).
	GridFields []string
	// Simplify generalises lines and outlines below TileDetailZoom. Points
	// have nothing to simplify, and building footprints are a handful of
	// vertices metres apart: snapping to the tile grid is all they need.
	Simplify bool
	// KindMinZoom holds, per value of the layer's kind field, a first zoom
	// later than MinZoom (building-door groups only close in).
	KindMinZoom map[string]int
	// Labelled areas also put one point per feature into the tile layer
	// LabelsTileLayer, where the style writes its name: inside the area,
	// at its centroid when that lies inside. Tiles cut areas at their
	// edges, and a label per piece would name a grid twice.
	Labelled bool
	// Poles, for a point layer with a level field, puts a square around
	// each feature into the tile layer PolesTileLayer, for the style to
	// extrude as a flag's pole: PoleHalfWidth metres from the point.
	Poles bool
}

// The tile layers derived from others (TileSpec.Labelled, TileSpec.Poles).
const (
	LabelsTileLayer = "labels"
	PolesTileLayer  = "flag_poles"
)

// PoleMinZoom is the first zoom whose tiles carry the poles: below it a
// pole is less than a tile unit across, and the style does not draw it.
const PoleMinZoom = 15

// PoleHalfWidth is half the width, in metres, of the pole of a flag of
// that level: thicker for the street committee and the community branch.
func PoleHalfWidth(level int64) float64 {
	if level <= 2 {
		return 1.8
	}
	return 1.2
}

// Count is a number the city overview shows for each community: how many
// features of a layer it holds (posts, car parks), optionally only those
// whose Field has one of Values (open orders). A count whose layer (or
// field) the catalogue does not have is left out, so that it appears by
// itself once the layer exists.
type Count struct {
	// Name is the count's property name; Title what people read for it.
	Name  string
	Title Label
	Layer string
	// Field and Values, when set, keep only the features whose Field is
	// one of Values.
	Field  string
	Values []string
}

// Layer describes one layer of the map: its table (also the collection id
// and the tile layer's name), geometry, fields, rules and how tiles carry it.
type Layer struct {
	Name string
	// Title names the layer (as a collection, a layer toggle); Item names
	// one of its features ("Service post").
	Title, Item Label
	Geometry    GeometryType
	Fields      []Field
	// Editable layers accept writes from staff; the others are base map.
	Editable bool
	// Topology layers have rules that read other rows (grids tile the
	// community, a compound lies in one grid, a building in its compound):
	// their writes are serialised, and validated as a whole.
	Topology bool
	// CityWide layers describe the city above its communities (its
	// subdistricts and the communities' outlines): only staff whose scope
	// is the whole city write them (User.MayWrite).
	CityWide bool
	// ScopeBy, when set, names the field (a reference to an organization)
	// by which the layer's features are in a staff member's scope: an
	// activity is its organizer's grid's to write, wherever it takes place.
	ScopeBy string
	// SearchRank orders the layer's search hits among equally good
	// matches, 1 first: what a visitor looks for first. Layers without
	// one come after the ranked, in drawing order.
	SearchRank int
	// Key, when set, names the field that identifies a feature to people
	// and to other layers besides its id: unique in the layer, what a
	// Text field with this layer as its Ref holds (a grid's code).
	Key  string
	Tile TileSpec
	// Counts are what the city overview counts for each of the layer's
	// features (the communities: posts, car parks, open orders).
	Counts []Count
	// Workflow, when set, says how the layer's features change instead of
	// the item writes, which refuse them with this sentence: residents'
	// orders change only by their actions.
	Workflow string
	// Public, when set, keeps the layer's public reads to the features it
	// shows (published orders); nil: every feature is public.
	Public *Visibility
	// Walk is what the layer is to the walking network (walk.go): its
	// lines are walked, its points open walls, or its outlines are walls.
	Walk Walk
}

// Field returns the layer's field with that name.
func (l Layer) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames lists the layer's field names in catalogue order.
func (l Layer) FieldNames() []string {
	names := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		names[i] = f.Name
	}
	return names
}

// FeatureLabel names one of the layer's features for a staff member, in
// both languages: by its item label and its key ("网格 XY01“…”", "grid
// XY01 (…)"), or its id when the layer has no key ("小区 3“…”",
// "compound 3 (…)"; "new compound (…)" before it has one), then its name.
func (l Layer) FeatureLabel(id int64, props map[string]any) Label {
	nzh, _ := props["name_zh"].(string)
	nen, _ := props["name_en"].(string)
	ref := fmt.Sprint(id)
	if k, ok := props[l.Key].(string); ok && l.Key != "" && k != "" {
		ref = k
	} else if id == 0 {
		// A feature not written yet has no id to name it by.
		return Label{Zh: fmt.Sprintf("新%s“%s”", l.Item.Zh, nzh), En: fmt.Sprintf("new %s (%s)", lowerFirst(l.Item.En), nen)}
	}
	return Label{
		Zh: fmt.Sprintf("%s %s“%s”", l.Item.Zh, ref, nzh),
		En: fmt.Sprintf("%s %s (%s)", lowerFirst(l.Item.En), ref, nen),
	}
}

// lowerFirst puts a label that starts a sentence ("Service post") inside
// one ("service post").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// Mid returns the label as it reads inside a sentence: "service posts",
// "服务站点".
func (lb Label) Mid() Label { return Label{Zh: lb.Zh, En: lowerFirst(lb.En)} }

// OutsideAllowed is how far, in metres, the feature may stand outside the
// community's outline: the most any of its values' choices allows.
func (l Layer) OutsideAllowed(props map[string]any) float64 {
	var most float64
	for _, f := range l.Fields {
		if v, ok := props[f.Name].(string); ok {
			if c, ok := f.Choice(v); ok {
				most = max(most, c.Outside)
			}
		}
	}
	return most
}

// DerivedFields lists the layer's fields the store derives.
func (l Layer) DerivedFields() []Field {
	var out []Field
	for _, f := range l.Fields {
		if f.Derived {
			out = append(out, f)
		}
	}
	return out
}

// WithoutDerived returns the properties without the fields the store
// derives: what a writer sends for them is never kept.
func (l Layer) WithoutDerived(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if f, ok := l.Field(k); ok && f.Derived {
			continue
		}
		out[k] = v
	}
	return out
}

// VisibleAt reports whether tiles of zoom z carry the layer.
func (l Layer) VisibleAt(z int) bool { return z >= l.Tile.MinZoom && z <= l.Tile.MaxZoom }

// KindsAt lists the values of the layer's kind field that tiles of zoom z
// carry, or nil when every feature visible at the layer's zooms shows.
func (l Layer) KindsAt(z int) []string {
	if len(l.Tile.KindMinZoom) == 0 {
		return nil
	}
	kind, _ := l.Field("kind")
	return slices.DeleteFunc(kind.Values(), func(k string) bool { return l.Tile.KindMinZoom[k] > z })
}

// Catalogue is the one list of the map's layers, in drawing order, bottom
// first: every other description of a layer (SQL, OpenAPI, TileJSON, the
// viewer's labels) is derived from it.
type Catalogue struct {
	layers []Layer
}

// Layers returns every collection in drawing order.
func (c *Catalogue) Layers() []Layer { return slices.Clone(c.layers) }

// Layer returns the collection with that name.
func (c *Catalogue) Layer(name string) (Layer, bool) {
	for _, l := range c.layers {
		if l.Name == name {
			return l, true
		}
	}
	return Layer{}, false
}

// LayerOrError returns the collection with that name or a not-found error
// that lists the collections there are.
func (c *Catalogue) LayerOrError(name string) (Layer, error) {
	if l, ok := c.Layer(name); ok {
		return l, nil
	}
	names := make([]string, len(c.layers))
	for i, l := range c.layers {
		names[i] = l.Name
	}
	return Layer{}, Errorf(ENOTFOUND, "There is no layer %q; the layers are %s.", name, joinQuoted(names))
}

// Communities returns the layer of the communities' outlines, which the
// grids of each community tile exactly and every feature of the map
// belongs to (its Derived field CommunityField).
func (c *Catalogue) Communities() Layer {
	l, _ := c.Layer(CommunityLayer)
	return l
}

// Counts returns a layer's counts whose layers (and fields) the catalogue
// has: those the city overview shows.
func (c *Catalogue) Counts(l Layer) []Count {
	var out []Count
	for _, n := range l.Counts {
		counted, ok := c.Layer(n.Layer)
		if !ok {
			continue
		}
		if _, ok := counted.Field(n.Field); n.Field != "" && !ok {
			continue
		}
		out = append(out, n)
	}
	return out
}

// CollectionOrError returns the layer served as the OGC collection of that
// name (every layer is one: the communities and subdistricts too), or a
// not-found error that lists them.
func (c *Catalogue) CollectionOrError(name string) (Layer, error) {
	if l, ok := c.Layer(name); ok {
		return l, nil
	}
	var names []string
	for _, l := range c.layers {
		names = append(names, l.Name)
	}
	return Layer{}, Errorf(ENOTFOUND, "There is no collection %q; the collections are %s.", name, joinQuoted(names))
}

// RefKey returns the field of f.Ref's layer that f holds: the layer's Key
// for a Text reference (a grid's code), its id otherwise.
func (c *Catalogue) RefKey(f Field) string {
	if ref, ok := c.Layer(f.Ref); ok && f.Type == Text && ref.Key != "" {
		return ref.Key
	}
	return "id"
}

// WriteOrder returns the layers so that every layer comes after the
// layers its fields refer to (grids before compounds before buildings), in
// drawing order otherwise: the order an import writes them in.
func (c *Catalogue) WriteOrder() []Layer {
	all := c.Layers()
	done := map[string]bool{}
	var out []Layer
	var visit func(l Layer)
	visit = func(l Layer) {
		if done[l.Name] {
			return
		}
		done[l.Name] = true
		for _, f := range l.Fields {
			if f.Ref != "" && f.Ref != l.Name {
				if ref, ok := c.Layer(f.Ref); ok {
					visit(ref)
				}
			}
		}
		out = append(out, l)
	}
	for _, l := range all {
		visit(l)
	}
	return out
}
