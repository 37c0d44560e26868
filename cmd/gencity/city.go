package main

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/splitmix"
)

// size says how many communities the city has across and down. Each
// community is communityCols × communityRows grids; the subdistricts and
// towns are blocks of communities (subdistrictBlocks).
type size struct{ cols, rows int }

// The shape of a community and of the city's subdistricts.
const (
	// communityCols × communityRows grids make one community.
	communityCols, communityRows = 5, 3
	// subdistrictCols × subdistrictBands subdistricts divide the city: the
	// second band from the south is the city proper (街道), the others
	// towns (镇).
	subdistrictCols, subdistrictBands = 2, 4
)

// city is the generated data set: one table per layer, in load order.
type city struct {
	tables []*table
	// bound is the city's extent in WGS 84.
	bound orb.Bound
}

// count returns the number of rows of a layer.
func (c *city) count(layer string) int {
	for _, t := range c.tables {
		if t.name == layer {
			return t.rows
		}
	}
	return 0
}

// subdistrict is one block of communities.
type subdistrict struct {
	code, zh, en, kind string
	// c0, r0, c1, r1 are its communities: columns c0 ≤ c < c1, rows r0 ≤ r < r1.
	c0, r0, c1, r1 int
	// committee is the organization id of its party working committee.
	committee int
}

// builder carries the state of one generation.
type builder struct {
	sz           size
	r            *splitmix.Source
	lat          lattice
	pl           plane
	subdistricts []subdistrict
	// of is the subdistrict of each community, by community index.
	of    []int
	nextO int // next organization id

	subdistrictsT, communities, grids, compounds, buildings, parking, posts, organizations, streets, landmarks *table
}

// build generates the city. The same size and seed give the same bytes.
func build(sz size, seed uint64) (*city, error) {
	if sz.cols < 1 || sz.rows < 1 || sz.cols > 40 || sz.rows > 40 {
		return nil, fmt.Errorf("the city must be 1 to 40 communities across and down; got %d × %d", sz.cols, sz.rows)
	}
	r := splitmix.New(seed)
	gc, gr := sz.cols*communityCols, sz.rows*communityRows
	w, h := float64(gc)*cellMetres, float64(gr)*cellMetres
	b := &builder{sz: sz, r: r, lat: newLattice(gc, gr, r), pl: newPlane(w, h)}
	b.subdistrictsT = newTable(geo.SubdistrictLayer, "id", "name_zh", "name_en", "code", "kind", "geom")
	b.communities = newTable(geo.CommunityLayer, "id", "name_zh", "name_en", "code", "subdistrict", "geom")
	b.grids = newTable("grids", "id", "name_zh", "name_en", "code", "leader_zh", "leader_en", "leader_phone", "branch_zh", "branch_en", "color", "households", "community", "geom")
	b.compounds = newTable("compounds", "id", "name_zh", "name_en", "grid_code", "households", "buildings", "community", "geom")
	b.buildings = newTable("buildings", "id", "name_zh", "name_en", "compound_id", "grid_code", "floors", "height_m", "community", "geom")
	b.parking = newTable("parking", "id", "name_zh", "name_en", "capacity", "free", "hours", "fee_zh", "fee_en", "entrance", "grid_code", "community", "geom")
	b.posts = newTable("posts", "id", "name_zh", "name_en", "kind", "services", "hours", "phone", "grid_code", "community", "geom")
	b.organizations = newTable("organizations", "id", "name_zh", "name_en", "kind", "level", "parent_id", "members", "grid_code", "community", "geom")
	// A street runs along a lattice line, not a jittered grid edge: which
	// community holds the most of it is the store's to derive (load).
	b.streets = newTable("streets", "id", "name_zh", "name_en", "kind", "geom")
	b.landmarks = newTable("landmarks", "id", "name_zh", "name_en", "kind", "community", "geom")

	b.planSubdistricts()
	if err := b.addOrganizationsTop(w, h); err != nil {
		return nil, err
	}
	for k, s := range b.subdistricts {
		if err := b.subdistrictsT.add(k+1, s.zh, s.en, s.code, s.kind, b.pl.polygon(b.lat.block(
			s.c0*communityCols, s.r0*communityRows, s.c1*communityCols, s.r1*communityRows))); err != nil {
			return nil, err
		}
	}
	for cr := 0; cr < sz.rows; cr++ {
		for cc := 0; cc < sz.cols; cc++ {
			if err := b.addCommunity(cc, cr); err != nil {
				return nil, err
			}
		}
	}
	if err := b.addStreets(); err != nil {
		return nil, err
	}
	c := &city{
		tables: []*table{b.subdistrictsT, b.communities, b.grids, b.compounds, b.buildings, b.organizations, b.posts, b.parking, b.streets, b.landmarks},
		bound:  orb.Bound{Min: b.pl.point(orb.Point{0, 0}), Max: b.pl.point(orb.Point{w, h})},
	}
	return c, nil
}

