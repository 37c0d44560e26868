package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/testdb"
)

// marker is appended to every label the test server's /viewer-config.json
// gives, so that a label the page shows from a copy of its own (as the
// finder once called parking "停车场") shows without it.
const marker = "·T"

// relabel marks every layer title, item name, field title and value label
// of /viewer-config.json with marker.
func relabel(t *testing.T) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/viewer-config.json" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var cfg map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &cfg); err != nil {
				t.Errorf("viewer-config.json: %v", err)
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			mark := func(label any) {
				m := label.(map[string]any)
				for _, k := range []string{"zh", "en"} {
					m[k] = m[k].(string) + marker
				}
			}
			for _, l := range cfg["layers"].([]any) {
				layer := l.(map[string]any)
				mark(layer["title"])
				mark(layer["item"])
				for _, f := range layer["fields"].([]any) {
					field := f.(map[string]any)
					mark(field["title"])
					values, _ := field["values"].([]any)
					for _, v := range values {
						mark(v)
					}
				}
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(cfg)
		})
	}
}

// The labels of the data that the pages show come from the server: with
// every label of /viewer-config.json marked, the card's kind, services and
// field titles, the layer panel and the finder's buttons all show the
// marked labels, in Chinese and in English.
func TestViewer_labelsFromTheServer(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	srv := startServerOn(t, db, nil, relabel(t))
	bctx := startBrowser(t)
	cat := geo.NewCatalogue()
	posts, _ := cat.Layer("posts")
	kinds, _ := posts.Field("kind")
	services, _ := posts.Field("services")
	post := feature(t, srv, "posts", 3)

	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := openPage(t, bctx, srv, "/map/?lang="+lang+"#posts/3", 390, 844, true)
			p.waitReady()
			p.waitFor("the post's card", `!!document.querySelector('#card .card-title')`, 15*time.Second)
			pick := func(l geo.Label) string {
				if lang == "en" {
					return l.En + marker
				}
				return l.Zh + marker
			}

			kind, _ := kinds.Choice(post.Properties["kind"].(string))
			if got := eval[string](p, `document.querySelector('#card .card-kind').textContent`); got != pick(kind.Label) {
				t.Errorf("the card's kind: got %q, want the server's %q", got, pick(kind.Label))
			}
			var want []string
			for _, s := range post.Properties["services"].([]any) {
				c, _ := services.Choice(s.(string))
				want = append(want, pick(c.Label))
			}
			if got := eval[[]string](p, `[...document.querySelectorAll('#card .chip')].map((c) => c.textContent)`); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("the card's services: got %q, want the server's %q", got, want)
			}
			titles := eval[[]string](p, `[...document.querySelectorAll('#card dt')].map((c) => c.textContent)`)
			if len(titles) == 0 {
				t.Fatal("the card shows no facts")
			}
			for _, title := range titles {
				if !strings.HasSuffix(title, marker) {
					t.Errorf("the card calls a fact %q, not a label from the server", title)
				}
			}
			for _, name := range []string{"services", "hours"} {
				f, _ := posts.Field(name)
				if !strings.Contains(strings.Join(titles, "|"), pick(f.Title)) {
					t.Errorf("the card's facts %q lack the server's %q", titles, pick(f.Title))
				}
			}

			groups := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('.layer-toggle')].map((b) => [b.dataset.group, b.querySelector('.layer-name').textContent]))`)
			if len(groups) == 0 {
				t.Error("the layer panel has no switch")
			}
			for group, got := range groups {
				l, _ := cat.Layer(group)
				if got != pick(l.Title) {
					t.Errorf("the panel calls %s %q, want the server's %q", group, got, pick(l.Title))
				}
			}

			p.clickSelector("#card .card-close")
			p.clickSelector("#find")
			p.waitFor("the service buttons", `document.querySelectorAll('.finder-service').length > 0`, 10*time.Second)
			var wantButtons []string
			for _, c := range services.Choices {
				wantButtons = append(wantButtons, c.Value+"="+pick(c.Label))
			}
			parking, _ := cat.Layer("parking")
			wantButtons = append(wantButtons, "parking="+pick(parking.Title))
			got := eval[[]string](p, `[...document.querySelectorAll('.finder-service')].map((b) => b.dataset.service + '=' + b.textContent)`)
			if strings.Join(got, "|") != strings.Join(wantButtons, "|") {
				t.Errorf("the finder's buttons: got %q, want the server's services in order %q", got, wantButtons)
			}
			p.checkClean()
		})
	}
}

// A post open 08:00-12:00 and 14:00-18:00 (split hours, which the server
// accepts) shows open or closed as the server says at each opening of its
// card, by the server's clock.
func TestViewer_openNowFromTheServer(t *testing.T) {
	db, _ := testdb.Open(t, harness)
	if _, err := db.Pool().Exec(context.Background(), `UPDATE posts SET hours = '08:00-12:00,14:00-18:00' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	var now atomic.Pointer[time.Time]
	at := func(hh int) {
		c := time.Date(2026, 12, 2, hh, 0, 0, 0, geo.ChinaStandardTime())
		now.Store(&c)
	}
	at(15)
	srv := startServerOn(t, db, func(c *httpapi.Config) { c.Clock = func() time.Time { return *now.Load() } }, nil)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/map/#posts/3", 390, 844, true)
	p.waitReady()
	for _, tc := range []struct {
		hour        int
		badge, text string
	}{
		{hour: 15, badge: "open", text: "正在开放"},
		{hour: 13, badge: "closed", text: "现已关闭"},
		{hour: 9, badge: "open", text: "正在开放"},
	} {
		at(tc.hour)
		eval[bool](p, `partymap.openCard('posts', 3).then((f) => !!f)`)
		p.waitFor("the post's card", `!!document.querySelector('#card .hours')`, 10*time.Second)
		got := eval[[]string](p, `(() => { const h = document.querySelector('#card .hours'), b = h.querySelector('.open-badge'); return [[...h.querySelectorAll('.hours-span')].map((s) => s.textContent).join(','), b ? b.className : '', b ? b.textContent : '']; })()`)
		if got[0] != "08:00-12:00,14:00-18:00" || got[1] != "open-badge "+tc.badge || got[2] != tc.text {
			t.Errorf("at %02d:00 the card shows %q, want the hours and %q (%s)", tc.hour, got, tc.text, tc.badge)
		}
		if tc.hour == 13 {
			p.idle()
			p.screenshot("phone-card-split-hours.png")
		}
		p.clickSelector("#card .card-close")
	}
	p.checkClean()
}

