package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/httpapi"
)

// parseHomeView reads "lon,lat,zoom,bearing,pitch", the viewer's home view.
func parseHomeView(s string) (httpapi.View, error) {
	parts := strings.Split(s, ",")
	var v [5]float64
	if len(parts) != 5 {
		return httpapi.View{}, fmt.Errorf("the home view must be lon,lat,zoom,bearing,pitch, like 110.0995,34.5733,15.6,37,58; got %q", s)
	}
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return httpapi.View{}, fmt.Errorf("the home view must be five numbers lon,lat,zoom,bearing,pitch; %q is not a number", p)
		}
		v[i] = x
	}
	switch {
	case v[0] < -180 || v[0] > 180 || v[1] < -85 || v[1] > 85:
		return httpapi.View{}, fmt.Errorf("the home view's centre must be lon,lat in WGS 84 degrees; got %g,%g", v[0], v[1])
	case v[2] < 1 || v[2] > 22:
		return httpapi.View{}, fmt.Errorf("the home view's zoom must be between 1 and 22; got %g", v[2])
	case v[4] < 0 || v[4] > 70:
		return httpapi.View{}, fmt.Errorf("the home view's pitch must be between 0 and 70 degrees; got %g", v[4])
	}
	return httpapi.View{Center: orb.Point{v[0], v[1]}, Zoom: v[2], Bearing: v[3], Pitch: v[4]}, nil
}

// envDuration returns the environment variable as a duration, or def when
// it is unset or not a duration.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}
