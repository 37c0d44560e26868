// Package geotest holds what tests need to check the map's geometry
// independently of the code under test.
package geotest

import (
	"math"

	"github.com/paulmach/orb"
)

// Vincenty returns the distance in metres between a and b on the WGS 84
// ellipsoid by Vincenty's inverse formula: the tests' independent check of
// the distances PostGIS and the finder compute.
func Vincenty(a, b orb.Point) float64 {
	const (
		semiMajor  = 6378137.0
		flattening = 1 / 298.257223563
		semiMinor  = semiMajor * (1 - flattening)
	)
	rad := math.Pi / 180
	L := (b[0] - a[0]) * rad
	U1 := math.Atan((1 - flattening) * math.Tan(a[1]*rad))
	U2 := math.Atan((1 - flattening) * math.Tan(b[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for range 200 {
		sinLambda, cosLambda := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinLambda, cosU1*sinU2-sinU1*cosU2*cosLambda)
		if sinSigma == 0 {
			return 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosLambda
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinLambda / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := flattening / 16 * cos2Alpha * (4 + flattening*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*flattening*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			break
		}
	}
	u2 := cos2Alpha * (semiMajor*semiMajor - semiMinor*semiMinor) / (semiMinor * semiMinor)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return semiMinor * A * (sigma - deltaSigma)
}
