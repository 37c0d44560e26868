package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"partymap/internal/changes"
	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
)

// staffPassword is every test account's password.
const staffPassword = "correct horse battery"

// staffServer is the real router with staff editing and live changes on a
// fresh copy of the seeded database, and an API token per account.
type staffServer struct {
	*httptest.Server
	db     *postgis.DB
	tokens map[string]string
}

// account is a member of staff: a name, a role and, for an editor, grids.
type account struct {
	name  string
	role  geo.Role
	grids []string
}

// startStaffServer serves the editor to these accounts; the database's
// notifications feed /api/events.
func startStaffServer(t *testing.T, accounts ...account) *staffServer {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	ss := &staffServer{db: db, tokens: map[string]string{}}
	ctx := context.Background()
	for _, a := range accounts {
		if _, err := db.CreateUser(ctx, a.name, a.role, a.grids, staffPassword); err != nil {
			t.Fatal(err)
		}
		tok, _, err := db.CreateToken(ctx, a.name, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		ss.tokens[a.name] = tok
	}
	hub := changes.NewHub()
	lctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan struct{})
	go func() { db.Listen(lctx, hub, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the change listener did not start")
	}
	ss.Server = startServerOn(t, db, func(c *httpapi.Config) {
		c.Accounts, c.Edits, c.Changes = db, db, hub
		c.KioskPosition = nil
	}, nil)
	return ss
}

// startEditorServer serves the editor to one editor of every grid, alice.
func startEditorServer(t *testing.T) *httptest.Server {
	t.Helper()
	return startStaffServer(t, account{"alice", geo.Editor, nil}).Server
}

// call sends an API request as an account; headers come in pairs.
func (ss *staffServer) call(t *testing.T, who, method, path, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, ss.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ss.tokens[who])
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// etag reads a feature's current ETag (its identity representation's).
func (ss *staffServer) etag(t *testing.T, layer string, id int) string {
	t.Helper()
	status, h, body := ss.call(t, "", http.MethodGet, fmt.Sprintf("/collections/%s/items/%d", layer, id), "")
	if status != http.StatusOK {
		t.Fatalf("GET %s %d: %d %s", layer, id, status, body)
	}
	return h.Get("ETag")
}

// ring reads a grid's outline (without its closing point) from the database.
func (ss *staffServer) ring(t *testing.T, id int) [][2]float64 {
	t.Helper()
	var gj string
	if err := ss.db.Pool().QueryRow(context.Background(), `SELECT ST_AsGeoJSON(geom) FROM grids WHERE id = $1`, id).Scan(&gj); err != nil {
		t.Fatal(err)
	}
	var g struct {
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal([]byte(gj), &g); err != nil {
		t.Fatal(err)
	}
	r := g.Coordinates[0]
	return r[:len(r)-1]
}

// hasVertexNear reports whether a ring has a vertex within 2e-5° (2 m: a
// drag ends on a whole pixel) of p.
func hasVertexNear(r [][2]float64, p [2]float64) bool {
	for _, q := range r {
		if abs(q[0]-p[0]) < 2e-5 && abs(q[1]-p[1]) < 2e-5 {
			return true
		}
	}
	return false
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// openEditor opens /edit in a browser context of its own (its own cookies:
// another member of staff) and logs in.
func openEditor(t *testing.T, ss *staffServer, who, query string, width, height int64) *page {
	t.Helper()
	p := openPageWith(t, startBrowser(t), ss.Server, "/edit"+query, width, height, false, chromedp.WithNewBrowserContext())
	p.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)
	if who != "" {
		p.login(who, staffPassword)
		p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.features && !!window.partymapEditor.state.grids`, 15*time.Second)
		p.idle2()
	}
	return p
}

// login types a name and a password into the login form and sends it.
func (p *page) login(name, password string) {
	p.t.Helper()
	eval[bool](p, `(document.getElementById('login-name').value = '', document.getElementById('login-password').value = '', true)`)
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-name"), name),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS(`#login button[type=submit]`)),
	); err != nil {
		p.t.Fatalf("log in as %s: %v", name, err)
	}
}

// typeInto replaces the text of a field with text, as typed.
func (p *page) typeInto(sel, text string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(document.querySelector(%q).value = '', true)`, sel))
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		p.t.Fatalf("type into %s: %v", sel, err)
	}
}

// key presses a key (with modifiers), as on a keyboard.
func (p *page) key(k string, mods ...chromedp.Modifier) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(k, chromedp.KeyModifiers(mods...))); err != nil {
		p.t.Fatalf("key %q: %v", k, err)
	}
}

// pickGrid picks a grid in the editor's grid list and waits for it.
func (p *page) pickGrid(code string) {
	p.t.Helper()
	p.clickSelector(fmt.Sprintf(`#grid-list button[data-grid=%q]`, code))
	p.waitFor("grid "+code+" to be selected", fmt.Sprintf(`window.partymapEditor.state.sel?.feature.properties.code === %q && !!window.partymapEditor.state.shape?.ring`, code), 10*time.Second)
	p.idle2()
}

// look puts the editor's camera on a point at a zoom.
func (p *page) look(lon, lat, zoom float64) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(window.partymapEditor.map.jumpTo({ center: [%f, %f], zoom: %f }), true)`, lon, lat, zoom))
	p.idle2()
}

// px is where a point lies on the page.
func (p *page) px(pt [2]float64) [2]float64 {
	p.t.Helper()
	v := eval[[]float64](p, fmt.Sprintf(`(() => { const q = window.partymapEditor.map.project([%.9f, %.9f]); return [q.x, q.y]; })()`, pt[0], pt[1]))
	return [2]float64{v[0], v[1]}
}

// editRing is the ring being edited.
func (p *page) editRing() [][2]float64 {
	p.t.Helper()
	return eval[[][2]float64](p, `window.partymapEditor.state.shape.ring`)
}

// dragPoint drags a handle at one place on the map to another, by the map's
// coordinates, and checks the drag is longer than the snapping radius.
func (p *page) dragPoint(from, to [2]float64) {
	p.t.Helper()
	// The handles are drawn from a GeoJSON source, a frame or two after
	// the shape changes: grab them once they are.
	p.idle2()
	a, b := p.px(from), p.px(to)
	if d := (a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]); d < 12*12 {
		p.t.Fatalf("a drag of %.1f px is within the snapping radius; look closer", d)
	}
	p.drag(a[0], a[1], b[0], b[1])
}

// mid is the midpoint of a ring's edge from vertex i to the next.
func mid(r [][2]float64, i int) [2]float64 {
	q := r[(i+1)%len(r)]
	return [2]float64{(r[i][0] + q[0]) / 2, (r[i][1] + q[1]) / 2}
}

// checkIs waits for the editor's check to be of a kind.
func (p *page) checkIs(kind string) {
	p.t.Helper()
	// A dry run validates the whole map around the change: on a loaded
	// machine it may take a while.
	ctx, cancel := context.WithTimeout(p.ctx, 45*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`window.partymapEditor.state.check?.kind === %q`, kind),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second)))
	if err != nil {
		p.t.Fatalf("waiting for the check to say %s: %v; the editor's state: %s", kind, err,
			eval[string](p, `JSON.stringify({ check: window.partymapEditor.state.check, seq: window.partymapEditor.state.checkSeq, ring: window.partymapEditor.state.shape?.ring?.length, focus: document.activeElement?.tagName })`))
	}
}

// text is an element's visible text.
func (p *page) text(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`(document.querySelector(%q)?.innerText || '').replace(/\s+/g, ' ').trim()`, sel))
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

// expectFailed forgets the failed loads the page reported of addresses
// matching pattern: answers the test asked for (a wrong password's 401),
// which the browser logs as errors.
func (p *page) expectFailed(pattern string) {
	re := regexp.MustCompile(pattern)
	p.rec.mu.Lock()
	defer p.rec.mu.Unlock()
	kept := p.rec.problems[:0]
	for _, m := range p.rec.problems {
		if strings.Contains(m, "Failed to load resource") && re.MatchString(m) {
			continue
		}
		kept = append(kept, m)
	}
	p.rec.problems = kept
}

// tileHasVertex is a JavaScript predicate: the map (an expression) draws
// the grid with the code from tiles that have a vertex at pt (within the
// tiles' precision, 1 m).
func tileHasVertex(mapExpr, code string, pt [2]float64) string {
	return fmt.Sprintf(`(() => {
		const fs = %s.querySourceFeatures('partymap', { sourceLayer: 'grids', filter: ['==', ['get', 'code'], %q] });
		for (const f of fs) for (const ring of (f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat()))
			for (const c of ring) if (Math.abs(c[0] - %.9f) < 1e-5 && Math.abs(c[1] - %.9f) < 1e-5) return true;
		return false;
	})()`, mapExpr, code, pt[0], pt[1])
}

// grid7East is grid 7's outline with its east edge moved into grid 8 (its
// two east corners along the north and south edges): a reshape of grids 7
// and 8 only.
const grid7East = `{"type":"Polygon","coordinates":[[[110.0944293,34.5706296],[110.09779738,34.57062165],[110.09757828,34.57381319],[110.0946006,34.5738318],[110.0944293,34.5706296]]]}`

// eastOf is a point east (positive) or west of p by d degrees.
func eastOf(p [2]float64, d float64) [2]float64 { return [2]float64{p[0] + d, p[1]} }

// southOf is a point south of p by d degrees.
func southOf(p [2]float64, d float64) [2]float64 { return [2]float64{p[0], p[1] - d} }

// An editor of every grid finds grid 7, drags the midpoint of its east edge
// into grid 8; a drag shorter than the snapping radius is no change; undo
// and redo work by key; the dry run names both grids; saving asks for a
// reason; the history says what happened in staff's words, with the other
// grid of the change; the map's next tiles carry the new edge; the
// handles are 16 px.
func TestEditor_dragSaveHistoryAndTile(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openEditor(t, ss, "alice", "?lang=zh", 1280, 800)
	if r := eval[float64](p, `window.partymapEditor.map.getPaintProperty('ed-vertex', 'circle-radius')`); r < 8 {
		t.Errorf("vertex handles: radius %.0f px, want at least 8 (16 px across)", r)
	}
	p.pickGrid("XY07")
	base := p.editRing()
	east := mid(base, 1)
	p.look(east[0], east[1], 17.5)

	// A slip of 4 px: no change, nothing to save.
	a := p.px(east)
	p.drag(a[0], a[1], a[0]+4, a[1])
	p.waitFor("the slip to be put back", `window.partymapEditor.state.shape.ring.length === 4`, 5*time.Second)
	if eval[bool](p, `!document.getElementById('save').disabled`) {
		t.Error("a 4 px slip offers a save")
	}

	// Too far: into compound 15 of grid 8, which the change would split.
	// The refusal is drawn on the map; undo takes it back.
	p.dragPoint(east, eastOf(east, 0.00040))
	p.checkIs("refused")
	if n := eval[int](p, `window.partymapEditor.drawn['ed-problems']`); n < 1 || !strings.Contains(p.text("#status"), "莲花苑") {
		t.Errorf("the split compound: %d shapes on the map, status %q", n, p.text("#status"))
	}
	p.key("z", chromedp.ModifierCtrl)
	p.checkIs("nothing")
	if n := eval[int](p, `window.partymapEditor.drawn['ed-problems']`); n != 0 {
		t.Errorf("after undo, %d problem shapes stay on the map", n)
	}

	to := eastOf(east, 0.00012)
	p.dragPoint(east, to)
	p.checkIs("ready")
	if r := p.editRing(); len(r) != 5 || r[2][0] < east[0]+0.0001 {
		t.Errorf("vertices after dragging a midpoint: got %v, want 5 with the new one east of %.7f", r, east[0]+0.0001)
	}
	if st := p.text("#status"); !strings.Contains(st, "第七网格（第 2 版）") || !strings.Contains(st, "第八网格（第 2 版）") {
		t.Errorf("dry run status: got %q, want both grids by name", st)
	}
	// Undo and redo by key.
	p.key("z", chromedp.ModifierCtrl)
	p.checkIs("nothing")
	if r := p.editRing(); len(r) != 4 {
		t.Errorf("after Ctrl+Z: %d vertices, want the 4 it had", len(r))
	}
	p.key("z", chromedp.ModifierCtrl, chromedp.ModifierShift)
	p.checkIs("ready")

	p.clickSelector("#save")
	p.checkIs("needComment")
	p.typeInto("#comment", "按街道办12月通知调整")
	p.clickSelector("#save")
	p.waitFor("the save", `window.partymapEditor.saved === 1 && window.partymapEditor.state.check?.kind === 'saved'`, 15*time.Second)

	p.waitFor("the history", `document.querySelectorAll('#history li').length >= 2`, 10*time.Second)
	latest := p.text("#history li")
	for _, want := range []string{"第 2 版 · 边界调整 · alice", "涉及第八网格", "按街道办12月通知调整", "查看这次修改"} {
		if !strings.Contains(latest, want) {
			t.Errorf("latest history entry: got %q, want %q in it", latest, want)
		}
	}
	// The tiles now drawn carry the new vertex.
	p.waitFor("the next tile to show the new edge", tileHasVertex("window.partymapEditor.map", "XY07", to), 15*time.Second)
	for _, id := range []int{7, 8} {
		if got := ss.etag(t, "grids", id); got != fmt.Sprintf(`"grids-%d-v2"`, id) {
			t.Errorf("grid %d after the save: got ETag %s, want version 2", id, got)
		}
	}
	p.screenshot("editor-saved.png")

	// The keyboard: ] picks a vertex, an arrow moves it, Escape puts it back.
	before := p.editRing()
	eval[bool](p, `(window.partymapEditor.map.getCanvas().focus(), true)`)
	p.key("]")
	p.key(kb.ArrowRight)
	p.checkIs("ready")
	after := p.editRing()
	if len(after) != len(before) || after[0] == before[0] || after[0][0] <= before[0][0] {
		t.Errorf("] and → moved the ring from %v to %v, want vertex 0 further east", before, after)
	}
	p.key(kb.Escape)
	p.waitFor("Escape to put it back", fmt.Sprintf(`window.partymapEditor.state.shape.ring[0][0] === %v && !window.partymapEditor.state.check`, before[0][0]), 10*time.Second)
	p.expectFailed(`/api/grids/7/reshape\?dry_run=true`) // the refused drag's 422
	p.checkClean()
}

// The two accounts of the walk: li looks after grid 7, wang after grid 8.
// li drags grid 7's east edge into grid 8: not hers, so a proposal;
// wang, already logged in, sees it arrive in his desk, reviews it on the
// map and accepts: both grids change in one change set, and the public map
// shows it within 2 s. A proposal made stale by another change shows so
// and cannot be accepted. An admin then undoes the change set from the
// history: both grids are back, in one new change set.
func TestEditor_proposalAcceptedStaleAndReverted(t *testing.T) {
	ss := startStaffServer(t, account{"li", geo.Editor, []string{"XY07"}}, account{"wang", geo.Editor, []string{"XY08"}}, account{"admin", geo.Admin, nil})
	before7, before8 := ss.ring(t, 7), ss.ring(t, 8)
	public := openPage(t, startBrowser(t), ss.Server, "/map/?lang=zh", 1024, 768, false)
	public.waitReady()

	wang := openEditor(t, ss, "wang", "?lang=zh", 1440, 900)
	if got := wang.text("#desk"); !strings.Contains(got, "没有提案") {
		t.Errorf("wang's desk before: %q", got)
	}

	li := openEditor(t, ss, "li", "?lang=zh", 1440, 900)
	if !eval[bool](li, `document.querySelector('#grid-list button[data-grid="XY07"]').classList.contains('mine') && !document.querySelector('#grid-list button[data-grid="XY08"]').classList.contains('mine')`) {
		t.Error("li's grid list does not mark XY07 (only) as hers")
	}
	li.pickGrid("XY07")
	east := mid(li.editRing(), 1)
	li.look(east[0], east[1], 17.5)
	moved := eastOf(east, 0.00012)
	li.dragPoint(east, moved)
	li.checkIs("propose")
	if st, save := li.text("#status"), li.text("#save"); !strings.Contains(st, "涉及第八网格") || save != "提交提案" {
		t.Errorf("li's check: status %q, button %q; want a proposal to 第八网格", st, save)
	}
	li.typeInto("#comment", "按街道办12月通知，东边界移到莲花苑西墙")
	li.clickSelector("#save")
	li.checkIs("proposed")
	li.waitFor("li's desk to list her proposal", `document.querySelector('#desk ol[data-group="mine"]')?.innerText.includes('等待第八网格同意')`, 10*time.Second)

	// wang hears of it on the event stream.
	wang.waitFor("the proposal in wang's desk", `!!document.querySelector('#desk ol[data-group="for-me"] li.proposal button[data-action="accept"]')`, 10*time.Second)
	wang.clickSelector(`#desk li.proposal button[data-action="review"]`)
	wang.waitFor("the review on the map", `window.partymapEditor.drawn['ed-review'] >= 4`, 5*time.Second)
	wang.idle2()
	if got := wang.text("#desk li.proposal"); !strings.Contains(got, "第七网格：增加") || !strings.Contains(got, "第八网格：增加 0 平方米，减少") {
		t.Errorf("the review's areas: %q", got)
	}
	wang.screenshot("desk-proposal.png")
	wang.clickSelector(`#desk li.proposal button[data-action="accept"]`)
	accepted := time.Now()
	wang.waitFor("the acceptance", `/修改记录 #\d+/.test(document.querySelector('#desk').innerText)`, 15*time.Second)
	public.waitFor("the public map to show the new edge", tileHasVertex("window.partymap.map", "XY07", moved), 2*time.Second)
	t.Logf("the public map showed the accepted change %s after the acceptance was answered", time.Since(accepted).Round(10*time.Millisecond))
	for _, id := range []int{7, 8} {
		if got := ss.etag(t, "grids", id); got != fmt.Sprintf(`"grids-%d-v2"`, id) {
			t.Errorf("grid %d after the acceptance: %s, want version 2", id, got)
		}
	}
	var changeSet int64
	if err := ss.db.Pool().QueryRow(context.Background(), `SELECT change_set FROM proposals WHERE state = 'accepted'`).Scan(&changeSet); err != nil {
		t.Fatal(err)
	}
	var grids int
	ss.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM history WHERE change_set = $1 AND layer = 'grids'`, changeSet).Scan(&grids)
	if grids != 2 {
		t.Errorf("the accepted change set changed %d grids, want 2", grids)
	}
	li.waitFor("li to see it accepted", `document.querySelector('#desk').innerText.includes('已采纳（wang')`, 10*time.Second)

	// A proposal made stale by another change cannot be accepted.
	status, _, body := ss.call(t, "li", http.MethodPost, "/api/grids/7/proposals?comment="+url.QueryEscape("再往东一点"), grid7East,
		"Content-Type", "application/geo+json", "If-Match", ss.etag(t, "grids", 7))
	if status != http.StatusCreated {
		t.Fatalf("second proposal: %d %s", status, body)
	}
	var second struct{ ID int64 }
	json.Unmarshal(body, &second)
	wang.waitFor("the second proposal", fmt.Sprintf(`!!document.querySelector('#desk li.proposal[data-proposal="%d"] button[data-action="accept"]')`, second.ID), 10*time.Second)
	if status, _, body := ss.call(t, "admin", http.MethodPatch, "/collections/grids/items/8", `{"properties":{"leader_zh":"黄淑芬"}}`,
		"Content-Type", "application/merge-patch+json", "If-Match", ss.etag(t, "grids", 8)); status != http.StatusOK {
		t.Fatalf("admin changes grid 8: %d %s", status, body)
	}
	wang.clickSelector(`#desk h2`) // nothing to click: the desk reloads on the change's own events
	eval[bool](wang, `(window.dispatchEvent(new CustomEvent('partymap:proposal', { detail: {} })), true)`)
	wang.waitFor("the second proposal to show stale", fmt.Sprintf(`(() => { const li = document.querySelector('#desk li.proposal[data-proposal="%d"]');
		return !!li && li.innerText.includes('已过期') && !li.querySelector('button[data-action="accept"]'); })()`, second.ID), 10*time.Second)
	if status, _, body := ss.call(t, "wang", http.MethodPost, fmt.Sprintf("/api/proposals/%d/accept", second.ID), ""); status != http.StatusConflict {
		t.Errorf("accepting the stale proposal: %d %s, want 409", status, body)
	}

	// The admin undoes the accepted change set from grid 7's history.
	admin := openEditor(t, ss, "admin", "?lang=zh", 1440, 900)
	admin.pickGrid("XY07")
	admin.waitFor("the history", fmt.Sprintf(`!!document.querySelector('#history button[data-change-set="%d"]')`, changeSet), 10*time.Second)
	admin.clickSelector(fmt.Sprintf(`#history button[data-change-set="%d"]`, changeSet))
	admin.waitFor("the change set", `!document.getElementById('changeset').hidden && document.querySelector('#changeset').innerText.includes('修改记录')`, 10*time.Second)
	if got := admin.text("#changeset"); !strings.Contains(got, "第七网格：第 1 版 → 第 2 版") || !strings.Contains(got, "第八网格：第 1 版 → 第 2 版") || !strings.Contains(got, "采纳自提案") {
		t.Errorf("the change set: %q", got)
	}
	// grid 8 changed since (the admin's own later change): the page says
	// so and offers no undo, which would overwrite it.
	if got := admin.text("#changeset"); !strings.Contains(got, "之后又被修改过") || !strings.Contains(got, "第八网格 第 3 版 · admin") ||
		eval[bool](admin, `!!document.querySelector('#changeset button[data-action="undo-change-set"]')`) {
		t.Errorf("the change set with a later change: %q (an undo button: %v)", got, eval[bool](admin, `!!document.querySelector('#changeset button[data-action="undo-change-set"]')`))
	}
	var later int64
	ss.db.Pool().QueryRow(context.Background(), `SELECT change_set FROM history WHERE layer = 'grids' AND feature_id = 8 AND version = 3`).Scan(&later)
	status, h, _ := ss.call(t, "admin", http.MethodGet, fmt.Sprintf("/api/changesets/%d", later), "")
	if status, _, body := ss.call(t, "admin", http.MethodPost, fmt.Sprintf("/api/changesets/%d/revert?comment=undo", later), "", "If-Match", h.Get("ETag")); status != http.StatusOK {
		t.Fatalf("undo the later change: %d %d %s", status, status, body)
	}
	admin.clickSelector(fmt.Sprintf(`#history button[data-change-set="%d"]`, changeSet))
	admin.waitFor("the change set again", `!!document.querySelector('#changeset button[data-action="undo-change-set"]') && !document.querySelector('#changeset').innerText.includes('之后又被修改过')`, 10*time.Second)
	admin.typeInto("#changeset textarea", "提案有误，撤销")
	admin.clickSelector(`#changeset button[data-action="undo-change-set"]`)
	admin.waitFor("the undo", `document.querySelector('#changeset').innerText.includes('已撤销')`, 15*time.Second)
	if r7, r8 := ss.ring(t, 7), ss.ring(t, 8); fmt.Sprint(r7) != fmt.Sprint(before7) || fmt.Sprint(r8) != fmt.Sprint(before8) {
		t.Errorf("after the undo: grid 7 %v, grid 8 %v; want them as before", r7, r8)
	}
	var undone int
	ss.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM change_sets WHERE reverts = $1`, changeSet).Scan(&undone)
	if undone != 1 {
		t.Errorf("change sets undoing the acceptance: %d, want 1", undone)
	}
	for _, pg := range []*page{li, wang, admin, public} {
		pg.checkClean()
	}
}

// Two members of staff edit grid 7 at once. alice moves vertex E (added
// before, on the east edge) east and adds a vertex on the south edge; the
// admin moves E west, adds one on the west edge and saves first. alice
// sees at once who saved what, both outlines on the map, before she
// saves; she rebases: her south vertex stays, the admin's west vertex
// stays, and for E, which both moved, she chooses hers. Nothing of the
// admin's is overwritten.
func TestEditor_conflictRebase(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil}, account{"admin", geo.Admin, nil})
	// Set up: grid 7 with a vertex E in the middle of its east edge.
	r := ss.ring(t, 7)
	e := eastOf(mid(r, 1), 0.00003)
	coords, _ := json.Marshal([][][2]float64{{r[0], r[1], e, r[2], r[3], r[0]}})
	shape := `{"type":"Polygon","coordinates":` + string(coords) + `}`
	if status, _, body := ss.call(t, "admin", http.MethodPost, "/api/grids/7/reshape?comment=setup", shape,
		"Content-Type", "application/geo+json", "If-Match", ss.etag(t, "grids", 7)); status != http.StatusOK {
		t.Fatalf("setup: %d %s", status, body)
	}
	base := ss.ring(t, 7)
	if len(base) != 5 || !hasVertexNear(base, e) {
		t.Fatalf("setup ring: %v, want E %v in it", base, e)
	}

	alice := openEditor(t, ss, "alice", "?lang=zh", 1440, 900)
	admin := openEditor(t, ss, "admin", "?lang=zh", 1440, 900)
	center := [2]float64{110.0961, 34.5722}
	for _, p := range []*page{alice, admin} {
		p.pickGrid("XY07")
		p.look(center[0], center[1], 16.6)
	}
	ring := alice.editRing()
	// The vertices as the page holds them: find E, and the edges' midpoints.
	ei := -1
	for i, q := range ring {
		if abs(q[0]-e[0]) < 1e-7 && abs(q[1]-e[1]) < 1e-7 {
			ei = i
		}
	}
	if ei < 0 {
		t.Fatalf("E %v is not in the page's ring %v", e, ring)
	}
	var south, west [2]float64
	for i := range ring {
		m := mid(ring, i)
		if abs(m[1]-34.57062) < 0.00002 {
			south = m
		}
		if abs(m[0]-110.09452) < 0.00003 {
			west = m
		}
	}
	aliceE, adminE := eastOf(e, 0.00010), eastOf(e, -0.00010)
	southTo, westTo := southOf(south, 0.00020), eastOf(west, -0.00012)

	// alice's edits, unsaved.
	alice.dragPoint(e, aliceE)
	alice.checkIs("ready")
	alice.dragPoint(south, southTo)
	alice.checkIs("ready")

	// The admin's edits, saved.
	admin.dragPoint(e, adminE)
	admin.checkIs("ready")
	admin.dragPoint(west, westTo)
	admin.checkIs("ready")
	admin.typeInto("#comment", "西边界按实地调整")
	admin.clickSelector("#save")
	admin.checkIs("saved")

	alice.waitFor("the banner", `!document.getElementById('banner').hidden && document.getElementById('banner').innerText.includes('admin')`, 10*time.Second)
	banner := alice.text("#banner")
	for _, want := range []string{"admin 在", "保存了第七网格（第 3 版）", "对方移动了 1 个顶点，新增 1 个", "采用对方的版本", "在对方版本上保留我的修改"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner: %q lacks %q", banner, want)
		}
	}
	if n := eval[int](alice, `window.partymapEditor.drawn['ed-theirs']`); n < 1 {
		t.Error("their outline is not on the map")
	}
	if eval[bool](alice, `!document.getElementById('save').disabled`) {
		t.Error("the save stays open beside the banner: it would resend the whole ring")
	}
	alice.idle2()
	alice.screenshot("conflict-banner.png")

	alice.clickSelector(`#banner button[data-action="rebase"]`)
	alice.waitFor("the rebase preview", `!!document.querySelector('#banner button[data-choice="mine"]')`, 5*time.Second)
	if eval[bool](alice, `!document.getElementById('save').disabled`) {
		t.Error("a rebase with a vertex not yet chosen can be saved")
	}
	alice.clickSelector(`#banner button[data-choice="mine"]`)
	alice.checkIs("ready")
	alice.idle2()
	alice.screenshot("rebase-preview.png")
	got := alice.editRing()
	for what, pt := range map[string][2]float64{"her E": aliceE, "her south vertex": southTo, "the admin's west vertex": westTo} {
		if !hasVertexNear(got, pt) {
			t.Errorf("the rebased ring %v lacks %s %v", got, what, pt)
		}
	}
	if hasVertexNear(got, adminE) {
		t.Errorf("the rebased ring keeps the admin's E %v, though alice chose hers", adminE)
	}
	alice.typeInto("#comment", "南边界外扩")
	alice.clickSelector("#save")
	alice.checkIs("saved")
	final := ss.ring(t, 7)
	for what, pt := range map[string][2]float64{"alice's E": aliceE, "alice's south vertex": southTo, "the admin's west vertex": westTo} {
		if !hasVertexNear(final, pt) {
			t.Errorf("grid 7 as saved %v lacks %s %v", final, what, pt)
		}
	}
	if got := ss.etag(t, "grids", 7); got != `"grids-7-v4"` {
		t.Errorf("grid 7 after both saves: %s, want version 4", got)
	}
	alice.checkClean()
	admin.checkClean()
}

// latin finds words of three or more Latin letters: English on a page that
// should be Chinese (codes like XY07 and user names are left out first).
var latin = regexp.MustCompile(`[A-Za-z]{3,}`)

// The zh page speaks Chinese only and the en page English only: the
// pages' words, the server's refusals (a wrong password, a change outside
// one's grids), the desk, the history; the browser's language picks the
// page's when the address does not. The grid list finds 第七网格 and flies
// to it at 1024×768, the map fitting it whole.
func TestEditor_oneLanguageAndFindingAGrid(t *testing.T) {
	ss := startStaffServer(t, account{"li", geo.Editor, []string{"XY07"}}, account{"wang", geo.Editor, []string{"XY08"}})
	if status, _, body := ss.call(t, "li", http.MethodPost, "/api/grids/7/proposals?comment=east", grid7East,
		"Content-Type", "application/geo+json", "If-Match", ss.etag(t, "grids", 7)); status != http.StatusCreated {
		t.Fatalf("proposal: %d %s", status, body)
	}
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := openEditor(t, ss, "", "?lang="+lang, 1024, 768)
			p = p.on(t)
			p.login("li", "wrong password!")
			p.waitFor("the login error", `document.getElementById('login-error').textContent !== ''`, 10*time.Second)
			loginError := p.text("#login-error")
			p.login("li", staffPassword)
			p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.grids`, 15*time.Second)
			p.waitFor("the desk", `!!document.querySelector('#desk li.proposal')`, 10*time.Second)

			// Find grid 7 by its name.
			name := map[string]string{"zh": "第七网格", "en": "Grid 7"}[lang]
			p.typeInto("#grid-search", name)
			p.waitFor("the list to narrow", `document.querySelectorAll('#grid-list button.grid-entry').length === 1`, 5*time.Second)
			p.key("\r")
			p.waitFor("grid 7 selected", `window.partymapEditor.state.sel?.feature.properties.code === 'XY07'`, 10*time.Second)
			p.idle2()
			fits := eval[bool](p, `(() => {
				const m = window.partymapEditor.map, c = m.getContainer();
				const r = window.partymapEditor.state.shape.ring;
				return r.every((q) => { const s = m.project(q); return s.x >= 0 && s.y >= 0 && s.x <= c.clientWidth && s.y <= c.clientHeight; });
			})()`)
			if !fits {
				t.Errorf("at 1024×768 the map does not show grid 7 whole")
			}
			// A change into grid 8: the page offers a proposal.
			east := mid(p.editRing(), 1)
			p.look(east[0], east[1], 17.5)
			p.dragPoint(east, eastOf(east, 0.00012))
			p.checkIs("propose")
			// A grid that is not hers says so (leaving the change unsaved).
			eval[bool](p, `(window.confirm = () => true, true)`)
			p.typeInto("#grid-search", "XY08")
			p.waitFor("the list to narrow", `document.querySelectorAll('#grid-list button.grid-entry').length === 1`, 5*time.Second)
			p.clickSelector(`#grid-list button[data-grid="XY08"]`)
			p.waitFor("grid 8 selected", `window.partymapEditor.state.sel?.feature.properties.code === 'XY08'`, 10*time.Second)
			p.waitFor("the history", `document.querySelectorAll('#history li').length > 0`, 10*time.Second)
			if lang == "zh" {
				p.screenshot("editor-zh-1024.png")
			}

			text := eval[string](p, `(() => { const c = document.getElementById('panel').cloneNode(true); c.querySelector('#lang').remove();
				c.querySelectorAll('q.comment').forEach((q) => q.remove()); document.body.append(c); const s = c.innerText; c.remove(); return s; })()`)
			text += "\n" + loginError
			switch lang {
			case "zh":
				// Grid codes, user names and the names of keys (Ctrl, Shift) are
				// what they are in either language.
				scrubbed := regexp.MustCompile(`XY\d\d|\b(li|wang)\b|\b(Ctrl|Shift|Delete|Insert|Enter|Esc)\b`).ReplaceAllString(text, "")
				if w := latin.FindAllString(scrubbed, -1); len(w) > 0 {
					t.Errorf("the Chinese page shows English %q:\n%s", w, text)
				}
				for _, want := range []string{"用户名或密码不对", "等待第八网格同意", "第八网格不归你负责", "第 1 版 · 初始数据"} {
					if !strings.Contains(text, want) {
						t.Errorf("the Chinese page lacks %q:\n%s", want, text)
					}
				}
			case "en":
				if han := hanIn(text); han != "" {
					t.Errorf("the English page shows Chinese %q:\n%s", han, text)
				}
				for _, want := range []string{"The user name or password is wrong", "waiting for Grid 8", "Grid 8 is not yours", "v1 · Initial data"} {
					if !strings.Contains(text, want) {
						t.Errorf("the English page lacks %q:\n%s", want, text)
					}
				}
			}
			p.expectFailed(`/api/login`)
			p.checkClean()
		})
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

