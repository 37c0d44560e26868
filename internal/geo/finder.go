package geo

import (
	"context"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Finder answers a tourist's and a resident's questions: what is nearest,
// where am I, where is it.
type Finder interface {
	// Nearest returns the features of q.Layer nearest to q.Origin that pass
	// q's filters, nearest first, with their distances on the ellipsoid.
	Nearest(ctx context.Context, q NearestQuery) ([]Nearby, error)
	// Locate returns the grid, compound and party branch that contain a
	// point, and the post nearest to it.
	Locate(ctx context.Context, q LocateQuery) (Location, error)
	// Search finds features by name, grid code, layer or service, best
	// matches first.
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// Limits of the finder's answers.
const (
	DefaultNearestLimit = 5
	MaxNearestLimit     = 50
	DefaultSearchLimit  = 10
	MaxSearchLimit      = 50
)

// NearestQuery asks for the features nearest to a point.
type NearestQuery struct {
	// Layer is "posts" or "parking".
	Layer  string
	Origin orb.Point
	// Services, for posts, keeps only posts that offer all of them.
	Services []string
	// OpenNow keeps only places open at Now by their opening hours.
	OpenNow bool
	// MinFree, for parking, keeps only car parks with at least this many
	// free spaces.
	MinFree int
	Limit   int
	// Community, when set, keeps only the features of the community with
	// this code.
	Community string
	// Now is the clock for OpenNow and for each answer's open flag; the
	// zero time means the time of the query.
	Now time.Time
	// ByWalking ranks the WalkingCandidates nearest in a straight line by
	// the length of the walk to them along the walking network.
	ByWalking bool
}

// WalkingCandidates is how many of the nearest in a straight line a
// nearest search by walking measures the walk to: a place behind a wall
// may be nearer in a line and further on foot than the next few.
func WalkingCandidates(limit int) int { return min(MaxNearestLimit, max(3*limit, limit+10)) }

// NearestLayers are the layers Nearest answers for.
func NearestLayers() []string { return []string{"posts", "parking"} }

// Nearby is one answer of Nearest.
type Nearby struct {
	Feature Feature
	// Target is the point the distance is measured to: the post itself, or
	// a car park's entrance, where a driver actually goes.
	Target orb.Point
	// DistanceM is the distance from the origin to Target in metres on the
	// WGS 84 ellipsoid.
	DistanceM float64
	// BearingDeg is the initial bearing from the origin to Target, degrees
	// clockwise from north.
	BearingDeg float64
	// WalkingMin estimates the walk in whole minutes.
	WalkingMin int
	// Open says whether the place is open at the query's time; nil when
	// its hours cannot be read.
	Open *bool
	// Walked is true when the walk along the network was measured
	// (by=walking): then WalkM is its length in metres, negative when the
	// network does not reach the place, and WalkingMin comes from it.
	Walked bool
	WalkM  float64
}

// NewNearby fills in the bearing, walking time and open flag of a feature
// found at distanceM from origin.
func NewNearby(f Feature, origin, target orb.Point, distanceM float64, now time.Time) Nearby {
	n := Nearby{
		Feature: f, Target: target, DistanceM: distanceM,
		BearingDeg: Bearing(origin, target), WalkingMin: WalkingMinutes(distanceM),
	}
	if hours, ok := f.Properties["hours"].(string); ok {
		if open, known := OpenNow(hours, now); known {
			n.Open = &open
		}
	}
	return n
}

// Walking speed and detour used by WalkingMinutes.
const (
	// WalkingMetresPerMinute is 4.5 km/h, an unhurried visitor's pace.
	WalkingMetresPerMinute = 75.0
	// WalkingDetour stretches the straight line to the usual length of a
	// walk along streets.
	WalkingDetour = 1.2
)

// WalkingMinutes estimates how many minutes it takes to walk to a place
// distanceM away in a straight line: the line stretched by WalkingDetour, at
// WalkingMetresPerMinute, rounded up, at least one minute.
func WalkingMinutes(distanceM float64) int {
	if distanceM <= 0 || math.IsNaN(distanceM) {
		return 1
	}
	return max(1, int(math.Ceil(distanceM*WalkingDetour/WalkingMetresPerMinute)))
}

// Bearing returns the initial great-circle bearing from a to b in degrees
// clockwise from north, from 0 up to 360. From a point to itself it is 0.
func Bearing(a, b orb.Point) float64 {
	φ1, φ2 := a.Lat()*math.Pi/180, b.Lat()*math.Pi/180
	Δλ := (b.Lon() - a.Lon()) * math.Pi / 180
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	if x == 0 && y == 0 {
		return 0
	}
	deg := math.Atan2(y, x) * 180 / math.Pi
	return math.Mod(deg+360, 360)
}

// Direction names a bearing as one of eight compass points, in English
// (N, NE, …) and in Chinese (北, 东北, …).
func Direction(bearingDeg float64) (en, zh string) {
	ens := [8]string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}
	zhs := [8]string{"北", "东北", "东", "东南", "南", "西南", "西", "西北"}
	i := int(math.Floor(math.Mod(bearingDeg+22.5+360, 360)/45)) % 8
	return ens[i], zhs[i]
}

// MinMetresWithin is a lower bound, in metres on the WGS 84 ellipsoid, of the
// distance from a point at latitude lat to any point whose planar distance
// in degrees (as PostGIS's <-> on EPSG:4326 measures) is at least deg. A
// nearest-first scan in degrees may stop once this bound passes the
// distance of the last answer it needs: nothing further can come closer.
func MinMetresWithin(lat, deg float64) float64 {
	// A degree of latitude is at least 110 574 m (the meridian at the
	// equator), a degree of longitude at least that times the cosine of the
	// highest latitude reachable; any path out of the circle crosses it.
	const metresPerDegree = 110574.0
	reach := math.Min(math.Abs(lat)+deg, 90)
	return 0.999 * deg * metresPerDegree * math.Cos(reach*math.Pi/180)
}

// LocateQuery asks what contains a point.
type LocateQuery struct {
	Point orb.Point
	// Community, when set, answers only within the community with this
	// code: a point elsewhere lies in none of its grids.
	Community string
	// Now is the clock for the nearest post's open flag; the zero time
	// means the time of the query.
	Now time.Time
}

// Location is what contains a point: nothing when it lies outside the
// communities (or the one asked about).
type Location struct {
	Point orb.Point
	// Community is the community the grid belongs to, when the point lies
	// in one.
	Community *Feature
	// Grid is the grid that covers the point (its edge included); where
	// two grids share an edge, the one with the lower code.
	Grid *Feature
	// Branch is the grid's party branch (an organization of kind
	// grid_branch with the grid's code), when there is one.
	Branch *Feature
	// Compound is the compound that covers the point, if any.
	Compound *Feature
	// NearestPost is the service post nearest to the point, when the point
	// is inside the community.
	NearestPost *Nearby
}

// Inside reports whether the point lies in the community, that is in a grid.
func (l Location) Inside() bool { return l.Grid != nil }

// Message says in a sentence, in Chinese and in English, where the point is.
func (l Location) Message() (zh, en string) {
	if l.Grid == nil {
		return "此位置不在本社区的网格范围内。",
			"This point is outside the community: it lies in none of its grids."
	}
	gzh, _ := l.Grid.Properties["name_zh"].(string)
	gen, _ := l.Grid.Properties["name_en"].(string)
	code, _ := l.Grid.Properties["code"].(string)
	zh = "您在" + gzh + "（" + code + "）"
	en = "You are in " + gen + " (" + code + ")"
	if l.Compound != nil {
		czh, _ := l.Compound.Properties["name_zh"].(string)
		cen, _ := l.Compound.Properties["name_en"].(string)
		zh += "，" + czh
		en += ", " + cen
	}
	return zh + "。", en + "."
}

// SearchQuery asks for features by a piece of their name.
type SearchQuery struct {
	// Text is what the person typed, already checked by ParseSearchText.
	Text  string
	Limit int
	// Community, when set, keeps only the features of the community with
	// this code (and the community itself and its subdistrict).
	Community string
}

// How a search hit matched, best first.
const (
	MatchExact    = "exact"    // a name or grid code equals the text
	MatchPrefix   = "prefix"   // a name or grid code starts with the text
	MatchContains = "contains" // a name or grid code contains the text
	MatchService  = "service"  // a post offers the service the text names
	MatchLayer    = "layer"    // the text names the feature's layer
)

// SearchHit is one feature that a search found, with a point to fly to.
type SearchHit struct {
	Layer  string
	ID     int64
	NameZh string
	NameEn string
	// Point lies on the feature: a point on its surface, or the middle of
	// a street.
	Point orb.Point
	// Match says how it matched: MatchExact, MatchPrefix, …
	Match string
}
