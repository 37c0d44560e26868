package main

import (
	"math"

	"github.com/paulmach/orb"
)

// frame maps local metres east and north of an origin to WGS 84 longitude and
// latitude. The community is small enough (under 2 km) for a flat frame with
// one scale per axis.
type frame struct {
	origin             orb.Point // lon, lat of the local (0, 0)
	metresPerDegreeLon float64
	metresPerDegreeLat float64
}

// xiyueFrame is centred on Xiyue Temple (西岳庙), the map's anchor.
func xiyueFrame() frame {
	return frame{origin: orb.Point{110.102, 34.580}, metresPerDegreeLon: 91600, metresPerDegreeLat: 110900}
}

// lonLat converts a local point to lon/lat rounded to 7 decimals (about 1 cm).
func (f frame) lonLat(p orb.Point) orb.Point {
	return orb.Point{
		round7(f.origin[0] + p[0]/f.metresPerDegreeLon),
		round7(f.origin[1] + p[1]/f.metresPerDegreeLat),
	}
}

// ring converts a local ring to lon/lat.
func (f frame) ring(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = f.lonLat(p)
	}
	return out
}

// line converts a local line to lon/lat.
func (f frame) line(l orb.LineString) orb.LineString {
	out := make(orb.LineString, len(l))
	for i, p := range l {
		out[i] = f.lonLat(p)
	}
	return out
}

// round7 rounds to 7 decimals, the precision of the written coordinates.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
