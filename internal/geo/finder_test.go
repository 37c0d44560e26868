package geo_test

import (
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// cst returns a time on the clock of China Standard Time, 2025-06-01.
func cst(hh, mm int) time.Time {
	return time.Date(2025, 6, 1, hh, mm, 0, 0, geo.ChinaStandardTime())
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []geo.Span
		err  string
	}{
		{name: "day", in: "08:00-20:00", want: []geo.Span{{480, 1200}}},
		{name: "all day", in: "00:00-24:00", want: []geo.Span{{0, 1440}}},
		{name: "past midnight", in: "20:00-02:00", want: []geo.Span{{1200, 120}}},
		{name: "two spans with spaces", in: " 08:00 - 12:00 , 14:30-18:00", want: []geo.Span{{480, 720}, {870, 1080}}},
		{name: "empty", in: "", err: "empty"},
		{name: "no dash", in: "08:00", err: "HH:MM-HH:MM"},
		{name: "one digit hour", in: "8:00-20:00", err: `"8:00"`},
		{name: "minutes 60", in: "08:60-20:00", err: `"08:60"`},
		{name: "opens at 24:00", in: "24:00-08:00", err: `"24:00"`},
		{name: "24:30", in: "08:00-24:30", err: `"24:30"`},
		{name: "same time", in: "08:00-08:00", err: "same time"},
		{name: "words", in: "always", err: "HH:MM-HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := geo.ParseHours(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || geo.ErrorCode(err) != geo.EINVALID {
					t.Fatalf("ParseHours(%q) error = %v, want an invalid error mentioning %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHours(%q): %v", tt.in, err)
			}
			if !slices.Equal(got.Spans, tt.want) {
				t.Errorf("ParseHours(%q) = %v, want %v", tt.in, got.Spans, tt.want)
			}
		})
	}
}

