package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// startFinderServer is startServer with live changes: the database's
// notifications feed the hub behind /api/events.
func startFinderServer(t *testing.T) (*httptest.Server, *postgis.DB) {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	hub := changes.NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() { db.Listen(ctx, hub, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	return startServerOn(t, db, func(c *httpapi.Config) { c.Changes = hub }, nil), db
}

// setGeolocation makes the browser report lonlat as the device's position,
// or refuse to tell when lonlat is nil.
func setGeolocation(t *testing.T, p *page, origin string, lonlat *orb.Point) {
	t.Helper()
	setting := browser.PermissionSettingDenied
	if lonlat != nil {
		setting = browser.PermissionSettingGranted
	}
	_, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: setting, Origin: origin,
	})
	if err != nil {
		t.Fatalf("geolocation permission: %v", err)
	}
	if lonlat == nil {
		return
	}
	lat, lon, acc := lonlat.Lat(), lonlat.Lon(), 10.0
	_, err = chromedp.Call(p.ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
	if err != nil {
		t.Fatalf("geolocation override: %v", err)
	}
}

// nearestOpen computes, independently of the server, the post with the
// service that is open now and nearest to from (great circle).
func nearestOpen(t *testing.T, srv *httptest.Server, service string, from orb.Point) item {
	t.Helper()
	var best item
	bestM := math.Inf(1)
	for _, f := range features(t, srv, "posts") {
		offers := false
		for _, s := range f.Properties["services"].([]any) {
			offers = offers || s == service
		}
		if open, _ := geo.OpenNow(f.Properties["hours"].(string), time.Now()); !offers || !open {
			continue
		}
		var at [2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &at); err != nil {
			t.Fatal(err)
		}
		if m := haversine(from, orb.Point(at)); m < bestM {
			best, bestM = f, m
		}
	}
	if bestM == math.Inf(1) {
		t.Fatalf("no post offers %s now", service)
	}
	return best
}

func haversine(a, b orb.Point) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dφ, dλ := (b.Lat()-a.Lat())*rad, (b.Lon()-a.Lon())*rad
	h := math.Pow(math.Sin(dφ/2), 2) + math.Cos(a.Lat()*rad)*math.Cos(b.Lat()*rad)*math.Pow(math.Sin(dλ/2), 2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// TestFinder drives the finder panel in headless Chromium: on a phone whose
// browser reports a position near the pedestrian street, on a phone whose
// browser refuses (the visitor taps the map), and on the kiosk with live
// parking.
func TestFinder(t *testing.T) {
	srv, db := startFinderServer(t)
	bctx := startBrowser(t)

	t.Run("phone charging", func(t *testing.T) {
		nearStreet := orb.Point{110.0997, 34.5749}
		p := openPage(t, bctx, srv, "/map", 390, 844, true)
		setGeolocation(t, p, srv.URL, &nearStreet)
		p.waitReady()
		p.clickSelector("#find")
		p.waitFor("the service buttons", `!!document.querySelector('.finder-service[data-service="charging"]')`, 10*time.Second)
		p.clickSelector(`.finder-service[data-service="charging"]`)
		p.waitFor("the results", `document.querySelectorAll('.finder-result').length > 0`, 15*time.Second)

		want := nearestOpen(t, srv, "charging", nearStreet)
		first := eval[[]string](p, `(() => { const li = document.querySelector('.finder-result'); return [li.dataset.layer, li.dataset.id, li.innerText]; })()`)
		if first[0] != "posts" || first[1] != strconv.FormatInt(want.ID, 10) {
			t.Fatalf("first result %v, want post %d %s", first, want.ID, want.Properties["name_zh"])
		}
		var at [2]float64
		if err := json.Unmarshal(want.Geometry.Coordinates, &at); err != nil {
			t.Fatal(err)
		}
		t.Logf("first result: %q (great circle: %.0f m)", first[2], haversine(nearStreet, orb.Point(at)))
		if origin := eval[string](p, `document.querySelector('.finder-origin-text').textContent`); origin != "从您的位置出发" {
			t.Errorf("origin text %q, want 从您的位置出发 (from the browser's position)", origin)
		}
		n := eval[int](p, `document.querySelectorAll('.finder-result').length`)
		if pins := eval[int](p, `document.querySelectorAll('.finder-pin').length`); pins != n {
			t.Errorf("%d pins on the map for %d results", pins, n)
		}
		p.waitFor("a line from the visitor to each result", `partymap.map.querySourceFeatures('finder-routes').length > 0`, 10*time.Second)
		p.screenshot("finder-phone-charging.png")

		p.clickSelector(".finder-result-button")
		name := want.Properties["name_zh"].(string)
		p.waitFor("the cabin's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(name), 10*time.Second)
		p.waitFor("the map to fly there", `!partymap.map.isMoving()`, 10*time.Second)
		p.screenshot("finder-phone-card.png")
		p.checkClean()
	})

	t.Run("phone without location taps the map", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/map?lang=en", 390, 844, true)
		setGeolocation(t, p, srv.URL, nil)
		p.waitReady()
		p.clickSelector("#find")
		p.waitFor("the service buttons", `!!document.querySelector('.finder-service[data-service="water"]')`, 10*time.Second)
		p.clickSelector(`.finder-service[data-service="water"]`)
		p.waitFor("the tap layer", `!!document.querySelector('.finder-tap-layer')`, 15*time.Second)
		// tap where the kiosk stands, if it shows above the sheet, else
		// near the top of the map
		at := eval[[]float64](p, fmt.Sprintf(`(() => { const q = partymap.map.project([%f, %f]); const top = document.getElementById('find-sheet').getBoundingClientRect().top; return q.y > 90 && q.y < top - 10 && q.x > 10 && q.x < innerWidth - 10 ? [q.x, q.y] : [innerWidth / 2, 150]; })()`, kioskPosition[0], kioskPosition[1]))
		tapped := eval[[]float64](p, fmt.Sprintf(`(() => { const l = partymap.map.unproject([%f, %f]); return [l.lng, l.lat]; })()`, at[0], at[1]))
		p.click(at[0], at[1])
		p.waitFor("the results", `document.querySelectorAll('.finder-result').length > 0`, 15*time.Second)
		if origin := eval[string](p, `document.querySelector('.finder-origin-text').textContent`); origin == "" {
			t.Error("no origin text after the tap")
		}
		if eval[bool](p, `!!document.querySelector('#card .card')`) {
			t.Error("the tap that chose the origin also opened a card")
		}
		want := nearestOpen(t, srv, "water", orb.Point{tapped[0], tapped[1]})
		if got := eval[string](p, `document.querySelector('.finder-result').dataset.id`); got != strconv.FormatInt(want.ID, 10) {
			t.Errorf("first result %s, want post %d nearest to the tapped point %v", got, want.ID, tapped)
		}
		p.checkClean()
	})

	t.Run("kiosk parking live", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/kiosk", 1600, 900, false)
		p.waitReady()
		p.clickSelector("#find")
		p.waitFor("the kiosk origin", `document.querySelector('.finder-origin-text')?.textContent === '从本机位置出发'`, 10*time.Second)
		p.clickSelector(`.finder-service[data-service="parking"]`)
		p.waitFor("car park 1 in the results", `!!document.querySelector('.finder-result[data-id="1"] .finder-free')`, 15*time.Second)
		if got := eval[string](p, `document.querySelector('.finder-result[data-id="1"] .finder-free').textContent`); got != "空余 23 / 80 个车位" {
			t.Errorf("free spaces %q, want 空余 23 / 80 个车位", got)
		}
		if eval[bool](p, `!!document.querySelector('.finder-result[data-id="2"]')`) {
			t.Error("the full car park 2 is listed among car parks with free spaces")
		}
		p.waitFor("the event stream", `document.querySelector('.finder')?.dataset.live === 'connected'`, 10*time.Second)
		p.waitFor("the answer after the stream connected", `!!document.querySelector('.finder-result[data-id="1"] .finder-free')`, 10*time.Second)
		start := time.Now()
		if _, err := db.Pool().Exec(context.Background(), `UPDATE parking SET free = 7 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		p.waitFor("the live update", `document.querySelector('.finder-result[data-id="1"] .finder-free')?.textContent === '空余 7 / 80 个车位'`, 5*time.Second)
		t.Logf("free spaces changed on screen %v after the SQL update", time.Since(start).Round(time.Millisecond))
		p.screenshot("finder-kiosk-parking.png")
		p.checkClean()
	})

	// The map itself (not only the finder's list) shows a change made
	// anywhere, without a reload: the tiles are fetched again.
	t.Run("map tiles live", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/kiosk", 1600, 900, false)
		p.waitReady()
		p.waitFor("the map's event stream", `document.documentElement.dataset.live === 'connected'`, 10*time.Second)
		const lotFree = `(partymap.map.querySourceFeatures('partymap', { sourceLayer: 'parking' }).find((f) => f.properties.id === 3) || {properties: {}}).properties.free`
		before := eval[float64](p, lotFree)
		if before == 3 {
			t.Fatal("car park 3 already has 3 free spaces; the test would prove nothing")
		}
		const tileURLs = `partymap.tileRequests()`
		loaded := eval[float64](p, `new Set(`+tileURLs+`.map((n) => n.replace(/\?.*/, ''))).size`)
		start := time.Now()
		if _, err := db.Pool().Exec(context.Background(), `UPDATE parking SET free = 3 WHERE id = 3`); err != nil {
			t.Fatal(err)
		}
		p.waitFor("the tile's new free spaces", lotFree+` === 3`, 5*time.Second)
		t.Logf("car park 3's tile showed the change %v after the SQL update", time.Since(start).Round(time.Millisecond))
		// Only the tiles the change touched were fetched again, each at
		// the change's version.
		refetched := eval[[]any](p, tileURLs+`.filter((n) => n.includes('?v='))`)
		if len(refetched) == 0 || float64(len(refetched)) >= loaded {
			t.Errorf("after one car park changed the map fetched %d tiles again (%v) of the %v it shows; want only those the change touched", len(refetched), refetched, loaded)
		}
		version := eval[string](p, `document.documentElement.dataset.tilesVersion`)
		for _, u := range refetched {
			if !strings.HasSuffix(fmt.Sprint(u), "?v="+version) {
				t.Errorf("refetched %v, want it at the change's version %s", u, version)
			}
		}
		t.Logf("the change made the map fetch %d of its %v tiles again", len(refetched), loaded)
		p.checkClean()
	})
}
