package geo_test

import (
	"strconv"

	"github.com/paulmach/orb"

	"partymap/internal/geotest"
)

// vincenty is the tests' independent distance on the WGS 84 ellipsoid.
func vincenty(a, b orb.Point) float64 { return geotest.Vincenty(a, b) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
