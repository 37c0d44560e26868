package web_test

import (
	"net/http"
	"testing"
	"time"

	"partymap/internal/testdb"
)

// A page that uses nothing of ours but MapLibre and the style's URL, as
// any site embedding the map would: the style draws the same map there,
// its icons from the server's sprite (no image missing) and every source
// the server's (the flags' poles and the areas' labels included), with no
// help from the viewer's code.
func TestStyle_rendersInAnyMapLibre(t *testing.T) {
	const html = `<!doctype html><html><head><meta charset="utf-8">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/maplibre-gl/maplibre-gl.css">
<style>html,body,#map{margin:0;height:100%}</style>
<script type="module" src="/plain-maplibre.js"></script></head><body><div id="map"></div></body></html>`
	const js = `import { Map } from '/static/vendor/maplibre-gl/maplibre-gl.mjs';
const missing = [];
const map = new Map({ container: 'map', style: '/style.json' });
map.on('styleimagemissing', (e) => missing.push(e.id));
window.plain = { map, missing };`
	db, _ := testdb.Open(t, harness)
	srv := startServerOn(t, db, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/plain-maplibre.html":
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(html))
			case "/plain-maplibre.js":
				w.Header().Set("Content-Type", "text/javascript")
				_, _ = w.Write([]byte(js))
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	p := openPage(t, startBrowser(t), srv, "/plain-maplibre.html", 1200, 900, false)
	p.waitFor("the map", `!!window.plain && window.plain.map.loaded()`, 60*time.Second)
	p.settle("window.plain.map")
	if missing := eval[[]string](p, `window.plain.missing`); len(missing) > 0 {
		t.Errorf("MapLibre misses the icons %v: the sprite must hold every icon the style names", missing)
	}
	for _, layer := range []string{"org-flags", "org-poles", "grids-label", "posts-symbol", "buildings-3d", "grids-fill"} {
		n := eval[int](p, `window.plain.map.queryRenderedFeatures({ layers: ['`+layer+`'] }).length`)
		if n == 0 {
			t.Errorf("layer %s draws nothing in a plain MapLibre", layer)
		}
	}
	if n := eval[int](p, `window.plain.map.listImages().filter((id) => id.startsWith('flag-') || id.startsWith('post-')).length`); n == 0 {
		t.Errorf("no sprite image loaded")
	}
	p.screenshot("plain-maplibre.png")
	p.checkClean()
}

// The OGC API's HTML page of a page of items shows the features in a
// small map (ogc-map.js: the map's style and the page's GeoJSON), under
// the page's Content Security Policy.
func TestOGCPages_smallMap(t *testing.T) {
	srv := startServer(t)
	p := openPage(t, startBrowser(t), srv, "/collections/buildings/items?f=html&limit=20&filter=floors%20%3E%203", 1000, 800, false)
	p.waitFor("the small map", `document.getElementById('ogc-map')?.dataset.ready !== undefined`, 60*time.Second)
	if n := eval[int](p, `Number(document.getElementById('ogc-map').dataset.ready)`); n != 20 {
		t.Errorf("the small map draws %d features, want the page's 20", n)
	}
	if rows := eval[int](p, `document.querySelectorAll('table tbody tr').length`); rows != 20 {
		t.Errorf("the table has %d rows, want 20", rows)
	}
	if next := eval[string](p, `document.querySelector('a[rel=next]')?.getAttribute('href') || ''`); next == "" {
		t.Errorf("no next link on the page")
	}
	p.screenshot("ogc-items-page.png")
	p.checkClean()
}
