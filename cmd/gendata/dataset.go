package main

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"partymap/internal/splitmix"
)

// feature is one GeoJSON feature to write: its geometry in lon/lat and its
// properties by catalogue field name. Features are numbered 1, 2, … in the
// order of their layer's slice.
type feature struct {
	geometry orb.Geometry
	props    map[string]any
}

// dataset is the whole illustrative data set, by file name (the catalogue's
// layer names).
type dataset struct {
	layers map[string][]feature
	// kiosk is the suggested kiosk position, on the street near its middle.
	kiosk orb.Point
	// today is the day the activities' programme starts.
	today time.Time
}

// world is the laid-out community in local metres, before it is written.
type world struct {
	frame      frame
	site       *site
	facilities [facilityCount]plot
	compounds  []compound
	spare      []plot // plots left over, for co-building units
}

// seed fixes the whole data set; change it and every position moves.
const seed = 0x58594d // "XYM"

// build lays out the community and turns it into features, with the
// activities' programme from the day today.
func build(today time.Time) (*dataset, error) {
	r := splitmix.New(seed)
	l, err := newLattice(r)
	if err != nil {
		return nil, err
	}
	st := newSite(l)
	fac, free, err := claimFacilities(st.surveyPlots(r))
	if err != nil {
		return nil, err
	}
	chosen, spare, err := chooseCompounds(r, free)
	if err != nil {
		return nil, err
	}
	w := &world{frame: xiyueFrame(), site: st, facilities: fac, spare: spare}
	names := compoundNames()
	for k, p := range chosen {
		c, err := newCompound(r, k+1, p, names[k])
		if err != nil {
			return nil, err
		}
		w.compounds = append(w.compounds, c)
	}
	orgs, err := w.organizations(r)
	if err != nil {
		return nil, err
	}
	posts, err := w.posts()
	if err != nil {
		return nil, err
	}
	paths, err := w.paths()
	if err != nil {
		return nil, err
	}
	ds := &dataset{
		layers: map[string][]feature{
			"subdistricts":  {w.subdistrict()},
			"communities":   {w.community()},
			"grids":         w.grids(r),
			"compounds":     w.compoundFeatures(),
			"buildings":     w.buildingFeatures(),
			"organizations": orgs,
			"posts":         posts,
			"parking":       w.parking(),
			"streets":       w.streets(),
			"landmarks":     w.landmarks(),
			"paths":         paths,
			"gates":         w.gates(),
			"activities":    programme(today, posts),
			"resources":     sharedResources(orgs),
		},
		today: today,
		kiosk: w.frame.lonLat(beside(st.pedestrian, 0.5, -4)),
	}
	return ds, nil
}

// gridCode is the code of the grid the local point lies in, or "" when it
// lies outside the community.
func (w *world) gridCode(p orb.Point) string {
	for j := range gridRows {
		for i := range gridCols {
			if planar.RingContains(w.site.lattice.cell(i, j), p) {
				return code(gridNumber(i, j))
			}
		}
	}
	return ""
}

// communityCode is the Xiyue community's code, which its grid codes start
// with; subdistrictCode is the Yuemiao subdistrict's.
const (
	communityCode   = "XY"
	subdistrictCode = "YM"
)

// code is the grid code of grid number g: XY01 … XY15.
func code(g int) string { return fmt.Sprintf("%s%02d", communityCode, g) }

// community is the community outline: the union of the grids.
func (w *world) community() feature {
	return feature{
		geometry: orb.Polygon{w.frame.ring(w.site.lattice.outline())},
		props:    map[string]any{"name_zh": "西岳社区", "name_en": "Xiyue Community", "code": communityCode},
	}
}

// subdistrict is the Yuemiao subdistrict (岳庙街道) as far as this data set
// knows it: the one community it describes, so its outline is the
// community's.
func (w *world) subdistrict() feature {
	return feature{
		geometry: orb.Polygon{w.frame.ring(w.site.lattice.outline())},
		props:    map[string]any{"name_zh": "岳庙街道", "name_en": "Yuemiao Subdistrict", "code": subdistrictCode, "kind": "street"},
	}
}