// A post's card in English: the page, the card and its labels in one
// language, and the map kept around what the server says the tiles draw.
func TestViewer_cardInEnglish(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	post := feature(t, srv, "posts", 3)
	p := openPage(t, bctx, srv, "/map/?lang=en#posts/3", 390, 844, true)
	p.waitReady()
	p.waitFor("the post's card", `document.querySelector('#card .card-title')?.textContent === `+jsString(post.Properties["name_en"].(string)), 15*time.Second)
	p.waitFor("the open badge", `!!document.querySelector('#card .open-badge')`, 10*time.Second)
	p.idle()
	p.screenshot("phone-card-en.png")
	if got := eval[string](p, `document.title`); got != "Xiyue Community Party-Building Map" {
		t.Errorf("title: got %q, want the community's English name in the title", got)
	}
	// Chinese shows only where the data is named in both languages (the
	// card's second name) and on the button that switches to Chinese.
	text := eval[string](p, `(() => {
		const bar = document.querySelector('.topbar').cloneNode(true), card = document.querySelector('#card').cloneNode(true);
		bar.querySelector('#lang').remove();
		card.querySelector('.card-other')?.remove();
		return bar.innerText + '\n' + card.innerText;
	})()`)
	if han := hanIn(text); han != "" {
		t.Errorf("the English page shows Chinese %q in:\n%s", han, text)
	}
	var cfg struct {
		Bounds []float64 `json:"bounds"`
	}
	getJSON(t, srv, "/viewer-config.json", &cfg)
	inside := eval[bool](p, fmt.Sprintf(`(() => { const b = partymap.map.getMaxBounds(); return !!b && b.getWest() <= %f && b.getSouth() <= %f && b.getEast() >= %f && b.getNorth() >= %f; })()`,
		cfg.Bounds[0], cfg.Bounds[1], cfg.Bounds[2], cfg.Bounds[3]))
	if !inside {
		t.Errorf("the map's bounds %s do not reach around the tiles' %v", eval[string](p, `JSON.stringify(partymap.map.getMaxBounds())`), cfg.Bounds)
	}
	p.checkClean()
}

// hanIn returns the Chinese characters in s.
func hanIn(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r >= 0x3000 && r <= 0x9fff || r >= 0xff00 && r <= 0xffef {
			b.WriteRune(r)
		}
	}
	return b.String()
}