// planSubdistricts divides the communities into subdistrict blocks, names
// them and numbers their party committees (after the city committee, 1).
func (b *builder) planSubdistricts() {
	cols, bands := min(subdistrictCols, b.sz.cols), min(subdistrictBands, b.sz.rows)
	names := subdistrictNames()
	streets, towns := names[:2], names[2:]
	b.of = make([]int, b.sz.cols*b.sz.rows)
	for band := 0; band < bands; band++ {
		for col := 0; col < cols; col++ {
			k := len(b.subdistricts)
			s := subdistrict{
				c0: col * b.sz.cols / cols, c1: (col + 1) * b.sz.cols / cols,
				r0: band * b.sz.rows / bands, r1: (band + 1) * b.sz.rows / bands,
				committee: 2 + k,
			}
			n := names[k%len(names)]
			if band == min(1, bands-1) && len(streets) > 0 {
				n, streets = streets[0], streets[1:]
				s.kind = "street"
			} else {
				n, towns = towns[0], append(towns[1:], towns[0])
				s.kind = "town"
			}
			s.code, s.zh, s.en = n.code, n.zh, n.en
			if len(b.subdistricts) >= len(names) {
				s.code = fmt.Sprintf("%s%d", n.code, k)
			}
			for cr := s.r0; cr < s.r1; cr++ {
				for cc := s.c0; cc < s.c1; cc++ {
					b.of[b.communityIndex(cc, cr)] = k
				}
			}
			b.subdistricts = append(b.subdistricts, s)
		}
	}
}

// communityIndex numbers communities row by row from the south-west, from 0.
func (b *builder) communityIndex(cc, cr int) int { return cr*b.sz.cols + cc }

// communityCode is community (cc, cr)'s code: its subdistrict's code and
// its number in the subdistrict (CG03).
func (b *builder) communityCode(cc, cr int) string {
	s := b.subdistricts[b.of[b.communityIndex(cc, cr)]]
	n := (cr-s.r0)*(s.c1-s.c0) + (cc - s.c0) + 1
	return fmt.Sprintf("%s%02d", s.code, n)
}

// gridCode is the code of grid (gi, gj) of community (cc, cr): the
// community's code and the grid's number in it (CG0307), unique in the city.
func (b *builder) gridCode(cc, cr, gi, gj int) string {
	return fmt.Sprintf("%s%02d", b.communityCode(cc, cr), gj*communityCols+gi+1)
}

// gridNumber numbers the city's grids row by row from the south-west, from 1.
func (b *builder) gridNumber(i, j int) int { return j*b.lat.cols + i + 1 }

// communityBranchID is the organization id of community (cc, cr)'s party
// branch: after the city committee and the subdistricts' committees.
func (b *builder) communityBranchID(cc, cr int) int {
	return 2 + len(b.subdistricts) + b.communityIndex(cc, cr)
}

// gridBranchID is the organization id of grid (i, j)'s party branch: after
// every community branch.
func (b *builder) gridBranchID(i, j int) int {
	return 2 + len(b.subdistricts) + b.sz.cols*b.sz.rows + b.gridNumber(i, j) - 1
}

