package web_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// TestOffline visits the phone map once, then loses the signal (every
// connection to the server is cut, as a phone in a dead spot sees it) and
// opens the map again: it still shows the tiles it had, and the badge
// says it is the saved map. When the signal is back the badge goes.
func TestOffline(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	var down atomic.Bool
	if _, err := db.CreateUser(context.Background(), "wang", geo.Editor, geo.Scope{}, staffPassword); err != nil {
		t.Fatal(err)
	}
	srv := startServerOn(t, db, func(c *httpapi.Config) { c.Accounts, c.Edits = db, db }, cutSignal(&down))
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/map", 390, 844, true)
	p.waitReady()
	p.waitFor("the service worker to take charge", `!!navigator.serviceWorker.controller`, 15*time.Second)
	const savedTiles = `caches.open('partymap-saved-v1').then((c) => c.keys()).then((ks) => ks.filter((k) => /\/tiles\/\d+\/\d+\/\d+/.test(k.url)).length)`
	p.waitFor("the tiles seen to be kept", savedTiles+`.then((n) => n > 0)`, 15*time.Second)
	p.waitFor("the page and its style to be kept", `caches.open('partymap-shell-v1').then(async (c) => !!(await c.match(location.origin + '/style.json?lang=zh', { ignoreVary: true })) && !!(await c.match(location.origin + '/map', { ignoreVary: true })))`, 15*time.Second)
	// The public's no-store answers are kept for use without signal; staff
	// data never (private, no-store): a member of staff who opens the map
	// and logs in on the same phone leaves no session, with its CSRF
	// token, in the worker's caches.
	eval[bool](p, `fetch('api/nearest?lon=110.0998&lat=34.5746&limit=1').then((r) => r.ok)`)
	p.waitFor("a finder answer to be kept", `caches.open('partymap-saved-v1').then((c) => c.keys()).then((ks) => ks.some((k) => k.url.includes('/api/nearest')))`, 10*time.Second)
	if st := eval[float64](p, `fetch('api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'wang', password: `+jsString(staffPassword)+` }) })
		.then((r) => (r.ok ? fetch('api/session') : r)).then((r) => r.status)`); st != 200 {
		t.Fatalf("log in and read the session: status %v", st)
	}
	p.waitFor("a second finder answer to be kept after the session", `fetch('api/nearest?lon=110.0998&lat=34.5746&layer=parking')
		.then(() => new Promise((done) => setTimeout(done, 500)))
		.then(() => caches.open('partymap-saved-v1')).then((c) => c.keys()).then((ks) => ks.some((k) => k.url.includes('layer=parking')))`, 10*time.Second)
	if n := eval[float64](p, `caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n).then((c) => c.keys()))))
		.then((all) => all.flat().filter((k) => /\/api\/(session|login)/.test(k.url)).length)`); n != 0 {
		t.Errorf("%v staff answers kept by the service worker, want none", n)
	}
	kept := eval[float64](p, savedTiles)
	shell := eval[float64](p, `caches.open('partymap-shell-v1').then((c) => c.keys()).then((ks) => ks.length)`)
	t.Logf("kept after the first visit: %v tiles, %v files of the page", kept, shell)

	loseSignal(t, p, &down)
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload without signal: %v", err)
	}
	p.waitFor("the saved map to start", `!!window.partymap && document.body.classList.contains('ready')`, 30*time.Second)
	p.waitFor("the saved tiles drawn", `partymap.map.loaded() && partymap.map.queryRenderedFeatures().some((f) => f.sourceLayer === 'grids')`, 30*time.Second)
	p.waitFor("the offline badge", `!document.querySelector('.offline-badge').hidden`, 10*time.Second)
	if got := eval[string](p, `document.querySelector('.offline-badge').textContent`); got != "离线 — 显示已保存的地图" {
		t.Errorf("badge %q", got)
	}
	grids := eval[[]string](p, `[...new Set(partymap.map.queryRenderedFeatures().filter((f) => f.sourceLayer === 'grids').map((f) => f.properties.code))]`)
	if len(grids) < 3 {
		t.Errorf("without signal the map draws grids %v; want the grids it showed", grids)
	}
	p.screenshot("offline-phone.png")

	down.Store(false)
	p.waitFor("the badge gone once the server answers", `document.querySelector('.offline-badge').hidden`, 20*time.Second)
}
