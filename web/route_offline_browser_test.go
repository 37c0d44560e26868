package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"partymap/internal/testdb"
)

// cutSignal wraps a server so that, while down is set, every connection
// drops without an answer, as a phone in a dead spot sees it.
func cutSignal(down *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				if hj, ok := w.(http.Hijacker); ok {
					if c, _, err := hj.Hijack(); err == nil {
						c.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// loseSignal cuts p's signal once the service worker holds every file of
// the page it loaded (the first visit hands them over as it loads; a
// phone that loses signal a moment after the first visit would miss the
// last of them), and logs, should the test fail, what the page reported
// and what the worker had kept.
func loseSignal(t *testing.T, p *page, down *atomic.Bool) {
	t.Helper()
	p.waitFor("the page's files to be kept", `caches.open('partymap-shell-v1').then(async (c) => {
		const files = [...new Set(performance.getEntriesByType('resource').map((e) => e.name)
			.filter((u) => new URL(u).origin === location.origin && new URL(u).pathname.includes('/static/')))];
		for (const u of files) if (!(await c.match(u, { ignoreVary: true }))) return false;
		return files.length > 0;
	})`, 15*time.Second)
	down.Store(true)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		p.rec.mu.Lock()
		defer p.rec.mu.Unlock()
		for _, m := range append(p.rec.problems, p.rec.warnings...) {
			t.Log(m)
		}
		t.Log(eval[[]string](p, `caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n).then((c) => c.keys())))).then((all) => all.flat().map((k) => k.url))`))
	})
}

// TestRoute_onThePhoneWithoutSignal is the end: a tourist scans
// the kiosk's QR code, the walk opens on the phone with their position
// moving along it, and it is still there when the signal drops (the page
// opened again without signal draws the same walk from the saved copy).
func TestRoute_onThePhoneWithoutSignal(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	var down atomic.Bool
	srv := startServerOn(t, db, nil, cutSignal(&down))

	var cfg struct {
		Kiosk struct {
			Position [2]float64 `json:"position"`
		} `json:"kiosk"`
	}
	res, err := http.Get(srv.URL + "/viewer-config.json")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(res.Body).Decode(&cfg)
	res.Body.Close()
	if err != nil || cfg.Kiosk.Position == [2]float64{} {
		t.Fatalf("the kiosk's position from /viewer-config.json: %v %v", cfg.Kiosk.Position, err)
	}
	kiosk := orb.Point(cfg.Kiosk.Position)
	// the address the kiosk's QR code carries (route.js link)
	link := fmt.Sprintf("/map/?lang=zh#route/posts/10@%v,%v", kiosk.Lon(), kiosk.Lat())

	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, link, 390, 844, true)
	at := kiosk
	setGeolocation(t, p, srv.URL, &at)
	p.waitReady()
	p.waitFor("the walk on the card", `!!document.querySelector('.route-summary')`, 15*time.Second)
	p.waitFor("the map to frame it", `!!partymap.map.getContainer().dataset.routeFramed && !partymap.map.isMoving()`, 15*time.Second)
	walk := eval[[][2]float64](p, `partymap.map.getSource('walk-route').getData().then((d) => d.geometry.coordinates)`)
	if len(walk) < 2 {
		t.Fatalf("the walk drawn has %d points", len(walk))
	}
	if d := geo.Distance(orb.Point(walk[0]), kiosk); d > 30 {
		t.Errorf("the walk starts %.0f m from the kiosk, want it to start where the QR code was scanned", d)
	}
	summary := p.text(".route-summary")

	// the tourist walks: the live position follows, along the walk
	for _, i := range []int{len(walk) / 3, 2 * len(walk) / 3} {
		at = orb.Point(walk[i])
		setGeolocation(t, p, srv.URL, &at)
		p.waitFor(fmt.Sprintf("the live position at the walk's point %d", i), fmt.Sprintf(youAt, at.Lon(), at.Lat()), 10*time.Second)
	}

	// what this visit saw is kept: the walk's answer among it
	p.waitFor("the service worker to take charge", `!!navigator.serviceWorker.controller`, 15*time.Second)
	p.waitFor("the walk's answer to be kept", `caches.open('partymap-saved-v1').then((c) => c.keys()).then((ks) => ks.some((k) => k.url.includes('/api/route?')))`, 15*time.Second)

	loseSignal(t, p, &down)
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload without signal: %v", err)
	}
	p.waitFor("the saved map to start", `!!window.partymap && document.body.classList.contains('ready')`, 30*time.Second)
	p.waitFor("the offline badge", `!document.querySelector('.offline-badge').hidden`, 15*time.Second)
	p.waitFor("the walk on the card without signal", `!!document.querySelector('.route-summary')`, 15*time.Second)
	again := eval[[][2]float64](p, `partymap.map.getSource('walk-route').getData().then((d) => d.geometry ? d.geometry.coordinates : [])`)
	if len(again) != len(walk) || orb.Point(again[0]) != orb.Point(walk[0]) || orb.Point(again[len(again)-1]) != orb.Point(walk[len(walk)-1]) {
		t.Errorf("without signal the walk drawn has %d points, want the %d it had", len(again), len(walk))
	}
	if got := p.text(".route-summary"); got != summary {
		t.Errorf("without signal the card says %q, want %q", got, summary)
	}
	p.waitFor("the saved tiles drawn", `partymap.map.loaded() && partymap.map.queryRenderedFeatures().some((f) => f.sourceLayer === 'grids')`, 30*time.Second)
	p.waitFor("the live position without signal", fmt.Sprintf(youAt, at.Lon(), at.Lat()), 10*time.Second)
	p.idle()
	p.screenshot("route-phone-offline.png")
	down.Store(false)
}

// youAt is true when the phone's live position marker stands within 3 m
// of lon, lat on the map.
const youAt = `(() => {
	const dot = document.querySelector('.walk-you');
	if (!dot) return false;
	const c = partymap.map.getContainer().getBoundingClientRect();
	const b = dot.getBoundingClientRect();
	const p = partymap.map.unproject([b.left + b.width / 2 - c.left, b.top + b.height / 2 - c.top]);
	return p.distanceTo({ lng: %v, lat: %v }) < 3;
})()`
