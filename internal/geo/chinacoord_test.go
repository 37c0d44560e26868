package geo_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"partymap/internal/geo"
)

// publishedPair is one position in the three systems as published elsewhere.
type publishedPair struct {
	name           string
	wgs, gcj, bd09 orb.Point
	// tolerance in degrees: the reference implementations agree with ours to
	// floating-point noise; positions read from the real web map services
	// differ from the public formula by about half a metre.
	tolerance float64
}

func publishedPairs() []publishedPair {
	return []publishedPair{
		{
			// wandergis/coordtransform's README example (Tiananmen).
			name: "Beijing, coordtransform", tolerance: 1e-11,
			wgs: orb.Point{116.404, 39.915}, gcj: orb.Point{116.41024449916938, 39.91640428150164},
		},
		{
			// A test fixture of the geotool CLI, to 7 decimals of input.
			name: "Jiaxing, geotool", tolerance: 2e-7,
			wgs: orb.Point{121.0917077, 30.6107779}, gcj: orb.Point{121.09626935575027, 30.608604331756705},
			bd09: orb.Point{121.10271732371203, 30.61484572185035},
		},
		{
			// hujiulong/gcoord's china-cities fixture, read from the map services.
			name: "Zhengzhou, gcoord", tolerance: 1e-5,
			wgs: orb.Point{113.6192856, 34.7478004}, gcj: orb.Point{113.6253334, 34.7466173},
			bd09: orb.Point{113.6317519, 34.7528605},
		},
		{
			name: "Yuncheng, gcoord", tolerance: 1e-5,
			wgs: orb.Point{111.0017421, 35.0271663}, gcj: orb.Point{111.0075355, 35.0264171},
			bd09: orb.Point{111.0139261, 35.0327206},
		},
		{
			name: "Tongchuan, gcoord", tolerance: 1e-5,
			wgs: orb.Point{108.9405327, 34.8978469}, gcj: orb.Point{108.9452414, 34.8967592},
			bd09: orb.Point{108.9516486, 34.9029875},
		},
		{
			name: "Nagqu, gcoord", tolerance: 1e-5,
			wgs: orb.Point{92.0499619, 31.4784436}, gcj: orb.Point{92.0512438, 31.4762063},
			bd09: orb.Point{92.0576832, 31.4824421},
		},
	}
}

func closeTo(a, b orb.Point, tolerance float64) bool {
	return math.Abs(a[0]-b[0]) <= tolerance && math.Abs(a[1]-b[1]) <= tolerance
}

func TestWGS84ToGCJ02(t *testing.T) {
	for _, tt := range publishedPairs() {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.WGS84ToGCJ02(tt.wgs); !closeTo(got, tt.gcj, tt.tolerance) {
				t.Errorf("WGS84ToGCJ02(%v) = %v, want %v ± %g°", tt.wgs, got, tt.gcj, tt.tolerance)
			}
			// The inverse iterates only until it is within 1e-9°.
			inverse := max(tt.tolerance, 2e-9)
			if got := geo.GCJ02ToWGS84(tt.gcj); !closeTo(got, tt.wgs, inverse) {
				t.Errorf("GCJ02ToWGS84(%v) = %v, want %v ± %g°", tt.gcj, got, tt.wgs, inverse)
			}
		})
	}
}

func TestGCJ02ToBD09(t *testing.T) {
	type pair struct {
		name      string
		gcj, bd09 orb.Point
		tolerance float64
	}
	tests := []pair{
		// coordtransform's example: gcj02tobd09(116.404, 39.915).
		{name: "Beijing, coordtransform", gcj: orb.Point{116.404, 39.915}, bd09: orb.Point{116.41036949371029, 39.92133699351021}, tolerance: 1e-11},
	}
	for _, p := range publishedPairs() {
		if !p.bd09.Equal(orb.Point{}) {
			tests = append(tests, pair{name: p.name, gcj: p.gcj, bd09: p.bd09, tolerance: p.tolerance})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.GCJ02ToBD09(tt.gcj); !closeTo(got, tt.bd09, tt.tolerance) {
				t.Errorf("GCJ02ToBD09(%v) = %v, want %v ± %g°", tt.gcj, got, tt.bd09, tt.tolerance)
			}
			inverse := max(tt.tolerance, 2e-9)
			if got := geo.BD09ToGCJ02(tt.bd09); !closeTo(got, tt.gcj, inverse) {
				t.Errorf("BD09ToGCJ02(%v) = %v, want %v ± %g°", tt.bd09, got, tt.gcj, inverse)
			}
		})
	}
}

