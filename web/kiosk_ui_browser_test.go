package web_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// camera is the map's camera as the page reports it.
type camera struct {
	Zoom, Bearing, Pitch float64
}

func readCamera(p *page) camera {
	p.t.Helper()
	return eval[camera](p, `(() => { const m = partymap.map; return { zoom: m.getZoom(), bearing: m.getBearing(), pitch: m.getPitch() }; })()`)
}

// angleDiff is a−b folded into (−180, 180].
func angleDiff(a, b float64) float64 {
	d := math.Mod(a-b, 360)
	if d > 180 {
		d -= 360
	}
	if d <= -180 {
		d += 360
	}
	return d
}

// still waits until the map has stopped moving.
func (p *page) still() {
	p.t.Helper()
	p.waitFor("the camera to stop", `!partymap.map.isMoving()`, 10*time.Second)
}

// setLang switches the page to lang with its own button, as a visitor does.
func (p *page) setLang(lang string) {
	p.t.Helper()
	want := map[string]string{"zh": "zh-CN", "en": "en"}[lang]
	if eval[string](p, `document.documentElement.lang`) != want {
		p.clickSelector("#lang")
	}
	p.waitFor("the language "+lang, `document.documentElement.lang === `+jsString(want), 5*time.Second)
}

// northArrow is what the north arrow shows: the turn of its dial and of
// its letter as drawn (degrees, clockwise), where its letter stands from
// the dial's centre (degrees clockwise from up), its letter and its name.
type northArrow struct {
	Dial, Letter, Toward float64
	Text, Name           string
	Visible              bool
}

const readNorthArrow = `(() => {
	const b = document.querySelector('.north'), dial = b.querySelector('.north-dial'), letter = b.querySelector('.north-letter');
	const turn = (e) => { const t = getComputedStyle(e).transform; if (t === 'none') return 0; const m = new DOMMatrix(t); return Math.atan2(m.b, m.a) * 180 / Math.PI; };
	const r = b.getBoundingClientRect(), l = letter.getBoundingClientRect();
	const dx = (l.left + l.width / 2) - (r.left + r.width / 2), dy = (l.top + l.height / 2) - (r.top + r.height / 2);
	const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	return { dial: turn(dial), letter: turn(dial) + turn(letter), toward: Math.atan2(dx, -dy) * 180 / Math.PI,
		text: letter.textContent, name: b.getAttribute('aria-label') || '', visible: r.width > 0 && b.contains(top) };
})()`

// checkNorthArrow fails unless the arrow points where north is on a map
// turned to bearing, its letter upright, named in lang.
func checkNorthArrow(t *testing.T, p *page, bearing float64, lang string) {
	t.Helper()
	n := eval[northArrow](p, readNorthArrow)
	if !n.Visible {
		t.Fatal("the north arrow is not visible (or covered)")
	}
	if d := angleDiff(n.Dial, -bearing); math.Abs(d) > 1 {
		t.Errorf("bearing %.1f°: the north arrow's dial is turned %.1f°, want %.1f°", bearing, n.Dial, -bearing)
	}
	if d := angleDiff(n.Toward, -bearing); math.Abs(d) > 12 {
		t.Errorf("bearing %.1f°: the arrow's letter stands at %.1f° from its centre, want %.1f° (where north is)", bearing, n.Toward, -bearing)
	}
	if math.Abs(angleDiff(n.Letter, 0)) > 1 {
		t.Errorf("bearing %.1f°: the arrow's letter is drawn turned %.1f°, want upright", bearing, n.Letter)
	}
	want := map[string]string{"zh": "北", "en": "N"}[lang]
	if n.Text != want || !strings.Contains(n.Name, want) {
		t.Errorf("%s: the north arrow shows %q named %q, want %q shown and in its name", lang, n.Text, n.Name, want)
	}
	if lang == "en" && hanIn(n.Name) != "" || lang == "zh" && hanIn(n.Name) == "" {
		t.Errorf("%s: the north arrow is named %q", lang, n.Name)
	}
}

