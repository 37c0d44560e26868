package web_test

import (
	"testing"
	"time"
)

// flagLayers are the style's and the viewer's layers that draw party
// flags: the street committee's and community branch's on top, the
// others beneath every label and icon, the co-building units and the
// business circle gathered into badges where they crowd (declutter.js).
var flagLayers = []string{"org-flags", "unit-flags", "unit-flags-badge", "unit-flags-count"}

// labelLayers must never be hidden under a flag.
var labelLayers = []string{"grids-label", "streets-label-pedestrian", "posts-symbol", "parking-symbol"}

// committeeLayers draw the street committee's and the community branch's
// flags, on top of the others; aboveCommittees are drawn over them all the
// same (the street's name and the icons: where one meets a committee's
// flag it stays whole).
var (
	committeeLayers = []string{"org-flags-top"}
	aboveCommittees = []string{"streets-label-pedestrian", "posts-symbol", "parking-symbol"}
)

// TestCalmHomeView opens the kiosk's home view at 1920×1080 and the
// phone's at 390×844 and checks that the flags leave the grid names, the
// street's name and the icons readable.
func TestCalmHomeView(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	for _, tc := range []struct {
		name, path    string
		width, height int64
		mobile        bool
	}{
		{"kiosk", "/kiosk", 1920, 1080, false},
		{"phone", "/map", 390, 844, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openPage(t, bctx, srv, tc.path, tc.width, tc.height, tc.mobile)
			p.waitReady()
			p.idle()
			// Every label layer is drawn above every flag layer but the
			// two committees': a flag never covers a name or an icon.
			order := eval[map[string]float64](p, `Object.fromEntries(partymap.map.getStyle().layers.map((l, i) => [l.id, i]))`)
			for _, f := range flagLayers {
				fi, ok := order[f]
				if !ok {
					t.Errorf("the map has no layer %s", f)
					continue
				}
				for _, l := range labelLayers {
					if li, ok := order[l]; !ok || li < fi {
						t.Errorf("%s (at %v) is drawn beneath the flags of %s (at %v)", l, order[l], f, fi)
					}
				}
			}
			// Every grid whose label point shows has its name drawn.
			// (polled for a few seconds: on a loaded machine the labels are
			// placed a frame or two after the map says it is idle)
			var missing []string
			for deadline := time.Now().Add(5 * time.Second); ; {
				missing = eval[[]string](p, `(() => {
				const m = partymap.map, c = m.getContainer();
				const drawn = new Set(m.queryRenderedFeatures({ layers: ['grids-label'] }).map((f) => f.properties.code));
				const side = document.documentElement.dataset.mode === 'kiosk' ? 270 : 0;
				const out = [];
				for (const f of m.querySourceFeatures('partymap', { sourceLayer: 'labels', filter: ['==', ['get', 'layer'], 'grids'] })) {
					const q = m.project(f.geometry.coordinates);
					if (q.x < side + 20 || q.y < 90 || q.x > c.clientWidth - 20 || q.y > c.clientHeight - 20) continue;
					if (!drawn.has(f.properties.code)) out.push(f.properties.code);
				}
				return [...new Set(out)];
			})()`)
				if len(missing) == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(250 * time.Millisecond)
			}
			if len(missing) > 0 {
				t.Errorf("grid names not drawn though their place shows: %v", missing)
			}
			// The committees' flags are drawn over every other flag and
			// label, and take part in placement: nothing they cover is a
			// grid's name (their rendered boxes, flag and name, meet no
			// grid name's). The street's name and the posts' and car
			// parks' icons are placed before them and drawn over them.
			if c := eval[[]string](p, coveredJS(committeeLayers, []string{"grids-label"})); len(c) > 0 {
				t.Errorf("a committee's flag covers a grid's name: %v", c)
			}
			if tc.name == "kiosk" {
				// "您在这里" stands over the map: no label is drawn under it
				if c := eval[[]string](p, underHereJS); len(c) > 0 {
					t.Errorf("labels drawn under 您在这里: %v", c)
				}
				// in English too, where the committees' names are long
				p.clickSelector("#lang")
				p.waitFor("English labels", `partymap.lang() === 'en'`, 5*time.Second)
				p.idle()
				if c := eval[[]string](p, coveredJS(committeeLayers, []string{"grids-label"})); len(c) > 0 {
					t.Errorf("in English a committee's flag covers a grid's name: %v", c)
				}
				if c := eval[[]string](p, underHereJS); len(c) > 0 {
					t.Errorf("labels drawn under You are here: %v", c)
				}
				p.screenshot("tap-kiosk-home-en.png")
				p.clickSelector("#lang")
				p.waitFor("Chinese labels", `partymap.lang() === 'zh'`, 5*time.Second)
				p.idle()
			}
			for _, l := range aboveCommittees {
				for _, f := range committeeLayers {
					if order[l] < order[f] {
						t.Errorf("%s (at %v) is drawn beneath the committees' flags %s (at %v)", l, order[l], f, order[f])
					}
				}
			}
			if c := eval[[]string](p, coveredJS(committeeLayers, aboveCommittees)); len(c) > 0 {
				t.Logf("%s: a committee's flag meets (beneath them) %v", tc.name, c)
			}
			// Crowded unit flags are gathered: no two drawn within 36 px.
			crowd := eval[float64](p, `(() => {
				const m = partymap.map;
				const pts = m.queryRenderedFeatures({ layers: ['unit-flags', 'unit-flags-badge'].filter((id) => m.getLayer(id)) })
					.map((f) => m.project(f.geometry.coordinates));
				let n = 0;
				for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++) if (Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y) < 36) n++;
				return n;
			})()`)
			if crowd > 0 {
				t.Errorf("%v pairs of co-building unit flags or badges are drawn within 36 px of each other", crowd)
			}
			badges := eval[[]float64](p, `partymap.map.queryRenderedFeatures({ layers: ['unit-flags-badge'].filter((id) => partymap.map.getLayer(id)) }).map((f) => f.properties.point_count)`)
			t.Logf("%s home view: unit badges with counts %v", tc.name, badges)
			p.screenshot("calm-" + tc.name + "-home.png")
			p.screenshot("tap-" + tc.name + "-home.png") // the same view, after issue 15's taps and labels
			p.checkClean()
		})
	}
}

