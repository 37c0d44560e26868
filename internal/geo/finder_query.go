package geo

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The parsers here read the finder's query parameters (a url.Values) and
// answer EINVALID errors that name the parameter and the values allowed.

// Origin is where a finder question is asked from.
type Origin struct {
	Point orb.Point
	// Kiosk is true when the point is the kiosk's own position because the
	// request gave none.
	Kiosk bool
}

// ParseOrigin reads lon and lat (WGS 84 degrees, or in the coordinate
// system named by crs: gcj02 or bd09 for coordinates from Chinese web maps).
// With neither given it answers the kiosk's position when there is one.
func ParseOrigin(q map[string][]string, kiosk *orb.Point) (Origin, error) {
	lonS, hasLon := first(q, "lon")
	latS, hasLat := first(q, "lat")
	example := "e.g. lon=110.0998&lat=34.5747"
	switch {
	case !hasLon && !hasLat:
		if kiosk != nil {
			return Origin{Point: *kiosk, Kiosk: true}, nil
		}
		return Origin{}, Errorf(EINVALID, "Give the point to search from as lon and lat in WGS 84 degrees, %s; this server has no kiosk position to use instead.", example)
	case !hasLon:
		return Origin{}, Errorf(EINVALID, "The lon parameter is missing; give both lon and lat in WGS 84 degrees, %s.", example)
	case !hasLat:
		return Origin{}, Errorf(EINVALID, "The lat parameter is missing; give both lon and lat in WGS 84 degrees, %s.", example)
	}
	lon, err := strconv.ParseFloat(strings.TrimSpace(lonS), 64)
	if err != nil || math.IsNaN(lon) || lon < -180 || lon > 180 {
		return Origin{}, Errorf(EINVALID, "The lon parameter must be a longitude from -180 to 180 in degrees; got %q.", clip(lonS, 30))
	}
	lat, err := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	if err != nil || math.IsNaN(lat) || lat < -90 || lat > 90 {
		return Origin{}, Errorf(EINVALID, "The lat parameter must be a latitude from -90 to 90 in degrees; got %q.", clip(latS, 30))
	}
	p := orb.Point{lon, lat}
	if s, ok := first(q, "crs"); ok {
		crs, err := ParseCRS(s)
		if err != nil {
			return Origin{}, Errorf(EINVALID, "The crs parameter must be one of %s; got %q.", joinQuoted(crsNames()), clip(s, 30))
		}
		p = ToWGS84(crs, p).(orb.Point)
	}
	return Origin{Point: p}, nil
}

func crsNames() []string {
	var names []string
	for _, c := range CRSs() {
		names = append(names, string(c))
	}
	return names
}

// NearestParams are the query parameters ParseNearestQuery reads.
func NearestParams() []string {
	return []string{"lon", "lat", "crs", "layer", "service", "open_now", "min_free", "limit", "community", "by"}
}

// ParseCommunity reads the community parameter: a community's code (XY,
// CG03), or none.
func ParseCommunity(q map[string][]string) (string, error) {
	v, ok := first(q, "community")
	if !ok {
		return "", nil
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > MaxCodeLength || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		return "", Errorf(EINVALID, "The community parameter must be a community's code, letters and digits such as XY; got %q.", clip(v, 30))
	}
	return v, nil
}

// MaxCodeLength bounds a code people type: a community's or a grid's.
const MaxCodeLength = 32