// TestKioskUI_cameraButtons: the kiosk's camera buttons carry words a
// visitor reads a metre away, in Chinese and in English, and each does what
// its word says; the north arrow turns with the map and a tap (or Enter)
// turns the map back to north.
func TestKioskUI_cameraButtons(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/kiosk", 1920, 1080, false)
	p.waitReady()

	words := map[string]map[string]string{
		"zh": {"zoom-in": "放大", "zoom-out": "缩小", "rotate-left": "左转", "rotate-right": "右转", "tilt-up": "平视", "tilt-down": "俯视", "home": "全图"},
		"en": {"zoom-in": "Zoom in", "zoom-out": "Zoom out", "rotate-left": "Turn left", "rotate-right": "Turn right", "tilt-up": "Look ahead", "tilt-down": "Look down", "home": "Whole map"},
	}
	type camButton struct {
		Action, Word, Name string
		FontPx, W, H       float64
		Shown, Fits, OnTop bool
	}
	for _, lang := range []string{"zh", "en"} {
		p.setLang(lang)
		buttons := eval[[]camButton](p, `[...document.querySelectorAll('#camera .cam')].map((b) => {
			const w = b.querySelector('.cam-word'), r = b.getBoundingClientRect(), wr = w.getBoundingClientRect();
			const top = document.elementFromPoint(wr.left + wr.width / 2, wr.top + wr.height / 2);
			// the accessible name: the word (the sign is hidden from it), unless a label overrides it
			const name = b.getAttribute('aria-label') || [...b.childNodes].filter((c) => c.getAttribute?.('aria-hidden') !== 'true').map((c) => c.textContent).join('').trim();
			return { action: b.dataset.action, word: w.textContent, name, fontPx: parseFloat(getComputedStyle(w).fontSize), w: r.width, h: r.height,
				shown: wr.width > 0 && wr.top >= 0 && wr.bottom <= innerHeight && wr.right <= innerWidth,
				fits: w.scrollWidth <= w.clientWidth + 1 && wr.left >= r.left && wr.right <= r.right && wr.bottom <= r.bottom,
				onTop: b.contains(top) };
		})`)
		if len(buttons) != len(words[lang]) {
			t.Fatalf("%s: %d camera buttons, want %d", lang, len(buttons), len(words[lang]))
		}
		for _, b := range buttons {
			if want := words[lang][b.Action]; b.Word != want || b.Name != want {
				t.Errorf("%s: the %s button reads %q and is named %q, want %q", lang, b.Action, b.Word, b.Name, want)
			}
			if !b.Shown || !b.Fits || !b.OnTop {
				t.Errorf("%s: the %s button's word %q is not wholly visible (on screen %v, inside its button %v, uncovered %v)", lang, b.Action, b.Word, b.Shown, b.Fits, b.OnTop)
			}
			if b.FontPx < 18 {
				t.Errorf("%s: the %s button's word is %.0f px, want at least 18 px (read standing at the kiosk)", lang, b.Action, b.FontPx)
			}
			if b.W < 60 || b.H < 60 {
				t.Errorf("%s: the %s button is %.0f×%.0f px, want at least 60×60 for a finger", lang, b.Action, b.W, b.H)
			}
		}
		checkNorthArrow(t, p, readCamera(p).Bearing, lang)
	}

	// each button does what it says (in English now)
	home := readCamera(p)
	press := func(action string) camera {
		t.Helper()
		p.clickSelector(fmt.Sprintf(`#camera .cam[data-action=%q]`, action))
		p.waitFor("the camera to move", `partymap.map.isMoving()`, 3*time.Second)
		p.still()
		return readCamera(p)
	}
	before := readCamera(p)
	after := press("zoom-in")
	if d := after.Zoom - before.Zoom; math.Abs(d-1) > 0.05 {
		t.Errorf("Zoom in: the zoom went from %.2f to %.2f, want one step in", before.Zoom, after.Zoom)
	}
	before, after = after, press("zoom-out")
	if d := after.Zoom - before.Zoom; math.Abs(d+1) > 0.05 {
		t.Errorf("Zoom out: the zoom went from %.2f to %.2f, want one step out", before.Zoom, after.Zoom)
	}
	before, after = after, press("rotate-left")
	if d := angleDiff(after.Bearing, before.Bearing); math.Abs(d+30) > 0.5 {
		t.Errorf("Turn left: the bearing went from %.1f° to %.1f°, want 30° to the left", before.Bearing, after.Bearing)
	}
	checkNorthArrow(t, p, after.Bearing, "en")
	before, after = after, press("rotate-right")
	before, after = after, press("rotate-right")
	if d := angleDiff(after.Bearing, before.Bearing); math.Abs(d-30) > 0.5 {
		t.Errorf("Turn right: the bearing went from %.1f° to %.1f°, want 30° to the right", before.Bearing, after.Bearing)
	}
	checkNorthArrow(t, p, after.Bearing, "en")
	before, after = after, press("tilt-down")
	if d := after.Pitch - before.Pitch; math.Abs(d+12) > 0.5 {
		t.Errorf("Look down: the tilt went from %.1f° to %.1f°, want 12° nearer straight down", before.Pitch, after.Pitch)
	}
	before, after = after, press("tilt-up")
	if d := after.Pitch - before.Pitch; math.Abs(d-12) > 0.5 {
		t.Errorf("Look ahead: the tilt went from %.1f° to %.1f°, want 12° nearer the horizon", before.Pitch, after.Pitch)
	}

	// the north arrow: a tap turns the map to face north, keeping the tilt
	before = readCamera(p)
	if math.Abs(angleDiff(before.Bearing, 0)) < 10 {
		t.Fatalf("the map faces north already (%.1f°): the tap would prove nothing", before.Bearing)
	}
	p.clickSelector(".north")
	p.waitFor("north up", `!partymap.map.isMoving() && Math.abs(partymap.map.getBearing()) < 0.01`, 10*time.Second)
	after = readCamera(p)
	if math.Abs(after.Pitch-before.Pitch) > 0.5 {
		t.Errorf("the north arrow changed the tilt from %.1f° to %.1f°", before.Pitch, after.Pitch)
	}
	checkNorthArrow(t, p, 0, "en")

	// Whole map: back to the home view
	after = press("home")
	if math.Abs(after.Zoom-home.Zoom) > 0.01 || math.Abs(angleDiff(after.Bearing, home.Bearing)) > 0.1 || math.Abs(after.Pitch-home.Pitch) > 0.1 {
		t.Errorf("Whole map: the camera is at %+v, want the home view %+v", after, home)
	}
	checkNorthArrow(t, p, after.Bearing, "en")

	// the north arrow is reached with Tab and works with Enter
	found := false
	for range 80 {
		p.key(kb.Tab)
		if eval[bool](p, `document.activeElement?.classList.contains('north')`) {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("Tab never reaches the north arrow")
	}
	p.key(kb.Enter)
	p.waitFor("north up by the keyboard", `!partymap.map.isMoving() && Math.abs(partymap.map.getBearing()) < 0.01`, 10*time.Second)

	p.clickSelector(`#camera .cam[data-action="home"]`)
	p.waitFor("the home view", `!partymap.map.isMoving() && Math.abs(partymap.map.getBearing() - `+fmt.Sprint(home.Bearing)+`) < 0.1`, 10*time.Second)
	p.idle()
	p.screenshot("kiosk-ui-home-en.png")
	p.checkClean()
}

// titleClear is how the top bar's title stands: wholly shown (not cut,
// not ellipsized) and covered by nothing.
type titleClear struct {
	Title, Subtitle string
	Cut             []string
	Overlaps        []string
	Covered         []string
}

const readTitleClear = `(() => {
	const h = document.querySelector('.topbar h1'), sub = document.querySelector('.topbar .brand p');
	const cut = [], overlaps = [], covered = [];
	for (const e of [h, sub]) {
		const r = e.getBoundingClientRect();
		if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1) cut.push(e.tagName + ' ' + e.textContent);
		if (r.left < 0 || r.top < 0 || r.right > innerWidth) cut.push(e.tagName + ' off the screen');
		// every control of the page's top: the bar's buttons and the north arrow
		for (const c of document.querySelectorAll('.topbar :is(button, a), #camera :is(button, a)')) {
			const q = c.getBoundingClientRect();
			if (q.width === 0 || q.height === 0) continue;
			if (q.left < r.right && r.left < q.right && q.top < r.bottom && r.top < q.bottom) overlaps.push(e.tagName + ' under #' + (c.id || c.className));
		}
		// and what is drawn over each line of the text
		const range = document.createRange();
		range.selectNodeContents(e);
		for (const l of range.getClientRects()) {
			for (const x of [l.left + 2, (l.left + l.right) / 2, l.right - 2]) {
				const top = document.elementFromPoint(x, (l.top + l.bottom) / 2);
				if (!e.contains(top)) covered.push(e.tagName + ' at ' + Math.round(x) + ' by ' + (top?.id || top?.className || top?.tagName));
			}
		}
	}
	if (innerWidth > 340 && sub.getBoundingClientRect().height === 0) cut.push('the hint under the title is missing');
	return { title: h.textContent, subtitle: sub.textContent, cut, overlaps, covered };
})()`

// control is one of the top bar's controls as a visitor finds it.
type control struct {
	Shown    bool
	Name     string
	Expanded string
}

func readControl(p *page, sel string) control {
	p.t.Helper()
	return eval[control](p, `(() => { const e = document.querySelector(`+jsString(sel)+`); if (!e) return { shown: false, name: '' };
		const r = e.getBoundingClientRect(), top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return { shown: r.width > 0 && r.height > 0 && e.contains(top), name: e.getAttribute('aria-label') || e.textContent.trim(), expanded: e.getAttribute('aria-expanded') || '' }; })()`)
}

// TestKioskUI_phoneTopBar: on a 390×844 phone, in Chinese and in English,
// the top bar's title is wholly readable and no button covers it; the
// language and Find are one tap away, the layers, What's on and the problem
// wall two (behind the menu button), each named in the page's language;
// the north arrow turns with the map and a tap turns it north.
func TestKioskUI_phoneTopBar(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	// with the residents' orders: the problem wall is served
	srv := startServerOn(t, db, func(c *httpapi.Config) { c.Orders = db }, nil)
	bctx := startBrowser(t)
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := openPage(t, bctx, srv, "/map/?lang="+lang, 390, 844, true)
			p.waitReady()
			c := eval[titleClear](p, readTitleClear)
			if wantTitle := map[string]string{"zh": "西岳社区党建地图", "en": "Xiyue Community Party-Building Map"}[lang]; c.Title != wantTitle {
				t.Errorf("the title reads %q, want %q", c.Title, wantTitle)
			}
			for _, problem := range append(append(c.Cut, c.Overlaps...), c.Covered...) {
				t.Errorf("%s: the title %q is not readable: %s", lang, c.Title, problem)
			}
			p.idle()
			p.screenshot(fmt.Sprintf("kiosk-ui-phone-%s.png", lang))

			named := func(sel string, c control) {
				t.Helper()
				if c.Name == "" {
					t.Errorf("%s has no accessible name", sel)
				}
				// the language button names the other language: the one place it may differ
				if sel != "#lang" && (lang == "en") != (hanIn(c.Name) == "") {
					t.Errorf("%s is named %q, not in the page's language (%s)", sel, c.Name, lang)
				}
			}
			// one tap: the language, Find, the menu; the menu's items hidden
			for _, sel := range []string{"#lang", "#find", "#more"} {
				c := readControl(p, sel)
				if !c.Shown {
					t.Errorf("%s is not shown in the top bar", sel)
				}
				named(sel, c)
			}
			for _, sel := range []string{"#layers", "#whatson", "#wall-link"} {
				if readControl(p, sel).Shown {
					t.Errorf("%s shows with the menu closed", sel)
				}
			}
			if c := readControl(p, "#more"); c.Expanded != "false" {
				t.Errorf("the menu button says aria-expanded=%q with its menu closed", c.Expanded)
			}
			checkNorthArrow(t, p, readCamera(p).Bearing, lang)

			// two taps: the menu, then each of its items does what it did in the bar
			openMenu := func() {
				t.Helper()
				p.clickSelector("#more")
				p.waitFor("the menu", `document.getElementById('more').getAttribute('aria-expanded') === 'true'`, 5*time.Second)
			}
			openMenu()
			for _, sel := range []string{"#layers", "#whatson", "#wall-link"} {
				c := readControl(p, sel)
				if !c.Shown {
					t.Errorf("%s is not shown in the open menu", sel)
				}
				named(sel, c)
			}
			p.screenshot(fmt.Sprintf("kiosk-ui-phone-%s-menu.png", lang))
			p.key(kb.Escape)
			p.waitFor("Escape to close the menu, back on its button", `document.getElementById('more').getAttribute('aria-expanded') === 'false' && document.activeElement?.id === 'more'`, 5*time.Second)

			openMenu()
			p.clickSelector("#layers")
			p.waitFor("the layers", `document.body.classList.contains('layers-open') && getComputedStyle(document.getElementById('layers-sheet')).display !== 'none'`, 5*time.Second)
			if readControl(p, "#layers").Shown {
				t.Error("the menu stays open after choosing the layers")
			}
			p.clickSelector("#layers-close")

			openMenu()
			p.clickSelector("#whatson")
			p.waitFor("What's on", `!document.getElementById('whatson-sheet').hidden`, 5*time.Second)
			p.clickSelector("#whatson-close")

			p.clickSelector("#find")
			p.waitFor("Find", `!document.getElementById('find-sheet').hidden && !!document.querySelector('.finder-service')`, 10*time.Second)
			p.clickSelector("#find-close")

			// the north arrow on a map turned by two fingers, then tapped
			eval[bool](p, `(partymap.map.jumpTo({ bearing: 120 }), true)`)
			checkNorthArrow(t, p, 120, lang)
			p.clickSelector(".north")
			p.waitFor("north up", `!partymap.map.isMoving() && Math.abs(partymap.map.getBearing()) < 0.01`, 10*time.Second)
			checkNorthArrow(t, p, 0, lang)

			other := map[string]string{"zh": "en", "en": "zh"}[lang]
			p.setLang(other)
			c = eval[titleClear](p, readTitleClear)
			for _, problem := range append(append(c.Cut, c.Overlaps...), c.Covered...) {
				t.Errorf("switched to %s: the title %q is not readable: %s", other, c.Title, problem)
			}

			// the problem wall, last: it leaves the map
			openMenu()
			p.clickSelector("#wall-link")
			onWall := func(u string) bool { return strings.HasSuffix(strings.SplitN(u, "?", 2)[0], "/wall") }
			at := ""
			for deadline := time.Now().Add(10 * time.Second); !onWall(at) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if u, err := chromedp.Run(p.ctx, chromedp.Location()); err == nil {
					at = u
				}
			}
			if !onWall(at) {
				t.Errorf("the menu's wall link led to %q, want the problem wall", at)
			}
			p.checkClean()
		})
	}
	// narrower phones: 360 px (many Android phones) and 320 px
	for _, width := range []int64{360, 320} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			p := openPage(t, bctx, srv, "/map/?lang=en", width, 740, true)
			p.waitReady()
			for _, lang := range []string{"en", "zh"} {
				p.setLang(lang)
				c := eval[titleClear](p, readTitleClear)
				for _, problem := range append(append(c.Cut, c.Overlaps...), c.Covered...) {
					t.Errorf("%d px, %s: the title %q is not readable: %s", width, lang, c.Title, problem)
				}
			}
			p.checkClean()
		})
	}
}

