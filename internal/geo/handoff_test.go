package geo

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// Each app gets the place in its own coordinates: converted back to WGS 84
// they land within a metre of it.
func TestHandoffs_coordinatesEachAppExpects(t *testing.T) {
	to := orb.Point{110.102, 34.577633} // Xiyue Temple's south gate
	got := map[string]orb.Point{}
	for _, h := range Handoffs(to, "西岳庙南门") {
		u, err := url.Parse(h.URL)
		if err != nil || u.Scheme != "https" {
			t.Fatalf("%s: %q", h.App, h.URL)
		}
		q := u.Query()
		var p orb.Point
		switch h.App {
		case "amap":
			f := strings.Split(q.Get("to"), ",")
			p = orb.Point{num(t, f[0]), num(t, f[1])}
			p = GCJ02ToWGS84(p)
			if f[2] != "西岳庙南门" || q.Get("mode") != "walk" {
				t.Errorf("amap: %v", q)
			}
		case "baidu":
			f := strings.Split(strings.TrimPrefix(strings.Split(q.Get("destination"), "|")[0], "latlng:"), ",")
			p = BD09ToWGS84(orb.Point{num(t, f[1]), num(t, f[0])})
		case "apple":
			f := strings.Split(q.Get("daddr"), ",")
			p = GCJ02ToWGS84(orb.Point{num(t, f[1]), num(t, f[0])})
		case "google":
			f := strings.Split(q.Get("destination"), ",")
			p = orb.Point{num(t, f[1]), num(t, f[0])}
		}
		got[h.App] = p
		if d := math.Hypot((p.Lon()-to.Lon())*91600, (p.Lat()-to.Lat())*110900); d > 1 {
			t.Errorf("%s: lands %.1f m from the place", h.App, d)
		}
	}
	if len(got) != 4 {
		t.Errorf("apps: %v", got)
	}
	// GCJ-02 is offset by hundreds of metres here: a link without the
	// conversion would be visibly wrong.
	if g := WGS84ToGCJ02(to); math.Abs(g.Lon()-to.Lon())*91600 < 100 {
		t.Errorf("GCJ-02 offset only %.0f m east", (g.Lon()-to.Lon())*91600)
	}
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
