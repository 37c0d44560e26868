// Package geo is partymap's domain: the layer catalogue, features, filters,
// tile coordinates, validation rules, error codes and the store interfaces.
// It does no I/O.
package geo

import "slices"

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

// Field is one property of a layer's features.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	// Enum, when set, lists every allowed value (for TextList: of each element).
	Enum []string
	// Min and Max bound Integer and Number values when Max > Min.
	Min, Max float64
	// Filterable fields may be used as simple property filters in item queries.
	Filterable bool
	// Description says what the field means, for OpenAPI and TileJSON.
	Description string
}

// Layer describes one collection of the map: its name, geometry type, fields
// and the zoom range at which the tiles carry it.
type Layer struct {
	Name     string // also the table name and the collection id
	TitleZh  string
	TitleEn  string
	Geometry GeometryType
	Fields   []Field
	// Editable layers accept writes from staff; the others are base map.
	Editable bool
	// MinZoom and MaxZoom bound the tiles that carry the layer.
	MinZoom, MaxZoom int
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

// Services returns every service a post can offer, in display order.
func Services() []string {
	return []string{"water", "charging", "first_aid", "umbrella", "map", "wifi", "rest"}
}

// Catalogue is the fixed list of the map's layers, in drawing order.
type Catalogue struct {
	layers []Layer
}

// NewCatalogue returns partymap's layer catalogue.
func NewCatalogue() *Catalogue {
	name := func() []Field {
		return []Field{
			{Name: "name_zh", Type: Text, Required: true, Filterable: true, Description: "name in Chinese"},
			{Name: "name_en", Type: Text, Required: true, Filterable: true, Description: "name in English"},
		}
	}
	gridCode := Field{Name: "grid_code", Type: Text, Filterable: true, Description: "code of the grid the feature lies in"}
	return &Catalogue{layers: []Layer{
		{
			Name: "landmarks", TitleZh: "地标", TitleEn: "Landmarks", Geometry: Polygon, MinZoom: 10, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "kind", Type: Text, Required: true, Filterable: true, Enum: []string{"temple", "village", "park", "square", "public"}, Description: "what the landmark is"},
			),
		},
		{
			Name: "streets", TitleZh: "街道", TitleEn: "Streets", Geometry: LineString, MinZoom: 10, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "kind", Type: Text, Required: true, Filterable: true, Enum: []string{"pedestrian", "main", "minor"}, Description: "street class"},
			),
		},
		{
			Name: "grids", TitleZh: "网格", TitleEn: "Grids", Geometry: Polygon, Editable: true, MinZoom: 10, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "code", Type: Text, Required: true, Filterable: true, Description: "grid code, unique in the community"},
				Field{Name: "leader_zh", Type: Text, Required: true, Description: "grid leader (网格长), invented name"},
				Field{Name: "leader_en", Type: Text, Required: true, Description: "grid leader in pinyin"},
				Field{Name: "leader_phone", Type: Text, Required: true, Description: "grid leader's public phone (invented)"},
				Field{Name: "branch_zh", Type: Text, Required: true, Description: "the grid's party branch"},
				Field{Name: "branch_en", Type: Text, Required: true, Description: "the grid's party branch in English"},
				Field{Name: "color", Type: Integer, Required: true, Min: 0, Max: 14, Description: "colour index 0–14"},
				Field{Name: "households", Type: Integer, Min: 0, Max: 100000, Description: "households in the grid"},
			),
		},
		{
			Name: "compounds", TitleZh: "小区", TitleEn: "Compounds", Geometry: Polygon, Editable: true, MinZoom: 13, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "grid_code", Type: Text, Required: true, Filterable: true, Description: "code of the grid the compound lies in"},
				Field{Name: "households", Type: Integer, Min: 0, Max: 100000, Description: "households in the compound"},
				Field{Name: "buildings", Type: Integer, Min: 0, Max: 10000, Description: "number of buildings"},
			),
		},
		{
			Name: "buildings", TitleZh: "楼栋", TitleEn: "Buildings", Geometry: Polygon, Editable: true, MinZoom: 14, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "compound_id", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 1e12, Description: "id of the compound the building stands in"},
				gridCode,
				Field{Name: "floors", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 200, Description: "floors above ground"},
				Field{Name: "height_m", Type: Number, Required: true, Min: 1, Max: 600, Description: "height in metres, what the viewer extrudes"},
			),
		},
		{
			Name: "parking", TitleZh: "共享停车场", TitleEn: "Shared parking", Geometry: Polygon, Editable: true, MinZoom: 12, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "capacity", Type: Integer, Required: true, Min: 0, Max: 100000, Description: "parking spaces"},
				Field{Name: "free", Type: Integer, Required: true, Min: 0, Max: 100000, Description: "free spaces now"},
				Field{Name: "hours", Type: Text, Required: true, Description: "opening hours, HH:MM-HH:MM China Standard Time"},
				Field{Name: "fee_zh", Type: Text, Required: true, Description: "fee"},
				Field{Name: "fee_en", Type: Text, Required: true, Description: "fee in English"},
				Field{Name: "entrance", Type: Position, Required: true, Description: "entrance as [lon, lat]"},
			),
		},
		{
			Name: "posts", TitleZh: "服务站点", TitleEn: "Service posts", Geometry: Point, Editable: true, MinZoom: 12, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "kind", Type: Text, Required: true, Filterable: true, Enum: []string{"cabin", "service_hall", "rep_studio", "activity_room", "cultural_space", "library"}, Description: "what kind of post"},
				Field{Name: "services", Type: TextList, Required: true, Enum: Services(), Description: "services offered"},
				Field{Name: "hours", Type: Text, Required: true, Description: "opening hours, HH:MM-HH:MM China Standard Time"},
				Field{Name: "phone", Type: Text, Description: "the post's public phone (invented)"},
				gridCode,
			),
		},
		{
			Name: "organizations", TitleZh: "党组织", TitleEn: "Party organizations", Geometry: Point, Editable: true, MinZoom: 10, MaxZoom: 22,
			Fields: append(name(),
				Field{Name: "kind", Type: Text, Required: true, Filterable: true, Enum: OrganizationKinds(), Description: "kind of organization"},
				Field{Name: "level", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 4, Description: "1 street, 2 community, 3 grid, 4 building"},
				Field{Name: "parent_id", Type: Integer, Filterable: true, Min: 1, Max: 1e12, Description: "id of the parent organization"},
				Field{Name: "members", Type: Integer, Min: 0, Max: 100000, Description: "party members"},
				gridCode,
			),
		},
	}}
}

// OrganizationKinds lists the kinds of party organization, from the top of the
// hierarchy down.
func OrganizationKinds() []string {
	return []string{"street_committee", "community_branch", "grid_branch", "building_group", "co_building_unit", "business_circle", "non_public"}
}

// Layers returns every layer in drawing order.
func (c *Catalogue) Layers() []Layer { return slices.Clone(c.layers) }

// Layer returns the layer with that name.
func (c *Catalogue) Layer(name string) (Layer, bool) {
	for _, l := range c.layers {
		if l.Name == name {
			return l, true
		}
	}
	return Layer{}, false
}

// LayerOrError returns the layer with that name or a not-found error that
// lists the layers there are.
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

// Community returns the layer of the community's outline: one polygon that
// the grids tile exactly. It is not a collection of its own; validation and
// the viewer use it.
func (c *Catalogue) Community() Layer {
	return Layer{
		Name: "community", TitleZh: "社区范围", TitleEn: "Community outline", Geometry: Polygon,
		Fields: []Field{
			{Name: "name_zh", Type: Text, Required: true, Description: "name in Chinese"},
			{Name: "name_en", Type: Text, Required: true, Description: "name in English"},
		},
	}
}
