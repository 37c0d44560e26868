package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// The finder's answers change with the time (opening hours) and with every
// edit (free spaces), so they are never cached.

// finder returns the store's finder: the store answers the finder's
// questions when it implements geo.Finder, as the PostGIS store does.
func (s *Server) finder() (geo.Finder, error) {
	if f, ok := s.store.(geo.Finder); ok {
		return f, nil
	}
	return nil, geo.Errorf(geo.EUNAVAILABLE, "This server's store cannot answer finder questions.")
}

// now is the server's clock for opening hours.
func (s *Server) now() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock()
	}
	return time.Now()
}

// originJSON says where a question was asked from.
type originJSON struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	// Source is "query" for the request's lon and lat, "kiosk" for the
	// kiosk's own position.
	Source string `json:"source"`
}

func toOriginJSON(o geo.Origin) originJSON {
	src := "query"
	if o.Kiosk {
		src = "kiosk"
	}
	return originJSON{Lon: o.Point.Lon(), Lat: o.Point.Lat(), Source: src}
}

// nearbyJSON is a found feature with its distance, direction and walk.
func nearbyJSON(n geo.Nearby) featureJSON {
	f := toFeatureJSON(n.Feature)
	dirEn, dirZh := geo.Direction(n.BearingDeg)
	f.Properties["layer"] = n.Feature.Layer
	f.Properties["distance_m"] = math.Round(n.DistanceM*10) / 10
	f.Properties["bearing_deg"] = math.Round(n.BearingDeg*10) / 10
	f.Properties["direction_en"] = dirEn
	f.Properties["direction_zh"] = dirZh
	f.Properties["walking_min"] = n.WalkingMin
	f.Properties["open_now"] = n.Open
	f.Properties["target"] = []float64{n.Target.Lon(), n.Target.Lat()}
	if n.Walked {
		// The walk along the network (by=walking); null when it does not
		// reach the place.
		var walk *float64
		if n.WalkM >= 0 {
			m := math.Round(n.WalkM*10) / 10
			walk = &m
		}
		f.Properties["walking_m"] = walk
	}
	return f
}

// nearestJSON is the answer of /api/nearest.
type nearestJSON struct {
	Type           string        `json:"type"`
	Layer          string        `json:"layer"`
	Origin         originJSON    `json:"origin"`
	Services       []string      `json:"services,omitempty"`
	OpenNow        bool          `json:"open_now"`
	MinFree        int           `json:"min_free,omitempty"`
	By             string        `json:"by"`
	NumberReturned int           `json:"numberReturned"`
	TimeStamp      string        `json:"timeStamp"`
	Features       []featureJSON `json:"features"`
}

// handleNearest answers the posts or car parks nearest to a point, nearest
// first, with distances in metres on the ellipsoid.
func (s *Server) handleNearest(c echo.Context) error {
	if err := checkParams(c, geo.NearestParams()...); err != nil {
		return err
	}
	now := s.now()
	q, origin, err := geo.ParseNearestQuery(c.QueryParams(), s.cfg.KioskPosition, now)
	if err != nil {
		return err
	}
	finder, err := s.finder()
	if err != nil {
		return err
	}
	found, err := finder.Nearest(c.Request().Context(), q)
	if err != nil {
		return err
	}
	body := nearestJSON{
		Type: "FeatureCollection", Layer: q.Layer, Origin: toOriginJSON(origin),
		Services: q.Services, OpenNow: q.OpenNow, MinFree: q.MinFree, By: "straight",
		NumberReturned: len(found), TimeStamp: now.UTC().Format(time.RFC3339),
		Features: make([]featureJSON, 0, len(found)),
	}
	if q.ByWalking {
		body.By = "walking"
	}
	for _, n := range found {
		body.Features = append(body.Features, nearbyJSON(n))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mediaGeoJSON, body)
}

// locateJSON is the answer of /api/locate.
type locateJSON struct {
	Inside      bool         `json:"inside"`
	Origin      originJSON   `json:"origin"`
	MessageZh   string       `json:"message_zh"`
	MessageEn   string       `json:"message_en"`
	Community   *featureJSON `json:"community"`
	Grid        *featureJSON `json:"grid"`
	Branch      *featureJSON `json:"branch"`
	Compound    *featureJSON `json:"compound"`
	NearestPost *featureJSON `json:"nearest_post"`
}

// handleLocate answers which community, grid, compound and party branch
// contain a point, and the nearest post; with community=CODE only within
// that community. Outside it answers 200 with inside=false, nothing found
// and a sentence saying so.
func (s *Server) handleLocate(c echo.Context) error {
	if err := checkParams(c, geo.LocateParams()...); err != nil {
		return err
	}
	q, origin, err := geo.ParseLocateQuery(c.QueryParams(), s.cfg.KioskPosition, s.now())
	if err != nil {
		return err
	}
	finder, err := s.finder()
	if err != nil {
		return err
	}
	loc, err := finder.Locate(c.Request().Context(), q)
	if err != nil {
		return err
	}
	body := locateJSON{Inside: loc.Inside(), Origin: toOriginJSON(origin)}
	body.MessageZh, body.MessageEn = loc.Message()
	opt := func(f *geo.Feature) *featureJSON {
		if f == nil {
			return nil
		}
		j := toFeatureJSON(*f)
		j.Properties["layer"] = f.Layer
		return &j
	}
	body.Community, body.Grid, body.Branch, body.Compound = opt(loc.Community), opt(loc.Grid), opt(loc.Branch), opt(loc.Compound)
	if loc.NearestPost != nil {
		j := nearbyJSON(*loc.NearestPost)
		body.NearestPost = &j
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mediaJSON, body)
}

// searchHitJSON is one search hit.
type searchHitJSON struct {
	Layer  string `json:"layer"`
	ID     int64  `json:"id"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	// Point is [lon, lat] on the feature, where a map flies to.
	Point []float64 `json:"point"`
	Match string    `json:"match"`
}

// searchJSON is the answer of /api/search.
type searchJSON struct {
	Q              string          `json:"q"`
	NumberReturned int             `json:"numberReturned"`
	Hits           []searchHitJSON `json:"hits"`
}

// handleSearch answers the features whose names (Chinese or English) or
// grid code contain the text, best matches first, across layers.
func (s *Server) handleSearch(c echo.Context) error {
	if err := checkParams(c, geo.SearchParams()...); err != nil {
		return err
	}
	q, err := geo.ParseSearchQuery(c.QueryParams())
	if err != nil {
		return err
	}
	finder, err := s.finder()
	if err != nil {
		return err
	}
	hits, err := finder.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	body := searchJSON{Q: q.Text, NumberReturned: len(hits), Hits: make([]searchHitJSON, 0, len(hits))}
	for _, h := range hits {
		body.Hits = append(body.Hits, searchHitJSON{
			Layer: h.Layer, ID: h.ID, NameZh: h.NameZh, NameEn: h.NameEn,
			Point: []float64{h.Point.Lon(), h.Point.Lat()}, Match: h.Match,
		})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mediaJSON, body)
}