// addOrganizationsTop adds the city committee and the subdistricts' party
// working committees, which the community branches report to.
func (b *builder) addOrganizationsTop(w, h float64) error {
	centre := orb.Point{w / 2, h / 2}
	ci, cj := int(centre[0]/cellMetres), int(centre[1]/cellMetres)
	at := b.lat.inner(ci, cj).slot(1, 2, slotCols, slotRows)
	cc, cr := ci/communityCols, cj/communityRows
	if err := b.organizations.add(1, "示例市委", "Sample City Party Committee", "city_committee", 0, nil, 120,
		b.gridCode(cc, cr, ci%communityCols, cj%communityRows), b.communityCode(cc, cr), b.pl.point(orb.Point{at.x0, at.y0})); err != nil {
		return err
	}
	for k, s := range b.subdistricts {
		// In the middle grid of the subdistrict's first community.
		i, j := s.c0*communityCols+communityCols/2, s.r0*communityRows+communityRows/2
		at := b.lat.inner(i, j).slot(2, 2, slotCols, slotRows)
		if err := b.organizations.add(s.committee, s.zh+"党工委", s.en+" Party Working Committee", "street_committee", 1, 1, b.r.Intn(30, 90),
			b.gridCode(s.c0, s.r0, communityCols/2, communityRows/2), b.communityCode(s.c0, s.r0), b.pl.point(orb.Point{at.x0, at.y0})); err != nil {
			return fmt.Errorf("subdistrict %d: %w", k, err)
		}
	}
	b.nextO = 2 + len(b.subdistricts) + b.sz.cols*b.sz.rows + b.lat.cols*b.lat.rows
	return nil
}

// addCommunity adds community (cc, cr), its party branch and its grids with
// everything inside them.
func (b *builder) addCommunity(cc, cr int) error {
	k := b.communityIndex(cc, cr)
	s := b.subdistricts[b.of[k]]
	code := b.communityCode(cc, cr)
	stem := communityStems()[k%len(communityStems())]
	place, _ := strings.CutSuffix(s.zh, "街道")
	place, _ = strings.CutSuffix(place, "镇")
	placeEn, _ := strings.CutSuffix(s.en, " Subdistrict")
	placeEn, _ = strings.CutSuffix(placeEn, " Town")
	zh, en := place+stem.zh+"社区", fmt.Sprintf("%s %s Community", placeEn, stem.en)
	i0, j0 := cc*communityCols, cr*communityRows
	if err := b.communities.add(k+1, zh, en, code, s.code, b.pl.polygon(b.lat.block(i0, j0, i0+communityCols, j0+communityRows))); err != nil {
		return err
	}
	// The branch's flag stands in the community's first grid.
	at := b.lat.inner(i0, j0).slot(1, 1, slotCols, slotRows)
	if err := b.organizations.add(b.communityBranchID(cc, cr), zh+"党总支", en+" General Party Branch", "community_branch", 2, s.committee,
		b.r.Intn(40, 120), b.gridCode(cc, cr, 0, 0), code, b.pl.point(orb.Point{at.x0, at.y0})); err != nil {
		return err
	}
	for gj := 0; gj < communityRows; gj++ {
		for gi := 0; gi < communityCols; gi++ {
			if err := b.addGrid(cc, cr, gi, gj); err != nil {
				return err
			}
		}
	}
	return nil
}

// addGrid adds grid (gi, gj) of community (cc, cr) with everything inside it.
func (b *builder) addGrid(cc, cr, gi, gj int) error {
	i, j := cc*communityCols+gi, cr*communityRows+gj
	n := b.gridNumber(i, j)
	code, community := b.gridCode(cc, cr, gi, gj), b.communityCode(cc, cr)
	local := gj*communityCols + gi + 1
	if err := b.grids.add(n, fmt.Sprintf("第%d网格", local), fmt.Sprintf("Grid %d", local), code,
		fmt.Sprintf("网格长%d（虚构）", n), fmt.Sprintf("Leader %d (invented)", n), fmt.Sprintf("1380%07d", n),
		fmt.Sprintf("第%d网格党支部", local), fmt.Sprintf("Grid %d Party Branch", local),
		(i+3*j)%15, b.r.Intn(300, 2500), community, b.pl.polygon(b.lat.cell(i, j))); err != nil {
		return err
	}
	if err := b.organizations.add(b.gridBranchID(i, j), fmt.Sprintf("%s第%d网格党支部", community, local), fmt.Sprintf("%s Grid %d Party Branch", community, local),
		"grid_branch", 3, b.communityBranchID(cc, cr), b.r.Intn(8, 40), code, community, b.pl.point(b.lat.inner(i, j).centre())); err != nil {
		return err
	}
	inner := b.lat.inner(i, j)
	hasPark := (n-1)%9 == 0
	for row := 0; row < slotRows; row++ {
		for col := 0; col < slotCols; col++ {
			s := inner.slot(col, row, slotCols, slotRows).inset(roadHalf)
			switch {
			case col == 0 && row == 0:
				if err := b.addParking(s, code, community); err != nil {
					return err
				}
			case hasPark && col == slotCols-1 && row == slotRows-1:
				if err := b.addLandmark(s, community); err != nil {
					return err
				}
			case col == 1 && row == 1:
				// The middle slot is the grid's square: its branch's flag
				// stands there, with its posts and partners around.
			default:
				if err := b.addCompound(s, code, community, i, j); err != nil {
					return err
				}
			}
		}
	}
	return b.addGridPoints(cc, cr, i, j, inner, code, community)
}

