package web_test

import (
	"strings"
	"testing"
	"time"
)

// TestKioskReset_restoresEverything: a visitor switches the kiosk to
// English and uses Find (the map moves and loads tiles); when the kiosk
// resets after its idle time, the map's labels are Chinese again under the
// Chinese panel (they stayed English in 3 of 3 tries before, issue 15).
func TestKioskReset_restoresEverything(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/kiosk?idle=4", 1920, 1080, false)
	p.waitReady()
	p.clickSelector("#lang")
	p.waitFor("English", `document.documentElement.lang === 'en'`, 5*time.Second)
	p.clickSelector("#find")
	p.waitFor("the service buttons", `!!document.querySelector('.finder-service[data-service="water"]')`, 10*time.Second)
	p.clickSelector(`.finder-service[data-service="water"]`)
	p.waitFor("the results", `document.querySelectorAll('.finder-result').length > 0`, 15*time.Second)
	p.clickSelector(".finder-result-button")
	p.waitFor("the walk", `!!document.querySelector('.route-summary')`, 15*time.Second)
	// untouched: the reset comes, the map flies home
	p.waitFor("the reset", `document.documentElement.lang === 'zh-CN' && document.getElementById('card').hidden && document.getElementById('find-sheet').hidden`, 20*time.Second)
	p.waitFor("the flight home", `!partymap.map.isMoving()`, 15*time.Second)
	p.idle()
	labels := eval[[]string](p, `partymap.map.queryRenderedFeatures({ layers: ['grids-label'] }).map((f) => String(f.layer.layout['text-field']))`)
	if len(labels) == 0 {
		t.Fatal("no grid label drawn after the reset")
	}
	for _, l := range labels {
		if !strings.Contains(l, "网格") {
			t.Errorf("after the reset a grid is labelled %q, want Chinese (第…网格)", l)
		}
	}
	if got := eval[bool](p, `(async () => { const d = await partymap.map.getSource('walk-route').getData(); return !!d.geometry || (d.features || []).length > 0; })()`); got {
		t.Error("the last visitor's walk is still on the map after the reset")
	}
	p.checkClean()
}

// TestFirstVisit_inThePhonesLanguage: an English phone opening the map for
// the first time reads it in English; a shared link carries its language.
func TestFirstVisit_inThePhonesLanguage(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPageIn(t, bctx, srv, "/map#posts/3", 390, 844, true, "en-US,en")
	p.waitReady()
	p.waitFor("English", `document.documentElement.lang === 'en'`, 5*time.Second)
	p.waitFor("the card in English", `document.querySelector('#card .card-title')?.textContent === 'Party Service Cabin (Mid-Street)'`, 10*time.Second)
	// a link shared from a Chinese page opens in Chinese on this phone
	q := openPageIn(t, bctx, srv, "/map/?lang=zh#posts/3", 390, 844, true, "en-US,en")
	q.waitReady()
	q.waitFor("Chinese", `document.documentElement.lang === 'zh-CN'`, 5*time.Second)
	// the layers replace an open card on a phone, not open beneath it
	// (they are behind the top bar's menu, topbar.js)
	p.clickSelector("#more")
	p.clickSelector("#layers")
	p.waitFor("the layers on top", `(() => { const r = document.getElementById('layers-sheet').getBoundingClientRect(); const e = document.elementFromPoint(r.left + r.width / 2, r.top + 30); return r.height > 0 && document.getElementById('layers-sheet').contains(e) && document.getElementById('card').hidden; })()`, 5*time.Second)
	p.checkClean()
}
