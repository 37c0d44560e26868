package main

import (
	"fmt"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/splitmix"
)

// size says how many grids the city has across and down. Each grid holds
// 23 compounds (22 when it has a park) of 20 buildings each.
type size struct{ cols, rows int }

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

// builder carries the state of one generation.
type builder struct {
	sz    size
	r     *splitmix.Source
	lat   lattice
	pl    plane
	nextO int // next organization id

	community, grids, compounds, buildings, parking, posts, organizations, streets, landmarks *table
}

// build generates the city. The same size and seed give the same bytes.
func build(sz size, seed uint64) (*city, error) {
	if sz.cols < 1 || sz.rows < 1 || sz.cols > 200 || sz.rows > 200 {
		return nil, fmt.Errorf("the city must be 1 to 200 grids across and down; got %d × %d", sz.cols, sz.rows)
	}
	r := splitmix.New(seed)
	w, h := float64(sz.cols)*cellMetres, float64(sz.rows)*cellMetres
	b := &builder{sz: sz, r: r, lat: newLattice(sz.cols, sz.rows, r), pl: newPlane(w, h)}
	b.community = newTable("community", "id", "name_zh", "name_en", "geom")
	b.grids = newTable("grids", "id", "name_zh", "name_en", "code", "leader_zh", "leader_en", "leader_phone", "branch_zh", "branch_en", "color", "households", "geom")
	b.compounds = newTable("compounds", "id", "name_zh", "name_en", "grid_code", "households", "buildings", "geom")
	b.buildings = newTable("buildings", "id", "name_zh", "name_en", "compound_id", "grid_code", "floors", "height_m", "geom")
	b.parking = newTable("parking", "id", "name_zh", "name_en", "capacity", "free", "hours", "fee_zh", "fee_en", "entrance", "geom")
	b.posts = newTable("posts", "id", "name_zh", "name_en", "kind", "services", "hours", "phone", "grid_code", "geom")
	b.organizations = newTable("organizations", "id", "name_zh", "name_en", "kind", "level", "parent_id", "members", "grid_code", "geom")
	b.streets = newTable("streets", "id", "name_zh", "name_en", "kind", "geom")
	b.landmarks = newTable("landmarks", "id", "name_zh", "name_en", "kind", "geom")

	outline := rect{0, 0, w, h}
	if err := b.community.add(1, "示例城区（合成数据）", "Sample city (synthetic data)", b.pl.polygon(b.outlineRing())); err != nil {
		return nil, err
	}
	if err := b.addOrganizationsTop(outline); err != nil {
		return nil, err
	}
	for j := 0; j < sz.rows; j++ {
		for i := 0; i < sz.cols; i++ {
			if err := b.addGrid(i, j); err != nil {
				return nil, err
			}
		}
	}
	if err := b.addStreets(); err != nil {
		return nil, err
	}
	c := &city{
		tables: []*table{b.community, b.grids, b.compounds, b.buildings, b.organizations, b.posts, b.parking, b.streets, b.landmarks},
		bound:  orb.Bound{Min: b.pl.point(orb.Point{0, 0}), Max: b.pl.point(orb.Point{w, h})},
	}
	return c, nil
}

// outlineRing is the city's border: every point of the grids' outer edges,
// so that the outline is exactly the union of the grids.
func (b *builder) outlineRing() orb.Ring {
	l := b.lat
	var ring orb.Ring
	for i := 0; i < l.cols; i++ {
		ring = append(ring, l.corner[i][0])
		ring = append(ring, l.hEdge[i][0]...)
	}
	for j := 0; j < l.rows; j++ {
		ring = append(ring, l.corner[l.cols][j])
		ring = append(ring, l.vEdge[l.cols][j]...)
	}
	for i := l.cols; i > 0; i-- {
		ring = append(ring, l.corner[i][l.rows])
		ring = append(ring, reversed(l.hEdge[i-1][l.rows])...)
	}
	for j := l.rows; j > 0; j-- {
		ring = append(ring, l.corner[0][j])
		ring = append(ring, reversed(l.vEdge[0][j-1])...)
	}
	return append(ring, l.corner[0][0])
}

// gridIndex numbers grids row by row from the south-west, from 0.
func (b *builder) gridIndex(i, j int) int { return j*b.sz.cols + i }

// gridCode is grid (i, j)'s code.
func (b *builder) gridCode(i, j int) string { return fmt.Sprintf("C%03d", b.gridIndex(i, j)+1) }

// branchBlock is the side, in grids, of the block one community branch
// serves.
const branchBlock = 4

// communityBranchID returns the organization id of the community branch
// that grid (i, j) belongs to: the street committee is 1, the branches
// follow block by block.
func (b *builder) communityBranchID(i, j int) int {
	blocksAcross := (b.sz.cols + branchBlock - 1) / branchBlock
	return 2 + (j/branchBlock)*blocksAcross + i/branchBlock
}

