package httpapi

import (
	"math"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"partymap/internal/geo"
)

// router returns the store's router: the store walks the network when it
// implements geo.Router, as the PostGIS store does.
func (s *Server) router() (geo.Router, error) {
	if r, ok := s.store.(geo.Router); ok {
		return r, nil
	}
	return nil, geo.Errorf(geo.EUNAVAILABLE, "This server's store cannot find walking routes.")
}

// routeJSON is the answer of /api/route: a GeoJSON Feature whose geometry
// is the walk, null when the network does not reach the target.
type routeJSON struct {
	Type       string            `json:"type"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties routeProps        `json:"properties"`
}

type routeProps struct {
	Reachable  bool       `json:"reachable"`
	LengthM    *float64   `json:"length_m"`
	WalkingMin *int       `json:"walking_min"`
	Steps      []stepJSON `json:"steps"`
	From       originJSON `json:"from"`
	// To is the point walked to: the target point, or the feature's
	// entrance or position.
	To     [2]float64  `json:"to"`
	Target *targetJSON `json:"target"`
	// Handoffs open the walk in a phone's own map app (导航 / Directions).
	Handoffs []geo.Handoff `json:"handoffs"`
	// MessageZh and MessageEn say, when the target cannot be reached, why.
	MessageZh string `json:"message_zh,omitempty"`
	MessageEn string `json:"message_en,omitempty"`
}

type stepJSON struct {
	TextZh  string  `json:"text_zh"`
	TextEn  string  `json:"text_en"`
	LengthM float64 `json:"length_m"`
}

// targetJSON names the feature walked to; nothing else of it is needed
// here (its card reads it from the OGC API).
type targetJSON struct {
	Layer  string `json:"layer"`
	ID     int64  `json:"id"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// handleRoute answers the walk from a point (the kiosk's when omitted) to
// a feature or a point along the walking network.
func (s *Server) handleRoute(c echo.Context) error {
	if err := checkParams(c, geo.RouteParams()...); err != nil {
		return err
	}
	q, err := geo.ParseRouteQuery(c.QueryParams(), s.cfg.KioskPosition, s.cat)
	if err != nil {
		return err
	}
	router, err := s.router()
	if err != nil {
		return err
	}
	r, err := router.Route(c.Request().Context(), q)
	if err != nil {
		return err
	}
	body := routeJSON{Type: "Feature", Properties: routeProps{
		Reachable: r.Reachable, Steps: []stepJSON{}, Handoffs: []geo.Handoff{},
		From: toOriginJSON(geo.Origin{Point: r.From, Kiosk: q.FromKiosk}),
		To:   [2]float64{r.To.Lon(), r.To.Lat()},
	}}
	var name *geo.Label
	if r.Target != nil {
		nzh, _ := r.Target.Properties["name_zh"].(string)
		nen, _ := r.Target.Properties["name_en"].(string)
		name = &geo.Label{Zh: nzh, En: nen}
		body.Properties.Target = &targetJSON{Layer: r.Target.Layer, ID: r.Target.ID, NameZh: nzh, NameEn: nen}
	}
	if r.Reachable {
		body.Geometry = geojson.NewGeometry(r.Line())
		length := math.Round(r.LengthM())
		minutes := r.WalkingMin()
		body.Properties.LengthM, body.Properties.WalkingMin = &length, &minutes
		label := "目的地"
		if name != nil {
			label = name.Zh
		}
		body.Properties.Handoffs = geo.Handoffs(r.To, label)
		for _, st := range geo.Steps(r, name) {
			body.Properties.Steps = append(body.Properties.Steps, stepJSON{TextZh: st.Text.Zh, TextEn: st.Text.En, LengthM: math.Round(st.LengthM)})
		}
	} else {
		body.Properties.MessageZh = "没有能走到那里的路：它可能在没有大门的围墙里。"
		body.Properties.MessageEn = "No street or path leads there on foot: it may lie behind a wall without a gate."
	}
	// The walk changes with every edit of a street, path or gate.
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeJSON(c, http.StatusOK, mediaGeoJSON, body)
}
