package web_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// checkLayersDrawn asks the map which features it has drawn, layer by
// layer, at the home view.
func checkLayersDrawn(t *testing.T, p *page) {
	t.Run("every layer drawn", func(t *testing.T) {
		p := p.on(t)
		layers := []string{
			"landmarks-fill", "streets-fill", "community-outline",
			"grids-fill", "grids-line", "grids-label",
			"compounds-fill", "compounds-line", "buildings-3d", "parking-fill", "parking-symbol",
			"posts-symbol", "org-poles", "org-flags", "org-flags-top", "landmarks-label-temple", "streets-label-pedestrian",
		}
		counts := eval[map[string]int](p, `(() => {
			const m = partymap.map, out = {};
			for (const id of `+jsonList(layers)+`) out[id] = m.getLayer(id) ? m.queryRenderedFeatures({ layers: [id] }).length : -1;
			return out;
		})()`)
		for _, id := range layers {
			switch n := counts[id]; {
			case n < 0:
				t.Errorf("the style has no layer %q", id)
			case n == 0:
				t.Errorf("layer %q drew nothing at the home view", id)
			}
		}
	})
}

// checkFlagsVisible: every party organization that the tiles carry at the
// home view's zoom (all but the building groups, which come from z16) and
// that stands on screen has its flag drawn.
func checkFlagsVisible(t *testing.T, p *page, srv *httptest.Server) {
	t.Run("flags visible at home", func(t *testing.T) {
		p := p.on(t)
		var want []map[string]any
		for _, f := range features(t, srv, "organizations") {
			if f.Properties["kind"] == "building_group" {
				continue
			}
			var c [2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil {
				t.Fatalf("organization %d: %v", f.ID, err)
			}
			want = append(want, map[string]any{"id": f.ID, "c": c})
		}
		// Shown: a flag of its own, or counted in a badge of the
		// co-building units' and business circle's flags where they
		// crowd (declutter.js, issue 15).
		const shown = `(async () => {
			const m = partymap.map;
			const drawn = new Set(m.queryRenderedFeatures({ layers: ['org-flags', 'org-flags-top'] }).map((f) => f.id));
			for (const f of m.queryRenderedFeatures({ layers: ['unit-flags'] })) drawn.add(f.properties.id);
			for (const b of m.queryRenderedFeatures({ layers: ['unit-flags-badge'] })) {
				for (const f of await m.getSource('unit-flags').getClusterLeaves(b.properties.cluster_id, Infinity)) drawn.add(f.properties.id);
			}
			return drawn;
		})()`
		missing := eval[[]float64](p, `(async () => {
			const m = partymap.map, canvas = m.getCanvas();
			const drawn = await `+shown+`;
			const out = [];
			for (const o of `+mustJSON(t, want)+`) {
				const pt = m.project(o.c);
				const onScreen = pt.x >= 0 && pt.y >= 0 && pt.x <= canvas.clientWidth && pt.y <= canvas.clientHeight;
				if (onScreen && !drawn.has(o.id)) out.push(o.id);
			}
			return out;
		})()`)
		if len(missing) > 0 {
			t.Errorf("organizations on screen without a drawn flag: %v", missing)
		}
		n := eval[int](p, shown+`.then((s) => s.size)`)
		if n < 40 {
			t.Errorf("%d flags drawn at the home view, want at least 40 of the %d organizations", n, len(want))
		}
	})
}

// flagScreenPoint finds where organization id's flag is drawn and tapped:
// its icon flies at the top of the pole, above the ground point, so the
// test walks up from the ground until the map says the flag is there, on
// top (a post's or car park's icon is drawn over a committee's flag where
// they meet, and a tap there means the icon).
func flagScreenPoint(t *testing.T, p *page, id int64, lonlat [2]float64) (float64, float64) {
	t.Helper()
	pt := eval[[]float64](p, fmt.Sprintf(`(() => {
		const m = partymap.map, g = m.project([%f, %f]);
		for (let dy = 0; dy < 300; dy += 2) {
			for (const dx of [8, 14, 4, 20]) {
				const x = g.x + dx, y = g.y - dy;
				const hit = m.queryRenderedFeatures([x, y], { layers: ['org-flags', 'org-flags-top'] });
				const tap = partymap.pickAt(x, y);
				if (hit.some((f) => f.id === %d) && tap?.layer === 'organizations' && tap.id === %d) return [x, y];
			}
		}
		return [];
	})()`, lonlat[0], lonlat[1], id, id))
	if len(pt) != 2 {
		t.Fatalf("organization %d's flag is not drawn above its place", id)
	}
	return pt[0], pt[1]
}

// checkFlagTap taps the street party committee's flag and reads its card:
// the name, and in the community branch's card, the parent chain.
func checkFlagTap(t *testing.T, p *page, srv *httptest.Server) {
	t.Run("tap a flag", func(t *testing.T) {
		p := p.on(t)
		for _, id := range []int64{1, 2} {
			org := feature(t, srv, "organizations", id)
			var c [2]float64
			if err := json.Unmarshal(org.Geometry.Coordinates, &c); err != nil {
				t.Fatal(err)
			}
			x, y := flagScreenPoint(t, p, id, c)
			p.click(x, y)
			name := org.Properties["name_zh"].(string)
			p.waitFor("the flag's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(name), 10*time.Second)
			if id == 2 {
				parent := feature(t, srv, "organizations", 1).Properties["name_zh"].(string)
				chain := eval[string](p, `document.querySelector('#card .card-chain')?.textContent ?? ''`)
				if !strings.Contains(chain, parent) || !strings.Contains(chain, name) {
					t.Errorf("the community branch's chain: got %q, want it to name %q then %q", chain, parent, name)
				}
				// the QR code opens the same card on a phone, in the
				// kiosk's language (links carry it, issue 15):
				// /map/?lang=zh#organizations/2 on this server
				want := p.origin() + "/map/?lang=zh#organizations/2"
				same := eval[bool](p, `import('./static/js/qr.js').then((m) => {
					const shown = document.querySelector('#card .card-qr svg');
					const box = document.createElement('div');
					box.innerHTML = m.qrSVG(`+jsString(want)+`);
					return !!shown && shown.outerHTML === box.firstElementChild.outerHTML;
				})`)
				if !same {
					t.Errorf("the kiosk card's QR code does not encode %s", want)
				}
				p.idle()
				p.screenshot("kiosk-card.png")
			}
		}
		p.clickSelector("#card .card-close")
		p.waitFor("the card to close", `!document.querySelector('#card .card')`, 5*time.Second)
	})
}

// checkGridTap finds a place on screen where a tap means a grid (no flag,
// post, building or compound there), taps it and expects the grid's leader.
func checkGridTap(t *testing.T, p *page, srv *httptest.Server) {
	t.Run("tap a grid", func(t *testing.T) {
		p := p.on(t)
		hit := eval[[]float64](p, `(() => {
			const c = partymap.map.getCanvas();
			for (let y = 140; y < c.clientHeight - 120; y += 23) {
				for (let x = 380; x < c.clientWidth - 40; x += 29) {
					const f = partymap.pickAt(x, y);
					if (f && f.layer === 'grids') return [x, y, f.id];
				}
			}
			return [];
		})()`)
		if len(hit) != 3 {
			t.Fatal("found no place on screen where a tap means a grid")
		}
		grid := feature(t, srv, "grids", int64(hit[2]))
		p.click(hit[0], hit[1])
		p.waitFor("the grid's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(grid.Properties["name_zh"].(string)), 10*time.Second)
		leader := eval[string](p, `document.querySelector('#card .fact-leader')?.textContent ?? ''`)
		for _, want := range []string{grid.Properties["leader_zh"].(string), grid.Properties["leader_phone"].(string)} {
			if !strings.Contains(leader, want) {
				t.Errorf("the grid's card says %q about its leader, want it to contain %q", leader, want)
			}
		}
		if sel := eval[bool](p, fmt.Sprintf(`!!partymap.map.getFeatureState({ source: 'partymap', sourceLayer: 'grids', id: %d }).selected`, grid.ID)); !sel {
			t.Error("the tapped grid is not highlighted")
		}
	})
}

// checkLayerToggle turns the service posts off and on from the panel.
func checkLayerToggle(t *testing.T, p *page) {
	t.Run("layer toggle", func(t *testing.T) {
		p := p.on(t)
		count := `partymap.map.queryRenderedFeatures({ layers: ['posts-symbol'] }).length`
		if n := eval[int](p, count); n == 0 {
			t.Fatal("no post is drawn before the toggle")
		}
		p.clickSelector(`.layer-toggle[data-group="posts"]`)
		p.idle()
		if n := eval[int](p, count); n != 0 {
			t.Errorf("%d posts still drawn after turning the layer off", n)
		}
		if pressed := eval[string](p, `document.querySelector('.layer-toggle[data-group="posts"]').getAttribute('aria-pressed')`); pressed != "false" {
			t.Errorf("aria-pressed: got %q, want false", pressed)
		}
		p.clickSelector(`.layer-toggle[data-group="posts"]`)
		p.idle()
		if n := eval[int](p, count); n == 0 {
			t.Error("no post drawn after turning the layer back on")
		}
		// the level view: only the street committee at level 1
		p.clickSelector(`.level-step[data-level="1"]`)
		p.idle()
		levels := eval[[]float64](p, `[...new Set(partymap.map.queryRenderedFeatures({ layers: ['org-flags', 'org-flags-top'] }).map((f) => f.properties.level))]`)
		if len(levels) != 1 || levels[0] != 1 {
			t.Errorf("levels drawn in the street view: got %v, want [1]", levels)
		}
		p.clickSelector(`.level-step[data-level="4"]`)
		p.waitFor("the building view to come close", `!partymap.map.isMoving() && partymap.map.getZoom() >= 16`, 10*time.Second)
		p.idle()
		if n := eval[int](p, `partymap.map.queryRenderedFeatures({ layers: ['org-flags'], filter: ['==', ['get', 'kind'], 'building_group'] }).length`); n == 0 {
			t.Error("the building view shows no building party group")
		}
		eval[bool](p, `(partymap.home(), true)`)
		p.waitFor("the way home", `!partymap.map.isMoving()`, 10*time.Second)
	})
}

// checkLanguage switches to English and back: page, labels and card.
func checkLanguage(t *testing.T, p *page, srv *httptest.Server) {
	t.Run("language", func(t *testing.T) {
		p := p.on(t)
		grid := feature(t, srv, "grids", 1)
		eval[bool](p, `partymap.openCard('grids', 1).then(() => true)`)
		p.waitFor("the grid's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(grid.Properties["name_zh"].(string)), 10*time.Second)
		p.clickSelector("#lang")
		p.waitFor("English", `document.documentElement.lang === 'en'`, 5*time.Second)
		p.idle()
		if got := eval[string](p, `document.querySelector('#card .card-title').textContent`); got != grid.Properties["name_en"] {
			t.Errorf("card title in English: got %q, want %q", got, grid.Properties["name_en"])
		}
		if got := eval[string](p, `document.querySelector('.layer-toggle[data-group="grids"] .layer-name').textContent`); got != "Grids" {
			t.Errorf("panel in English: got %q, want Grids", got)
		}
		labels := eval[[]string](p, `partymap.map.queryRenderedFeatures({ layers: ['grids-label'] }).map((f) => String(f.layer.layout['text-field']))`)
		if len(labels) == 0 || !strings.HasPrefix(labels[0], "Grid ") {
			t.Errorf("grid labels in English: got %q, want names like \"Grid 1\"", labels)
		}
		p.clickSelector("#lang")
		p.waitFor("Chinese", `document.documentElement.lang === 'zh-CN'`, 5*time.Second)
		p.idle()
		labels = eval[[]string](p, `partymap.map.queryRenderedFeatures({ layers: ['grids-label'] }).map((f) => String(f.layer.layout['text-field']))`)
		if len(labels) == 0 || !strings.Contains(labels[0], "网格") {
			t.Errorf("grid labels in Chinese: got %q, want names like 第一网格", labels)
		}
		p.clickSelector("#card .card-close")
	})
}

func jsonList(list []string) string {
	b, _ := json.Marshal(list)
	return string(b)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