func TestBD09ToGCJ02_closedForm(t *testing.T) {
	// coordtransform publishes bd09togcj02(116.404, 39.915) from the closed
	// form; the iterated inverse must agree within its few centimetres.
	bd := orb.Point{116.404, 39.915}
	want := orb.Point{116.39762729119315, 39.90865673957631}
	got := geo.BD09ToGCJ02(bd)
	if d := orbgeo.DistanceHaversine(got, want); d > 0.1 {
		t.Errorf("BD09ToGCJ02(%v) = %v, %.3f m from the closed form's %v, want under 0.1 m", bd, got, d, want)
	}
}

// grid returns n×n points spread evenly over the bound, edges included.
func grid(b orb.Bound, n int) []orb.Point {
	var ps []orb.Point
	for i := range n {
		for j := range n {
			ps = append(ps, orb.Point{
				b.Min[0] + (b.Max[0]-b.Min[0])*float64(i)/float64(n-1),
				b.Min[1] + (b.Max[1]-b.Min[1])*float64(j)/float64(n-1),
			})
		}
	}
	return ps
}

func TestGCJ02ToWGS84_roundTrip(t *testing.T) {
	tests := []struct {
		name      string
		points    []orb.Point
		toWGS     func(orb.Point) orb.Point
		fromWGS   func(orb.Point) orb.Point
		maxMetres float64
	}{
		{
			name:   "GCJ-02 over Xiyue community",
			points: grid(orb.Bound{Min: orb.Point{110.090, 34.565}, Max: orb.Point{110.110, 34.585}}, 41),
			toWGS:  geo.GCJ02ToWGS84, fromWGS: geo.WGS84ToGCJ02, maxMetres: 0.01,
		},
		{
			// Kept 0.5° inside the box, where the offset switches on and off.
			name:   "GCJ-02 across China",
			points: grid(orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 53}}, 125),
			toWGS:  geo.GCJ02ToWGS84, fromWGS: geo.WGS84ToGCJ02, maxMetres: 0.01,
		},
		{
			name:   "BD-09 over Xiyue community",
			points: grid(orb.Bound{Min: orb.Point{110.090, 34.565}, Max: orb.Point{110.110, 34.585}}, 41),
			toWGS:  geo.BD09ToWGS84, fromWGS: geo.WGS84ToBD09, maxMetres: 0.01,
		},
		{
			name:   "BD-09 across China",
			points: grid(orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 53}}, 125),
			toWGS:  geo.BD09ToWGS84, fromWGS: geo.WGS84ToBD09, maxMetres: 0.01,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			worst, at := 0.0, orb.Point{}
			for _, p := range tt.points {
				back := tt.toWGS(tt.fromWGS(p))
				if d := orbgeo.DistanceHaversine(p, back); d > worst || math.IsNaN(d) {
					worst, at = d, p
				}
			}
			t.Logf("max round-trip error over %d points: %.2e m at %v", len(tt.points), worst, at)
			if !(worst < tt.maxMetres) {
				t.Errorf("round trip of %v came back %.6f m away, want under %g m", at, worst, tt.maxMetres)
			}
		})
	}
}

