package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"partymap/internal/geo"
)

// axeViolation is one rule axe-core finds broken, with the elements.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// TestAxe runs axe-core (from npm, injected through the browser's
// DevTools protocol, past the page's CSP) on the phone map and the kiosk,
// with a card open, with Find open and (phone) with the top bar's menu
// open: no violation at all (issue 15 asks for none serious or worse; the
// moderate ones, landmarks and heading levels, are fixed too and stay
// fixed).
func TestAxe(t *testing.T) {
	script := axeScript(t)
	srv := startServer(t)
	bctx := startBrowser(t)
	for _, tc := range []struct {
		name, path    string
		width, height int64
		mobile        bool
	}{
		{"phone", "/map#posts/3", 390, 844, true},
		{"kiosk", "/kiosk", 1920, 1080, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openPage(t, bctx, srv, tc.path, tc.width, tc.height, tc.mobile)
			p.waitReady()
			if tc.name == "kiosk" {
				eval[bool](p, `partymap.openCard('posts', 3).then(() => true)`)
			}
			p.waitFor("the card", `!!document.querySelector('#card .card-title')`, 10*time.Second)
			eval[bool](p, string(script)+"\n;true")
			states := []string{"card", "find"}
			if tc.mobile {
				states = append(states, "menu") // the top bar's menu open (topbar.js)
			}
			for _, state := range states {
				switch state {
				case "find":
					p.clickSelector("#find")
					p.waitFor("the finder", `!!document.querySelector('.finder-service')`, 10*time.Second)
				case "menu":
					p.clickSelector("#more")
					p.waitFor("the menu", `getComputedStyle(document.getElementById('more-menu')).display !== 'none'`, 5*time.Second)
				}
				for _, v := range axeRun(p) {
					t.Errorf("%s, %s: %s (%s): %v", tc.name, state, v.ID, v.Impact, v.Nodes)
				}
			}
		})
	}
}

// TestAxe_editor runs axe-core on the staff editor as staff use it on a
// tablet or a desktop: its login form, the panel once logged in, and a
// grid being edited with a vertex picked (the bar with Delete vertex), in
// Chinese and in English: no violation.
func TestAxe_editor(t *testing.T) {
	script := axeScript(t)
	ss := startStaffServer(t, account{"alice", geo.Editor, nil})
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := openEditor(t, ss, "", "?lang="+lang, 1280, 800)
			eval[bool](p, string(script)+"\n;true")
			check := func(state string) {
				for _, v := range axeRun(p) {
					t.Errorf("%s: %s (%s): %v", state, v.ID, v.Impact, v.Nodes)
				}
			}
			check("the login form")
			p.login("alice", staffPassword)
			p.waitFor("the editor panel", `!document.getElementById('editor').hidden && !!window.partymapEditor.state.grids`, 15*time.Second)
			p.idle2()
			check("the panel")
			p.pickGrid("XY07")
			r := p.editRing()
			p.look(r[0][0], r[0][1], 17.5)
			v := p.onMap(r[0])
			p.click(v[0], v[1])
			p.waitFor("a vertex to be picked", `!document.getElementById('vertex-bar').hidden`, 5*time.Second)
			check("a grid with a vertex picked")
		})
	}
}

// axeScript is axe-core from npm, to inject into a page.
func axeScript(t *testing.T) []byte {
	t.Helper()
	needNodeModules(t)
	script, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing: run make web (%v)", err)
	}
	return script
}

// axeRun runs axe-core (injected) on the whole page as it is now.
func axeRun(p *page) []axeViolation {
	p.t.Helper()
	return eval[[]axeViolation](p, `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
		.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 160)) })))`)
}
