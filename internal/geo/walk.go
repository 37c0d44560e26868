package geo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// The walking network: the streets and footpaths people walk, the walls of
// compounds and temples they cannot walk through, and the gates in those
// walls. The store keeps it as a routing graph rebuilt in the transaction
// of every edit of one of its layers, and walks it for /api/route and the
// finder's by=walking.

// WalkRole is what a layer is to the walking network.
type WalkRole string

// The roles a layer can have in the walking network; none is the zero value.
const (
	// WalkWay: the layer's lines are walked (streets, footpaths).
	WalkWay WalkRole = "way"
	// WalkWall: the layer's outlines are walls, crossed only at a gate
	// (compounds, temples).
	WalkWall WalkRole = "wall"
	// WalkGate: the layer's points open the walls they stand on.
	WalkGate WalkRole = "gate"
)

// Walk says what a layer is to the walking network.
type Walk struct {
	Role WalkRole
	// Kinds, when set, limits the role to the features whose kind is one
	// of them (the temples among the landmarks).
	Kinds []string
}

// WalkLayers returns the layers that have this role in the walking
// network, in drawing order.
func (c *Catalogue) WalkLayers(role WalkRole) []Layer {
	var out []Layer
	for _, l := range c.layers {
		if l.Walk.Role == role {
			out = append(out, l)
		}
	}
	return out
}

// Reaches of the walking network, in metres.
const (
	// WalkSnap is how close the end of a way must come to another way to
	// meet it: a footpath drawn by hand to a street ends a little short
	// or beyond.
	WalkSnap = 2.0
	// GateReach is how far from a gate a way may cross a wall through it.
	GateReach = 5.0
)

// RouteTarget is where a route goes: a feature (Layer and ID) or a point.
type RouteTarget struct {
	Layer string
	ID    int64
	Point orb.Point
}

// IsFeature reports whether the target names a feature.
func (t RouteTarget) IsFeature() bool { return t.Layer != "" }

// RouteQuery asks for the walk from a point to a target.
type RouteQuery struct {
	From orb.Point
	// FromKiosk is true when From is the kiosk's position because the
	// request gave none.
	FromKiosk bool
	To        RouteTarget
}

// RouteLeg is one piece of a route along one edge of the network, in the
// direction walked.
type RouteLeg struct {
	// Layer and FeatureID name the street or path the leg is a piece of;
	// Name is its name.
	Layer     string
	FeatureID int64
	Name      Label
	Line      orb.LineString
	LengthM   float64
	// Gate, when set, names the gate the leg starts at.
	Gate *Label
}

// Route is a walk along the network.
type Route struct {
	// From is where the walk starts; To where it ends: the target point,
	// or the feature's entrance (a car park's) or position.
	From, To orb.Point
	// Target is the feature routed to, when the target was one.
	Target *Feature
	// Reachable is false when the network joins no way from From to To
	// (a compound without a gate): then there are no legs.
	Reachable bool
	// Legs are the pieces along the network, in walking order.
	Legs []RouteLeg
	// ApproachFromM and ApproachToM are the straight walks from From onto
	// the network and from the network to To, in metres.
	ApproachFromM, ApproachToM float64
}

// LengthM is the whole walk in metres: onto the network, along it and off
// it.
func (r Route) LengthM() float64 {
	sum := r.ApproachFromM + r.ApproachToM
	for _, l := range r.Legs {
		sum += l.LengthM
	}
	return sum
}

// Line is the walk as one line: from From, along the legs, to To.
func (r Route) Line() orb.LineString {
	ls := orb.LineString{r.From}
	add := func(p orb.Point) {
		if ls[len(ls)-1] != p {
			ls = append(ls, p)
		}
	}
	for _, l := range r.Legs {
		for _, p := range l.Line {
			add(p)
		}
	}
	add(r.To)
	if len(ls) == 1 {
		ls = append(ls, r.To)
	}
	return ls
}

// WalkingMin is how many minutes the walk takes at WalkingMetresPerMinute,
// rounded up, at least one.
func (r Route) WalkingMin() int {
	return max(1, int(math.Ceil(r.LengthM()/WalkingMetresPerMinute)))
}

// Router walks the network.
type Router interface {
	// Route returns the walk from q.From to q.To. A target the network
	// cannot reach is a Route with Reachable false, not an error; a
	// feature that does not exist is ENOTFOUND.
	Route(ctx context.Context, q RouteQuery) (Route, error)
}