// TestKioskUI_findButtons: Find's service buttons on the kiosk and the
// phone, in English and in Chinese, are of one size, row by row, and
// their words fit: none overflows its button, no English word is broken
// across lines.
func TestKioskUI_findButtons(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	type service struct {
		Service, Name string
		X, Y, W, H    float64
		Overflows     bool
		Broken        []string
	}
	for _, tc := range []struct {
		name, path    string
		width, height int64
		mobile        bool
	}{
		{"kiosk", "/kiosk", 1920, 1080, false},
		{"phone", "/map/", 390, 844, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openPage(t, bctx, srv, tc.path, tc.width, tc.height, tc.mobile)
			p.waitReady()
			p.clickSelector("#find")
			p.waitFor("the service buttons", `document.querySelectorAll('.finder-service').length > 0`, 10*time.Second)
			for _, lang := range []string{"en", "zh"} {
				p.setLang(lang)
				p.waitFor("the buttons' words", `[...document.querySelectorAll('.finder-service-name')].every((e) => e.textContent && (document.documentElement.lang === 'en') === !/[\u4e00-\u9fff]/.test(e.textContent))`, 5*time.Second)
				buttons := eval[[]service](p, `[...document.querySelectorAll('.finder-service')].map((b) => {
					const n = b.querySelector('.finder-service-name'), r = b.getBoundingClientRect(), q = n.getBoundingClientRect();
					// where each line of the name breaks: inside a word is broken
					const broken = [], text = n.firstChild, range = document.createRange();
					let lastTop = null;
					for (let i = 0; text && i < text.length; i++) {
						range.setStart(text, i); range.setEnd(text, i + 1);
						const rect = range.getClientRects()[0];
						if (!rect || /\s/.test(text.data[i])) continue;
						if (lastTop !== null && rect.top > lastTop + rect.height / 2 && i > 0 && !/[\s\-\/&]/.test(text.data[i - 1]) && !/[\u4e00-\u9fff]/.test(text.data[i])) broken.push(text.data.slice(0, i) + '|' + text.data.slice(i));
						lastTop = rect.top;
					}
					return { service: b.dataset.service, name: n.textContent, x: r.left, y: r.top, w: r.width, h: r.height,
						overflows: n.scrollWidth > n.clientWidth + 1 || q.left < r.left || q.right > r.right || q.top < r.top || q.bottom > r.bottom || b.scrollWidth > b.clientWidth + 1,
						broken };
				})`)
				if len(buttons) < 8 {
					t.Fatalf("%s: %d service buttons, want 8 (7 services and parking)", lang, len(buttons))
				}
				rows := map[float64][]service{}
				for _, b := range buttons {
					rows[math.Round(b.Y)] = append(rows[math.Round(b.Y)], b)
					if b.Overflows {
						t.Errorf("%s %s: %q overflows its button", tc.name, lang, b.Name)
					}
					for _, at := range b.Broken {
						t.Errorf("%s %s: %q breaks inside a word: %s", tc.name, lang, b.Name, at)
					}
				}
				if lang == "en" {
					p.screenshot(fmt.Sprintf("kiosk-ui-find-%s-en.png", tc.name))
				}
				first := buttons[0]
				for y, row := range rows {
					if len(row) != 4 {
						t.Errorf("%s %s: the row at y=%v holds %d buttons, want 4", tc.name, lang, y, len(row))
					}
					for _, b := range row {
						if math.Abs(b.W-first.W) > 1 || math.Abs(b.H-first.H) > 1 {
							t.Errorf("%s %s: %q is %.0f×%.0f px, %q %.0f×%.0f: the buttons differ in size", tc.name, lang, b.Name, b.W, b.H, first.Name, first.W, first.H)
						}
					}
				}
			}
			p.checkClean()
		})
	}
}