// underHereJS lists the labels the map placed (their collision boxes, as
// queryRenderedFeatures answers) where the kiosk's "you are here" marker
// stands, by layer and name. Texts that take no part in placement (a
// badge's count, drawn on its circle wherever it stands) are left out.
const underHereJS = `(() => {
	const m = partymap.map, r = document.querySelector('.here').getBoundingClientRect(), c = m.getCanvas().getBoundingClientRect();
	const layers = m.getStyle().layers.filter((l) => l.type === 'symbol' && l.id !== 'here-room'
		&& m.getLayoutProperty(l.id, 'text-field') !== undefined && m.getLayoutProperty(l.id, 'text-allow-overlap') !== true).map((l) => l.id);
	return m.queryRenderedFeatures([[r.left - c.left, r.top - c.top], [r.right - c.left, r.bottom - c.top]], { layers })
		.filter((f) => f.layer.layout?.['text-field']?.sections?.some((s) => s.text))
		.map((f) => f.layer.id + ':' + (f.properties.name_zh ?? f.properties.label ?? f.id));
})()`

// coveredJS finds, in the page's map, every place where a symbol of one
// of the layers over (the flag icon or its label, as the map placed them:
// their collision boxes, which queryRenderedFeatures answers from) meets a
// symbol of the layers under: a list of "over-name / under-name" pairs.
// It sweeps the screen in strips of 2 px and, where a strip holds both,
// asks at every other pixel of it which symbols cover that point.
func coveredJS(over, under []string) string {
	return `(() => {
	const m = partymap.map, W = m.getCanvas().clientWidth, H = m.getCanvas().clientHeight;
	const over = ` + jsList(over) + `.filter((id) => m.getLayer(id)), under = ` + jsList(under) + `.filter((id) => m.getLayer(id));
	const layers = [...over, ...under];
	const name = (f) => f.layer.id + ':' + (f.properties.name_zh ?? f.properties.code ?? f.properties.id ?? f.id);
	const found = new Set();
	for (let y = 0; y < H; y += 2) {
		const strip = m.queryRenderedFeatures([[0, y], [W, y + 2]], { layers });
		if (!strip.some((f) => over.includes(f.layer.id)) || !strip.some((f) => under.includes(f.layer.id))) continue;
		for (let x = 0; x < W; x += 2) {
			const cell = m.queryRenderedFeatures([x + 1, y + 1], { layers });
			for (const a of cell.filter((f) => over.includes(f.layer.id)))
				for (const b of cell.filter((f) => under.includes(f.layer.id))) found.add(name(a) + ' / ' + name(b));
		}
	}
	return [...found];
})()`
}

// jsList quotes a list of strings for JavaScript.
func jsList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += jsString(v)
	}
	return out + "]"
}