func TestWGS84ToGCJ02_offsetNearHuayin(t *testing.T) {
	least, most := math.Inf(1), 0.0
	for _, p := range grid(orb.Bound{Min: orb.Point{110.0, 34.5}, Max: orb.Point{110.2, 34.6}}, 11) {
		d := orbgeo.DistanceHaversine(p, geo.WGS84ToGCJ02(p))
		if d < 100 || d > 700 {
			t.Fatalf("GCJ-02 offset at %v is %.1f m, want between 100 and 700 m", p, d)
		}
		least, most = min(least, d), max(most, d)
	}
	t.Logf("GCJ-02 offset around Huayin: %.1f–%.1f m", least, most)
}

func TestWGS84ToGCJ02_outsideChina(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{name: "Tokyo", p: orb.Point{139.6917, 35.6895}},
		{name: "London", p: orb.Point{-0.1276, 51.5072}},
		{name: "Sydney", p: orb.Point{151.2093, -33.8688}},
		{name: "south of the box", p: orb.Point{110.1, 0.5}},
		{name: "NaN", p: orb.Point{math.NaN(), 34.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, fn := range map[string]func(orb.Point) orb.Point{
				"WGS84ToGCJ02": geo.WGS84ToGCJ02, "GCJ02ToWGS84": geo.GCJ02ToWGS84,
			} {
				got := fn(tt.p)
				same := (got[0] == tt.p[0] || math.IsNaN(tt.p[0]) && math.IsNaN(got[0])) && got[1] == tt.p[1]
				if !same {
					t.Errorf("%s(%v) = %v, want it unchanged", name, tt.p, got)
				}
			}
		})
	}
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    geo.CRS
		wantErr bool
	}{
		{name: "wgs84", in: "wgs84", want: geo.WGS84},
		{name: "EPSG code of WGS 84", in: "EPSG:4326", want: geo.WGS84},
		{name: "cgcs2000", in: "cgcs2000", want: geo.CGCS2000},
		{name: "EPSG code of CGCS2000", in: "epsg:4490", want: geo.CGCS2000},
		{name: "gcj02", in: "gcj02", want: geo.GCJ02},
		{name: "GCJ-02 as printed", in: " GCJ-02 ", want: geo.GCJ02},
		{name: "BD-09 as printed", in: "BD_09", want: geo.BD09},
		{name: "empty", in: "", wantErr: true},
		{name: "unknown", in: "mars", wantErr: true},
		{name: "a projected system", in: "EPSG:3857", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := geo.ParseCRS(tt.in)
			if tt.wantErr {
				if geo.ErrorCode(err) != geo.EINVALID {
					t.Fatalf("ParseCRS(%q) = %q, %v; want an %q error", tt.in, got, err, geo.EINVALID)
				}
				for _, c := range geo.CRSs() {
					if !strings.Contains(err.Error(), string(c)) {
						t.Errorf("ParseCRS(%q) error %q does not list %q", tt.in, err, c)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseCRS(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// everyGeometry returns one geometry of each orb type, near Xiyue Temple.
func everyGeometry() []orb.Geometry {
	a, b, c := orb.Point{110.0995, 34.5745}, orb.Point{110.1010, 34.5752}, orb.Point{110.1002, 34.5763}
	ring := orb.Ring{a, b, c, a}
	return []orb.Geometry{
		a,
		orb.MultiPoint{a, b},
		orb.LineString{a, b, c},
		orb.MultiLineString{{a, b}, {b, c}},
		ring,
		orb.Polygon{ring},
		orb.MultiPolygon{{ring}, {ring}},
		orb.Collection{a, orb.LineString{b, c}},
		orb.Bound{Min: a, Max: c},
	}
}

// vertices lists every vertex of g in order.
func vertices(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.MultiPoint:
		return g
	case orb.LineString:
		return g
	case orb.Ring:
		return g
	case orb.MultiLineString:
		var ps []orb.Point
		for _, ls := range g {
			ps = append(ps, ls...)
		}
		return ps
	case orb.Polygon:
		var ps []orb.Point
		for _, r := range g {
			ps = append(ps, r...)
		}
		return ps
	case orb.MultiPolygon:
		var ps []orb.Point
		for _, p := range g {
			ps = append(ps, vertices(p)...)
		}
		return ps
	case orb.Collection:
		var ps []orb.Point
		for _, c := range g {
			ps = append(ps, vertices(c)...)
		}
		return ps
	case orb.Bound:
		return []orb.Point{g.Min, g.Max}
	}
	return nil
}

func TestToWGS84(t *testing.T) {
	tests := []struct {
		name string
		crs  geo.CRS
		want func(orb.Point) orb.Point
	}{
		{name: "wgs84", crs: geo.WGS84, want: func(p orb.Point) orb.Point { return p }},
		{name: "cgcs2000", crs: geo.CGCS2000, want: func(p orb.Point) orb.Point { return p }},
		{name: "gcj02", crs: geo.GCJ02, want: geo.GCJ02ToWGS84},
		{name: "bd09", crs: geo.BD09, want: geo.BD09ToWGS84},
	}
	for _, tt := range tests {
		for _, g := range everyGeometry() {
			t.Run(tt.name+"/"+g.GeoJSONType(), func(t *testing.T) {
				before := orb.Clone(g)
				got := geo.ToWGS84(tt.crs, g)
				if got.GeoJSONType() != g.GeoJSONType() {
					t.Fatalf("ToWGS84(%s, %s) is a %s, want a %s", tt.crs, g.GeoJSONType(), got.GeoJSONType(), g.GeoJSONType())
				}
				in, out := vertices(g), vertices(got)
				if len(in) != len(out) {
					t.Fatalf("ToWGS84 returned %d vertices, want %d", len(out), len(in))
				}
				for i := range in {
					if want := tt.want(in[i]); !out[i].Equal(want) {
						t.Errorf("vertex %d: got %v, want %v", i, out[i], want)
					}
				}
				if !orb.Equal(g, before) {
					t.Errorf("ToWGS84 changed its input to %v, want it left as %v", g, before)
				}
				back := geo.FromWGS84(tt.crs, got)
				for i, p := range vertices(back) {
					if d := orbgeo.DistanceHaversine(p, in[i]); d > 0.001 {
						t.Errorf("FromWGS84(ToWGS84(%v)) = %v, %.4f m away, want under 1 mm", in[i], p, d)
					}
				}
			})
		}
	}
}

func TestToWGS84_nil(t *testing.T) {
	if got := geo.ToWGS84(geo.GCJ02, nil); got != nil {
		t.Errorf("ToWGS84(gcj02, nil) = %v, want nil", got)
	}
	if got := geo.FromWGS84(geo.WGS84, nil); got != nil {
		t.Errorf("FromWGS84(wgs84, nil) = %v, want nil", got)
	}
}

// FuzzGCJ02RoundTrip checks that converting any position in China to GCJ-02
// and back lands within a centimetre, and that no input hangs or panics.
func FuzzGCJ02RoundTrip(f *testing.F) {
	f.Add(110.0995, 34.5745)
	f.Add(116.404, 39.915)
	f.Add(87.6, 43.8)
	f.Add(0.0, 0.0)
	f.Fuzz(func(t *testing.T, lon, lat float64) {
		p := orb.Point{lon, lat}
		gcj := geo.WGS84ToGCJ02(p)
		back := geo.GCJ02ToWGS84(gcj)
		bd := geo.BD09ToWGS84(geo.WGS84ToBD09(p))
		// Within 0.01° of the box edges the offset may switch on in one
		// direction and off in the other; the inverse is then ambiguous.
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < 72.014 || lon > 137.8247 || lat < 0.8393 || lat > 55.8171 {
			return
		}
		if d := orbgeo.DistanceHaversine(p, back); !(d < 0.01) {
			t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v, %.4f m away, want under 0.01 m", p, back, d)
		}
		if d := orbgeo.DistanceHaversine(p, bd); !(d < 0.01) {
			t.Errorf("BD09ToWGS84(WGS84ToBD09(%v)) = %v, %.4f m away, want under 0.01 m", p, bd, d)
		}
	})
}
