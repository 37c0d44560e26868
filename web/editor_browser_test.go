package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"partymap/internal/geo"
)

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
	// wang's desk hears of grid 8's change on the event stream.
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