// gridBranchID returns the organization id of grid (i, j)'s party branch:
// after the street committee and every community branch.
func (b *builder) gridBranchID(i, j int) int {
	return 2 + b.communityBranches() + b.gridIndex(i, j)
}

// communityBranches is how many community branches the city has.
func (b *builder) communityBranches() int {
	across := (b.sz.cols + branchBlock - 1) / branchBlock
	down := (b.sz.rows + branchBlock - 1) / branchBlock
	return across * down
}

// addOrganizationsTop adds the street committee, the community branches and
// the grid branches, whose ids the other organizations refer to.
func (b *builder) addOrganizationsTop(outline rect) error {
	if err := b.organizations.add(1, "示例街道党工委", "Sample Subdistrict Party Working Committee", "street_committee", 1, nil, 60, b.gridCode(b.sz.cols/2, b.sz.rows/2), b.pl.point(outline.centre())); err != nil {
		return err
	}
	across := (b.sz.cols + branchBlock - 1) / branchBlock
	for k := 0; k < b.communityBranches(); k++ {
		i, j := (k%across)*branchBlock, (k/across)*branchBlock
		at := b.lat.inner(i, j).slot(1, 1, slotCols, slotRows)
		id := b.communityBranchID(i, j)
		if err := b.organizations.add(id, fmt.Sprintf("第%d社区党总支", k+1), fmt.Sprintf("Community %d General Party Branch", k+1),
			"community_branch", 2, 1, b.r.Intn(40, 120), b.gridCode(i, j), b.pl.point(orb.Point{at.x0, at.y0})); err != nil {
			return err
		}
	}
	for j := 0; j < b.sz.rows; j++ {
		for i := 0; i < b.sz.cols; i++ {
			n := b.gridIndex(i, j) + 1
			if err := b.organizations.add(b.gridBranchID(i, j), fmt.Sprintf("第%d网格党支部", n), fmt.Sprintf("Grid %d Party Branch", n),
				"grid_branch", 3, b.communityBranchID(i, j), b.r.Intn(8, 40), b.gridCode(i, j), b.pl.point(b.lat.inner(i, j).centre())); err != nil {
				return err
			}
		}
	}
	b.nextO = 2 + b.communityBranches() + b.sz.cols*b.sz.rows
	return nil
}

// addGrid adds grid (i, j) with everything inside it.
func (b *builder) addGrid(i, j int) error {
	n := b.gridIndex(i, j) + 1
	code := b.gridCode(i, j)
	if err := b.grids.add(n, fmt.Sprintf("第%d网格", n), fmt.Sprintf("Grid %d", n), code,
		fmt.Sprintf("网格长%d（虚构）", n), fmt.Sprintf("Leader %d (invented)", n), fmt.Sprintf("1380%07d", n),
		fmt.Sprintf("第%d网格党支部", n), fmt.Sprintf("Grid %d Party Branch", n),
		(i+3*j)%15, b.r.Intn(300, 2500), b.pl.polygon(b.lat.cell(i, j))); err != nil {
		return err
	}
	inner := b.lat.inner(i, j)
	hasPark := (n-1)%9 == 0
	for row := 0; row < slotRows; row++ {
		for col := 0; col < slotCols; col++ {
			s := inner.slot(col, row, slotCols, slotRows).inset(roadHalf)
			switch {
			case col == 0 && row == 0:
				if err := b.addParking(s); err != nil {
					return err
				}
			case hasPark && col == slotCols-1 && row == slotRows-1:
				if err := b.addLandmark(s, n); err != nil {
					return err
				}
			default:
				if err := b.addCompound(s, code, i, j); err != nil {
					return err
				}
			}
		}
	}
	return b.addGridPoints(i, j, inner, code)
}

// addCompound adds a compound filling slot s and its buildings, with its
// building-door party group.
func (b *builder) addCompound(s rect, code string, i, j int) error {
	s = rect{s.x0 + b.r.Between(0, 6), s.y0 + b.r.Between(0, 6), s.x1 - b.r.Between(0, 6), s.y1 - b.r.Between(0, 6)}
	id := b.compounds.rows + 1
	if err := b.compounds.add(id, fmt.Sprintf("第%d小区", id), fmt.Sprintf("Compound %d", id), code,
		b.r.Intn(80, 600), buildingCols*buildingRows, b.pl.polygon(s.ring())); err != nil {
		return err
	}
	for k := 0; k < buildingCols*buildingRows; k++ {
		slot := s.slot(k%buildingCols, k/buildingCols, buildingCols, buildingRows)
		floors := b.r.Intn(2, 33)
		bid := b.buildings.rows + 1
		if err := b.buildings.add(bid, fmt.Sprintf("%d号楼", k+1), fmt.Sprintf("Building %d", k+1), id, code,
			floors, float64(floors)*3+1, b.pl.polygon(footprint(slot, b.r))); err != nil {
			return err
		}
	}
	at := s.slot(2, 1, buildingCols, buildingRows)
	return b.addOrganization(fmt.Sprintf("第%d小区楼门党小组", id), fmt.Sprintf("Compound %d Building Party Group", id),
		"building_group", 4, b.gridBranchID(i, j), code, orb.Point{at.x0, at.y0})
}

