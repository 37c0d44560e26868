package web_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
)

// cityDB writes the synthetic city of cmd/gencity (2 subdistricts, 6
// towns, 60 communities, 900 grids, 99,200 buildings) into a fresh
// database, replacing the Xiyue data, and opens it.
func cityDB(t *testing.T) *postgis.DB {
	t.Helper()
	conn := harness.NewDatabase(t)
	bin := filepath.Join(t.TempDir(), "gencity")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/gencity").CombinedOutput(); err != nil {
		t.Fatalf("build gencity: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "-database-url", conn, "-replace").CombinedOutput(); err != nil {
		t.Fatalf("gencity: %v\n%s", err, out)
	}
	db, err := postgis.Open(context.Background(), conn, geo.NewCatalogue(), postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// A city's map: the overview of its communities at low zoom (fields, the
// branches' flags, names and counts) with steps between community,
// subdistrict and city; /map/?c=CODE opens on a community; a tap on a
// community's field enters it; a kiosk bound to a community opens on it.
// The Xiyue map (one community) shows no steps.
func TestCity(t *testing.T) {
	bctx := startBrowser(t)
	db := cityDB(t)
	srv := startServerOn(t, db, func(c *httpapi.Config) {
		c.KioskPosition = nil
		c.Title = "示例市"
	}, nil)

	t.Run("overview", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/map/", 1280, 800, false)
		p.waitReady()
		p.waitFor("the overview's labels", `document.documentElement.dataset.communities === '60'`, 20*time.Second)
		p.waitFor("the city step marked", `document.querySelector('#steps .step-city.active') !== null`, 10*time.Second)
		p.idle()
		if z := eval[float64](p, `partymap.map.getZoom()`); z >= 13 {
			t.Errorf("the city opens at zoom %.1f, want the overview below 13", z)
		}
		p.waitFor("labels with counts", `partymap.map.querySourceFeatures('community-labels').some((f) => /服务站点 \d+/.test(f.properties.counts_zh))`, 10*time.Second)
		if n := eval[float64](p, `partymap.map.queryRenderedFeatures({ layers: ['communities-fill'] }).length`); n < 30 {
			t.Errorf("%v community fields drawn, want the city's", n)
		}
		// the branches' flags are drawn with their communities' labels (one
		// symbol each), not on their own over the counts
		const inlineFlags = `partymap.map.queryRenderedFeatures({ layers: ['communities-label'] }).filter((f) => f.layer.layout['text-field'].sections.some((s) => s.image?.name === 'flag-2-inline')).length`
		if n := eval[float64](p, inlineFlags); n < 10 {
			t.Errorf("%v community branches' flags drawn at the overview, want them", n)
		}
		// they follow the organizations' switch and the levels' peeling
		// like every other flag
		p.clickSelector("#layers")
		p.waitFor("the layer sheet", `getComputedStyle(document.getElementById('layers-sheet')).display !== 'none'`, 5*time.Second)
		for _, sw := range []struct{ off, on, what string }{
			{`.layer-toggle[data-group="organizations"]`, `.layer-toggle[data-group="organizations"]`, "the organizations switched off"},
			{`.level-step[data-level="1"]`, `.level-step[data-level="3"]`, "the flags peeled to the street level"}, // (back to 3: level 4 flies in to the buildings)
		} {
			p.clickSelector(sw.off)
			p.idle()
			if n := eval[float64](p, inlineFlags); n != 0 {
				t.Errorf("with %s, %v community labels still show a branch's flag", sw.what, n)
			}
			if n := eval[float64](p, `partymap.map.queryRenderedFeatures({ layers: ['communities-label'] }).length`); n < 10 {
				t.Errorf("with %s, %v community labels drawn, want them without their flags", sw.what, n)
			}
			p.clickSelector(sw.on)
			p.idle()
			if n := eval[float64](p, inlineFlags); n < 10 {
				t.Errorf("after %s and back, %v community branches' flags drawn", sw.what, n)
			}
		}
		p.clickSelector("#layers-close")
		if n := eval[float64](p, `partymap.map.queryRenderedFeatures({ layers: ['org-flags-top'] }).filter((f) => f.properties.kind === 'community_branch').length`); n > 0 {
			t.Errorf("%v community branches' flags drawn on their own at the overview, over the counts", n)
		}
		// The branches' flags are in their communities' labels; no other
		// flag covers a label (the labels are drawn over them all) nor
		// takes a label's place (the same labels are drawn without them).
		if c := eval[[]string](p, coveredJS(committeeLayers, []string{"communities-label"})); len(c) > 0 {
			t.Logf("overview: flags beneath the labels: %v", c)
		}
		order := eval[map[string]float64](p, `Object.fromEntries(partymap.map.getStyle().layers.map((l, i) => [l.id, i]))`)
		for _, f := range append(flagLayers, committeeLayers...) {
			if order["communities-label"] < order[f] {
				t.Errorf("the communities' labels (at %v) are drawn beneath the flags of %s (at %v)", order["communities-label"], f, order[f])
			}
		}
		labelled := `[...new Set(partymap.map.queryRenderedFeatures({ layers: ['communities-label'] }).map((f) => f.properties.code))].sort().join(' ')`
		with := eval[string](p, labelled)
		eval[bool](p, `(partymap.map.setLayoutProperty('org-flags-top', 'visibility', 'none'), true)`)
		p.idle()
		without := eval[string](p, labelled)
		eval[bool](p, `(partymap.map.setLayoutProperty('org-flags-top', 'visibility', 'visible'), true)`)
		p.idle()
		if with != without {
			t.Errorf("the flags take labels' places at the overview: with them %q, without %q", with, without)
		}
		t.Logf("overview: %d community labels drawn", len(strings.Fields(with)))
		if got := eval[string](p, `document.title`); got != "示例市党建地图" {
			t.Errorf("title %q, want the city's", got)
		}
		p.screenshot("city-overview.png")
		p.screenshot("tap-city-overview.png") // the same view: no flag over the counts

		// A tap on a community's field enters it.
		pt := eval[[]any](p, `(() => { const f = partymap.map.queryRenderedFeatures({ layers: ['communities-fill'] }).find((f) => f.properties.code === 'CG02'); const c = partymap.map.project(JSON.parse(JSON.stringify(f.geometry.coordinates[0][0]))); return [c.x + 20, c.y - 20]; })()`)
		p.click(pt[0].(float64), pt[1].(float64))
		p.waitFor("entered the community", `new URLSearchParams(location.search).get('c') !== null`, 10*time.Second)
		p.waitFor("the community step marked", `document.querySelector('#steps .step-community.active') !== null`, 10*time.Second)
		p.checkClean()
	})

	t.Run("community", func(t *testing.T) {
		p := openPage(t, bctx, srv, "/map/?c=TH03", 1280, 800, false)
		p.waitReady()
		p.waitFor("the steps", `document.querySelector('#steps .step-community.active') !== null`, 20*time.Second)
		p.idle()
		title := eval[string](p, `document.title`)
		name := eval[string](p, `partymap.config.community.name.zh`)
		if title != name+"党建地图" {
			t.Errorf("title %q, want the community's name %q in it", title, name)
		}
		if !eval[bool](p, `(() => { const b = partymap.config.community.bounds, c = partymap.map.getCenter(); return c.lng > b[0] && c.lng < b[2] && c.lat > b[1] && c.lat < b[3]; })()`) {
			t.Errorf("the map opens at %v, not on TH03 %v", eval[any](p, `partymap.map.getCenter()`), eval[any](p, `partymap.config.community.bounds`))
		}
		if got := eval[string](p, `document.querySelector('#steps .step-subdistrict').textContent`); got != "太华街道" {
			t.Errorf("the subdistrict step: %q, want 太华街道", got)
		}
		p.screenshot("city-community.png")
		p.clickSelector("#steps .step-subdistrict")
		p.waitFor("the subdistrict step marked", `document.querySelector('#steps .step-subdistrict.active') !== null`, 5*time.Second)
		p.idle()
		p.screenshot("city-subdistrict.png")
		p.checkClean()
	})

	t.Run("kiosk of a community", func(t *testing.T) {
		kiosk := startServerOn(t, db, func(c *httpapi.Config) {
			c.KioskPosition = nil
			c.KioskCommunity = "HS05"
		}, nil)
		p := openPage(t, bctx, kiosk, "/kiosk", 1600, 900, false)
		p.waitReady()
		p.idle()
		if got := eval[string](p, `partymap.community()`); got != "HS05" {
			t.Errorf("the kiosk's community: %q, want HS05", got)
		}
		if !eval[bool](p, `(() => { const b = partymap.config.community.bounds, c = partymap.map.getCenter(); return c.lng > b[0] && c.lng < b[2] && c.lat > b[1] && c.lat < b[3]; })()`) {
			t.Errorf("the kiosk of HS05 opens at %v, not on it", eval[any](p, `partymap.map.getCenter()`))
		}
		p.screenshot("city-kiosk-community.png")
		p.checkClean()
	})

	t.Run("Xiyue alone has no steps", func(t *testing.T) {
		x := startServer(t)
		p := openPage(t, bctx, x, "/map/", 1280, 800, false)
		p.waitReady()
		p.idle()
		if eval[bool](p, `document.getElementById('steps') !== null`) || eval[float64](p, `partymap.map.getMinZoom()`) != 13 {
			t.Error("the Xiyue map has steps or a lower minimum zoom: a single-community map must look as it did")
		}
		p.checkClean()
	})
}
