package web_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sizesJS gives, for each symbol layer named, the smallest text size
// (px) of its labels drawn now, as the map evaluated the style at this
// zoom for each feature; a layer with no label drawn is left out.
const sizesJS = `(() => {
	const m = partymap.map, out = {};
	for (const f of m.queryRenderedFeatures({ layers: LAYERS.filter((id) => m.getLayer(id)) })) {
		const l = f.layer.layout || {};
		const text = l['text-field']?.sections?.map((s) => s.text).join('') ?? '';
		if (!text) continue;
		const size = Number(l['text-size']);
		out[f.layer.id] = Math.min(out[f.layer.id] ?? Infinity, size);
	}
	return out;
})()`

// readLayers are the labels a visitor reads on the map.
var readLayers = []string{"streets-label", "streets-label-pedestrian", "posts-symbol", "parking-symbol", "compounds-label", "grids-label", "org-flags-top", "landmarks-label"}

// runTimeSizes gives the text size of each label layer the page adds once
// it runs (today's activities, the grids' open orders), as laid out.
func runTimeSizes(p *page) map[string]float64 {
	const layers = `['activities-today-label', 'grid-order-counts']`
	p.waitFor("the labels added at run time", layers+`.every((id) => !!partymap.map.getLayer(id))`, 15*time.Second)
	return eval[map[string]float64](p, `Object.fromEntries(`+layers+`.map((id) => [id, Number(partymap.map.getLayoutProperty(id, 'text-size'))]))`)
}

// TestLabels_readableOnTheKiosk: the kiosk's labels (streets, posts,
// compounds, car parks, "您在这里") are at least 16 px for reading
// standing a metre from the screen, grid names larger, as the map
// evaluates its style at run time; the phone keeps its smaller sizes.
func TestLabels_readableOnTheKiosk(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	sizes := func(p *page) map[string]float64 {
		// close in on the pedestrian street, where every kind of label shows
		eval[bool](p, `(partymap.map.jumpTo({ center: [110.0998, 34.5745], zoom: 16.8 }), true)`)
		p.idle()
		return eval[map[string]float64](p, `(() => { const LAYERS = `+jsList(readLayers)+`; return `+sizesJS+`; })()`)
	}
	k := openPage(t, bctx, srv, "/kiosk", 1920, 1080, false)
	k.waitReady()
	kiosk := sizes(k)
	t.Logf("kiosk label sizes: %v", kiosk)
	for _, l := range readLayers {
		s, ok := kiosk[l]
		if !ok {
			if l != "landmarks-label" {
				t.Errorf("no label of %s drawn on the kiosk at zoom 16.8 near the street", l)
			}
			continue
		}
		want := 16.0
		if l == "grids-label" {
			want = 20
		}
		if s < want {
			t.Errorf("%s labels are %.1f px on the kiosk, want at least %.0f", l, s, want)
		}
	}
	if px := eval[float64](k, `parseFloat(getComputedStyle(document.querySelector('.here-label')).fontSize)`); px < 16 {
		t.Errorf("您在这里 is %.1f px on the kiosk, want at least 16", px)
	}
	for id, px := range runTimeSizes(k) {
		if px < 16 {
			t.Errorf("%s, added at run time, is %.1f px on the kiosk, want at least 16", id, px)
		}
	}
	k.screenshot("tap-kiosk-labels.png")
	k.checkClean()

	ph := openPage(t, bctx, srv, "/map/", 390, 844, true)
	ph.waitReady()
	phone := sizes(ph)
	t.Logf("phone label sizes: %v", phone)
	if s, ok := phone["streets-label"]; !ok || s >= 16 {
		t.Errorf("the phone's street labels are %v px, want the style's own (under 16)", s)
	}
	for id, px := range runTimeSizes(ph) {
		if px >= 16 {
			t.Errorf("%s, added at run time, is %.1f px on the phone, want its own size (under 16)", id, px)
		}
	}
	ph.checkClean()
}

