package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestViewer drives the public map in one headless Chromium: the kiosk at
// 1600×900 and a phone at 390×844, against the real server and database.
func TestViewer(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)

	t.Run("kiosk", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/kiosk", 1600, 900, false)
		took := p.waitReady()
		t.Logf("kiosk: load to idle %v", took.Round(time.Millisecond))
		if took > 10*time.Second {
			t.Errorf("the kiosk map went idle %v after loading, want under 5 s (10 s allowed on a busy machine)", took)
		}
		if mode := eval[string](p, `document.documentElement.dataset.mode`); mode != "kiosk" {
			t.Errorf("mode: got %q, want kiosk", mode)
		}
		if lang := eval[string](p, `document.documentElement.lang`); lang != "zh-CN" {
			t.Errorf("html lang: got %q, want zh-CN (Chinese by default)", lang)
		}
		p.screenshot("kiosk-home.png")
		// software rendering: once idle, the map must not draw again
		frames := eval[int](p, `new Promise((resolve) => {
			let n = 0;
			const count = () => { n++; };
			partymap.map.on('render', count);
			setTimeout(() => { partymap.map.off('render', count); resolve(n); }, 1500);
		})`)
		if frames != 0 {
			t.Errorf("the idle kiosk drew %d frames in 1.5 s, want none", frames)
		}
		checkLayersDrawn(t, p)
		checkFlagsVisible(t, p, srv)
		checkFlagTap(t, p, srv)
		checkGridTap(t, p, srv)
		checkLayerToggle(t, p)
		checkLanguage(t, p, srv)
		p.checkClean()
	})

	t.Run("idle reset", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/kiosk?idle=2", 1280, 800, false)
		p.waitReady()
		home := eval[[]float64](p, `(() => { const m = partymap.map, c = m.getCenter(); return [c.lng, c.lat, m.getZoom(), m.getBearing(), m.getPitch()]; })()`)
		// a visitor zooms in and taps a grid, then walks away
		p.clickSelector(".cam-zoom-in")
		p.waitFor("the zoom", `!partymap.map.isMoving() && partymap.map.getZoom() > `+fmt.Sprint(home[2]+0.5), 10*time.Second)
		hit := eval[[]float64](p, `(() => {
			const c = partymap.map.getCanvas();
			for (let y = 100; y < c.clientHeight - 100; y += 17) {
				for (let x = 380; x < c.clientWidth - 40; x += 23) {
					const f = partymap.pickAt(x, y);
					if (f) return [x, y];
				}
			}
			return [];
		})()`)
		if len(hit) != 2 {
			t.Fatal("found nothing to tap")
		}
		p.click(hit[0], hit[1])
		p.waitFor("the card to open", `!!document.querySelector('#card .card-title')`, 10*time.Second)
		p.waitFor("the idle reset", `!document.querySelector('#card .card') && !partymap.map.isMoving() && Math.abs(partymap.map.getZoom() - `+fmt.Sprint(home[2])+`) < 0.01`, 15*time.Second)
		got := eval[[]float64](p, `(() => { const m = partymap.map, c = m.getCenter(); return [c.lng, c.lat, m.getZoom(), m.getBearing(), m.getPitch()]; })()`)
		for i, name := range []string{"lon", "lat", "zoom", "bearing", "pitch"} {
			if math.Abs(got[i]-home[i]) > 1e-4 {
				t.Errorf("after the idle reset %s: got %v, want %v (home)", name, got[i], home[i])
			}
		}
		p.checkClean()
	})

	t.Run("deep link", func(t *testing.T) {
		want := feature(t, srv, "posts", 3)
		p := openPage(t, bctx, srv, "/map/#posts/3", 390, 844, true)
		p.waitReady()
		p.waitFor("the deep-linked card", `document.querySelector('#card .card-title')?.textContent === `+jsString(want.Properties["name_zh"].(string)), 15*time.Second)
		if hash := eval[string](p, `location.hash`); hash != "#posts/3" {
			t.Errorf("hash: got %q, want #posts/3", hash)
		}
		// the card's address stays on this page (a reload opens the map
		// with its card, not the site's root)
		if at := eval[string](p, `location.pathname`); at != "/map/" {
			t.Errorf("with the card open the address is %q, want /map/", at)
		}
		if share := eval[int](p, `document.querySelectorAll('#card .card-share').length`); share != 1 {
			t.Errorf("the phone card has %d share buttons, want 1", share)
		}
		p.idle()
		p.screenshot("phone-card.png")
		p.checkClean()
	})

	t.Run("phone", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/map/", 390, 844, true)
		took := p.waitReady()
		t.Logf("phone: load to idle %v", took.Round(time.Millisecond))
		if n := eval[int](p, `partymap.map.queryRenderedFeatures({ layers: ['org-flags', 'org-flags-top'] }).length`); n == 0 {
			t.Error("the phone shows no flag at its home view")
		}
		p.screenshot("phone.png")
		p.clickSelector("#layers")
		p.waitFor("the layer sheet", `getComputedStyle(document.getElementById('layers-sheet')).display !== 'none'`, 5*time.Second)
		p.screenshot("phone-layers.png")
		p.checkClean()
	})
}

// item is a GeoJSON feature from the OGC API.
type item struct {
	ID         int64          `json:"id"`
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// feature reads one feature through the OGC API.
func feature(t *testing.T, srv *httptest.Server, layer string, id int64) item {
	t.Helper()
	var f item
	getJSON(t, srv, fmt.Sprintf("/collections/%s/items/%d", layer, id), &f)
	return f
}

// features reads a whole layer through the OGC API.
func features(t *testing.T, srv *httptest.Server, layer string) []item {
	t.Helper()
	var fc struct {
		Features []item `json:"features"`
	}
	getJSON(t, srv, "/collections/"+layer+"/items?limit=1000", &fc)
	return fc.Features
}

func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Accept", "application/geo+json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
