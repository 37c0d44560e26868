package postgis_test

import (
	"github.com/paulmach/orb"

	"partymap/internal/geotest"
)

// vincenty is the tests' independent distance on the WGS 84 ellipsoid.
func vincenty(a, b orb.Point) float64 { return geotest.Vincenty(a, b) }
