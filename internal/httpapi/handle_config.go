package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// View is a camera position of the web viewer.
type View struct {
	// Center is the [lon, lat] the camera looks at, WGS 84.
	Center orb.Point
	// Zoom is the web-mercator zoom level (512-pixel tiles, as MapLibre).
	Zoom float64
	// Bearing turns the map, degrees clockwise from north.
	Bearing float64
	// Pitch tilts the camera, degrees from looking straight down.
	Pitch float64
}

// defaultHomeView frames the Xiyue community, turned along the Yuemiao
// pedestrian street and tilted so that buildings and flags stand up.
func defaultHomeView() View {
	return View{Center: orb.Point{110.0995, 34.5733}, Zoom: 15.6, Bearing: 37, Pitch: 58}
}

// homeView is the configured home view, or the default one.
func (s *Server) homeView() View {
	if s.cfg.HomeView.Zoom == 0 {
		return defaultHomeView()
	}
	return s.cfg.HomeView
}

// kioskIdle is the configured idle time of the kiosk, or DefaultKioskIdle.
func (s *Server) kioskIdle() time.Duration {
	if s.cfg.KioskIdle <= 0 {
		return DefaultKioskIdle
	}
	return s.cfg.KioskIdle
}

// viewerConfig is what the web viewer reads at start.
type viewerConfig struct {
	Home  viewJSON  `json:"home"`
	Kiosk kioskJSON `json:"kiosk"`
	// Languages lists the viewer's languages, the default first.
	Languages []string `json:"languages"`
}

type viewJSON struct {
	Center  [2]float64 `json:"center"`
	Zoom    float64    `json:"zoom"`
	Bearing float64    `json:"bearing"`
	Pitch   float64    `json:"pitch"`
}

type kioskJSON struct {
	// Position is where the kiosk stands, [lon, lat], or null.
	Position *[2]float64 `json:"position"`
	// IdleSeconds is how long the kiosk waits untouched before it resets.
	IdleSeconds float64 `json:"idleSeconds"`
}

// handleViewerConfig answers the viewer's runtime settings: the home view,
// the kiosk's position and idle time, the languages.
func (s *Server) handleViewerConfig(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	home := s.homeView()
	cfg := viewerConfig{
		Home: viewJSON{
			Center: [2]float64{home.Center[0], home.Center[1]},
			Zoom:   home.Zoom, Bearing: home.Bearing, Pitch: home.Pitch,
		},
		Kiosk:     kioskJSON{IdleSeconds: math.Round(s.kioskIdle().Seconds()*10) / 10},
		Languages: []string{"zh", "en"},
	}
	if p := s.cfg.KioskPosition; p != nil {
		cfg.Kiosk.Position = &[2]float64{p[0], p[1]}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, cfg)
}
