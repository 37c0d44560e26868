package geo

import (
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// CRS names a coordinate reference system that staff may import coordinates
// in. Everything partymap stores is WGS 84; the others are converted on import
// with ToWGS84 and never stored.
type CRS string

// The coordinate systems partymap converts from and to.
const (
	// WGS84 is the GPS datum (EPSG:4326), what partymap stores.
	WGS84 CRS = "wgs84"
	// CGCS2000 is China's geodetic datum (EPSG:4490). It differs from WGS 84
	// by a few centimetres, far below map accuracy, so it is treated as
	// identical to WGS 84: coordinates pass through unchanged.
	CGCS2000 CRS = "cgcs2000"
	// GCJ02 is the obfuscated "Mars" datum of Chinese web maps (Amap/高德,
	// Tencent/腾讯): WGS 84 shifted by a few hundred metres inside China.
	GCJ02 CRS = "gcj02"
	// BD09 is Baidu's datum (百度): GCJ-02 shifted once more.
	BD09 CRS = "bd09"
)

// CRSs lists every coordinate system ParseCRS accepts, in display order.
func CRSs() []CRS { return []CRS{WGS84, CGCS2000, GCJ02, BD09} }

// ParseCRS reads a coordinate system name such as "gcj02". Case, "-" and "_"
// are ignored ("GCJ-02" is accepted), as are the EPSG codes "EPSG:4326" and
// "EPSG:4490". Any other name is an EINVALID error that lists the names there
// are.
func ParseCRS(s string) (CRS, error) {
	key := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch key {
	case "wgs84", "epsg:4326":
		return WGS84, nil
	case "cgcs2000", "epsg:4490":
		return CGCS2000, nil
	case "gcj02":
		return GCJ02, nil
	case "bd09":
		return BD09, nil
	}
	names := make([]string, 0, 4)
	for _, c := range CRSs() {
		names = append(names, string(c))
	}
	return "", Errorf(EINVALID, "Unknown coordinate system %q; want one of %s.", s, joinQuoted(names))
}

// ToWGS84 returns a copy of g with every vertex converted from crs to WGS 84.
// g itself is left unchanged. WGS84, CGCS2000 and any value ParseCRS would
// refuse leave the coordinates as they are, so crs should come from ParseCRS.
func ToWGS84(crs CRS, g orb.Geometry) orb.Geometry {
	switch crs {
	case GCJ02:
		return mapVertices(g, GCJ02ToWGS84)
	case BD09:
		return mapVertices(g, BD09ToWGS84)
	default:
		return cloneGeometry(g)
	}
}

// FromWGS84 returns a copy of g with every vertex converted from WGS 84 to
// crs, the inverse of ToWGS84. g itself is left unchanged.
func FromWGS84(crs CRS, g orb.Geometry) orb.Geometry {
	switch crs {
	case GCJ02:
		return mapVertices(g, WGS84ToGCJ02)
	case BD09:
		return mapVertices(g, WGS84ToBD09)
	default:
		return cloneGeometry(g)
	}
}

// cloneGeometry copies g; orb.Clone answers nil for a nil geometry.
func cloneGeometry(g orb.Geometry) orb.Geometry {
	if g == nil {
		return nil
	}
	return orb.Clone(g)
}

// mapVertices returns a copy of g with fn applied to every vertex.
func mapVertices(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	points := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for i, p := range ps {
			out[i] = fn(p)
		}
		return out
	}
	polygon := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			out[i] = orb.Ring(points(r))
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		return orb.MultiPoint(points(g))
	case orb.LineString:
		return orb.LineString(points(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = orb.LineString(points(ls))
		}
		return out
	case orb.Ring:
		return orb.Ring(points(g))
	case orb.Polygon:
		return polygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = polygon(p)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = mapVertices(c, fn)
		}
		return out
	case orb.Bound:
		return orb.Bound{Min: fn(g.Min), Max: fn(g.Max)}
	default:
		return cloneGeometry(g)
	}
}

// WGS84ToGCJ02 converts a WGS 84 point to GCJ-02. Points outside China's
// rough bounding box are returned unchanged, as the Chinese web maps do.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	dLon, dLat := gcjDelta(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 converts a GCJ-02 point to WGS 84. GCJ-02 has no closed-form
// inverse, so the point is found by iteration until its forward transform is
// within 1e-9° (about 0.1 mm) of p.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !inChinaBox(p) {
		return p
	}
	// Start from p moved back by the offset at p: already within a metre.
	f := WGS84ToGCJ02(p)
	return invertNear(p, WGS84ToGCJ02, orb.Point{2*p[0] - f[0], 2*p[1] - f[1]})
}

// GCJ02ToBD09 converts a GCJ-02 point to Baidu's BD-09.
func GCJ02ToBD09(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Hypot(x, y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 converts a BD-09 point to GCJ-02. The usual closed form is
// off by a few centimetres, so it is only the start of an iteration that ends
// when the forward transform is within 1e-9° of p.
func BD09ToGCJ02(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Hypot(x, y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return invertNear(p, GCJ02ToBD09, orb.Point{z * math.Cos(theta), z * math.Sin(theta)})
}

// WGS84ToBD09 converts a WGS 84 point to BD-09 by way of GCJ-02.
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// BD09ToWGS84 converts a BD-09 point to WGS 84 by way of GCJ-02.
func BD09ToWGS84(p orb.Point) orb.Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }

// Parameters of the GCJ-02 and BD-09 transforms, as published with them.
const (
	krasovskyA  = 6378245.0              // semi-major axis of the Krasovsky 1940 ellipsoid, m
	krasovskyEE = 0.00669342162296594323 // its first eccentricity squared
	bdXPi       = math.Pi * 3000.0 / 180.0

	// inverseTolerance is how close, in degrees, the forward transform of an
	// inverse must come back to its input.
	inverseTolerance = 1e-9
	// inverseMaxSteps bounds the iteration; it converges in a handful.
	inverseMaxSteps = 30
)

// inChinaBox reports whether p lies in the rough bounding box of China inside
// which the Chinese web maps apply their offset. NaN is outside.
func inChinaBox(p orb.Point) bool {
	return p[0] >= 72.004 && p[0] <= 137.8347 && p[1] >= 0.8293 && p[1] <= 55.8271
}

// invertNear solves forward(q) = p for q by fixed-point iteration from start.
// forward is the identity plus a small, slowly varying offset, so each step
// removes most of the remaining error. It stops after inverseMaxSteps and
// returns the best estimate found.
func invertNear(p orb.Point, forward func(orb.Point) orb.Point, start orb.Point) orb.Point {
	q := start
	for range inverseMaxSteps {
		f := forward(q)
		dLon, dLat := f[0]-p[0], f[1]-p[1]
		if math.Abs(dLon) < inverseTolerance && math.Abs(dLat) < inverseTolerance {
			break
		}
		q = orb.Point{q[0] - dLon, q[1] - dLat}
	}
	return q
}

// gcjDelta returns the GCJ-02 offset in degrees at a WGS 84 position.
func gcjDelta(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105.0, lat-35.0
	dLat = gcjPolyLat(x, y)
	dLon = gcjPolyLon(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// gcjPolyLat is the published latitude polynomial of GCJ-02, in metres on the
// Krasovsky ellipsoid, of the offset from (105°E, 35°N).
func gcjPolyLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320.0*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

// gcjPolyLon is the published longitude polynomial of GCJ-02.
func gcjPolyLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}