// ParseNearestQuery reads /api/nearest's parameters: the origin (see
// ParseOrigin), layer (posts, the default, or parking), service (posts
// only: one or more services, comma-separated), open_now (true or false),
// min_free (parking only: 0 or more) and limit (1 to MaxNearestLimit,
// default DefaultNearestLimit). now is the clock for open_now.
func ParseNearestQuery(q map[string][]string, kiosk *orb.Point, now time.Time) (NearestQuery, Origin, error) {
	nq := NearestQuery{Layer: "posts", Limit: DefaultNearestLimit, Now: now}
	o, err := ParseOrigin(q, kiosk)
	if err != nil {
		return nq, o, err
	}
	nq.Origin = o.Point
	if v, ok := first(q, "layer"); ok {
		if !slices.Contains(NearestLayers(), v) {
			return nq, o, Errorf(EINVALID, "The layer parameter must be one of %s; got %q.", joinQuoted(NearestLayers()), clip(v, 30))
		}
		nq.Layer = v
	}
	if v, ok := first(q, "service"); ok {
		if nq.Layer != "posts" {
			return nq, o, Errorf(EINVALID, "The service parameter applies to layer=posts only; car parks have no services (use min_free for free spaces).")
		}
		if nq.Services, err = ParseServices(v); err != nil {
			return nq, o, err
		}
	}
	if v, ok := first(q, "open_now"); ok {
		if nq.OpenNow, err = parseBool("open_now", v); err != nil {
			return nq, o, err
		}
	}
	if v, ok := first(q, "min_free"); ok {
		if nq.Layer != "parking" {
			return nq, o, Errorf(EINVALID, "The min_free parameter applies to layer=parking only.")
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 100000 {
			return nq, o, Errorf(EINVALID, "The min_free parameter must be a whole number of free spaces from 0 to 100000; got %q.", clip(v, 30))
		}
		nq.MinFree = n
	}
	if nq.Limit, err = parseLimit(q, DefaultNearestLimit, MaxNearestLimit); err != nil {
		return nq, o, err
	}
	if v, ok := first(q, "by"); ok {
		switch v {
		case "straight":
		case "walking":
			nq.ByWalking = true
		default:
			return nq, o, Errorf(EINVALID, "The by parameter must be \"straight\" (distance in a straight line, the default) or \"walking\" (the walk along streets and paths); got %q.", clip(v, 30))
		}
	}
	nq.Community, err = ParseCommunity(q)
	return nq, o, err
}

// ParseServices reads a comma-separated list of post services, each one of
// Services(); duplicates are dropped.
func ParseServices(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if !slices.Contains(Services(), part) {
			return nil, Errorf(EINVALID, "The service parameter must be one or more of %s, separated by commas; got %q.", joinQuoted(Services()), clip(part, 30))
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out, nil
}

// LocateParams are the query parameters ParseLocateQuery reads.
func LocateParams() []string { return []string{"lon", "lat", "crs", "community"} }

// ParseLocateQuery reads /api/locate's parameters: the point (see
// ParseOrigin) and the community to answer within. now is the clock for
// the nearest post's open flag.
func ParseLocateQuery(q map[string][]string, kiosk *orb.Point, now time.Time) (LocateQuery, Origin, error) {
	o, err := ParseOrigin(q, kiosk)
	if err != nil {
		return LocateQuery{}, o, err
	}
	community, err := ParseCommunity(q)
	return LocateQuery{Point: o.Point, Now: now, Community: community}, o, err
}

// SearchParams are the query parameters ParseSearchQuery reads.
func SearchParams() []string { return []string{"q", "limit", "community"} }

// MaxSearchText bounds a search text, in characters.
const MaxSearchText = 64

// ParseSearchQuery reads /api/search's parameters: q (see ParseSearchText)
// and limit (1 to MaxSearchLimit, default DefaultSearchLimit).
func ParseSearchQuery(q map[string][]string) (SearchQuery, error) {
	sq := SearchQuery{Limit: DefaultSearchLimit}
	v, _ := first(q, "q")
	text, err := ParseSearchText(v)
	if err != nil {
		return sq, err
	}
	sq.Text = text
	if sq.Limit, err = parseLimit(q, DefaultSearchLimit, MaxSearchLimit); err != nil {
		return sq, err
	}
	sq.Community, err = ParseCommunity(q)
	return sq, err
}

// ParseSearchText checks what a person typed to search for. Surrounding
// space is dropped. It must not be empty, and at most MaxSearchText
// characters. A single character is enough when it is Chinese (庙, 馆: one
// character carries a meaning), but a single Latin letter or digit would
// match nearly everything and is refused.
func ParseSearchText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "The q parameter must be valid UTF-8 text.")
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", Errorf(EINVALID, "The q parameter is empty; give part of a name to search for, e.g. q=驿站, q=parking or q=XY03.")
	case n > MaxSearchText:
		return "", Errorf(EINVALID, "The q parameter is too long: at most %d characters; got %d.", MaxSearchText, n)
	case n == 1:
		r, _ := utf8.DecodeRuneInString(s)
		if !unicode.Is(unicode.Han, r) {
			return "", Errorf(EINVALID, "The q parameter %q is a single letter; give at least two letters, or one Chinese character.", s)
		}
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", Errorf(EINVALID, "The q parameter must not contain control characters.")
		}
	}
	return s, nil
}

func parseLimit(q map[string][]string, def, maxLimit int) (int, error) {
	v, ok := first(q, "limit")
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > maxLimit {
		return 0, Errorf(EINVALID, "The limit parameter must be a whole number from 1 to %d; got %q.", maxLimit, clip(v, 30))
	}
	return n, nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, Errorf(EINVALID, "The %s parameter must be true or false; got %q.", name, clip(v, 30))
}

// first returns the first value of a query parameter and whether it was
// given at all.
func first(q map[string][]string, name string) (string, bool) {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}