// addCompound adds a compound filling slot s and its buildings, with its
// building-door party group.
func (b *builder) addCompound(s rect, code, community string, i, j int) error {
	s = rect{s.x0 + b.r.Between(0, 6), s.y0 + b.r.Between(0, 6), s.x1 - b.r.Between(0, 6), s.y1 - b.r.Between(0, 6)}
	id := b.compounds.rows + 1
	if err := b.compounds.add(id, fmt.Sprintf("第%d小区", id), fmt.Sprintf("Compound %d", id), code,
		b.r.Intn(80, 600), buildingCols*buildingRows, community, b.pl.polygon(s.ring())); err != nil {
		return err
	}
	for k := 0; k < buildingCols*buildingRows; k++ {
		slot := s.slot(k%buildingCols, k/buildingCols, buildingCols, buildingRows)
		floors := b.r.Intn(2, 33)
		bid := b.buildings.rows + 1
		if err := b.buildings.add(bid, fmt.Sprintf("%d号楼", k+1), fmt.Sprintf("Building %d", k+1), id, code,
			floors, float64(floors)*3+1, community, b.pl.polygon(footprint(slot, b.r))); err != nil {
			return err
		}
	}
	at := s.slot(2, 1, buildingCols, buildingRows)
	return b.addOrganization(fmt.Sprintf("第%d小区楼门党小组", id), fmt.Sprintf("Compound %d Building Party Group", id),
		"building_group", 4, b.gridBranchID(i, j), code, community, orb.Point{at.x0, at.y0})
}

// addOrganization adds one organization with the next id.
func (b *builder) addOrganization(zh, en, kind string, level, parent int, code, community string, at orb.Point) error {
	id := b.nextO
	b.nextO++
	return b.organizations.add(id, zh, en, kind, level, parent, b.r.Intn(3, 60), code, community, b.pl.point(at))
}

// addParking adds a shared car park filling slot s.
func (b *builder) addParking(s rect, code, community string) error {
	id := b.parking.rows + 1
	capacity := b.r.Intn(40, 300)
	entrance := orb.Point{(s.x0 + s.x1) / 2, s.y0}
	return b.parking.add(id, fmt.Sprintf("第%d共享停车场", id), fmt.Sprintf("Shared Car Park %d", id), capacity, b.r.Intn(0, capacity),
		"00:00-24:00", "免费", "Free", b.pl.point(entrance), code, community, b.pl.polygon(s.ring()))
}

// landmarkKinds are the kinds a park slot becomes, in turn.
func landmarkKinds() []string { return []string{"park", "square", "public", "temple", "village"} }

// addLandmark adds a landmark filling slot s.
func (b *builder) addLandmark(s rect, community string) error {
	id := b.landmarks.rows + 1
	kind := landmarkKinds()[id%len(landmarkKinds())]
	return b.landmarks.add(id, fmt.Sprintf("第%d地标", id), fmt.Sprintf("Landmark %d (%s)", id, kind), kind, community, b.pl.polygon(s.ring()))
}

// postKinds are the kinds of the posts of the city, in turn.
func postKinds() []string {
	return []string{"cabin", "cabin", "service_hall", "activity_room", "cultural_space", "library", "rep_studio", "cabin"}
}

