package main

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The margins, in metres, the written data must keep.
const (
	compoundGridMargin     = 8
	buildingCompoundMargin = 3
)

// boxesApart reports whether two rings' bounding boxes are more than m
// metres apart, a quick way to skip pairs that cannot touch.
func boxesApart(a, b orb.Ring, m float64) bool {
	x, y := a.Bound(), b.Bound()
	return x.Min[0]-m > y.Max[0] || y.Min[0]-m > x.Max[0] || x.Min[1]-m > y.Max[1] || y.Min[1]-m > x.Max[1]
}

func TestCompounds_InOneGrid(t *testing.T) {
	grids := load(t, "grids")
	for _, c := range load(t, "compounds") {
		var in []testFeature
		for _, g := range grids {
			if overlapArea(c.ring(), g.ring()) > overlapTolerance {
				in = append(in, g)
			}
		}
		if len(in) != 1 {
			t.Errorf("compound %d lies in %d grids, want 1", c.id, len(in))
			continue
		}
		if got, want := c.text("grid_code"), in[0].text("code"); got != want {
			t.Errorf("compound %d: grid_code %q, but it lies in %q", c.id, got, want)
		}
		if inside, gap := insideBy(c.ring(), in[0].ring()); !inside || gap < compoundGridMargin {
			t.Errorf("compound %d keeps %.1f m from its grid's boundary (inside: %v), want ≥ %d m", c.id, gap, inside, compoundGridMargin)
		}
	}
}

func TestCompounds_Apart(t *testing.T) {
	cs := load(t, "compounds")
	for i := range cs {
		for k := i + 1; k < len(cs); k++ {
			a, b := cs[i].ring(), cs[k].ring()
			if boxesApart(a, b, 1) {
				continue
			}
			if overlapArea(a, b) != 0 || gapBetween(a, b) == 0 {
				t.Errorf("compounds %d and %d overlap or touch", cs[i].id, cs[k].id)
			}
		}
	}
}

func TestCompounds_CountTheirBuildings(t *testing.T) {
	count := map[int64]int64{}
	for _, b := range load(t, "buildings") {
		id, _ := b.integer("compound_id")
		count[id]++
	}
	for _, c := range load(t, "compounds") {
		got, _ := c.integer("buildings")
		if got != count[c.id] {
			t.Errorf("compound %d says %d buildings, %d have its compound_id", c.id, got, count[c.id])
		}
		if h, _ := c.integer("households"); h <= 0 {
			t.Errorf("compound %d: households %d, want a positive count", c.id, h)
		}
		delete(count, c.id)
	}
	for id, n := range count {
		t.Errorf("%d buildings name compound %d, which does not exist", n, id)
	}
}

func TestBuildings_InTheirCompound(t *testing.T) {
	compounds := map[int64]testFeature{}
	for _, c := range load(t, "compounds") {
		compounds[c.id] = c
	}
	for _, b := range load(t, "buildings") {
		id, _ := b.integer("compound_id")
		c, ok := compounds[id]
		if !ok {
			t.Errorf("building %d: compound %d does not exist", b.id, id)
			continue
		}
		if inside, gap := insideBy(b.ring(), c.ring()); !inside || gap < buildingCompoundMargin {
			t.Errorf("building %d keeps %.1f m from compound %d's boundary (inside: %v), want ≥ %d m", b.id, gap, id, inside, buildingCompoundMargin)
		}
		if got, want := b.text("grid_code"), c.text("grid_code"); got != want {
			t.Errorf("building %d: grid_code %q, its compound's %q", b.id, got, want)
		}
	}
}

func TestBuildings_Apart(t *testing.T) {
	bs := load(t, "buildings")
	for i := range bs {
		for k := i + 1; k < len(bs); k++ {
			a, b := bs[i].ring(), bs[k].ring()
			if boxesApart(a, b, 1) {
				continue
			}
			if overlapArea(a, b) != 0 || gapBetween(a, b) == 0 {
				t.Errorf("buildings %d and %d overlap or touch", bs[i].id, bs[k].id)
			}
		}
	}
}

func TestBuildings_Shape(t *testing.T) {
	bs := load(t, "buildings")
	midRise, towers := 0, 0
	number := map[int64]int{}
	for _, b := range bs {
		r := b.ring()
		if len(r) != 5 {
			t.Errorf("building %d has %d corners, want a rectangle", b.id, len(r)-1)
			continue
		}
		for i := range 4 {
			p, q, s := r[i], r[i+1], r[(i+2)%4]
			u, v := orb.Point{q[0] - p[0], q[1] - p[1]}, orb.Point{s[0] - q[0], s[1] - q[1]}
			cos := (u[0]*v[0] + u[1]*v[1]) / math.Hypot(u[0], u[1]) / math.Hypot(v[0], v[1])
			if math.Abs(cos) > 0.01 || math.Hypot(u[0], u[1]) < 8 {
				t.Errorf("building %d: corner %d is not square or a side is under 8 m", b.id, i+1)
			}
		}
		floors, _ := b.integer("floors")
		if floors < 2 || floors > 18 {
			t.Errorf("building %d: %d floors, want 2 to 18", b.id, floors)
		}
		if h := b.number("height_m"); math.IsNaN(h) || h < 3*float64(floors)-0.5 || h > 3*float64(floors)+1.5 {
			t.Errorf("building %d: height_m %v for %d floors, want about 3 m a floor", b.id, h, floors)
		}
		if floors >= 5 && floors <= 7 {
			midRise++
		}
		if floors >= 11 {
			towers++
		}
		c, _ := b.integer("compound_id")
		number[c]++
		if got, want := b.text("name_zh")+" "+b.text("name_en"), fmt.Sprintf("%d号楼 Building %d", number[c], number[c]); got != want {
			t.Errorf("building %d is named %q, want %q (numbered within its compound)", b.id, got, want)
		}
	}
	if midRise*2 < len(bs) || towers == 0 {
		t.Errorf("%d of %d buildings have 5–7 floors and %d are towers, want most mid-rise and some towers", midRise, len(bs), towers)
	}
}

func TestParking_Lots(t *testing.T) {
	compounds := load(t, "compounds")
	noneFree := 0
	for _, p := range load(t, "parking") {
		for _, c := range compounds {
			if overlapArea(p.ring(), c.ring()) != 0 || gapBetween(p.ring(), c.ring()) == 0 {
				t.Errorf("car park %d overlaps or touches compound %d", p.id, c.id)
			}
		}
		var e []float64
		_ = json.Unmarshal(p.props["entrance"], &e)
		if len(e) == 2 {
			gate := localPoint(orb.Point{e[0], e[1]})
			d := gapBetween(p.ring(), []orb.Point{gate, gate})
			if !planar.RingContains(p.ring(), gate) && d > 0.5 || d > 3 {
				t.Errorf("car park %d: entrance %.1f m from its edge, want on or just inside it", p.id, d)
			}
		}
		capacity, _ := p.integer("capacity")
		free, _ := p.integer("free")
		if free > capacity || capacity == 0 {
			t.Errorf("car park %d: %d free of %d, want 0 ≤ free ≤ capacity > 0", p.id, free, capacity)
		}
		if free == 0 {
			noneFree++
		}
		if !validHours(p.text("hours")) {
			t.Errorf("car park %d: hours %q, want HH:MM-HH:MM", p.id, p.text("hours"))
		}
	}
	if noneFree == 0 {
		t.Errorf("every car park has free spaces, want one full so the finder must skip it")
	}
}