// TestTap_committeeCards: the street committee's card (岳庙街道党工委)
// shows its own level, the subdistrict, and what it leads, not the grid
// its office happens to stand in nor that grid's leader; the community
// branch's card shows its community and its branches; a grid's branch
// still names its grid.
func TestTap_committeeCards(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/kiosk", 1920, 1080, false)
	p.waitReady()
	card := func(id int, name string) string {
		eval[bool](p, `partymap.openCard('organizations', `+strconv.Itoa(id)+`).then(() => true)`)
		p.waitFor("the card of "+name, `document.querySelector('#card .card-title')?.textContent === `+jsString(name)+` && document.querySelector('#card .card-facts') !== null`, 10*time.Second)
		return eval[string](p, `document.querySelector('#card .card-facts').innerText`)
	}
	for _, tc := range []struct {
		id          int
		name        string
		want, never []string
	}{
		{1, "岳庙街道党工委", []string{"所属街道", "岳庙街道", "下辖", "西岳社区党总支"}, []string{"网格长", "XY08", "第八网格"}},
		{2, "西岳社区党总支", []string{"所属社区", "西岳社区", "下辖", "网格党支部 15 个", "共建单位 27 个"}, []string{"网格长", "XY04", "第四网格"}},
		{6, "第四网格党支部", []string{"第四网格 · XY04", "网格长"}, nil},
	} {
		text := card(tc.id, tc.name)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("the card of %s does not say %q:\n%s", tc.name, w, text)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(text, n) {
				t.Errorf("the card of %s says %q, as if it belonged to a grid:\n%s", tc.name, n, text)
			}
		}
		if tc.id == 1 {
			p.idle()
			p.screenshot("tap-committee-card.png")
		}
	}
	// the community named on the branch's card opens
	card(2, "西岳社区党总支")
	p.clickSelector(`#card .card-facts .card-link`)
	p.waitFor("the community's card", `document.querySelector('#card .card-title')?.textContent === '西岳社区'`, 10*time.Second)
	p.checkClean()
}

// TestTap_choice: on the kiosk's home view a tap on a grid's middle (its
// name's point, a building or compound under it) offers a choice naming
// the grid and what stands there, each by kind; picking one opens its
// card. A tap on a grid's name where nothing else is opens the grid at
// once.
func TestTap_choice(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	for _, tc := range []struct {
		name, path    string
		width, height int64
		mobile        bool
		side          int // the kiosk's column covers the map's left
	}{
		{"kiosk", "/kiosk", 1920, 1080, false, 400},
		{"phone", "/map/", 390, 844, true, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkChoice(t, openPage(t, bctx, srv, tc.path, tc.width, tc.height, tc.mobile), srv, tc.name, tc.side)
		})
	}
}

