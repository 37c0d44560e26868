package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleStyle answers the viewer's MapLibre style (version 8). It names
// only this server's resources: the vector tiles through /tiles.json (an
// absolute URL, as MapLibre resolves source URLs against the page) and an
// inline GeoJSON sources that the viewer fills from the tiles: the flags'
// poles and one label point per area.
func (s *Server) handleStyle(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	home := s.homeView()
	style := obj{
		"version": 8,
		"name":    s.cfg.Title,
		"center":  []float64{home.Center[0], home.Center[1]},
		"zoom":    home.Zoom,
		"bearing": home.Bearing,
		"pitch":   home.Pitch,
		"state": obj{
			"lang":     obj{"default": "zh"},
			"maxLevel": obj{"default": 4},
		},
		"light": obj{"anchor": "viewport", "color": "#ffffff", "intensity": 0.35, "position": []float64{1.3, 200, 35}},
		"sky": obj{
			"sky-color": "#cfe0ee", "horizon-color": "#f3eee4", "fog-color": "#efe9dc",
			"sky-horizon-blend": 0.6, "horizon-fog-blend": 0.6, "fog-ground-blend": 0.9,
		},
		"sources": obj{
			"partymap":   obj{"type": "vector", "url": baseURL(c.Request()) + "/tiles.json"},
			"flag-poles": emptyGeoJSON(),
			"labels":     emptyGeoJSON(),
		},
		"layers": styleLayers(),
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, style)
}

// emptyGeoJSON is an inline source that the viewer fills from the tiles.
func emptyGeoJSON() obj {
	return obj{"type": "geojson", "data": obj{"type": "FeatureCollection", "features": []any{}}}
}