// RouteParams are the query parameters ParseRouteQuery reads.
func RouteParams() []string { return []string{"from", "to", "crs"} }

// ParseRouteQuery reads /api/route's parameters: from (lon,lat; the
// kiosk's position when left out), to (layer/id of a feature, or lon,lat)
// and crs (the coordinate system of the points given: WGS 84 when left
// out, or gcj02 or bd09 for coordinates from Chinese web maps). The layer
// must be one of the catalogue's.
func ParseRouteQuery(q map[string][]string, kiosk *orb.Point, cat *Catalogue) (RouteQuery, error) {
	var rq RouteQuery
	crs := WGS84
	if s, ok := first(q, "crs"); ok {
		c, err := ParseCRS(s)
		if err != nil {
			return rq, Errorf(EINVALID, "The crs parameter must be one of %s; got %q.", joinQuoted(crsNames()), clip(s, 30))
		}
		crs = c
	}
	if s, ok := first(q, "from"); ok {
		p, err := parseLonLat("from", s)
		if err != nil {
			return rq, err
		}
		rq.From = ToWGS84(crs, p).(orb.Point)
	} else if kiosk != nil {
		rq.From, rq.FromKiosk = *kiosk, true
	} else {
		return rq, Errorf(EINVALID, "Give the point to walk from as from=lon,lat in WGS 84 degrees, e.g. from=110.0998,34.5747; this server has no kiosk position to use instead.")
	}
	s, ok := first(q, "to")
	if !ok || strings.TrimSpace(s) == "" {
		return rq, Errorf(EINVALID, "Give where to walk to as to=layer/id (to=posts/3) or to=lon,lat (to=110.1020,34.5776).")
	}
	s = strings.TrimSpace(s)
	if layer, id, ok := strings.Cut(s, "/"); ok {
		l, err := cat.LayerOrError(layer)
		if err != nil {
			return rq, Errorf(EINVALID, "The to parameter must name a feature as layer/id, the layer one of %s; got %q.", joinQuoted(layerNames(cat)), clip(s, 40))
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 1 {
			return rq, Errorf(EINVALID, "The to parameter's id must be a whole number from 1, as in to=posts/3; got %q.", clip(s, 40))
		}
		rq.To = RouteTarget{Layer: l.Name, ID: n}
		return rq, nil
	}
	p, err := parseLonLat("to", s)
	if err != nil {
		return rq, err
	}
	rq.To = RouteTarget{Point: ToWGS84(crs, p).(orb.Point)}
	return rq, nil
}

func layerNames(cat *Catalogue) []string {
	var out []string
	for _, l := range cat.Layers() {
		out = append(out, l.Name)
	}
	return out
}

// parseLonLat reads "lon,lat" in degrees.
func parseLonLat(param, s string) (orb.Point, error) {
	lonS, latS, ok := strings.Cut(s, ",")
	bad := Errorf(EINVALID, "The %s parameter must be a point as lon,lat in degrees, e.g. %s=110.0998,34.5747; got %q.", param, param, clip(s, 40))
	if !ok {
		return orb.Point{}, bad
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(lonS), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return orb.Point{}, bad
	}
	return orb.Point{lon, lat}, nil
}

// Step is one instruction of a route, in both languages.
type Step struct {
	Text    Label
	LengthM float64
}

// Turns: a change of heading within straightAhead degrees goes on; beyond
// turnAround it is a U-turn.
const (
	straightAhead = 30.0
	turnAround    = 150.0
	// headingSpan is how many metres of a leg's end or start give its
	// heading at a junction: a street's last few metres, not a kink.
	headingSpan = 15.0
)

// Steps describes a route for people: one step per street or path walked
// (a new one at every gate), naming it, its direction and length and the
// turn into it, then the arrival at target (the target's name, or "your
// destination"). The steps' lengths add up to the route's: the walk onto
// the network counts to the first step, the walk off it to the arrival.
func Steps(r Route, target *Label) []Step {
	if !r.Reachable {
		return nil
	}
	type group struct {
		leg  RouteLeg
		line orb.LineString
		len  float64
		gate *Label
	}
	var gs []group
	for _, l := range r.Legs {
		n := len(gs)
		if n > 0 && l.Gate == nil && gs[n-1].leg.Layer == l.Layer && gs[n-1].leg.FeatureID == l.FeatureID {
			gs[n-1].line = append(gs[n-1].line, l.Line...)
			gs[n-1].len += l.LengthM
			continue
		}
		gs = append(gs, group{leg: l, line: slices.Clone(l.Line), len: l.LengthM, gate: l.Gate})
	}
	var out []Step
	for i, g := range gs {
		length := g.len
		if i == 0 {
			length += r.ApproachFromM
		}
		dirEn, dirZh := directionWords(Bearing(g.line[0], g.line[len(g.line)-1]))
		n := roundMetres(length)
		name := g.leg.Name
		var t Label
		switch {
		case g.gate != nil:
			t = Label{Zh: fmt.Sprintf("穿过%s，沿%s向%s走%d米", g.gate.Zh, name.Zh, dirZh, n),
				En: fmt.Sprintf("Go through %s and walk %s along %s for %d m", g.gate.En, dirEn, name.En, n)}
		case i == 0:
			t = Label{Zh: fmt.Sprintf("沿%s向%s走%d米", name.Zh, dirZh, n),
				En: fmt.Sprintf("Walk %s along %s for %d m", dirEn, name.En, n)}
		default:
			prev := gs[i-1].line
			turn := turnBetween(headingAtEnd(prev), headingAtStart(g.line))
			t = turnText(turn, name, dirEn, dirZh, n)
		}
		out = append(out, Step{Text: t, LengthM: length})
	}
	arrive := Label{Zh: "到达目的地", En: "Arrive at your destination"}
	if target != nil {
		arrive = Label{Zh: "到达" + target.Zh, En: "Arrive at " + target.En}
	}
	last := r.ApproachToM
	if len(out) == 0 {
		// Not a metre along the network: the walk is straight there.
		last += r.ApproachFromM
	}
	return append(out, Step{Text: arrive, LengthM: last})
}

// turnText says how to go from one street into the next.
func turnText(turn int, name Label, dirEn, dirZh string, n int) Label {
	switch turn {
	case -1:
		return Label{Zh: fmt.Sprintf("左转进入%s，向%s走%d米", name.Zh, dirZh, n),
			En: fmt.Sprintf("Turn left into %s and walk %s for %d m", name.En, dirEn, n)}
	case 1:
		return Label{Zh: fmt.Sprintf("右转进入%s，向%s走%d米", name.Zh, dirZh, n),
			En: fmt.Sprintf("Turn right into %s and walk %s for %d m", name.En, dirEn, n)}
	case 2:
		return Label{Zh: fmt.Sprintf("掉头沿%s向%s走%d米", name.Zh, dirZh, n),
			En: fmt.Sprintf("Turn around and walk %s along %s for %d m", dirEn, name.En, n)}
	}
	return Label{Zh: fmt.Sprintf("直行进入%s，向%s走%d米", name.Zh, dirZh, n),
		En: fmt.Sprintf("Go straight on into %s and walk %s for %d m", name.En, dirEn, n)}
}

// turnBetween names the turn from heading a to heading b (degrees from
// north): -1 left, 1 right, 0 straight on, 2 a U-turn.
func turnBetween(a, b float64) int {
	d := math.Mod(b-a+540, 360) - 180
	switch {
	case math.Abs(d) <= straightAhead:
		return 0
	case math.Abs(d) >= turnAround:
		return 2
	case d < 0:
		return -1
	}
	return 1
}

// headingAtEnd is the heading of a line's last headingSpan metres.
func headingAtEnd(ls orb.LineString) float64 {
	end := ls[len(ls)-1]
	for i := len(ls) - 2; i >= 0; i-- {
		if orbgeo.DistanceHaversine(ls[i], end) >= headingSpan || i == 0 {
			return Bearing(ls[i], end)
		}
	}
	return 0
}

// headingAtStart is the heading of a line's first headingSpan metres.
func headingAtStart(ls orb.LineString) float64 {
	start := ls[0]
	for i := 1; i < len(ls); i++ {
		if orbgeo.DistanceHaversine(start, ls[i]) >= headingSpan || i == len(ls)-1 {
			return Bearing(start, ls[i])
		}
	}
	return 0
}

// directionWords names a heading as people say it: "north-east", "东北".
func directionWords(bearing float64) (en, zh string) {
	short, zh := Direction(bearing)
	long := map[string]string{"N": "north", "NE": "north-east", "E": "east", "SE": "south-east",
		"S": "south", "SW": "south-west", "W": "west", "NW": "north-west"}
	return long[short], zh
}

// roundMetres rounds a length as a step says it: to 10 m, at least 10.
func roundMetres(m float64) int {
	return max(10, int(math.Round(m/10))*10)
}
