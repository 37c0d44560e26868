package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The tile set as TileJSON describes it; its first zoom is the catalogue's
// (tileMinZoom).
const (
	// tileJSONMaxZoom is the deepest zoom clients fetch: from z18 a tile
	// unit is under 4 cm, so clients overzoom z18 tiles beyond it. The
	// server still answers every zoom up to geo.TileMaxZoom.
	tileJSONMaxZoom = 18
	// tileJSONCenterZoom is the zoom of the TileJSON centre.
	tileJSONCenterZoom = 15
)

// defaultTileCenter is the Xiyue community's home view; another
// community's data gets the centre of its own bounds.
func defaultTileCenter() orb.Point { return orb.Point{110.0995, 34.5733} }

// tileJSON is a TileJSON 3.0.0 document.
type tileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       *[4]float64   `json:"bounds,omitempty"`
	Center       [3]float64    `json:"center"`
	VectorLayers []vectorLayer `json:"vector_layers"`
}

// vectorLayer describes one source layer of the tiles.
type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// handleTileJSON serves /tiles.json: where the tiles are (an absolute URL
// that honours Forwarded), their layers with fields and zooms, and the
// community's bounds and centre.
func (s *Server) handleTileJSON(c echo.Context) error {
	if s.cfg.Tiles == nil {
		return geo.Errorf(geo.ENOTFOUND, "This server serves no vector tiles.")
	}
	if err := checkParams(c); err != nil {
		return err
	}
	bounds, ok, err := s.cfg.Tiles.TileBounds(c.Request().Context())
	if err != nil {
		s.health.note(err)
		return err
	}
	doc := tileJSON{
		TileJSON:    "3.0.0",
		Name:        s.cfg.Title,
		Description: "The community's party-building map: every layer in one vector tile per z/x/y.",
		Version:     "1.0.0",
		Attribution: "Illustrative data; positions approximate.",
		Scheme:      "xyz",
		Tiles:       []string{baseURL(c.Request()) + "/tiles/{z}/{x}/{y}.mvt"},
		MinZoom:     tileMinZoom(s.cat),
		MaxZoom:     tileJSONMaxZoom,
	}
	center := defaultTileCenter()
	if ok {
		doc.Bounds = &[4]float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]}
		if !bounds.Contains(center) {
			center = bounds.Center()
		}
	}
	doc.Center = [3]float64{center[0], center[1], tileJSONCenterZoom}
	for _, l := range s.cat.TileLayers() {
		// The bare type words, Number, String or Boolean, as TileJSON
		// has them and GDAL types the fields by (issue 14): what each
		// field means is in /tiles/WebMercatorQuad.
		fields := make(map[string]string, len(l.Fields))
		for _, f := range l.Fields {
			fields[f.Name] = f.Type
		}
		doc.VectorLayers = append(doc.VectorLayers, vectorLayer{
			ID: l.Name, Description: l.Description, Fields: fields,
			MinZoom: l.MinZoom, MaxZoom: min(l.MaxZoom, tileJSONMaxZoom),
		})
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return writeJSON(c, http.StatusOK, mediaJSON, doc)
}

// tileMinZoom is the first zoom whose tiles carry anything: the city's
// outlines, before the grids and the base map.
func tileMinZoom(cat *geo.Catalogue) int {
	z := geo.TileMaxZoom
	for _, l := range cat.TileLayers() {
		z = min(z, l.MinZoom)
	}
	return z
}
