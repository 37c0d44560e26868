package main

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// orgRule is what each kind of organization must look like.
type orgRule struct {
	kind       string
	level      int64
	parentKind string // "" for none
	min, most  int
}

func TestOrganizations_Hierarchy(t *testing.T) {
	rules := []orgRule{
		{"street_committee", 1, "", 1, 1},
		{"community_branch", 2, "street_committee", 1, 1},
		{"grid_branch", 3, "community_branch", 15, 15},
		{"building_group", 4, "grid_branch", 20, 100},
		{"co_building_unit", 3, "community_branch", 27, 27},
		{"business_circle", 3, "community_branch", 1, 1},
		{"non_public", 4, "business_circle", 2, 2},
	}
	orgs := load(t, "organizations")
	byID := map[int64]testFeature{}
	for _, o := range orgs {
		byID[o.id] = o
	}
	count := map[string]int{}
	levels := map[int64]bool{}
	for _, o := range orgs {
		kind := o.text("kind")
		count[kind]++
		level, _ := o.integer("level")
		levels[level] = true
		var rule orgRule
		for _, r := range rules {
			if r.kind == kind {
				rule = r
			}
		}
		if level != rule.level {
			t.Errorf("organization %d (%s) is level %d, want %d", o.id, kind, level, rule.level)
		}
		parentID, hasParent := o.integer("parent_id")
		parent, found := byID[parentID]
		switch {
		case rule.parentKind == "" && hasParent:
			t.Errorf("organization %d (%s) has parent %d, want none", o.id, kind, parentID)
		case rule.parentKind != "" && !found:
			t.Errorf("organization %d (%s): parent %d does not exist", o.id, kind, parentID)
		case rule.parentKind != "" && parent.text("kind") != rule.parentKind:
			t.Errorf("organization %d (%s): parent %d is a %s, want a %s", o.id, kind, parentID, parent.text("kind"), rule.parentKind)
		case kind == "building_group" && parent.text("grid_code") != o.text("grid_code"):
			t.Errorf("building group %d in %s reports to the branch of %s", o.id, o.text("grid_code"), parent.text("grid_code"))
		}
		if m, ok := o.integer("members"); !ok || m <= 0 {
			t.Errorf("organization %d: members %d, want a positive count", o.id, m)
		}
	}
	for _, r := range rules {
		if got := count[r.kind]; got < r.min || got > r.most {
			t.Errorf("%d %s organizations, want %d to %d", got, r.kind, r.min, r.most)
		}
	}
	if len(levels) != 4 {
		t.Errorf("levels %v, want the four levels 1–4", levels)
	}
	names := map[string]string{
		"street_committee": "岳庙街道党工委/Yuemiao Subdistrict Party Working Committee",
		"community_branch": "西岳社区党总支/Xiyue Community General Party Branch",
		"business_circle":  "岳庙步行街商圈联合党组织/Yuemiao Street Business Circle Joint Party Organization",
	}
	for _, o := range orgs {
		if want, ok := names[o.text("kind")]; ok && o.text("name_zh")+"/"+o.text("name_en") != want {
			t.Errorf("organization %d is named %s/%s, want %s", o.id, o.text("name_zh"), o.text("name_en"), want)
		}
	}
}

// gridAt returns the code of the grid holding a local point, "" for none.
func gridAt(grids []testFeature, p orb.Point) string {
	for _, g := range grids {
		if planar.RingContains(g.ring(), p) {
			return g.text("code")
		}
	}
	return ""
}

func TestOrganizations_Places(t *testing.T) {
	grids := load(t, "grids")
	outline := load(t, "communities")[0].ring()
	compounds := load(t, "compounds")
	buildings := load(t, "buildings")
	branches := map[string]int{}
	orgs := load(t, "organizations")
	for _, o := range orgs {
		p, kind := o.point(), o.text("kind")
		if !planar.RingContains(outline, p) {
			d := gapBetween(outline, []orb.Point{p, p})
			if kind != "co_building_unit" || d > 500 {
				t.Errorf("organization %d (%s) stands %.0f m outside the community, want inside (a co-building unit within 500 m)", o.id, kind, d)
			}
		}
		if got, want := o.text("grid_code"), gridAt(grids, p); got != want {
			t.Errorf("organization %d: grid_code %q, but it stands in %q", o.id, got, want)
		}
		switch kind {
		case "grid_branch":
			branches[o.text("grid_code")]++
			for _, g := range grids {
				if g.text("code") == o.text("grid_code") && (g.text("branch_zh") != o.text("name_zh") || g.text("branch_en") != o.text("name_en")) {
					t.Errorf("grid branch %d is %s, its grid calls it %s", o.id, o.text("name_zh"), g.text("branch_zh"))
				}
			}
		case "building_group":
			if !atBuildingDoor(p, o.text("grid_code"), compounds, buildings) {
				t.Errorf("building group %d is not at a building door inside a compound of %s", o.id, o.text("grid_code"))
			}
		}
	}
	for _, g := range grids {
		if n := branches[g.text("code")]; n != 1 {
			t.Errorf("grid %s has %d grid branches, want 1", g.text("code"), n)
		}
	}
	for i := range orgs {
		for k := i + 1; k < len(orgs); k++ {
			if planar.Distance(orgs[i].point(), orgs[k].point()) < 5 {
				t.Errorf("organizations %d and %d stand under 5 m apart; one flag hides the other", orgs[i].id, orgs[k].id)
			}
		}
	}
}

// atBuildingDoor reports whether p lies inside a compound of the grid and
// within 5 m of one of that compound's buildings.
func atBuildingDoor(p orb.Point, grid string, compounds, buildings []testFeature) bool {
	for _, c := range compounds {
		if c.text("grid_code") != grid || !planar.RingContains(c.ring(), p) {
			continue
		}
		for _, b := range buildings {
			if id, _ := b.integer("compound_id"); id == c.id && gapBetween(b.ring(), []orb.Point{p, p}) <= 5 {
				return true
			}
		}
	}
	return false
}