func TestHours_OpenAt(t *testing.T) {
	tests := []struct {
		name  string
		hours string
		at    time.Time
		want  bool
	}{
		{name: "before opening", hours: "08:00-20:00", at: cst(7, 59), want: false},
		{name: "at opening", hours: "08:00-20:00", at: cst(8, 0), want: true},
		{name: "last minute", hours: "08:00-20:00", at: cst(19, 59), want: true},
		{name: "at closing", hours: "08:00-20:00", at: cst(20, 0), want: false},
		{name: "all day at midnight", hours: "00:00-24:00", at: cst(0, 0), want: true},
		{name: "all day late", hours: "00:00-24:00", at: cst(23, 59), want: true},
		{name: "past midnight evening", hours: "20:00-02:00", at: cst(23, 0), want: true},
		{name: "past midnight small hours", hours: "20:00-02:00", at: cst(1, 59), want: true},
		{name: "past midnight closed at 2", hours: "20:00-02:00", at: cst(2, 0), want: false},
		{name: "past midnight closed at noon", hours: "20:00-02:00", at: cst(12, 0), want: false},
		{name: "lunch break", hours: "08:00-12:00,14:00-18:00", at: cst(13, 0), want: false},
		{name: "afternoon", hours: "08:00-12:00,14:00-18:00", at: cst(14, 0), want: true},
		// 01:30 UTC is 09:30 in China: open, although 01:30 would be closed.
		{name: "UTC instant read in CST", hours: "09:00-17:00", at: time.Date(2025, 6, 1, 1, 30, 0, 0, time.UTC), want: true},
		// 10:00 UTC is 18:00 in China: closed.
		{name: "UTC afternoon is CST evening", hours: "09:00-17:00", at: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := geo.ParseHours(tt.hours)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.OpenAt(tt.at); got != tt.want {
				t.Errorf("%q OpenAt(%s) = %v, want %v", tt.hours, tt.at.Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

func TestChinaStandardTime(t *testing.T) {
	// No daylight saving: the offset is +8 in January and in July.
	for _, month := range []time.Month{time.January, time.July} {
		_, off := time.Date(2025, month, 15, 12, 0, 0, 0, geo.ChinaStandardTime()).Zone()
		if off != 8*3600 {
			t.Errorf("offset in %s = %d s, want %d", month, off, 8*3600)
		}
	}
}

func TestOpenNow(t *testing.T) {
	if open, known := geo.OpenNow("not hours", cst(12, 0)); open || known {
		t.Errorf("OpenNow(unreadable) = %v, %v; want false, false", open, known)
	}
	if open, known := geo.OpenNow("09:00-12:00", cst(10, 0)); !open || !known {
		t.Errorf("OpenNow(09:00-12:00 at 10:00) = %v, %v; want true, true", open, known)
	}
}

func TestHours_String(t *testing.T) {
	for _, s := range []string{"08:00-20:00", "00:00-24:00", "20:00-02:00", "08:00-12:00,14:30-18:00"} {
		h, err := geo.ParseHours(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
	}
}

func TestWalkingMinutes(t *testing.T) {
	tests := []struct {
		name string
		m    float64
		want int
	}{
		{name: "here", m: 0, want: 1},
		{name: "a few steps", m: 10, want: 1},
		{name: "one minute exactly", m: 62.5, want: 1},
		{name: "just over a minute", m: 63, want: 2},
		{name: "a kilometre", m: 1000, want: 16},
		{name: "NaN", m: math.NaN(), want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.WalkingMinutes(tt.m); got != tt.want {
				t.Errorf("WalkingMinutes(%v) = %d, want %d", tt.m, got, tt.want)
			}
		})
	}
}

func TestBearing(t *testing.T) {
	o := orb.Point{110.1, 34.57}
	tests := []struct {
		name    string
		to      orb.Point
		want    float64
		dirEn   string
		dirZh   string
		epsilon float64
	}{
		{name: "north", to: orb.Point{110.1, 34.58}, want: 0, dirEn: "N", dirZh: "北", epsilon: 1e-9},
		{name: "south", to: orb.Point{110.1, 34.56}, want: 180, dirEn: "S", dirZh: "南", epsilon: 1e-9},
		{name: "east", to: orb.Point{110.11, 34.57}, want: 90, dirEn: "E", dirZh: "东", epsilon: 0.01},
		{name: "west", to: orb.Point{110.09, 34.57}, want: 270, dirEn: "W", dirZh: "西", epsilon: 0.01},
		// 0.01° of longitude is shorter than 0.01° of latitude here, by cos 34.57°.
		{name: "north-east", to: orb.Point{110.11, 34.58}, want: 90 - math.Atan2(0.01, 0.01*math.Cos(34.575*math.Pi/180))*180/math.Pi, dirEn: "NE", dirZh: "东北", epsilon: 0.05},
		{name: "same point", to: o, want: 0, dirEn: "N", dirZh: "北", epsilon: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := geo.Bearing(o, tt.to)
			if math.Abs(got-tt.want) > tt.epsilon || got < 0 || got >= 360 {
				t.Errorf("Bearing = %.4f, want %.4f ± %g in [0, 360)", got, tt.want, tt.epsilon)
			}
			en, zh := geo.Direction(got)
			if en != tt.dirEn || zh != tt.dirZh {
				t.Errorf("Direction(%.1f) = %s %s, want %s %s", got, en, zh, tt.dirEn, tt.dirZh)
			}
		})
	}
}

func TestDirection_Edges(t *testing.T) {
	tests := []struct {
		deg  float64
		want string
	}{{22.4, "N"}, {22.5, "NE"}, {337.4, "NW"}, {337.5, "N"}, {359.99, "N"}, {180, "S"}, {-10, "N"}}
	for _, tt := range tests {
		if got, _ := geo.Direction(tt.deg); got != tt.want {
			t.Errorf("Direction(%v) = %s, want %s", tt.deg, got, tt.want)
		}
	}
}

// TestMinMetresWithin checks the lower bound that lets the nearest search
// stop: no point at a planar distance of deg or more may be nearer than it,
// on the ellipsoid (Vincenty).
func TestMinMetresWithin(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, lat := range []float64{0, 34.5747, -45, 60, 80} {
		o := orb.Point{110.0998, lat}
		for range 2000 {
			deg := r.Float64() * 0.2
			angle := r.Float64() * 2 * math.Pi
			// A point exactly deg away in degrees, any direction.
			p := orb.Point{o[0] + deg*math.Cos(angle), o[1] + deg*math.Sin(angle)}
			if p[1] > 90 || p[1] < -90 {
				continue
			}
			bound := geo.MinMetresWithin(lat, deg)
			if d := vincenty(o, p); d < bound {
				t.Fatalf("lat %v: a point %.5f° away is %.3f m away, below the bound %.3f m", lat, deg, d, bound)
			}
		}
	}
	// The bound is not uselessly loose near the community: within 2 % of
	// the distance due east.
	o := orb.Point{110.0998, 34.5747}
	east := vincenty(o, orb.Point{o[0] + 0.01, o[1]})
	if b := geo.MinMetresWithin(o[1], 0.01); b < 0.98*east {
		t.Errorf("bound %.1f m is more than 2%% below the distance due east %.1f m", b, east)
	}
}

func TestParseOrigin(t *testing.T) {
	kiosk := &orb.Point{110.099817, 34.574658}
	tests := []struct {
		name      string
		query     string
		kiosk     *orb.Point
		want      orb.Point
		fromKiosk bool
		err       string
	}{
		{name: "given", query: "lon=110.1&lat=34.57", kiosk: kiosk, want: orb.Point{110.1, 34.57}},
		{name: "kiosk default", query: "", kiosk: kiosk, want: *kiosk, fromKiosk: true},
		{name: "no kiosk", query: "", err: "no kiosk position"},
		{name: "lat missing", query: "lon=110.1", kiosk: kiosk, err: "lat parameter is missing"},
		{name: "lon missing", query: "lat=34.5", kiosk: kiosk, err: "lon parameter is missing"},
		{name: "lon not a number", query: "lon=east&lat=34.5", err: "lon parameter must be a longitude from -180 to 180"},
		{name: "lon empty", query: "lon=&lat=34.5", err: "lon parameter must be"},
		{name: "lon out of range", query: "lon=181&lat=34.5", err: "lon parameter must be"},
		{name: "lat out of range", query: "lon=110&lat=-90.5", err: "lat parameter must be a latitude from -90 to 90"},
		{name: "lat NaN", query: "lon=110&lat=NaN", err: "lat parameter must be"},
		{name: "unknown crs", query: "lon=110&lat=34&crs=osgb", err: `crs parameter must be one of "wgs84", "cgcs2000", "gcj02", "bd09"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := geo.ParseOrigin(q, tt.kiosk)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || geo.ErrorCode(err) != geo.EINVALID {
					t.Fatalf("error = %v, want an invalid error mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Point != tt.want || got.Kiosk != tt.fromKiosk {
				t.Errorf("got %v kiosk=%v, want %v kiosk=%v", got.Point, got.Kiosk, tt.want, tt.fromKiosk)
			}
		})
	}
}

func TestParseOrigin_GCJ02(t *testing.T) {
	wgs := orb.Point{110.099817, 34.574658}
	gcj := geo.WGS84ToGCJ02(wgs)
	q := url.Values{"lon": {ftoa(gcj[0])}, "lat": {ftoa(gcj[1])}, "crs": {"gcj02"}}
	got, err := geo.ParseOrigin(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := vincenty(got.Point, wgs); d > 0.01 {
		t.Errorf("GCJ-02 origin converted to %v, %.3f m from %v; want within 1 cm", got.Point, d, wgs)
	}
}

func TestParseNearestQuery(t *testing.T) {
	now := cst(12, 0)
	kiosk := &orb.Point{110.099817, 34.574658}
	tests := []struct {
		name  string
		query string
		want  geo.NearestQuery
		err   string
	}{
		{name: "defaults", query: "lon=110.1&lat=34.57",
			want: geo.NearestQuery{Layer: "posts", Origin: orb.Point{110.1, 34.57}, Limit: 5, Now: now}},
		{name: "kiosk, services, open", query: "service=charging,water,charging&open_now=true&limit=50",
			want: geo.NearestQuery{Layer: "posts", Origin: *kiosk, Services: []string{"charging", "water"}, OpenNow: true, Limit: 50, Now: now}},
		{name: "parking min_free", query: "layer=parking&min_free=1&open_now=0",
			want: geo.NearestQuery{Layer: "parking", Origin: *kiosk, MinFree: 1, Limit: 5, Now: now}},
		{name: "unknown layer", query: "layer=grids", err: `layer parameter must be one of "posts", "parking"; got "grids"`},
		{name: "unknown service", query: "service=beer", err: `service parameter must be one or more of "water", "charging", "first_aid", "umbrella", "map", "wifi", "rest"`},
		{name: "empty service", query: "service=", err: "service parameter must be one or more of"},
		{name: "service on parking", query: "layer=parking&service=water", err: "service parameter applies to layer=posts only"},
		{name: "min_free on posts", query: "min_free=1", err: "min_free parameter applies to layer=parking only"},
		{name: "min_free negative", query: "layer=parking&min_free=-1", err: "min_free parameter must be a whole number"},
		{name: "open_now word", query: "open_now=maybe", err: "open_now parameter must be true or false"},
		{name: "limit zero", query: "limit=0", err: "limit parameter must be a whole number from 1 to 50"},
		{name: "limit too big", query: "limit=51", err: "limit parameter must be a whole number from 1 to 50"},
		{name: "limit not a number", query: "limit=five", err: "limit parameter must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, _, err := geo.ParseNearestQuery(q, kiosk, now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || geo.ErrorCode(err) != geo.EINVALID {
					t.Fatalf("error = %v, want an invalid error mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Layer != tt.want.Layer || got.Origin != tt.want.Origin || !slices.Equal(got.Services, tt.want.Services) ||
				got.OpenNow != tt.want.OpenNow || got.MinFree != tt.want.MinFree || got.Limit != tt.want.Limit || !got.Now.Equal(tt.want.Now) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseSearchQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  string
		limit int
		err   string
	}{
		{name: "Chinese", query: "q=驿站", want: "驿站", limit: 10},
		{name: "trimmed", query: "q=+parking+&limit=3", want: "parking", limit: 3},
		{name: "one Chinese character", query: "q=庙", want: "庙", limit: 10},
		{name: "grid code", query: "q=XY03", want: "XY03", limit: 10},
		{name: "two letters", query: "q=xy", want: "xy", limit: 10},
		{name: "missing", query: "", err: "q parameter is empty"},
		{name: "blank", query: "q=+++", err: "q parameter is empty"},
		{name: "one letter", query: "q=p", err: "single letter"},
		{name: "one digit", query: "q=3", err: "single letter"},
		{name: "too long", query: "q=" + strings.Repeat("长", 65), err: "at most 64 characters"},
		{name: "control character", query: "q=a%00b", err: "control characters"},
		{name: "bad UTF-8", query: "q=%ff%fe", err: "valid UTF-8"},
		{name: "limit", query: "q=xy&limit=51", err: "limit parameter must be a whole number from 1 to 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := geo.ParseSearchQuery(q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || geo.ErrorCode(err) != geo.EINVALID {
					t.Fatalf("error = %v, want an invalid error mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tt.want || got.Limit != tt.limit {
				t.Errorf("got %q limit %d, want %q limit %d", got.Text, got.Limit, tt.want, tt.limit)
			}
		})
	}
}

func TestLocation_Message(t *testing.T) {
	grid := &geo.Feature{Layer: "grids", Properties: map[string]any{"name_zh": "第三网格", "name_en": "Grid 3", "code": "XY03"}}
	compound := &geo.Feature{Layer: "compounds", Properties: map[string]any{"name_zh": "岳庙新村", "name_en": "Yuemiao New Village"}}
	tests := []struct {
		name           string
		loc            geo.Location
		inside         bool
		wantZh, wantEn string
	}{
		{name: "outside", loc: geo.Location{}, inside: false, wantZh: "不在本社区", wantEn: "outside the community"},
		{name: "grid", loc: geo.Location{Grid: grid}, inside: true, wantZh: "您在第三网格（XY03）。", wantEn: "You are in Grid 3 (XY03)."},
		{name: "compound", loc: geo.Location{Grid: grid, Compound: compound}, inside: true, wantZh: "您在第三网格（XY03），岳庙新村。", wantEn: "You are in Grid 3 (XY03), Yuemiao New Village."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zh, en := tt.loc.Message()
			if tt.loc.Inside() != tt.inside || !strings.Contains(zh, tt.wantZh) || !strings.Contains(en, tt.wantEn) {
				t.Errorf("inside %v, %q / %q; want inside %v, %q / %q", tt.loc.Inside(), zh, en, tt.inside, tt.wantZh, tt.wantEn)
			}
		})
	}
}

func TestNewNearby(t *testing.T) {
	o := orb.Point{110.0998, 34.5746}
	target := orb.Point{110.0998, 34.5756}
	f := geo.Feature{Layer: "posts", ID: 1, Properties: map[string]any{"hours": "08:00-20:00"}}
	n := geo.NewNearby(f, o, target, 111, cst(21, 0))
	if n.Open == nil || *n.Open {
		t.Errorf("open at 21:00 = %v, want false", n.Open)
	}
	if n.WalkingMin != 2 || n.BearingDeg != 0 || n.Target != target {
		t.Errorf("walk %d min, bearing %v, target %v; want 2 min, 0, %v", n.WalkingMin, n.BearingDeg, n.Target, target)
	}
	f.Properties["hours"] = "whenever"
	if n := geo.NewNearby(f, o, target, 111, cst(12, 0)); n.Open != nil {
		t.Errorf("open with unreadable hours = %v, want nil", *n.Open)
	}
}
