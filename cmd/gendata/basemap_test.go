package main

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// findLandmark returns the landmark with that Chinese name.
func findLandmark(t *testing.T, marks []testFeature, zh string) testFeature {
	t.Helper()
	for _, m := range marks {
		if m.text("name_zh") == zh {
			return m
		}
	}
	t.Fatalf("landmark %s is missing", zh)
	return testFeature{}
}

func TestStreets_Kinds(t *testing.T) {
	count := map[string]int{}
	var ped testFeature
	for _, s := range load(t, "streets") {
		count[s.text("kind")]++
		if s.text("kind") == "pedestrian" {
			ped = s
		}
	}
	if count["pedestrian"] != 1 || count["main"] < 3 || count["main"] > 5 || count["minor"] < 3 {
		t.Fatalf("street kinds %v, want 1 pedestrian, 3–5 main and several minor", count)
	}
	if got := ped.text("name_zh") + "/" + ped.text("name_en"); got != "岳庙步行街/Yuemiao Pedestrian Street" {
		t.Errorf("the pedestrian street is %s", got)
	}
	line := ped.local.(orb.LineString)
	if l := planar.Length(line); l < 750 || l > 850 || len(line) < 4 {
		t.Errorf("the pedestrian street is %.0f m with %d vertices, want about 800 m with several", l, len(line))
	}
	start, end := line[0], line[len(line)-1]
	if end[0] <= start[0] || end[1] <= start[1] {
		t.Errorf("the pedestrian street runs from %v to %v, want south-west to north-east", start, end)
	}
	temple := findLandmark(t, load(t, "landmarks"), "西岳庙").ring()
	if d := gapBetween(temple, []orb.Point{end, end}); d > 15 {
		t.Errorf("the pedestrian street ends %.0f m from the temple, want at its south gate", d)
	}
	arch := findLandmark(t, load(t, "landmarks"), "石牌坊广场").ring()
	if !planar.RingContains(arch, start) {
		t.Errorf("the pedestrian street does not start on the stone arch square")
	}
}

func TestStreets_ClearOfCompounds(t *testing.T) {
	compounds := load(t, "compounds")
	for _, s := range load(t, "streets") {
		line := s.local.(orb.LineString)
		for _, c := range compounds {
			for _, p := range line {
				if planar.RingContains(c.ring(), p) {
					t.Errorf("street %d ends inside compound %d", s.id, c.id)
				}
			}
			if d := gapBetween(line, c.ring()); d < 5 {
				t.Errorf("street %d passes %.1f m from compound %d, want at least 5 m", s.id, d, c.id)
			}
		}
	}
}

func TestLandmarks_Places(t *testing.T) {
	marks := load(t, "landmarks")
	outline := load(t, "communities")[0].ring()
	temple := findLandmark(t, marks, "西岳庙")
	b := temple.ring().Bound()
	if w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]; math.Abs(w-225) > 12 || math.Abs(h-525) > 25 || temple.text("kind") != "temple" {
		t.Errorf("Xiyue Temple is a %s of %.0f × %.0f m, want a temple about 225 m east–west × 525 m north–south", temple.text("kind"), w, h)
	}
	if c := b.Center(); math.Hypot(c[0], c[1]) > 100 {
		t.Errorf("Xiyue Temple is centred %.0f m from 34.580 N, 110.102 E", math.Hypot(c[0], c[1]))
	}
	var street orb.LineString
	for _, s := range load(t, "streets") {
		if s.text("kind") == "pedestrian" {
			street = s.local.(orb.LineString)
		}
	}
	guandi := findLandmark(t, marks, "关帝庙")
	if a := planar.Area(guandi.ring()); guandi.text("kind") != "temple" || a > 5000 || gapBetween(guandi.ring(), street) > 20 {
		t.Errorf("Guandi Temple is a %s of %.0f m², want a small temple beside the pedestrian street", guandi.text("kind"), a)
	}
	village := findLandmark(t, marks, "双泉村")
	in, area := overlapArea(village.ring(), outline), planar.Area(village.ring())
	if village.text("kind") != "village" || in > area/10 || gapBetween(village.ring(), outline) > 300 {
		t.Errorf("Shuangquan village has %.0f of %.0f m² inside the community, want it beside the community", in, area)
	}
	compounds := load(t, "compounds")
	for _, m := range marks {
		for _, c := range compounds {
			if overlapArea(m.ring(), c.ring()) > overlapTolerance {
				t.Errorf("landmark %s overlaps compound %d", m.text("name_zh"), c.id)
			}
		}
	}
}