// checkChoice taps a grid's middle and a grid's name on the page's home view.
func checkChoice(t *testing.T, p *page, srv *httptest.Server, name string, side int) {
	p.waitReady()
	p.idle()
	// a grid whose label point lies on a building or in a compound
	mid := eval[map[string]any](p, `(() => { const SIDE = `+strconv.Itoa(side)+`;
		const m = partymap.map, c = m.getCanvas();
		for (const f of m.querySourceFeatures('partymap', { sourceLayer: 'labels', filter: ['==', ['get', 'layer'], 'grids'] })) {
			const q = m.project(f.geometry.coordinates);
			if (q.x < SIDE || q.y < 100 || q.x > c.clientWidth - 30 || q.y > c.clientHeight - 150) continue;
			const under = m.queryRenderedFeatures([q.x, q.y], { layers: ['buildings-3d', 'compounds-fill'] })[0];
			if (!under) continue;
			const hit = partymap.pickAt(q.x, q.y);
			return { x: q.x, y: q.y, grid: f.properties.id, name: f.properties.name_zh, layer: under.sourceLayer, id: under.id, hit };
		}
		return null;
	})()`)
	if mid == nil {
		t.Fatal("no grid on the home view has its middle on a building or in a compound")
	}
	t.Logf("grid %v's middle: %v", mid["name"], mid["hit"])
	p.click(mid["x"].(float64), mid["y"].(float64))
	p.waitFor("the choice", `!!document.querySelector('#card .card-choice')`, 10*time.Second)
	p.idle()
	if !eval[bool](p, `(() => { const r = document.querySelector('#card .card-choice').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; })()`) {
		t.Error("the choice does not fit on the screen")
	}
	if name == "kiosk" {
		p.screenshot("tap-choice.png")
	} else {
		p.screenshot("tap-choice-" + name + ".png")
	}
	items := eval[[]map[string]string](p, `[...document.querySelectorAll('#card .tap-choice-item')].map((b) => ({ layer: b.dataset.layer, id: b.dataset.id, text: b.innerText.replace(/\s+/g, ' ') }))`)
	title := eval[string](p, `document.querySelector('#card .card-title').textContent`)
	if want := "这里有 " + strconv.Itoa(len(items)) + " 个地方"; title != want {
		t.Errorf("the choice says %q, want %q", title, want)
	}
	gridID := strconv.Itoa(int(mid["grid"].(float64)))
	layer, id := mid["layer"].(string), strconv.Itoa(int(mid["id"].(float64)))
	kind := map[string]string{"buildings": "楼栋", "compounds": "小区"}[layer]
	var gotGrid, gotArea bool
	for _, it := range items {
		switch {
		case it["layer"] == "grids" && it["id"] == gridID:
			gotGrid = strings.Contains(it["text"], mid["name"].(string)) && strings.Contains(it["text"], "网格")
		case it["layer"] == layer && it["id"] == id:
			gotArea = strings.Contains(it["text"], kind)
		}
	}
	if !gotGrid || !gotArea {
		t.Errorf("the choice lists %v; want the grid %s and the %s %s under it, each with its kind and name", items, gridID, layer, id)
	}
	p.clickSelector(`#card .tap-choice-item[data-layer="` + layer + `"][data-id="` + id + `"]`)
	picked := feature(t, srv, layer, int64(mid["id"].(float64)))
	p.waitFor("the card picked", `document.querySelector('#card .card-title')?.textContent === `+jsString(picked.Properties["name_zh"].(string)), 10*time.Second)
	if sel := eval[bool](p, `!!partymap.map.getFeatureState({ source: 'partymap', sourceLayer: `+jsString(layer)+`, id: `+id+` }).selected`); !sel {
		t.Errorf("the %s picked is not highlighted", layer)
	}
	p.clickSelector("#card .card-close")
	p.waitFor("the card to close", `!document.querySelector('#card .card')`, 5*time.Second)

	// a tap on a grid's name, where nothing but the grid is, opens it
	at := eval[[]float64](p, `(() => {
		const m = partymap.map, SIDE = `+strconv.Itoa(side)+`;
		for (const f of m.queryRenderedFeatures({ layers: ['grids-label'] })) {
			const q = m.project(f.geometry.coordinates);
			for (let dy = -30; dy <= 30; dy += 3) for (let dx = -60; dx <= 60; dx += 3) {
				const x = q.x + dx, y = q.y + dy;
				if (x < SIDE || y < 90) continue;
				const on = m.queryRenderedFeatures([x, y], { layers: ['grids-label'] }).some((g) => g.properties.id === f.properties.id);
				const under = m.queryRenderedFeatures([x, y], { layers: ['compounds-fill', 'buildings-3d', 'parking-fill', 'landmarks-fill'] }).length;
				const hit = partymap.pickAt(x, y);
				if (on && !under && hit && hit.layer === 'grids' && hit.id === f.properties.id) return [x, y, hit.id];
			}
		}
		return [];
	})()`)
	if len(at) != 3 {
		t.Fatal("no grid name on the home view stands clear of everything else")
	}
	grid := feature(t, srv, "grids", int64(at[2]))
	p.click(at[0], at[1])
	p.waitFor("the grid's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(grid.Properties["name_zh"].(string)), 10*time.Second)
	p.checkClean()
}

// TestTap_selectionOnTop: the place whose card is open is drawn over
// everything the map draws (flags, their poles, other icons and labels)
// and the walk's end marker stands above it, not over it: a post chosen
// by "Take me there", and a grid's branch whose flag flies among others.
func TestTap_selectionOnTop(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/kiosk", 1920, 1080, false)
	p.waitReady()
	order := eval[map[string]float64](p, `Object.fromEntries(partymap.map.getStyle().layers.map((l, i) => [l.id, i]))`)
	for _, sel := range []string{"posts-selected-halo", "posts-selected-top", "org-selected-top"} {
		for id, i := range order {
			if _, ok := order[sel]; !ok {
				t.Fatalf("the style has no layer %s", sel)
			}
			if i > order[sel] && !strings.HasSuffix(id, "-top") && !strings.HasSuffix(id, "-halo") {
				t.Errorf("%s (at %v) is drawn over the selection's %s (at %v)", id, i, sel, order[sel])
			}
		}
	}

	eval[bool](p, `partymap.walkTo('posts', 3).then(() => true)`)
	p.waitFor("the walk framed", `!!partymap.map.getContainer().dataset.routeFramed`, 20*time.Second)
	p.idle()
	// the post is drawn on top where it stands, with its name
	top := eval[[]string](p, `(() => {
		const m = partymap.map, f = m.querySourceFeatures('partymap', { sourceLayer: 'posts', filter: ['==', ['id'], 3] })[0];
		const q = m.project(f.geometry.coordinates);
		return m.queryRenderedFeatures([q.x, q.y]).map((g) => g.layer.id);
	})()`)
	if len(top) == 0 || top[0] != "posts-selected-top" {
		t.Errorf("at the chosen post the map draws %v on top, want the selection (posts-selected-top)", top)
	}
	// the end marker covers none of the post's icon or name
	under := eval[float64](p, `(() => {
		const m = partymap.map, r = document.querySelector('.walk-finish').getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();
		let n = 0;
		for (let y = r.top; y <= r.bottom; y += 2) for (let x = r.left; x <= r.right; x += 2) {
			if (m.queryRenderedFeatures([x - c.left, y - c.top], { layers: ['posts-selected-top'] }).length) n++;
		}
		return n;
	})()`)
	if under > 0 {
		t.Errorf("the walk's end marker covers the chosen post's icon or name at %v points", under)
	}
	p.screenshot("tap-selected-post.png")

	// a grid branch's flag, drawn beneath labels and the committees' flags,
	// comes to the top when its card is open
	eval[bool](p, `partymap.openCard('organizations', 6).then(() => true)`)
	p.idle()
	if n := eval[float64](p, `partymap.map.queryRenderedFeatures({ layers: ['org-selected-top'] }).filter((f) => f.id === 6).length`); n == 0 {
		t.Error("the selected grid branch's flag is not drawn on top")
	}
	eval[bool](p, `(partymap.closeCard(), true)`)
	p.idle()
	if n := eval[float64](p, `partymap.map.queryRenderedFeatures({ layers: ['org-selected-top', 'posts-selected-top'] }).length`); n != 0 {
		t.Errorf("%v features still drawn as selected after the card closed", n)
	}
	p.checkClean()
}

// TestLabels_kioskScaleIsAValidStyle: the kiosk's scaling (reading.js)
// applied to every symbol layer of the style keeps a valid MapLibre style
// (a zoom curve stays at the top of its expression), scales numbers and
// curves stop by stop, and never goes below the minimum.
func TestLabels_kioskScaleIsAValidStyle(t *testing.T) {
	style := loadStyle(t)
	var got struct {
		Number float64
		Small  float64
		Curve  []any
		Step   []any
		Data   []any
		Layers map[string]any
		Scaled int
	}
	in, err := json.Marshal(style)
	if err != nil {
		t.Fatal(err)
	}
	importModule(t, "reading.js", `(() => {
		const style = `+string(in)+`;
		let scaled = 0;
		for (const l of style.layers) {
			if (l.type !== 'symbol' || !l.layout || l.layout['text-size'] === undefined) continue;
			l.layout['text-size'] = m.scaled(l.layout['text-size'], 1.3, l.id === 'grids-label' ? 20 : 16);
			scaled++;
		}
		return {
			Number: m.scaled(13, 1.3, 16), Small: m.scaled(10, 1.3, 16),
			Curve: m.scaled(['interpolate', ['linear'], ['zoom'], 13, 11, 17, 17], 1.3, 20),
			Step: m.scaled(['step', ['zoom'], 10, 16, 14], 1.3, 16),
			Data: m.scaled(['match', ['get', 'kind'], 'main', 13, 11.5], 1.3, 16),
			Layers: style, Scaled: scaled,
		};
	})()`, &got)
	if got.Number != 16.9 || got.Small != 16 {
		t.Errorf("scaled 13 → %v, 10 → %v; want 16.9 and the minimum 16", got.Number, got.Small)
	}
	if c, _ := json.Marshal(got.Curve); string(c) != `["interpolate",["linear"],["zoom"],13,20,17,22.1]` {
		t.Errorf("a zoom curve scaled to %s", c)
	}
	if c, _ := json.Marshal(got.Step); string(c) != `["step",["zoom"],16,16,18.2]` {
		t.Errorf("a zoom step scaled to %s", c)
	}
	if c, _ := json.Marshal(got.Data); string(c) != `["max",16,["*",1.3,["match",["get","kind"],"main",13,11.5]]]` {
		t.Errorf("a data expression scaled to %s", c)
	}
	if got.Scaled < 8 {
		t.Errorf("%d symbol layers scaled, want every labelled one", got.Scaled)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the validator's JSON reader keeps \u003c as it is
	if err := enc.Encode(got.Layers); err != nil {
		t.Fatal(err)
	}
	if report, ok := validateStyle(t, b.Bytes()); !ok {
		t.Errorf("the kiosk's scaled style is not valid:\n%s", report)
	}
}
