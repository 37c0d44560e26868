package geo

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

func TestCatalogue_TileLayers(t *testing.T) {
	cat := NewCatalogue()
	layers := cat.TileLayers()
	var names []string
	for _, l := range layers {
		names = append(names, l.Name)
		if got := l.FieldNames(); len(got) < 3 || got[0] != "id" || (l.Name != PolesTileLayer && l.Name != OrdersLayer && (!slices.Contains(got, "name_zh") || !slices.Contains(got, "name_en"))) {
			t.Errorf("%s fields: got %v, want id first and both names", l.Name, got)
		}
		for _, f := range l.Fields {
			if f.Type != "Number" && f.Type != "String" {
				t.Errorf("%s.%s type: got %q, want Number or String", l.Name, f.Name, f.Type)
			}
			if f.Description == "" {
				t.Errorf("%s.%s has no description", l.Name, f.Name)
			}
		}
	}
	// The catalogue's layers, then those derived from them: the areas'
	// label points and the flags' poles (from z15).
	want := []string{"subdistricts", "communities", "landmarks", "streets", "paths", "grids", "compounds", "buildings", "gates", "parking", "posts", "organizations", "activities", "resources", "orders", "labels", "flag_poles"}
	if !slices.Equal(names, want) {
		t.Errorf("tile layers: got %v, want %v", names, want)
	}
	tests := []struct {
		layer   string
		minZoom int
		field   string
		typ     string
	}{
		{"subdistricts", 8, "kind", "String"},
		{"communities", 8, "code", "String"},
		{"grids", 10, "community", "String"},
		{"buildings", 14, "community", "String"},
		{"grids", 10, "color", "Number"},
		{"compounds", 13, "color", "Number"},
		{"buildings", 14, "height_m", "Number"},
		{"parking", 12, "free", "Number"},
		{"posts", 12, "services", "String"},
		{"organizations", 10, "parent_id", "Number"},
	}
	for _, tt := range tests {
		t.Run(tt.layer, func(t *testing.T) {
			i := slices.Index(names, tt.layer)
			l := layers[i]
			if l.MinZoom != tt.minZoom || l.MaxZoom != TileMaxZoom {
				t.Errorf("zooms: got %d–%d, want %d–%d", l.MinZoom, l.MaxZoom, tt.minZoom, TileMaxZoom)
			}
			j := slices.Index(l.FieldNames(), tt.field)
			if j < 0 || l.Fields[j].Type != tt.typ {
				t.Errorf("field %s: got %+v, want type %s", tt.field, l.Fields, tt.typ)
			}
			if l.VisibleAt(tt.minZoom-1) || !l.VisibleAt(tt.minZoom) || !l.VisibleAt(TileMaxZoom) {
				t.Errorf("VisibleAt does not follow %d–%d", l.MinZoom, l.MaxZoom)
			}
		})
	}
}

func TestLayer_KindsAt(t *testing.T) {
	tests := []struct {
		z    int
		want []string
	}{
		{10, []string{"city_committee", "street_committee", "community_branch"}},
		{12, []string{"city_committee", "street_committee", "community_branch"}},
		{13, []string{"city_committee", "street_committee", "community_branch", "grid_branch", "co_building_unit", "business_circle", "non_public"}},
		{16, OrganizationKinds()},
		{22, OrganizationKinds()},
	}
	orgs, _ := NewCatalogue().Layer("organizations")
	for _, tt := range tests {
		if got := orgs.KindsAt(tt.z); !slices.Equal(got, tt.want) {
			t.Errorf("z%d: got %v, want %v", tt.z, got, tt.want)
		}
	}
}

func TestTilesCovering(t *testing.T) {
	b := orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
	tests := []struct {
		z    maptile.Zoom
		want int
	}{
		{0, 1},
		{12, 1},
		{14, 2},
		{16, 12},
	}
	for _, tt := range tests {
		tiles := TilesCovering(b, tt.z)
		if len(tiles) != tt.want {
			t.Errorf("z%d: got %d tiles, want %d", tt.z, len(tiles), tt.want)
		}
		for _, tile := range tiles {
			if tile.Z != tt.z || !tile.Bound().Intersects(b) {
				t.Errorf("z%d: tile %v does not cover the bound", tt.z, tile)
			}
		}
	}
	// Every point of the bound lies in a listed tile.
	for _, p := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}, b.Center()} {
		if !slices.Contains(TilesCovering(b, 16), maptile.At(p, 16)) {
			t.Errorf("the z16 tile of %v is not listed", p)
		}
	}
}
