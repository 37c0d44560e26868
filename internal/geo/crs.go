package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// CRSRef is a coordinate reference system the server reads and writes
// coordinates in (OGC API – Features Part 2). Storage is WGS 84 longitude,
// latitude (CRS84); PostGIS transforms to and from the others, whose
// definitions it has from EPSG.
type CRSRef struct {
	// URI names it, as OGC API – Features Part 2 does.
	URI string
	// SRID is its EPSG code, what PostGIS's ST_Transform takes.
	SRID int
	// Swap is true when the authority orders its axes the other way round
	// from PostGIS's x, y: latitude first (EPSG:4326, EPSG:4490), northing
	// first (the CGCS2000 Gauss–Krüger zones).
	Swap bool
	// Geographic coordinates are degrees; the others metres.
	Geographic bool
	// Title says what it is.
	Title string
}

// CRS84URI is the URI of WGS 84 longitude, latitude: the default of every
// answer and parameter.
const CRS84URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// CRS84 is WGS 84 with longitude first: what is stored.
var CRS84 = CRSRef{URI: CRS84URI, SRID: 4326, Geographic: true, Title: "WGS 84 longitude, latitude (CRS84)"}

// epsgURI is the URI of an EPSG code.
func epsgURI(code int) string { return "http://www.opengis.net/def/crs/EPSG/0/" + strconv.Itoa(code) }

// IsCRS84 reports whether c is the default, CRS84 (also the zero CRS).
func (c CRSRef) IsCRS84() bool { return c.URI == "" || c.URI == CRS84URI }

// OrCRS84 returns c, or CRS84 when c is the zero CRS.
func (c CRSRef) OrCRS84() CRSRef {
	if c.URI == "" {
		return CRS84
	}
	return c
}

// GaussKrugerZone returns the CGCS2000 3-degree Gauss–Krüger zone whose
// central meridian is nearest lon (EPSG:4534, CM 75°E, to EPSG:4554, CM
// 135°E; coordinates without the zone number in the easting): the
// projection Chinese surveying data uses. ok is false outside China's
// zones.
func GaussKrugerZone(lon float64) (CRSRef, bool) {
	cm := int(math.Round(lon/3)) * 3
	if cm < 75 || cm > 135 {
		return CRSRef{}, false
	}
	code := 4534 + (cm-75)/3
	return CRSRef{URI: epsgURI(code), SRID: code, Swap: true,
		Title: fmt.Sprintf("CGCS2000 / 3-degree Gauss-Kruger CM %dE (EPSG:%d), northing, easting in metres", cm, code)}, true
}

// SupportedCRS lists the coordinate systems of the server: CRS84, WGS 84
// with EPSG's latitude-first axes, Web Mercator, CGCS2000 geographic
// (China's national datum, latitude first) and the CGCS2000 Gauss–Krüger
// zones covering the longitudes given (the community's, the city's).
func SupportedCRS(lons ...float64) []CRSRef {
	out := []CRSRef{
		CRS84,
		{URI: epsgURI(4326), SRID: 4326, Swap: true, Geographic: true, Title: "WGS 84 latitude, longitude (EPSG:4326)"},
		{URI: epsgURI(3857), SRID: 3857, Title: "WGS 84 / Pseudo-Mercator (EPSG:3857), metres"},
		{URI: epsgURI(4490), SRID: 4490, Swap: true, Geographic: true, Title: "CGCS2000 latitude, longitude (EPSG:4490)"},
	}
	for _, lon := range lons {
		z, ok := GaussKrugerZone(lon)
		if !ok {
			continue
		}
		dup := false
		for _, c := range out {
			dup = dup || c.SRID == z.SRID
		}
		if !dup {
			out = append(out, z)
		}
	}
	return out
}

// ParseCRSRef reads a CRS named by its URI (as Part 2 writes it, also in
// angle brackets as in the Content-Crs header), a safe CURIE [EPSG:4326],
// or EPSG:4326, and returns it if the server supports it.
func ParseCRSRef(s string, supported []CRSRef) (CRSRef, error) {
	name := strings.TrimSpace(s)
	name = strings.TrimSuffix(strings.TrimPrefix(name, "<"), ">")
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	up := strings.ToUpper(name)
	if code, ok := strings.CutPrefix(up, "EPSG:"); ok {
		if n, err := strconv.Atoi(code); err == nil {
			name = epsgURI(n)
		}
	}
	if up == "CRS84" || up == "OGC:CRS84" {
		name = CRS84URI
	}
	name = strings.Replace(name, "https://", "http://", 1)
	for _, c := range supported {
		if c.URI == name {
			return c, nil
		}
	}
	uris := make([]string, len(supported))
	for i, c := range supported {
		uris[i] = c.URI
	}
	return CRSRef{}, Errorf(EINVALID, "The coordinate reference system %q is not served; the ones served are %s.", clip(s, 80), strings.Join(uris, ", "))
}

// ToPostGIS returns a geometry written in c's axis order in PostGIS's x,
// y order (longitude or easting first); FromPostGIS is its inverse. Both
// copy the coordinates only when the axes swap.
func (c CRSRef) ToPostGIS(g orb.Geometry) orb.Geometry {
	if !c.Swap || g == nil {
		return g
	}
	return swapXY(orb.Clone(g))
}

// FromPostGIS returns a geometry read from PostGIS in c's axis order.
func (c CRSRef) FromPostGIS(g orb.Geometry) orb.Geometry { return c.ToPostGIS(g) }

// SwapBound returns b in c's axis order from PostGIS's, or the other way.
func (c CRSRef) SwapBound(b orb.Bound) orb.Bound {
	if !c.Swap {
		return b
	}
	return orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}}
}

// swapXY exchanges the coordinates of every point of g in place.
func swapXY(g orb.Geometry) orb.Geometry {
	swapPts := func(ps []orb.Point) {
		for i := range ps {
			ps[i][0], ps[i][1] = ps[i][1], ps[i][0]
		}
	}
	switch x := g.(type) {
	case orb.Point:
		return orb.Point{x[1], x[0]}
	case orb.MultiPoint:
		swapPts(x)
	case orb.LineString:
		swapPts(x)
	case orb.Ring:
		swapPts(x)
	case orb.MultiLineString:
		for _, l := range x {
			swapPts(l)
		}
	case orb.Polygon:
		for _, r := range x {
			swapPts(r)
		}
	case orb.MultiPolygon:
		for _, p := range x {
			for _, r := range p {
				swapPts(r)
			}
		}
	case orb.Collection:
		for i := range x {
			x[i] = swapXY(x[i])
		}
	case orb.Bound:
		return orb.Bound{Min: orb.Point{x.Min[1], x.Min[0]}, Max: orb.Point{x.Max[1], x.Max[0]}}
	}
	return g
}
