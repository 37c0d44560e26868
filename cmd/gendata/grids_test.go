package main

import (
	"fmt"
	"math"
	"regexp"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// overlapTolerance is the most area, in m², two features may share and still
// count as only touching: floating-point dust along a shared edge.
const overlapTolerance = 0.01

func TestGrids_TileCommunity(t *testing.T) {
	grids := load(t, "grids")
	outline := load(t, "communities")[0].ring()
	outlineArea := planar.Area(outline)
	var sum float64
	for _, g := range grids {
		a := planar.Area(g.ring())
		sum += a
		if in := overlapArea(g.ring(), outline); math.Abs(in-a) > a*1e-6 {
			t.Errorf("grid %s: %.1f of its %.1f m² lie in the community outline", g.text("code"), in, a)
		}
	}
	if rel := math.Abs(sum-outlineArea) / outlineArea; rel > 1e-4 {
		t.Errorf("grids cover %.1f m², the outline %.1f m² (%.4f%% apart, want ≤ 0.01%%)", sum, outlineArea, rel*100)
	}
	for i := range grids {
		for k := i + 1; k < len(grids); k++ {
			got := overlapArea(grids[i].ring(), grids[k].ring())
			if got < 0 || got > overlapTolerance {
				t.Errorf("grids %s and %s overlap by %.3f m², want edges shared only", grids[i].text("code"), grids[k].text("code"), got)
			}
		}
	}
}

// edge is a directed ring edge, in the exact written coordinates.
type edge struct{ from, to orb.Point }

func TestGrids_ShareEdgesExactly(t *testing.T) {
	// Every grid edge is either the very same edge, reversed, of exactly one
	// other grid, or an edge of the community outline; and every outline
	// edge belongs to exactly one grid. With exact coordinates, PostGIS sees
	// shared boundaries and no slivers.
	owners := map[edge][]string{}
	for _, g := range load(t, "grids") {
		r := g.geom.(orb.Polygon)[0]
		for i := 0; i+1 < len(r); i++ {
			e := edge{r[i], r[i+1]}
			owners[e] = append(owners[e], g.text("code"))
		}
	}
	outline := map[edge]bool{}
	r := load(t, "communities")[0].geom.(orb.Polygon)[0]
	for i := 0; i+1 < len(r); i++ {
		e := edge{r[i], r[i+1]}
		outline[e] = true
		if got := len(owners[e]); got != 1 {
			t.Errorf("outline edge %v belongs to %d grids, want 1", e, got)
		}
	}
	for e, codes := range owners {
		if len(codes) != 1 {
			t.Errorf("edge %v appears in grids %v, want one", e, codes)
			continue
		}
		back := owners[edge{e.to, e.from}]
		switch {
		case outline[e] && len(back) == 0:
		case !outline[e] && len(back) == 1 && back[0] != codes[0]:
		default:
			t.Errorf("edge %v of grid %s is neither on the outline nor shared with one neighbour (reverse in %v)", e, codes[0], back)
		}
	}
}

func TestGrids_Properties(t *testing.T) {
	phone := regexp.MustCompile(`^1380000\d{4}$`)
	pinyin := regexp.MustCompile(`^[A-Z][a-z]+ [A-Z][a-z]+$`)
	colors := map[int64]string{}
	phones := map[string]bool{}
	for _, g := range load(t, "grids") {
		want := fmt.Sprintf("XY%02d", g.id)
		if got := g.text("code"); got != want {
			t.Errorf("grid %d: code %q, want %q", g.id, got, want)
		}
		if got, want := g.text("name_en"), fmt.Sprintf("Grid %d", g.id); got != want {
			t.Errorf("grid %d: name_en %q, want %q", g.id, got, want)
		}
		if got, want := g.text("branch_zh"), g.text("name_zh")+"党支部"; got != want {
			t.Errorf("grid %d: branch_zh %q, want %q", g.id, got, want)
		}
		if got, want := g.text("branch_en"), g.text("name_en")+" Party Branch"; got != want {
			t.Errorf("grid %d: branch_en %q, want %q", g.id, got, want)
		}
		if p := g.text("leader_phone"); !phone.MatchString(p) || phones[p] {
			t.Errorf("grid %d: leader_phone %q, want a distinct invented 1380000xxxx", g.id, p)
		} else {
			phones[p] = true
		}
		if en := g.text("leader_en"); !pinyin.MatchString(en) {
			t.Errorf("grid %d: leader_en %q, want pinyin like Wang Jianhua", g.id, en)
		}
		c, _ := g.integer("color")
		if other, dup := colors[c]; dup {
			t.Errorf("grids %s and %d share colour %d", other, g.id, c)
		}
		colors[c] = fmt.Sprint(g.id)
		if h, ok := g.integer("households"); !ok || h <= 0 {
			t.Errorf("grid %d: households %d, want a positive count", g.id, h)
		}
	}
}