// addOrganization adds one organization with the next id.
func (b *builder) addOrganization(zh, en, kind string, level, parent int, code string, at orb.Point) error {
	id := b.nextO
	b.nextO++
	return b.organizations.add(id, zh, en, kind, level, parent, b.r.Intn(3, 60), code, b.pl.point(at))
}

// addParking adds a shared car park filling slot s.
func (b *builder) addParking(s rect) error {
	id := b.parking.rows + 1
	capacity := b.r.Intn(40, 300)
	entrance := orb.Point{(s.x0 + s.x1) / 2, s.y0}
	return b.parking.add(id, fmt.Sprintf("第%d共享停车场", id), fmt.Sprintf("Shared Car Park %d", id), capacity, b.r.Intn(0, capacity),
		"00:00-24:00", "免费", "Free", b.pl.point(entrance), b.pl.polygon(s.ring()))
}

// landmarkKinds are the kinds a park slot becomes, in turn.
func landmarkKinds() []string { return []string{"park", "square", "public", "temple", "village"} }

// addLandmark adds a landmark filling slot s of grid n.
func (b *builder) addLandmark(s rect, n int) error {
	id := b.landmarks.rows + 1
	kind := landmarkKinds()[id%len(landmarkKinds())]
	return b.landmarks.add(id, fmt.Sprintf("第%d地标", id), fmt.Sprintf("Landmark %d (%s)", id, kind), kind, b.pl.polygon(s.ring()))
}

// postKinds are the kinds of the posts of each grid, in turn.
func postKinds() []string {
	return []string{"cabin", "cabin", "service_hall", "activity_room", "cultural_space", "library", "rep_studio", "cabin"}
}

// addGridPoints adds grid (i, j)'s service posts and its other party
// organizations, at crossings of the lanes between compounds.
func (b *builder) addGridPoints(i, j int, inner rect, code string) error {
	crossing := func() orb.Point {
		c := inner.slot(b.r.Intn(1, slotCols-1), b.r.Intn(1, slotRows-1), slotCols, slotRows)
		return orb.Point{c.x0, c.y0}
	}
	services := geo.Services()
	for k := 0; k < 4; k++ {
		id := b.posts.rows + 1
		kind := postKinds()[(b.gridIndex(i, j)*4+k)%len(postKinds())]
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
			"08:00-20:00", fmt.Sprintf("0913-%07d", id), code, b.pl.point(crossing())); err != nil {
			return err
		}
	}
	community := b.communityBranchID(i, j)
	for k := 0; k < 2; k++ {
		if err := b.addOrganization(fmt.Sprintf("共建单位%d-%d", b.gridIndex(i, j)+1, k+1), fmt.Sprintf("Co-building Unit %d-%d", b.gridIndex(i, j)+1, k+1),
			"co_building_unit", 3, community, code, crossing()); err != nil {
			return err
		}
	}
	n := b.gridIndex(i, j)
	if n%16 == 0 {
		if err := b.addOrganization(fmt.Sprintf("商圈联合党组织%d", n/16+1), fmt.Sprintf("Business Circle Joint Party Organization %d", n/16+1),
			"business_circle", 3, community, code, crossing()); err != nil {
			return err
		}
	}
	if n%4 == 0 {
		return b.addOrganization(fmt.Sprintf("非公企业党支部%d", n/4+1), fmt.Sprintf("Non-public Enterprise Party Branch %d", n/4+1),
			"non_public", 4, b.gridBranchID(i, j), code, crossing())
	}
	return nil
}

// addStreets adds a road along every nominal lattice line: main roads every
// fourth line, a pedestrian street through the middle, minor roads between.
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
	for j := 0; j <= b.sz.rows; j++ {
		var line orb.LineString
		for i := 0; i <= b.sz.cols; i++ {
			line = append(line, b.pl.point(orb.Point{float64(i) * cellMetres, float64(j) * cellMetres}))
		}
		if err := b.streets.add(b.streets.rows+1, fmt.Sprintf("纬%d路", j+1), fmt.Sprintf("Wei %d Road", j+1), kind(j, b.sz.rows/2), line); err != nil {
			return err
		}
	}
	for i := 0; i <= b.sz.cols; i++ {
		var line orb.LineString
		for j := 0; j <= b.sz.rows; j++ {
			line = append(line, b.pl.point(orb.Point{float64(i) * cellMetres, float64(j) * cellMetres}))
		}
		if err := b.streets.add(b.streets.rows+1, fmt.Sprintf("经%d路", i+1), fmt.Sprintf("Jing %d Road", i+1), kind(i, -1), line); err != nil {
			return err
		}
	}
	return nil
}
