package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
	"partymap/web"
)

// startEditorServer serves the real router with staff editing on a fresh
// copy of the seeded database, with one editor, alice.
func startEditorServer(t *testing.T) *httptest.Server {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is missing at %s: install it with scripts/deps.sh test", chromiumPath)
	}
	db, _ := testdb.Open(t, harness)
	if _, err := db.CreateUser(context.Background(), "alice", geo.Editor, nil, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{
		Catalogue: geo.NewCatalogue(),
		Store:     db,
		Tiles:     db,
		Accounts:  db,
		Edits:     db,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Viewer:    web.Files(),
		Style:     web.Style(),
	})
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv
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

	// Pick grid 7 by clicking inside it.
	at := eval[[]float64](p, `(() => { const q = window.partymapEditor.map.project([110.0955, 34.5725]); return [q.x, q.y]; })()`)
	p.waitFor("grid 7 to be drawn", fmt.Sprintf(`window.partymapEditor.map.queryRenderedFeatures([%f, %f], {layers: ['ed-fill']}).length > 0`, at[0], at[1]), 10*time.Second)
	p.click(at[0], at[1])
	p.waitFor("grid 7 to be selected", `window.partymapEditor.state.sel && window.partymapEditor.state.sel.id === 7 && !!window.partymapEditor.state.ring`, 10*time.Second)
	p.idle2()

	// Drag the midpoint of the east edge (ring vertices 1 → 2) 15 px (about
	// 22 m) east: past the snapping distance, short of compound 15.
	from := eval[[]float64](p, `(() => { const r = window.partymapEditor.state.ring; const m = [(r[1][0] + r[2][0]) / 2, (r[1][1] + r[2][1]) / 2];
		const q = window.partymapEditor.map.project(m); return [q.x, q.y]; })()`)
	p.drag(from[0], from[1], from[0]+15, from[1])
	p.waitFor("the dry run to approve", `window.partymapEditor.state.lastValid === true`, 15*time.Second)
	if ring := eval[[][]float64](p, `window.partymapEditor.state.ring`); len(ring) != 5 || ring[2][0] < 110.09775 {
		t.Errorf("vertices after dragging a midpoint: got %v, want 5 with the new one east of 110.09775", ring)
	}
	status := eval[string](p, `document.getElementById('status').textContent`)
	if !strings.Contains(status, "grids 8") {
		t.Errorf("dry run status: got %q, want it to list grid 8", status)
	}
	p.clickSelector("#save")
	p.waitFor("the save", `window.partymapEditor.saved === 1`, 15*time.Second)

	history := eval[string](p, `document.querySelector('#history li').textContent`)
	if !strings.Contains(history, "v2") || !strings.Contains(history, "reshape") || !strings.Contains(history, "alice") {
		t.Errorf("latest history entry: got %q, want v2, reshape, alice", history)
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
		res, err := http.Get(fmt.Sprintf("%s/collections/grids/items/%d", srv.URL, id))
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