// grids are the 15 management grids with their invented leaders.
func (w *world) grids(r *splitmix.Source) []feature {
	leaders := gridLeaders()
	var out []feature
	for g := 1; g <= gridRows*gridCols; g++ {
		i, j := (g-1)%gridCols, gridRows-1-(g-1)/gridCols
		households := r.Intn(40, 160) // shop-houses and cottages outside compounds
		for _, c := range w.compounds {
			if c.s.grid() == g {
				households += c.households
			}
		}
		name := "第" + chineseNumber(g) + "网格"
		out = append(out, feature{
			geometry: orb.Polygon{w.frame.ring(w.site.lattice.cell(i, j))},
			props: map[string]any{
				"name_zh":      name,
				"name_en":      fmt.Sprintf("Grid %d", g),
				"code":         code(g),
				"leader_zh":    leaders[g-1].zh,
				"leader_en":    leaders[g-1].en,
				"leader_phone": fmt.Sprintf("1380000%04d", 1500+g),
				"branch_zh":    name + "党支部",
				"branch_en":    fmt.Sprintf("Grid %d Party Branch", g),
				"color":        (g - 1) * 7 % 15, // neighbours get far-apart colours
				"households":   households,
			},
		})
	}
	return out
}

// compoundFeatures are the 33 residential compounds.
func (w *world) compoundFeatures() []feature {
	var out []feature
	for _, c := range w.compounds {
		out = append(out, feature{
			geometry: orb.Polygon{w.frame.ring(c.ring)},
			props: map[string]any{
				"name_zh":    c.name.zh,
				"name_en":    c.name.en,
				"grid_code":  code(c.s.grid()),
				"households": c.households,
				"buildings":  len(c.buildings),
			},
		})
	}
	return out
}

// buildingFeatures are the compounds' buildings, compound by compound.
func (w *world) buildingFeatures() []feature {
	var out []feature
	for _, c := range w.compounds {
		for k, b := range c.buildings {
			out = append(out, feature{
				geometry: orb.Polygon{w.frame.ring(b.ring)},
				props: map[string]any{
					"name_zh":     fmt.Sprintf("%d号楼", k+1),
					"name_en":     fmt.Sprintf("Building %d", k+1),
					"compound_id": c.id,
					"grid_code":   code(c.s.grid()),
					"floors":      b.floors,
					"height_m":    b.heightM,
				},
			})
		}
	}
	return out
}

// streets are the base map's streets and lanes.
func (w *world) streets() []feature {
	var out []feature
	for _, s := range w.site.streets {
		out = append(out, feature{
			geometry: w.frame.line(s.line),
			props:    map[string]any{"name_zh": s.zh, "name_en": s.en, "kind": s.kind},
		})
	}
	return out
}

// landmarks are the base map's landmarks, the park and the large public
// buildings.
func (w *world) landmarks() []feature {
	marks := append([]landmark{}, w.site.landmarks...)
	marks = append(marks,
		landmark{"岳庙街心公园", "Yuemiao Street Garden", "park", w.facilities[pocketPark].ring},
		landmark{"岳庙中心小学", "Yuemiao Central Primary School", "public", w.facilities[primarySchool].ring},
		landmark{"岳庙初级中学", "Yuemiao Junior Middle School", "public", w.facilities[middleSchool].ring},
		landmark{"华阴市中医医院", "Huayin Hospital of Traditional Chinese Medicine", "public", w.facilities[hospital].ring},
	)
	var out []feature
	for _, m := range marks {
		out = append(out, feature{
			geometry: orb.Polygon{w.frame.ring(m.ring)},
			props:    map[string]any{"name_zh": m.zh, "name_en": m.en, "kind": m.kind},
		})
	}
	return out
}
