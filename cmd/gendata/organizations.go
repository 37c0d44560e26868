package main

import (
	"fmt"

	"github.com/paulmach/orb"

	"partymap/internal/splitmix"
)

// org is one party organization before it is numbered and written.
type org struct {
	zh, en, kind string
	level        int
	parent       int // id, 0 for none
	members      int
	at           orb.Point // local metres
}

// coBuildingUnit is one of the 27 units that build the party together with
// the community (共建单位); the names are plausible, not a real list.
type coBuildingUnit struct {
	zh, en  string
	members int
	at      orb.Point
}

// coBuildingUnits places the units: the large ones on their own plots, the
// shop-front ones along the pedestrian street, the temple's office inside the
// temple (just outside the community) and the rest on spare plots.
func (w *world) coBuildingUnits() ([]coBuildingUnit, error) {
	ped := w.site.pedestrian
	f := w.facilities
	spare, short := 0, false
	next := func() orb.Point {
		if spare == len(w.spare) {
			short = true
			return orb.Point{}
		}
		spare++
		return centroid(w.spare[spare-1].ring)
	}
	units := []coBuildingUnit{
		{"华阴市文化馆", "Huayin Cultural Centre", 38, f[culturalCentre].at(0.3, 0.3)},
		{"岳庙税务所", "Yuemiao Tax Office", 21, f[taxOffice].at(0.7, 0.3)},
		{"岳庙中心小学", "Yuemiao Central Primary School", 34, f[primarySchool].at(0.5, 0.6)},
		{"岳庙初级中学", "Yuemiao Junior Middle School", 47, f[middleSchool].at(0.5, 0.6)},
		{"华阴市中医医院", "Huayin Hospital of Traditional Chinese Medicine", 63, f[hospital].at(0.5, 0.6)},
		{"岳庙派出所", "Yuemiao Police Station", 26, f[policeStation].at(0.5, 0.5)},
		{"西岳庙文物管理所", "Xiyue Temple Cultural Relics Management Office", 29, orb.Point{40, -140}},
		{"岳庙邮政支局", "Yuemiao Post Office", 9, beside(ped, 0.12, 14)},
		{"中国农业银行岳庙分理处", "Agricultural Bank of China Yuemiao Office", 12, beside(ped, 0.22, -14)},
		{"华阴农商银行岳庙支行", "Huayin Rural Commercial Bank Yuemiao Branch", 11, beside(ped, 0.30, 14)},
		{"邮储银行岳庙营业所", "Postal Savings Bank of China Yuemiao Office", 7, beside(ped, 0.58, -14)},
		{"中国移动岳庙营业厅", "China Mobile Yuemiao Service Hall", 6, beside(ped, 0.70, -14)},
		{"中国电信岳庙营业厅", "China Telecom Yuemiao Service Hall", 5, beside(ped, 0.80, 14)},
		{"新华书店岳庙门市部", "Xinhua Bookstore Yuemiao Shop", 5, beside(ped, 0.86, -14)},
		{"岳庙供电所", "Yuemiao Power Supply Station", 16, next()},
		{"岳庙市场监督管理所", "Yuemiao Market Supervision Office", 13, next()},
		{"岳庙消防救援站", "Yuemiao Fire and Rescue Station", 18, next()},
		{"岳庙司法所", "Yuemiao Judicial Office", 6, next()},
		{"岳庙街道社区卫生服务中心", "Yuemiao Community Health Service Centre", 22, next()},
		{"华阴市自来水公司岳庙营业所", "Huayin Water Supply Company Yuemiao Office", 10, next()},
		{"华阴市公安局交警大队岳庙中队", "Yuemiao Traffic Police Squadron", 15, next()},
		{"华阴市城市管理执法局岳庙中队", "Yuemiao Urban Management Squadron", 14, next()},
		{"华阴市文化和旅游局", "Huayin Bureau of Culture and Tourism", 41, next()},
		{"岳庙财政所", "Yuemiao Finance Office", 8, next()},
		{"华阴市融媒体中心", "Huayin Media Centre", 24, next()},
		{"华阴市老年大学", "Huayin University for the Elderly", 17, next()},
		{"岳庙幼儿园", "Yuemiao Kindergarten", 9, next()},
	}
	if short {
		return nil, fmt.Errorf("only %d spare plots for the co-building units", len(w.spare))
	}
	return units, nil
}