// Without ?lang the editor speaks the browser's language (Chinese, or
// English), and on a touch screen its handles are 24 px across.
func TestEditor_browserLanguageAndTouchHandles(t *testing.T) {
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	p := openEditor(t, ss, "", "", 1024, 768)
	ua := eval[string](p, `navigator.userAgent`)
	for _, tt := range []struct{ accept, lang, login string }{
		{"zh-CN,zh;q=0.9", "zh-CN", "登录"},
		{"en-GB,en;q=0.9", "en", "Log in"},
	} {
		ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
		err := chromedp.Do(ctx,
			chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
				_, err := cdp.Call(ctx, tgt, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: tt.accept})
				return err
			}),
			chromedp.Navigate(ss.URL+"/edit"),
		)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		p.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)
		if got := eval[string](p, `document.documentElement.lang + ' | ' + document.querySelector('#login button').textContent`); got != tt.lang+" | "+tt.login {
			t.Errorf("with the browser in %s: got %q, want %s | %s", tt.accept, got, tt.lang, tt.login)
		}
	}
	p.checkClean()

	touch := openPageWith(t, startBrowser(t), ss.Server, "/edit?lang=zh", 800, 600, true, chromedp.WithNewBrowserContext())
	touch.waitFor("the editor to start", `!!window.partymapEditor && window.partymapEditor.ready`, 30*time.Second)
	if r := eval[float64](touch, `window.partymapEditor.map.getPaintProperty('ed-vertex', 'circle-radius')`); r < 12 {
		t.Errorf("vertex handles on a touch screen: radius %.0f px, want 12 (24 px across)", r)
	}
	touch.checkClean()
}
