package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// startEditorServer serves the real router with staff editing on a fresh
// copy of the seeded database, with one editor, alice.
func startEditorServer(t *testing.T) *httptest.Server {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	if _, err := db.CreateUser(context.Background(), "alice", geo.Editor, geo.Scope{}, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return startServerOn(t, db, func(c *httpapi.Config) {
		c.Accounts = db
		c.Edits = db
		c.KioskPosition = nil
	}, nil)
}

// A member of staff logs in, drags the midpoint of grid 7's east edge into
// grid 8, sees the dry run approve it, saves, and then sees version 2 in
// the history and the moved boundary in the map's next tiles.
func TestEditor_dragSaveHistoryAndTile(t *testing.T) {
	srv := startEditorServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/edit", 1280, 800, false)
	p.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)

	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-name"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`#login button[type=submit]`)),
	)
	cancel()
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.features`, 10*time.Second)

	// The editor opens on what the tiles draw; the drag below is measured
	// in pixels, so look at the grids from a known camera.
	eval[bool](p, `(window.partymapEditor.map.jumpTo({ center: [110.0995, 34.5722], zoom: 15.4 }), true)`)
	p.idle2()

	// Pick grid 7 by clicking inside it.
	at := eval[[]float64](p, `(() => { const q = window.partymapEditor.map.project([110.0955, 34.5725]); return [q.x, q.y]; })()`)
	p.waitFor("grid 7 to be drawn", fmt.Sprintf(`window.partymapEditor.map.queryRenderedFeatures([%f, %f], {layers: ['ed-fill']}).length > 0`, at[0], at[1]), 10*time.Second)
	p.click(at[0], at[1])
	p.waitFor("grid 7 to be selected", `window.partymapEditor.state.sel && window.partymapEditor.state.sel.id === 7 && !!window.partymapEditor.state.shape?.ring`, 10*time.Second)
	p.idle2()

	// Drag the midpoint of the east edge (ring vertices 1 → 2) 15 px (about
	// 22 m) east: past the snapping distance, short of compound 15.
	from := eval[[]float64](p, `(() => { const r = window.partymapEditor.state.shape.ring; const m = [(r[1][0] + r[2][0]) / 2, (r[1][1] + r[2][1]) / 2];
		const q = window.partymapEditor.map.project(m); return [q.x, q.y]; })()`)
	p.drag(from[0], from[1], from[0]+15, from[1])
	p.waitFor("the dry run to approve", `window.partymapEditor.state.lastValid === true`, 15*time.Second)
	if ring := eval[[][]float64](p, `window.partymapEditor.state.shape.ring`); len(ring) != 5 || ring[2][0] < 110.09775 {
		t.Errorf("vertices after dragging a midpoint: got %v, want 5 with the new one east of 110.09775", ring)
	}
	status := eval[string](p, `document.getElementById('status').textContent`)
	if !strings.Contains(status, "网格 8 → 第 2 版") {
		t.Errorf("dry run status: got %q, want it to list grid 8 (网格 8 → 第 2 版)", status)
	}
	p.clickSelector("#save")
	p.waitFor("the save", `window.partymapEditor.saved === 1`, 15*time.Second)

	history := eval[string](p, `document.querySelector('#history li').textContent`)
	if !strings.Contains(history, "v2") || !strings.Contains(history, "调整边界") || !strings.Contains(history, "alice") {
		t.Errorf("latest history entry: got %q, want v2, 调整边界 (reshape), alice", history)
	}
	// The tiles now drawn carry the moved edge: grid 7 reaches east of its
	// old easternmost vertex (110.0977345).
	p.waitFor("the next tile to show the new edge", `(() => {
		const fs = window.partymapEditor.map.querySourceFeatures('partymap', { sourceLayer: 'grids', filter: ['==', ['get', 'code'], 'XY07'] });
		let east = -180;
		for (const f of fs) for (const ring of (f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat())) for (const c of ring) east = Math.max(east, c[0]);
		return east > 110.09775;
	})()`, 15*time.Second)

	for _, id := range []int{7, 8} {
		// The identity representation's tag is the item's version; the
		// gzip one's (what Go's client would ask for) adds -gzip.
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/collections/grids/items/%d", srv.URL, id), nil)
		req.Header.Set("Accept-Encoding", "identity")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("ETag"); got != fmt.Sprintf(`"grids-%d-v2"`, id) {
			t.Errorf("grid %d after the save: got ETag %s, want version 2", id, got)
		}
	}
	p.screenshot("editor-saved.png")
	p.checkClean()
}

// idle2 waits until the editor's map has nothing left to draw.
func (p *page) idle2() {
	p.t.Helper()
	p.settle("window.partymapEditor.map")
}

// drag presses the mouse at one point, moves it in steps and releases it at
// another, as a hand on a mouse would.
func (p *page) drag(x0, y0, x1, y1 float64) {
	p.t.Helper()
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y0),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		acts = append(acts, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft))
	}
	acts = append(acts, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, acts...); err != nil {
		p.t.Fatalf("drag: %v", err)
	}
}

// The editor with ?lang=en is in English, one language at a time: its own
// words from the one table, the layers' names from the server's catalogue,
// no Chinese left in the panel; it opens on what the tiles draw.
func TestEditor_english(t *testing.T) {
	srv := startEditorServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/edit?lang=en", 1280, 800, false)
	p.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)
	p.idle2()
	if got := eval[string](p, `document.documentElement.lang + ' | ' + document.title + ' | ' + document.querySelector('#login').innerText.replace(/\s+/g, ' ').trim()`); got != "en | Xiyue Community · Staff editor | User Password Log in" {
		t.Errorf("before logging in: got %q", got)
	}
	var cfg struct {
		Bounds []float64 `json:"bounds"`
	}
	getJSON(t, srv, "/viewer-config.json", &cfg)
	frames := eval[bool](p, fmt.Sprintf(`(() => { const b = window.partymapEditor.map.getBounds(), e = 1e-4; return b.getWest() <= %f + e && b.getSouth() <= %f + e && b.getEast() >= %f - e && b.getNorth() >= %f - e; })()`,
		cfg.Bounds[0], cfg.Bounds[1], cfg.Bounds[2], cfg.Bounds[3]))
	if !frames {
		t.Errorf("the editor opens on %s, not around the tiles' bounds %v", eval[string](p, `JSON.stringify(window.partymapEditor.map.getBounds())`), cfg.Bounds)
	}

	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-name"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`#login button[type=submit]`)),
	)
	cancel()
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.features`, 10*time.Second)
	cat := geo.NewCatalogue()
	var want []string
	for _, name := range []string{"grids", "posts", "organizations", "parking"} {
		l, _ := cat.Layer(name)
		want = append(want, l.Title.En)
	}
	if got := eval[[]string](p, `[...document.querySelectorAll('#modes button')].map((b) => b.textContent)`); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("modes: got %q, want the catalogue's %q", got, want)
	}
	eval[bool](p, `(window.partymapEditor.map.jumpTo({ center: [110.0995, 34.5722], zoom: 15.4 }), true)`)
	p.idle2()
	at := eval[[]float64](p, `(() => { const q = window.partymapEditor.map.project([110.0955, 34.5725]); return [q.x, q.y]; })()`)
	p.waitFor("grid 7 to be drawn", fmt.Sprintf(`window.partymapEditor.map.queryRenderedFeatures([%f, %f], {layers: ['ed-fill']}).length > 0`, at[0], at[1]), 10*time.Second)
	p.click(at[0], at[1])
	p.waitFor("grid 7's history", `document.querySelectorAll('#history li').length > 0`, 10*time.Second)
	p.clickSelector(`#modes button[data-mode="parking"]`)
	p.waitFor("the parking mode", `window.partymapEditor.state.mode === 'parking' && !!window.partymapEditor.state.features`, 10*time.Second)
	p.idle2()
	lot := eval[[]float64](p, `(() => { const f = window.partymapEditor.state.features.features[0]; const r = f.geometry.coordinates[0]; let x = 0, y = 0; for (const c of r.slice(1)) { x += c[0]; y += c[1]; } const q = window.partymapEditor.map.project([x / (r.length - 1), y / (r.length - 1)]); return [q.x, q.y]; })()`)
	p.click(lot[0], lot[1])
	p.waitFor("the car park's form", `!document.getElementById('parking-form').hidden && document.querySelectorAll('#history li').length > 0`, 10*time.Second)
	p.screenshot("editor-en.png")
	// the button that switches to Chinese says so in Chinese
	panel := eval[string](p, `(() => { const c = document.getElementById('panel').cloneNode(true); c.querySelector('#lang').remove(); document.body.append(c); const text = c.innerText; c.remove(); return text; })()`)
	for _, w := range []string{"Shared parking: click one to update Spaces, Free spaces.", "Spaces", "Free spaces", "Save", "Cancel", "History", "version 1"} {
		if !strings.Contains(panel, w) {
			t.Errorf("the English editor's panel lacks %q:\n%s", w, panel)
		}
	}
	if han := hanIn(panel); han != "" {
		t.Errorf("the English editor's panel shows Chinese %q:\n%s", han, panel)
	}
	p.checkClean()
}
