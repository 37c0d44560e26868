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
