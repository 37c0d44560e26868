package httpapi

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
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

// viewerConfig is what the web viewer reads at start: everything it shows
// that depends on the data (the title, where the map is, what its layers,
// fields and values are called) comes from here, so that the viewer holds
// no copy of the catalogue and serves any community.
type viewerConfig struct {
	// Title is the map's title: the community's name when the map shows
	// one (a single-community map, /map/?c=CODE, a kiosk bound to one),
	// the server's title otherwise.
	Title geo.Label `json:"title"`
	// Community is the community the page opens on (?c=CODE, or the
	// kiosk's own), with its subdistrict; null for the whole map.
	Community *communityJSON `json:"community"`
	// Communities is how many communities the map holds: with more than
	// one the page can step out to its subdistrict and the city.
	Communities int `json:"communities"`
	// Bounds is [minLon, minLat, maxLon, maxLat] of what the tiles draw,
	// as in /tiles.json; null when the map is empty.
	Bounds *[4]float64 `json:"bounds"`
	Home   viewJSON    `json:"home"`
	Kiosk  kioskJSON   `json:"kiosk"`
	// Languages lists the viewer's languages, the default first.
	Languages []string `json:"languages"`
	// Layers are the collections in drawing order, with their public
	// fields and the labels of their values.
	Layers []layerJSON `json:"layers"`
}

// communityJSON is the community a page opens on.
type communityJSON struct {
	Code        string     `json:"code"`
	Name        geo.Label  `json:"name"`
	Bounds      [4]float64 `json:"bounds"`
	Subdistrict *areaJSON  `json:"subdistrict"`
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
	// Community is the code of the community the kiosk belongs to, or "".
	Community string `json:"community"`
	// IdleSeconds is how long the kiosk waits untouched before it resets.
	IdleSeconds float64 `json:"idleSeconds"`
}

// layerJSON is a collection as the viewer names it.
type layerJSON struct {
	Name string `json:"name"`
	// Title names the layer, Item one of its features.
	Title    geo.Label   `json:"title"`
	Item     geo.Label   `json:"item"`
	Geometry string      `json:"geometry"`
	Editable bool        `json:"editable"`
	Fields   []fieldJSON `json:"fields"`
}

// fieldJSON is a property as a card names it, with the labels of its
// allowed values in display order (services: the finder's order).
type fieldJSON struct {
	Name   string      `json:"name"`
	Type   string      `json:"type"`
	Title  geo.Label   `json:"title"`
	Values []valueJSON `json:"values,omitempty"`
}

type valueJSON struct {
	Value string `json:"value"`
	Zh    string `json:"zh"`
	En    string `json:"en"`
}

// viewerLayers describes the catalogue's collections for the viewer. Every
// field listed is one that public answers (items, tiles) already carry:
// the catalogue holds no private field today, and one added must be left
// out here.
func viewerLayers(cat *geo.Catalogue) []layerJSON {
	var out []layerJSON
	for _, l := range cat.Layers() {
		lj := layerJSON{Name: l.Name, Title: l.Title, Item: l.Item, Geometry: string(l.Geometry), Editable: l.Editable, Fields: []fieldJSON{}}
		for _, f := range l.Fields {
			fj := fieldJSON{Name: f.Name, Type: string(f.Type), Title: f.Title}
			for _, c := range f.Choices {
				fj.Values = append(fj.Values, valueJSON{Value: c.Value, Zh: c.Label.Zh, En: c.Label.En})
			}
			lj.Fields = append(lj.Fields, fj)
		}
		out = append(out, lj)
	}
	return out
}

// titleMemory remembers the map's title, so that the viewer still starts
// while the database is unreachable (the kiosk reloading during an outage
// draws what the caches hold), as boundsMemory does for the tiles' bounds.
type titleMemory struct {
	mu    sync.Mutex
	known bool
	title geo.Label
}

// mapTitle reads the map's title: the community's name on a map of one
// community (as a single-community install has always been titled), the
// server's name (Config.Title) on a map of a whole city or of none.
func (s *Server) mapTitle(ctx context.Context) (geo.Label, error) {
	m := &s.title
	if s.health.down.Load() {
		m.mu.Lock()
		t, known := m.title, m.known
		m.mu.Unlock()
		if known {
			return t, nil
		}
	}
	page, err := s.store.FindFeatures(ctx, geo.Filter{Layer: s.cat.Communities().Name, Limit: 1})
	if err != nil {
		s.health.note(err)
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.known && geo.ErrorCode(err) == geo.EUNAVAILABLE {
			return m.title, nil
		}
		return geo.Label{}, err
	}
	t := geo.Label{Zh: s.cfg.Title, En: s.cfg.Title}
	if page.Matched == 1 && len(page.Features) > 0 {
		p := page.Features[0].Properties
		zh, _ := p["name_zh"].(string)
		en, _ := p["name_en"].(string)
		t = geo.Label{Zh: cmp.Or(zh, en, s.cfg.Title), En: cmp.Or(en, zh, s.cfg.Title)}
	}
	m.mu.Lock()
	m.known, m.title = true, t
	m.mu.Unlock()
	return t, nil
}

// handleViewerConfig answers the viewer's runtime settings: the title,
// bounds and layer labels from the data and the catalogue, the community
// the page opens on (?c=CODE, else the kiosk's), the home view, the
// kiosk's position and idle time, the languages.
func (s *Server) handleViewerConfig(c echo.Context) error {
	if err := checkParams(c, "c"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	title, err := s.mapTitle(ctx)
	if err != nil {
		return err
	}
	code := s.cfg.KioskCommunity
	if v := c.QueryParam("c"); v != "" {
		if code, err = geo.ParseCommunity(map[string][]string{"community": {v}}); err != nil {
			return geo.Errorf(geo.EINVALID, "The c parameter must be a community's code, letters and digits such as XY; got %q.", clipText(v))
		}
	}
	var community *communityJSON
	count := 0
	if store, err := s.overviewStore(); err == nil {
		o, err := s.cityOverview(ctx, store)
		if err != nil {
			return err
		}
		count = len(o.Communities)
		if code != "" {
			a, ok := o.Community(code)
			if !ok {
				return geo.Errorf(geo.ENOTFOUND, "There is no community with code %q; the communities are listed at /collections/communities/items.", code)
			}
			community = &communityJSON{Code: a.Code, Name: a.Name, Bounds: toAreaJSON(a).Bounds}
			for _, sd := range o.Subdistricts {
				if sd.Code == a.Subdistrict {
					j := toAreaJSON(sd)
					community.Subdistrict = &j
				}
			}
			title = a.Name
		}
	}
	home := s.homeView()
	cfg := viewerConfig{
		Title: title, Community: community, Communities: count,
		Home: viewJSON{
			Center: [2]float64{home.Center[0], home.Center[1]},
			Zoom:   home.Zoom, Bearing: home.Bearing, Pitch: home.Pitch,
		},
		Kiosk:     kioskJSON{IdleSeconds: math.Round(s.kioskIdle().Seconds()*10) / 10, Community: s.cfg.KioskCommunity},
		Languages: []string{"zh", "en"},
		Layers:    viewerLayers(s.cat),
	}
	if s.cfg.Tiles != nil {
		b, ok, err := s.cfg.Tiles.TileBounds(ctx)
		if err != nil {
			s.health.note(err)
			return err
		}
		if ok {
			cfg.Bounds = &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		}
	}
	if p := s.cfg.KioskPosition; p != nil {
		cfg.Kiosk.Position = &[2]float64{p[0], p[1]}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, cfg)
}
