package main

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// The walking network's own features (issue 15): the footpaths the streets
// do not draw and the gates in the walls. Xiyue Temple is walled and
// entered by its south gate only; a ring path runs round it outside its
// walls; a passage once led in by a west gate that is closed now, so a
// visitor beside the west wall walks round to the south gate. The two
// compounds with an activity room open a gate in the middle of their
// southern wall, with a lane from the nearest street through the gate,
// past the room, into the compound.

// templeWalk is how far outside the temple's walls its ring path runs, in
// metres.
const templeWalk = 25.0

// paths are the footpaths, in local metres turned into lon/lat.
func (w *world) paths() ([]feature, error) {
	miaoqian, err := w.streetLine("庙前路")
	if err != nil {
		return nil, err
	}
	// The temple: 225 m east–west × 525 m north–south around (0, 0).
	west, east, north := -112.5-templeWalk, 112.5+templeWalk, 262.5+templeWalk
	sw, ok1 := atX(miaoqian, west)
	se, ok2 := atX(miaoqian, east)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("Miaoqian Road does not pass the temple's ring path")
	}
	ring := orb.LineString{sw, {west, north}, {east, north}, se}
	out := []feature{
		w.path("西岳庙中轴路", "Xiyue Temple Central Axis", "axis", orb.LineString{{0, -262.5}, {0, 200}}),
		w.path("环庙路", "Temple Ring Path", "footpath", ring),
		w.path("西华门甬道", "West Gate Passage", "lane", orb.LineString{{west, 100}, {0, 100}}),
	}
	for _, c := range w.gatedCompounds() {
		gate := compoundGate(c)
		street := w.nearestStreetPoint(gate)
		post := add(gate, scale(left(unit(sub(c.ring[1], c.ring[0]))), 4))
		out = append(out, w.path(c.name.zh+"甬道", c.name.en+" Lane", "lane",
			orb.LineString{street, gate, post, centroid(c.ring)}))
	}
	return out, nil
}

// gates are the temple's public entrance and the compounds' gates.
func (w *world) gates() []feature {
	out := []feature{{
		geometry: w.frame.lonLat(orb.Point{0, -262.5}),
		props:    map[string]any{"name_zh": "西岳庙南门", "name_en": "Xiyue Temple South Gate", "kind": "temple_entrance"},
	}}
	for _, c := range w.gatedCompounds() {
		out = append(out, feature{
			geometry: w.frame.lonLat(compoundGate(c)),
			props:    map[string]any{"name_zh": c.name.zh + "大门", "name_en": c.name.en + " Gate", "kind": "compound_gate"},
		})
	}
	return out
}

func (w *world) path(zh, en, kind string, line orb.LineString) feature {
	return feature{geometry: w.frame.line(line), props: map[string]any{"name_zh": zh, "name_en": en, "kind": kind}}
}

// gatedCompounds are the compounds with an activity room (posts.go puts
// one just inside the middle of the southern wall of the first compound
// of grids 6 and 14).
func (w *world) gatedCompounds() []compound {
	var out []compound
	for _, g := range []int{6, 14} {
		for _, c := range w.compounds {
			if c.s.grid() == g {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// compoundGate is the middle of a compound's southern wall.
func compoundGate(c compound) orb.Point { return lerp(c.ring[0], c.ring[1], 0.5) }

// streetLine is the line of the street with that Chinese name.
func (w *world) streetLine(zh string) (orb.LineString, error) {
	for _, s := range w.site.streets {
		if s.zh == zh {
			return s.line, nil
		}
	}
	return nil, fmt.Errorf("no street %s", zh)
}

// nearestStreetPoint is the point of any street nearest to p.
func (w *world) nearestStreetPoint(p orb.Point) orb.Point {
	best, bestD := orb.Point{}, math.Inf(1)
	for _, s := range w.site.streets {
		for i := 0; i+1 < len(s.line); i++ {
			q := closestOnSegment(p, s.line[i], s.line[i+1])
			if d := length(sub(q, p)); d < bestD {
				best, bestD = q, d
			}
		}
	}
	return best
}

// closestOnSegment is the point of segment ab nearest to p.
func closestOnSegment(p, a, b orb.Point) orb.Point {
	ab := sub(b, a)
	t := dot(sub(p, a), ab) / dot(ab, ab)
	return lerp(a, b, math.Max(0, math.Min(1, t)))
}

// atX is the point of a west–east line at x, if it reaches x.
func atX(line orb.LineString, x float64) (orb.Point, bool) {
	for i := 0; i+1 < len(line); i++ {
		a, b := line[i], line[i+1]
		if (a[0]-x)*(b[0]-x) <= 0 && a[0] != b[0] {
			return lerp(a, b, (x-a[0])/(b[0]-a[0])), true
		}
	}
	return orb.Point{}, false
}
