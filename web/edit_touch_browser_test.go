package web_test

// Touch editing in /edit, as staff do it on a tablet: a real server, a real
// Chromium with touch emulation (1024×768, a coarse pointer), and fingers
// put down through the DevTools protocol's Input.dispatchTouchEvent.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"partymap/internal/geo"
)

// openTouchEditor opens /edit on a tablet (touch emulation, a coarse
// pointer) in a browser context of its own and logs in.
func openTouchEditor(t *testing.T, ss *staffServer, who, query string, width, height int64) *page {
	t.Helper()
	p := openPageWith(t, startBrowser(t), ss.Server, "/edit"+query, width, height, true, chromedp.WithNewBrowserContext())
	p.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)
	p.login(who, staffPassword)
	p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.features && !!window.partymapEditor.state.grids`, 15*time.Second)
	p.idle2()
	return p
}

// finger sends one touch event: a finger put down or moved at x, y (CSS
// pixels of the page), or lifted.
func (p *page) finger(typ input.DispatchTouchEventType, x, y float64) {
	p.t.Helper()
	params := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
	if typ != input.DispatchTouchEventTypeTouchEnd && typ != input.DispatchTouchEventTypeTouchCancel {
		params.TouchPoints = []*input.TouchPoint{{X: x, Y: y}}
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := chromedp.Call(ctx, input.DispatchTouchEvent, params)
		return err
	})); err != nil {
		p.t.Fatalf("touch %s at %.0f,%.0f: %v", typ, x, y, err)
	}
}

// touchDrag puts a finger down at one point, moves it in steps, as a hand
// does, and lifts it at another.
func (p *page) touchDrag(x0, y0, x1, y1 float64) {
	p.t.Helper()
	p.finger(input.DispatchTouchEventTypeTouchStart, x0, y0)
	for i := 1; i <= 6; i++ {
		f := float64(i) / 6
		p.finger(input.DispatchTouchEventTypeTouchMove, x0+(x1-x0)*f, y0+(y1-y0)*f)
		time.Sleep(16 * time.Millisecond)
	}
	p.finger(input.DispatchTouchEventTypeTouchEnd, 0, 0)
}

// tap touches the page at x, y and lifts the finger at once.
func (p *page) tap(x, y float64) {
	p.t.Helper()
	p.finger(input.DispatchTouchEventTypeTouchStart, x, y)
	p.finger(input.DispatchTouchEventTypeTouchEnd, 0, 0)
}

// tapSelector taps the middle of an element of the page with a finger,
// scrolled into view first.
func (p *page) tapSelector(sel string) {
	p.t.Helper()
	c := eval[[]float64](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({ block: 'center' });
		const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]; })()`, sel))
	if c[2] < 1 || c[3] < 1 {
		p.t.Fatalf("%s is not on the page to tap (%vx%v px)", sel, c[2], c[3])
	}
	// A tap whose lift reaches the browser late is a long-press to it,
	// and clicks nothing: tap again (never after a click, which would
	// press the button twice).
	for try := 1; ; try++ {
		eval[bool](p, fmt.Sprintf(`(window.__clicked = false, document.querySelector(%q).addEventListener('click', () => { window.__clicked = true; }, { once: true }), true)`, sel))
		p.tap(c[0], c[1])
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.__clicked`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(3*time.Second)))
		cancel()
		if err == nil {
			return
		}
		if try == 3 {
			p.t.Fatalf("three taps on %s clicked nothing", sel)
		}
		p.t.Logf("a tap on %s clicked nothing (a loaded machine?); again", sel)
	}
}

// onMap is where a point lies on the page, failing the test unless that is
// on the editor's map (a finger cannot touch what is off the screen).
func (p *page) onMap(pt [2]float64) [2]float64 {
	p.t.Helper()
	q := p.px(pt)
	if !eval[bool](p, fmt.Sprintf(`(() => { const c = window.partymapEditor.map.getContainer(); return %f >= 0 && %f >= 0 && %f <= c.clientWidth && %f <= c.clientHeight; })()`, q[0], q[1], q[0], q[1])) {
		p.t.Fatalf("%v is off the map at %.0f,%.0f: look there first", pt, q[0], q[1])
	}
	return q
}

// tapVertex brings vertex i of the edited ring into view and taps it.
func (p *page) tapVertex(i int) {
	p.t.Helper()
	v := p.editRing()[i]
	p.look(v[0], v[1], 17.5)
	q := p.onMap(v)
	p.tap(q[0], q[1])
	p.waitFor(fmt.Sprintf("vertex %d to be picked", i), fmt.Sprintf(`window.partymapEditor.state.shape.active === %d && !document.getElementById('vertex-bar').hidden`, i), 5*time.Second)
}

// along is the point a fraction f of the way along a ring's edge from
// vertex i to the next.
func along(r [][2]float64, i int, f float64) [2]float64 {
	q := r[(i+1)%len(r)]
	return [2]float64{r[i][0] + f*(q[0]-r[i][0]), r[i][1] + f*(q[1]-r[i][1])}
}

// apiRing reads a grid's saved outline (without its closing point)
// through the public API.
func apiRing(t *testing.T, ss *staffServer, id int) [][2]float64 {
	t.Helper()
	status, _, body := ss.call(t, "", http.MethodGet, fmt.Sprintf("/collections/grids/items/%d", id), "", "Accept", "application/geo+json")
	if status != http.StatusOK {
		t.Fatalf("GET grid %d: %d %s", id, status, body)
	}
	var f struct {
		Geometry struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("grid %d: %v in %s", id, err, clip(string(body)))
	}
	if f.Geometry.Type != "Polygon" || len(f.Geometry.Coordinates) != 1 {
		t.Fatalf("grid %d: a %s with %d rings, want a Polygon with one", id, f.Geometry.Type, len(f.Geometry.Coordinates))
	}
	r := f.Geometry.Coordinates[0]
	return r[:len(r)-1]
}

// near reports whether two points lie within tol degrees of each other.
func near(a, b [2]float64, tol float64) bool {
	return math.Abs(a[0]-b[0]) < tol && math.Abs(a[1]-b[1]) < tol
}

// A member of staff on a tablet edits grid 7 with a finger: drags a
// vertex (the map does not pan under it), long-presses an edge to add a
// vertex where the finger was (a ring grows while the press is held; a
// short tap adds nothing), taps a vertex to pick it and deletes it with
// the Delete vertex button, down to the fewest a polygon keeps (then a
// clear sentence, and the shape stays whole), undoes with the Undo button
// and saves: the API then answers the ring made by the finger, and nothing
// was written before the Save button.
func TestEditTouch_dragAddDeleteUndoSave(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openTouchEditor(t, ss, "alice", "?lang=zh", 1024, 768)
	if !eval[bool](p, `matchMedia('(pointer: coarse)').matches`) {
		t.Fatal("the emulated tablet has no coarse pointer: the test would not test touch")
	}
	if h := p.text("#hint"); !strings.Contains(h, "长按边线") {
		t.Errorf("the hint on a tablet: got %q, want it to tell of the long-press", h)
	}
	p.pickGrid("XY07")
	p.waitFor("Undo, Save and Cancel on the tablet's screen once a grid is picked", `['undo', 'save', 'cancel'].every((id) => {
		const r = document.getElementById(id).getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight;
	})`, 5*time.Second)
	base := p.editRing()
	if len(base) != 4 {
		t.Fatalf("grid 7 has %d vertices, the test expects the seed's 4", len(base))
	}
	saved0, etag0 := apiRing(t, ss, 7), ss.etag(t, "grids", 7)

	// A short tap on the south edge adds nothing (and picks no other grid).
	tapped := along(base, 0, 0.7)
	p.look(tapped[0], tapped[1], 17.5)
	edge := p.onMap(tapped)
	for try := 1; ; try++ {
		// How long the finger was down, as the page saw it: on a loaded
		// machine the lift may reach the page late, and a tap held half
		// a second is a long-press.
		eval[bool](p, `(() => { const el = window.partymapEditor.map.getCanvasContainer(); window.__tap = {};
			el.addEventListener('pointerdown', (e) => { window.__tap.down = e.timeStamp; }, { capture: true, once: true });
			el.addEventListener('pointerup', (e) => { window.__tap.up = e.timeStamp; }, { capture: true, once: true });
			return true; })()`)
		p.tap(edge[0], edge[1])
		time.Sleep(900 * time.Millisecond) // longer than a long-press
		held := eval[float64](p, `window.__tap.up - window.__tap.down`)
		if held < 400 {
			if n := len(p.editRing()); n != 4 {
				t.Errorf("a short tap (%.0f ms) on an edge left %d vertices, want 4", held, n)
			}
			break
		}
		if try == 3 {
			t.Fatalf("three taps were held %.0f ms or more by the page: the machine is too loaded to tap", held)
		}
		t.Logf("the tap reached the page as a %.0f ms press; again", held)
		p.tapSelector("#cancel")
		p.waitFor("the edit to be cancelled", `window.partymapEditor.state.shape?.ring.length === 4`, 10*time.Second)
		p.look(tapped[0], tapped[1], 17.5)
	}
	if code := eval[string](p, `window.partymapEditor.state.sel.feature.properties.code`); code != "XY07" {
		t.Errorf("a tap on grid 7's edge picked %s", code)
	}

	// A long-press on the east edge (grid 8's too), a quarter of the way
	// up: a ring grows while the finger is held, then a vertex is there.
	press := along(base, 1, 0.25)
	p.look(press[0], press[1], 17.5)
	at := p.onMap(press)
	// The page's own clock says when the finger came down, when the ring
	// showed and went, and when the vertex came (the test's sleeps do
	// not: on a loaded machine the protocol lags).
	eval[bool](p, `(() => { const ed = window.partymapEditor, lp = window.__lp = { hint: [] };
		ed.map.getCanvasContainer().addEventListener('pointerdown', () => { lp.down = performance.now(); }, { capture: true, once: true });
		ed.map.getContainer().addEventListener('partymap:shape', (e) => { if (!lp.added && e.detail?.ring?.length === 5) lp.added = performance.now(); });
		const h = document.querySelector('.press-hint');
		new MutationObserver(() => lp.hint.push([performance.now(), !h.hidden && h.classList.contains('grow') && getComputedStyle(h, '::before').display !== 'none'])).observe(h, { attributes: true });
		return true; })()`)
	p.finger(input.DispatchTouchEventTypeTouchStart, at[0], at[1])
	p.waitFor("the long-press to add a vertex", `window.partymapEditor.state.shape.ring.length === 5`, 3*time.Second)
	var lp struct {
		Down, Added float64
		Hint        [][2]any
	}
	if err := json.Unmarshal([]byte(eval[string](p, `JSON.stringify(window.__lp)`)), &lp); err != nil {
		t.Fatal(err)
	}
	if lp.Added-lp.Down < 490 {
		t.Errorf("the vertex came %.0f ms after the finger, want the long-press's 500 ms", lp.Added-lp.Down)
	}
	// The ring: shown within a frame of the press, growing until the vertex came.
	var shown, hidden float64
	for _, h := range lp.Hint {
		at, on := h[0].(float64), h[1].(bool)
		if on && shown == 0 {
			shown = at
		}
		if !on && shown != 0 && hidden == 0 {
			hidden = at
		}
	}
	if shown == 0 || shown-lp.Down > 50 || hidden != 0 && hidden < lp.Added-5 {
		t.Errorf("the growing ring: shown %.0f ms and gone %.0f ms after the press, the vertex at %.0f ms (%v)", shown-lp.Down, hidden-lp.Down, lp.Added-lp.Down, lp.Hint)
	}
	p.finger(input.DispatchTouchEventTypeTouchEnd, 0, 0)
	p.checkIs("ready")
	r := p.editRing()
	if len(r) != 5 || !near(r[2], press, 2e-5) || !sameRingTol([][2]float64{r[0], r[1], r[3], r[4]}, base, 1e-12) {
		t.Fatalf("after the long-press: ring %v, want a vertex at %v between vertices 1 and 2 of %v", r, press, base)
	}
	if eval[bool](p, `!document.querySelector('.press-hint').hidden`) {
		t.Error("the long-press's ring stays on the map")
	}

	// Drag the new vertex east into grid 8 with a finger: the vertex
	// follows, the map stays where it was.
	center := eval[[]float64](p, `(() => { const c = window.partymapEditor.map.getCenter(); return [c.lng, c.lat, window.partymapEditor.map.getZoom()]; })()`)
	to := eastOf(r[2], 0.00010)
	a, b := p.onMap(r[2]), p.onMap(to)
	if d := math.Hypot(a[0]-b[0], a[1]-b[1]); d < 20 {
		t.Fatalf("the drag is only %.0f px long: look closer", d)
	}
	p.touchDrag(a[0], a[1], b[0], b[1])
	p.checkIs("ready")
	after := eval[[]float64](p, `(() => { const c = window.partymapEditor.map.getCenter(); return [c.lng, c.lat, window.partymapEditor.map.getZoom()]; })()`)
	if math.Abs(after[0]-center[0]) > 1e-9 || math.Abs(after[1]-center[1]) > 1e-9 || after[2] != center[2] {
		t.Errorf("the map moved under the dragged handle: centre %v → %v", center, after)
	}
	r = p.editRing()
	if len(r) != 5 || !near(r[2], to, 2e-5) {
		t.Fatalf("after the drag: ring %v, want vertex 2 at %v", r, to)
	}
	withAdded := r

	// Tap vertex 0 to pick it: it is ringed and the Delete vertex button
	// shows over the map, big enough for a finger.
	p.tapVertex(0)
	if n := len(p.editRing()); n != 5 {
		t.Errorf("tapping a vertex changed the ring to %d vertices", n)
	}
	btn := eval[[]float64](p, `(() => { const r = document.getElementById('delete-vertex').getBoundingClientRect(); return [r.width, r.height]; })()`)
	if btn[0] < 44 || btn[1] < 44 {
		t.Errorf("the Delete vertex button is %.0f×%.0f px, want at least 44×44 for a finger", btn[0], btn[1])
	}
	if got := p.text("#vertex-bar"); !strings.Contains(got, "删除顶点") || !strings.Contains(got, "顶点 1 / 5") {
		t.Errorf("the vertex bar says %q", got)
	}
	// The whole grid in view for the picture.
	c := mid(r, 0)
	p.look(c[0], (r[0][1]+r[3][1])/2, 16.4)
	if n := eval[int](p, `window.partymapEditor.map.queryRenderedFeatures({ layers: ['ed-picked'] }).length`); n != 1 {
		t.Errorf("%d picked vertices are drawn, want 1", n)
	}
	p.screenshot("edit-touch.png")

	// Delete vertices down to three; a fourth delete says why not and
	// keeps the triangle.
	p.tapSelector("#delete-vertex")
	p.waitFor("the vertex to go", `window.partymapEditor.state.shape.ring.length === 4 && document.getElementById('vertex-bar').hidden`, 5*time.Second)
	if r := p.editRing(); near(r[0], withAdded[0], 1e-12) {
		t.Errorf("the deleted vertex %v is still the first of %v", withAdded[0], r)
	}
	for _, want := range []int{3, 3} {
		p.tapVertex(0)
		p.tapSelector("#delete-vertex")
		p.waitFor(fmt.Sprintf("%d vertices", want), fmt.Sprintf(`window.partymapEditor.state.shape.ring.length === %d`, want), 5*time.Second)
	}
	p.waitFor("the sentence about the fewest vertices", `document.getElementById('vertex-note').textContent !== ''`, 5*time.Second)
	if got := p.text("#vertex-note"); got != "网格至少要有 3 个顶点，这个顶点不能删除。" {
		t.Errorf("deleting the third-last vertex: got %q", got)
	}
	if n := eval[int](p, `window.partymapEditor.drawn['ed-shape']`); n != 1 || len(p.editRing()) != 3 {
		t.Errorf("after the refused delete: %d shapes, %d vertices", n, len(p.editRing()))
	}
	p.screenshot("edit-touch-fewest.png")
	// The keyboard's Delete says the same.
	eval[bool](p, `(document.activeElement.blur(), true)`)
	eval[bool](p, `(document.getElementById('vertex-note').textContent = '', true)`)
	p.key(kb.Delete)
	p.waitFor("the Delete key's sentence", `document.getElementById('vertex-note').textContent !== ''`, 5*time.Second)
	if n := len(p.editRing()); n != 3 {
		t.Errorf("the Delete key took a triangle to %d vertices", n)
	}

	// Undo with the finger, twice (the refused deletes were no step):
	// the five vertices are back, as they were.
	for i, want := range []int{4, 5} {
		p.tapSelector("#undo")
		p.waitFor(fmt.Sprintf("undo %d", i+1), fmt.Sprintf(`window.partymapEditor.state.shape.ring.length === %d`, want), 5*time.Second)
	}
	if r := p.editRing(); !sameRingTol(r, withAdded, 1e-12) {
		t.Fatalf("after undoing two deletes: %v, want %v", r, withAdded)
	}
	p.checkIs("ready")

	// Nothing was written by any gesture: only Save writes.
	if r, e := apiRing(t, ss, 7), ss.etag(t, "grids", 7); e != etag0 || !sameRingTol(r, saved0, 1e-9) {
		t.Errorf("before Save the API answers %s %v, want %s as it was", e, r, etag0)
	}
	p.typeInto("#comment", "平板上调整东边界")
	p.tapSelector("#save")
	p.waitFor("the save", `window.partymapEditor.saved === 1 && window.partymapEditor.state.check?.kind === 'saved'`, 30*time.Second)

	if e := ss.etag(t, "grids", 7); e != `"grids-7-v2"` {
		t.Errorf("after the save grid 7's ETag is %s, want version 2", e)
	}
	// The server keeps its own orientation and starting vertex: the ring
	// is compared as the set of its vertices.
	got := apiRing(t, ss, 7)
	want := [][2]float64{base[0], base[1], to, base[2], base[3]}
	if len(got) != len(want) {
		t.Fatalf("the saved ring has %d vertices, want %d: %v", len(got), len(want), got)
	}
	for _, w := range want {
		if !hasVertexNear(got, w) {
			t.Errorf("the saved ring %v has no vertex within 2e-5° (2 m) of %v", got, w)
		}
	}
	// A grid cut down to a triangle leaves gaps: the dry runs' 422s.
	p.expectFailed(`/api/grids/7/reshape\?dry_run=true`)
	p.checkClean()
}

// sameRingTol reports whether two rings have the same vertices in order,
// each within tol degrees.
func sameRingTol(a, b [][2]float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

// holdFinger puts a finger down at a point, holds it still for d, and
// lifts it.
func (p *page) holdFinger(pt [2]float64, d time.Duration) {
	p.t.Helper()
	q := p.onMap(pt)
	p.finger(input.DispatchTouchEventTypeTouchStart, q[0], q[1])
	time.Sleep(d)
	p.finger(input.DispatchTouchEventTypeTouchEnd, 0, 0)
}

// The other long-presses on a tablet: on an edge's midpoint (a vertex
// stays there), on a vertex (nothing is removed: the finger held still is
// no right-click, though MapLibre calls it a contextmenu), and a long-press
// that goes on as a drag (the new vertex lands where the finger is
// lifted, one step to undo).
func TestEditTouch_longPresses(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openTouchEditor(t, ss, "alice", "?lang=zh", 1024, 768)
	p.pickGrid("XY07")
	base := p.editRing()

	south := mid(base, 0)
	p.look(south[0], south[1], 17.5)
	p.holdFinger(south, 800*time.Millisecond)
	p.checkIs("ready")
	r := p.editRing()
	if len(r) != 5 || !near(r[1], south, 2e-5) || eval[int](p, `window.partymapEditor.state.shape.active`) != 1 {
		t.Fatalf("a long-press on the south edge's midpoint: ring %v (picked %d), want vertex 1 at %v, picked", r, eval[int](p, `window.partymapEditor.state.shape.active ?? -1`), south)
	}

	p.look(r[0][0], r[0][1], 17.5)
	p.holdFinger(r[0], 900*time.Millisecond)
	p.waitFor("vertex 0 to be picked", `window.partymapEditor.state.shape.active === 0`, 5*time.Second)
	if got := p.editRing(); !sameRingTol(got, r, 1e-12) {
		t.Errorf("a finger held on vertex 0 changed the ring from %v to %v", r, got)
	}

	// Press the east edge, hold, then drag on: one gesture, one vertex.
	press := along(r, 2, 0.3)
	p.look(press[0], press[1], 17.5)
	at := p.onMap(press)
	p.finger(input.DispatchTouchEventTypeTouchStart, at[0], at[1])
	p.waitFor("the long-press to add a vertex", `window.partymapEditor.state.shape.ring.length === 6`, 3*time.Second)
	for i := 1; i <= 6; i++ {
		p.finger(input.DispatchTouchEventTypeTouchMove, at[0]+float64(i)*6, at[1])
		time.Sleep(16 * time.Millisecond)
	}
	end := eval[[]float64](p, fmt.Sprintf(`window.partymapEditor.map.unproject([%f, %f]).toArray()`, at[0]+36, at[1]))
	p.finger(input.DispatchTouchEventTypeTouchEnd, 0, 0)
	p.checkIs("ready")
	got := p.editRing()
	if len(got) != 6 || !near(got[3], [2]float64{end[0], end[1]}, 2e-5) {
		t.Fatalf("a long-press dragged on: ring %v, want vertex 3 at %v", got, end)
	}
	p.tapSelector("#undo")
	p.waitFor("one undo to take the whole gesture back", `window.partymapEditor.state.shape.ring.length === 5`, 5*time.Second)
	if got := p.editRing(); !sameRingTol(got, r, 1e-12) {
		t.Errorf("after one undo: %v, want %v", got, r)
	}
	p.checkClean()
}

// With a mouse, in English: a click picks a vertex (the bar says so in
// English), the Delete key removes it and picks the next, a right-click
// still removes a vertex, and at three vertices it says why not.
func TestEditTouch_theMouseToo(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openEditor(t, ss, "alice", "?lang=en", 1280, 800)
	if h := p.text("#hint"); strings.Contains(h, "hold") {
		t.Errorf("the hint for a mouse tells of the long-press: %q", h)
	}
	p.pickGrid("XY07")
	r := p.editRing()
	p.look(r[0][0], r[0][1], 17.5)
	v := p.onMap(r[0])
	p.click(v[0], v[1])
	p.waitFor("vertex 0 to be picked", `window.partymapEditor.state.shape.active === 0 && !document.getElementById('vertex-bar').hidden`, 5*time.Second)
	if got := p.text("#vertex-bar"); got != "Vertex 1 of 4 Delete vertex" {
		t.Errorf("the English vertex bar: got %q", got)
	}
	if n := len(p.editRing()); n != 4 {
		t.Fatalf("a click on a vertex left %d vertices", n)
	}
	eval[bool](p, `(window.partymapEditor.map.getCanvas().focus(), true)`)
	p.key(kb.Delete)
	p.waitFor("the Delete key", `window.partymapEditor.state.shape.ring.length === 3 && window.partymapEditor.state.shape.active === 0`, 5*time.Second)

	rightClick := func(pt [2]float64) {
		t.Helper()
		p.look(pt[0], pt[1], 17.5)
		q := p.onMap(pt)
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx,
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, q[0], q[1]),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, q[0], q[1], chromedp.ButtonRight, chromedp.ClickCount(1)),
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, q[0], q[1], chromedp.ButtonRight, chromedp.ClickCount(1)),
		); err != nil {
			t.Fatalf("right-click: %v", err)
		}
	}
	tri := p.editRing()
	rightClick(tri[1])
	p.waitFor("the sentence about the fewest vertices", `document.getElementById('vertex-note').textContent !== ''`, 5*time.Second)
	if got := p.text("#vertex-note"); got != "A grid needs at least 3 vertices: this one cannot be deleted." {
		t.Errorf("a right-click on a triangle's vertex: got %q", got)
	}
	if got := p.editRing(); !sameRingTol(got, tri, 1e-12) {
		t.Errorf("a right-click on a triangle's vertex changed it from %v to %v", tri, got)
	}
	// Undo brings four back; a right-click then removes one, as always.
	p.key("z", chromedp.ModifierCtrl)
	p.waitFor("undo", `window.partymapEditor.state.shape.ring.length === 4`, 5*time.Second)
	four := p.editRing()
	rightClick(four[2])
	p.waitFor("the right-click to remove a vertex", `window.partymapEditor.state.shape.ring.length === 3`, 5*time.Second)
	if got := p.editRing(); hasVertexNear(got, four[2]) {
		t.Errorf("the right-clicked vertex %v is still in %v", four[2], got)
	}
	p.expectFailed(`/api/grids/7/reshape\?dry_run=true`)
	p.checkClean()
}

// A post moved with a finger: tapped on the map to pick it, dragged (the
// map holding still), saved; the API answers the new position.
func TestEditTouch_movesAPost(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openTouchEditor(t, ss, "alice", "?lang=zh", 1024, 768)
	var post struct {
		Geometry struct {
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	status, _, body := ss.call(t, "", http.MethodGet, "/collections/posts/items/1", "", "Accept", "application/geo+json")
	if status != http.StatusOK || json.Unmarshal(body, &post) != nil {
		t.Fatalf("GET post 1: %d %s", status, clip(string(body)))
	}
	from := post.Geometry.Coordinates
	p.tapSelector(`#modes button[data-mode="posts"]`)
	p.waitFor("the posts", `window.partymapEditor.state.mode === 'posts' && !!window.partymapEditor.state.features`, 10*time.Second)
	p.look(from[0], from[1], 18)
	q := p.onMap(from)
	p.tap(q[0], q[1])
	p.waitFor("post 1 to be picked", `window.partymapEditor.state.sel?.id === 1 && !!window.partymapEditor.state.shape?.point`, 10*time.Second)
	p.idle2()

	center := eval[[]float64](p, `(() => { const c = window.partymapEditor.map.getCenter(); return [c.lng, c.lat]; })()`)
	to := southOf(eastOf(from, 0.00008), 0.00004)
	a, b := p.onMap(from), p.onMap(to)
	p.touchDrag(a[0], a[1], b[0], b[1])
	p.checkIs("ready")
	if got := eval[[]float64](p, `(() => { const c = window.partymapEditor.map.getCenter(); return [c.lng, c.lat]; })()`); math.Abs(got[0]-center[0]) > 1e-9 || math.Abs(got[1]-center[1]) > 1e-9 {
		t.Errorf("the map moved under the dragged post: %v → %v", center, got)
	}
	p.tapSelector("#save")
	p.waitFor("the save", `window.partymapEditor.saved === 1 && window.partymapEditor.state.check?.kind === 'saved'`, 30*time.Second)
	_, _, body = ss.call(t, "", http.MethodGet, "/collections/posts/items/1", "", "Accept", "application/geo+json")
	if err := json.Unmarshal(body, &post); err != nil {
		t.Fatal(err)
	}
	if !near(post.Geometry.Coordinates, to, 2e-5) {
		t.Errorf("post 1 saved at %v, want within 2e-5° (2 m) of %v", post.Geometry.Coordinates, to)
	}
	p.checkClean()
}