// addGridPoints adds grid (i, j)'s service posts (one or two) and its other
// party organizations around the grid's square, the middle slot.
func (b *builder) addGridPoints(cc, cr, i, j int, inner rect, code, community string) error {
	square := inner.slot(1, 1, slotCols, slotRows).inset(roadHalf)
	around := func(k int) orb.Point {
		c := square.slot(k%3, k/3%3, 3, 3)
		return c.centre()
	}
	services := geo.Services()
	n := b.gridNumber(i, j)
	for k := 0; k < 1+n%2; k++ {
		id := b.posts.rows + 1
		kind := postKinds()[id%len(postKinds())]
		var offered []string
		for _, s := range services {
			if b.r.Float() < 0.6 {
				offered = append(offered, s)
			}
		}
		if len(offered) == 0 {
			offered = []string{"rest"}
		}
		if err := b.posts.add(id, fmt.Sprintf("第%d服务站点", id), fmt.Sprintf("Service Post %d", id), kind, offered,
			"08:00-20:00", fmt.Sprintf("0913-%07d", id), code, community, b.pl.point(around(k*2))); err != nil {
			return err
		}
	}
	branch := b.communityBranchID(cc, cr)
	if err := b.addOrganization(fmt.Sprintf("共建单位%d", n), fmt.Sprintf("Co-building Unit %d", n),
		"co_building_unit", 3, branch, code, community, around(6)); err != nil {
		return err
	}
	if n%16 == 0 {
		if err := b.addOrganization(fmt.Sprintf("商圈联合党组织%d", n/16), fmt.Sprintf("Business Circle Joint Party Organization %d", n/16),
			"business_circle", 3, branch, code, community, around(8)); err != nil {
			return err
		}
	}
	if n%4 == 0 {
		return b.addOrganization(fmt.Sprintf("非公企业党支部%d", n/4), fmt.Sprintf("Non-public Enterprise Party Branch %d", n/4),
			"non_public", 4, b.gridBranchID(i, j), code, community, around(7))
	}
	return nil
}

// addStreets adds the roads along the nominal lattice lines, one street a
// community long: main roads every fourth line, a pedestrian street
// through the middle, minor roads between.
func (b *builder) addStreets() error {
	kind := func(k, mid int) string {
		switch {
		case k == mid:
			return "pedestrian"
		case k%4 == 0:
			return "main"
		}
		return "minor"
	}
	at := func(i, j int) orb.Point {
		return b.pl.point(orb.Point{float64(i) * cellMetres, float64(j) * cellMetres})
	}
	for j := 0; j <= b.lat.rows; j++ {
		for c := 0; c < b.sz.cols; c++ {
			var line orb.LineString
			for i := c * communityCols; i <= (c+1)*communityCols; i++ {
				line = append(line, at(i, j))
			}
			if err := b.streets.add(b.streets.rows+1, fmt.Sprintf("纬%d路", j+1), fmt.Sprintf("Wei %d Road", j+1), kind(j, b.lat.rows/2), line); err != nil {
				return err
			}
		}
	}
	for i := 0; i <= b.lat.cols; i++ {
		for c := 0; c < b.sz.rows; c++ {
			var line orb.LineString
			for j := c * communityRows; j <= (c+1)*communityRows; j++ {
				line = append(line, at(i, j))
			}
			if err := b.streets.add(b.streets.rows+1, fmt.Sprintf("经%d路", i+1), fmt.Sprintf("Jing %d Road", i+1), kind(i, -1), line); err != nil {
				return err
			}
		}
	}
	return nil
}

// name is a place's name and code.
type name struct{ code, zh, en string }

// subdistrictNames are the subdistricts (the first two, the city proper)
// and towns of the synthetic city: believable, invented.
func subdistrictNames() []name {
	return []name{
		{"CG", "城关街道", "Chengguan Subdistrict"},
		{"TH", "太华街道", "Taihua Subdistrict"},
		{"LF", "罗敷镇", "Luofu Town"},
		{"HX", "华西镇", "Huaxi Town"},
		{"HS", "华山镇", "Huashan Town"},
		{"MY", "孟塬镇", "Mengyuan Town"},
		{"FS", "夫水镇", "Fushui Town"},
		{"BY", "宝塬镇", "Baoyuan Town"},
	}
}

// communityStems name communities, in turn.
func communityStems() []name {
	return []name{
		{"", "东关", "Dongguan"}, {"", "西关", "Xiguan"}, {"", "南街", "Nanjie"}, {"", "北街", "Beijie"},
		{"", "和平", "Heping"}, {"", "建设", "Jianshe"}, {"", "文化", "Wenhua"}, {"", "胜利", "Shengli"},
		{"", "光明", "Guangming"}, {"", "育才", "Yucai"}, {"", "迎宾", "Yingbin"}, {"", "华岳", "Huayue"},
		{"", "长涧", "Changjian"}, {"", "古城", "Gucheng"}, {"", "玉泉", "Yuquan"}, {"", "仙峪", "Xianyu"},
		{"", "金惠", "Jinhui"}, {"", "渭河", "Weihe"}, {"", "敷水", "Fushui"}, {"", "莲花", "Lianhua"},
		{"", "新苑", "Xinyuan"}, {"", "桥营", "Qiaoying"}, {"", "双泉", "Shuangquan"},
	}
}