// organizations is the party-organization layer: street committee →
// community branch → grid branches → building-door groups, with the
// co-building units and the business circle under the community branch.
func (w *world) organizations(r *splitmix.Source) ([]feature, error) {
	l := w.site.lattice
	ped := w.site.pedestrian
	orgs := []org{
		{"岳庙街道党工委", "Yuemiao Subdistrict Party Working Committee", "street_committee", 1, 0, 42,
			w.facilities[streetOffice].at(0.3, 0.3)},
		{"西岳社区党总支", "Xiyue Community General Party Branch", "community_branch", 2, 1, 0,
			w.facilities[communityCentre].at(0.5, 0.7)},
	}
	const communityID = 2
	grids := gridRows * gridCols
	for g := 1; g <= grids; g++ {
		i, j := (g-1)%gridCols, gridRows-1-(g-1)/gridCols
		orgs = append(orgs, org{
			zh: "第" + chineseNumber(g) + "网格党支部", en: fmt.Sprintf("Grid %d Party Branch", g),
			kind: "grid_branch", level: 3, parent: communityID,
			// Beside the crossing of the grid's midlines, between compounds.
			at: add(l.at(i, j, 0.5, 0.5), orb.Point{7, -7}),
		})
	}
	// Two building-door groups per grid, in two compounds where there are two.
	for g := 1; g <= grids; g++ {
		var in []compound
		for _, c := range w.compounds {
			if c.s.grid() == g {
				in = append(in, c)
			}
		}
		picks := [][2]int{{0, r.Intn(0, len(in[0].buildings)-1)}}
		if len(in) > 1 {
			picks = append(picks, [2]int{1, r.Intn(0, len(in[1].buildings)-1)})
		} else {
			picks = append(picks, [2]int{0, (picks[0][1] + 1) % len(in[0].buildings)})
		}
		for _, p := range picks {
			c := in[p[0]]
			members := r.Intn(3, 9)
			orgs[communityID+g-1].members += members
			orgs = append(orgs, org{
				zh:   fmt.Sprintf("%s%d号楼楼门党小组", c.name.zh, p[1]+1),
				en:   fmt.Sprintf("%s Building %d Door Party Group", c.name.en, p[1]+1),
				kind: "building_group", level: 4, parent: communityID + g, members: members,
				at: c.buildings[p[1]].door,
			})
		}
	}
	for g := 1; g <= grids; g++ {
		orgs[communityID+g-1].members += r.Intn(8, 20)
		orgs[communityID-1].members += orgs[communityID+g-1].members
	}
	orgs[communityID-1].members += r.Intn(10, 30)
	units, err := w.coBuildingUnits()
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		orgs = append(orgs, org{u.zh, u.en, "co_building_unit", 3, communityID, u.members, u.at})
	}
	circle := len(orgs) + 1
	orgs = append(orgs,
		org{"岳庙步行街商圈联合党组织", "Yuemiao Street Business Circle Joint Party Organization", "business_circle", 3, communityID, 0,
			beside(ped, 0.5, 14)},
		org{"华阴老腔文化传媒有限公司党支部", "Huayin Laoqiang Culture Media Co. Party Branch", "non_public", 4, circle, 5,
			beside(ped, 0.42, -14)},
		org{"岳庙街百货商贸有限公司党支部", "Yuemiao Street Department Store Co. Party Branch", "non_public", 4, circle, 7,
			beside(ped, 0.66, 14)},
	)
	orgs[circle-1].members = 5 + 7 + r.Intn(6, 12)
	if err := apart(orgs, 10); err != nil {
		return nil, err
	}
	var out []feature
	for _, o := range orgs {
		props := map[string]any{"name_zh": o.zh, "name_en": o.en, "kind": o.kind, "level": o.level, "members": o.members}
		if o.parent != 0 {
			props["parent_id"] = o.parent
		}
		if gc := w.gridCode(o.at); gc != "" {
			props["grid_code"] = gc
		}
		out = append(out, feature{geometry: w.frame.lonLat(o.at), props: props})
	}
	return out, nil
}

// apart checks that no two flags stand closer than m metres, so none hides
// another on the map.
func apart(orgs []org, m float64) error {
	for a := range orgs {
		for b := a + 1; b < len(orgs); b++ {
			if d := length(sub(orgs[a].at, orgs[b].at)); d < m {
				return fmt.Errorf("%s and %s stand %.1f m apart, want at least %.0f m", orgs[a].zh, orgs[b].zh, d, m)
			}
		}
	}
	return nil
}
