package web_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// routeLength measures the drawn walk on the page (great circle, in the
// browser) and asks /api/route for the same walk: from is "" for the
// kiosk's own position.
const routeCheck = `(async () => {
	const data = await partymap.map.getSource('walk-route').getData();
	const c = data.geometry ? data.geometry.coordinates : [];
	const rad = Math.PI / 180;
	let m = 0;
	for (let i = 1; i < c.length; i++) {
		const [a, b] = [c[i - 1], c[i]];
		const h = Math.sin((b[1] - a[1]) * rad / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin((b[0] - a[0]) * rad / 2) ** 2;
		m += 2 * 6371008.8 * Math.asin(Math.sqrt(h));
	}
	const card = document.querySelector('#card .card');
	const q = new URLSearchParams({ to: card.dataset.layer + '/' + card.dataset.id });
	if (%s) q.set('from', %s);
	const api = await (await fetch('api/route?' + q)).json();
	return { drawn: m, points: c.length, api: api.properties.length_m, minutes: api.properties.walking_min,
		summary: document.querySelector('.route-summary')?.textContent || '', steps: document.querySelectorAll('.route-steps li').length,
		apiSteps: api.properties.steps.length, markers: document.querySelectorAll('.walk-end').length, qr: !!document.querySelector('.route-qr svg') };
})()`

// checkFramed fails when a point of the drawn walk lies off the map or
// under the card, the top bar (the kiosk's side panel) or the north arrow.
func checkFramed(t *testing.T, p *page) {
	t.Helper()
	hidden := eval[[]any](p, `(async () => {
		const d = await partymap.map.getSource('walk-route').getData();
		const card = document.getElementById('card').getBoundingClientRect();
		const bar = document.querySelector('.topbar').getBoundingClientRect();
		const north = document.querySelector('.north').getBoundingClientRect();
		const out = [];
		for (const c of d.geometry.coordinates) {
			const q = partymap.map.project(c);
			const under = (r) => q.x >= r.left && q.x <= r.right && q.y >= r.top && q.y <= r.bottom;
			if (q.x < 0 || q.y < 0 || q.x > innerWidth || q.y > innerHeight || under(card) || under(bar) || under(north)) out.push(c);
		}
		return out;
	})()`)
	if len(hidden) > 0 {
		t.Errorf("%d points of the walk are off the map or hidden under the card or the bar: %v (framing: %s)", len(hidden), hidden,
			eval[string](p, `partymap.map.getContainer().dataset.routeFramed`))
	}
}

type routeShown struct {
	Drawn, API, Minutes float64
	Points, Steps       int
	APISteps            int
	Summary             string
	Markers             int
	QR                  bool
}

func checkRoute(t *testing.T, r routeShown, kiosk bool) {
	t.Helper()
	if r.Points < 3 || math.Abs(r.Drawn-r.API) > math.Max(2, r.API*0.01) {
		t.Errorf("the drawn walk is %.1f m over %d points; the API says %.0f m", r.Drawn, r.Points, r.API)
	}
	if want := fmt.Sprintf("步行 %d 分钟 · %d 米", int(r.Minutes), int(r.API)); r.Summary != want {
		t.Errorf("the card says %q, want %q", r.Summary, want)
	}
	if r.Steps != r.APISteps || r.Steps < 2 {
		t.Errorf("the card lists %d steps, the API %d", r.Steps, r.APISteps)
	}
	if r.Markers != 2 {
		t.Errorf("%d start and end markers, want 2", r.Markers)
	}
	if r.QR != kiosk {
		t.Errorf("a QR code for the walk: %v, want %v (kiosk only)", r.QR, kiosk)
	}
}

// TestRoute draws the way there: on the kiosk from Find → charging →
// the first answer, on a phone from a card's "带我去" with the phone's
// position.
func TestRoute(t *testing.T) {
	srv, _ := startFinderServer(t)
	bctx := startBrowser(t)

	t.Run("kiosk find charging", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/kiosk", 1920, 1080, false)
		p.waitReady()
		p.clickSelector("#find")
		p.waitFor("the service buttons", `!!document.querySelector('.finder-service[data-service="charging"]')`, 10*time.Second)
		p.clickSelector(`.finder-service[data-service="charging"]`)
		p.waitFor("the results", `document.querySelectorAll('.finder-result').length > 0`, 15*time.Second)
		p.clickSelector(".finder-result-button")
		p.waitFor("the walk on the card", `!!document.querySelector('.route-summary')`, 15*time.Second)
		p.waitFor("the map to frame it", `!!partymap.map.getContainer().dataset.routeFramed && !partymap.map.isMoving()`, 15*time.Second)
		p.idle()
		checkFramed(t, p)
		checkRoute(t, eval[routeShown](p, fmt.Sprintf(routeCheck, "false", "''")), true)
		if eval[int](p, `document.querySelectorAll('.finder-pin').length`) != 0 {
			t.Error("the finder's numbered pins stay on the map over the walk")
		}
		p.screenshot("route-kiosk.png")
		// The card closes: the walk goes with it.
		p.clickSelector("#card .card-close")
		p.waitFor("the walk cleared", `(async () => { const d = await partymap.map.getSource('walk-route').getData(); return !d.features || d.features.length === 0; })()`, 5*time.Second)
		p.checkClean()
	})

	t.Run("phone take me there", func(t *testing.T) {
		at := orb.Point{110.0997, 34.5749}
		p := openPage(t, bctx, srv, "/map#posts/10", 390, 844, true)
		setGeolocation(t, p, srv.URL, &at)
		p.waitReady()
		p.waitFor("the card", `!!document.querySelector('#card .card-route-button')`, 10*time.Second)
		p.clickSelector("#card .card-route-button")
		p.waitFor("the walk on the card", `!!document.querySelector('.route-summary')`, 15*time.Second)
		p.waitFor("the map to frame it", `!!partymap.map.getContainer().dataset.routeFramed && !partymap.map.isMoving()`, 15*time.Second)
		p.idle()
		checkFramed(t, p)
		checkRoute(t, eval[routeShown](p, fmt.Sprintf(routeCheck, "true", fmt.Sprintf("'%v,%v'", at.Lon(), at.Lat()))), false)
		p.waitFor("the phone's live position", `!!document.querySelector('.walk-you')`, 10*time.Second)
		// 导航: the same walk in the phone's map apps, links only (nothing loads)
		if apps := eval[[]string](p, `[...document.querySelectorAll('.route-app')].map((a) => new URL(a.href).host)`); len(apps) != 4 || apps[0] != "uri.amap.com" {
			t.Errorf("map app links %v, want Amap, Baidu, Apple and Google", apps)
		}
		p.screenshot("route-phone.png")
		p.checkClean()
	})
}
