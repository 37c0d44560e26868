package web_test

// The staff editor's test harness: a server with staff accounts and live
// changes, a page per member of staff, and the hand on the mouse and keys.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

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
		if _, err := db.CreateUser(ctx, a.name, a.role, geo.Scope{Grids: a.grids}, staffPassword); err != nil {
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
		c.Accounts, c.Edits, c.Changes, c.Activities = db, db, hub, db
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
