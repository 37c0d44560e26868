package main

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// street is one line of the base map.
type street struct {
	zh, en, kind string
	line         orb.LineString
}

// landmark is one polygon of the base map.
type landmark struct {
	zh, en, kind string
	ring         orb.Ring
}

// site is the fixed geography everything else is placed around, in local
// metres: the grid lattice, the streets and the landmarks.
type site struct {
	lattice    *lattice
	pedestrian orb.LineString // the Yuemiao pedestrian street, arch → temple gate
	streets    []street
	landmarks  []landmark
}

// newSite lays out the streets and landmarks on the lattice.
func newSite(l *lattice) *site {
	// The pedestrian street, about 790 m from the stone arch (石牌坊) in the
	// south-west to the temple's south gate at (0, -262.5).
	ped := orb.LineString{
		{-470, -880}, {-392, -795}, {-318, -712}, {-246, -634}, {-170, -556},
		{-98, -478}, {-44, -398}, {-8, -330}, {0, -262.5},
	}
	s := &site{lattice: l, pedestrian: ped}
	s.streets = []street{
		{"岳庙步行街", "Yuemiao Pedestrian Street", "pedestrian", ped},
		{"庙前路", "Miaoqian Road", "main", extend(l.row(gridRows), 60)},
		{"太华路", "Taihua Road", "main", extend(l.row(2), 60)},
		{"玉泉路", "Yuquan Road", "main", extend(l.row(1), 60)},
		{"西岳路", "Xiyue Road", "main", extend(l.column(2), 50)},
		{"岳庙东路", "Yuemiao East Road", "main", extend(l.column(4), 50)},
		{"南寨巷", "Nanzhai Lane", "minor", l.midline(0, 0, gridCols-1, false)},
		{"双泉巷", "Shuangquan Lane", "minor", westward(l.midline(1, 0, 1, false), 70)},
		{"书院巷", "Shuyuan Lane", "minor", l.midline(2, 0, 1, false)},
		{"槐树巷", "Huaishu Lane", "minor", l.midline(0, 0, gridRows-1, true)},
		{"仓巷", "Cang Lane", "minor", l.midline(3, 0, 1, true)},
		{"东关巷", "Dongguan Lane", "minor", l.midline(4, 0, gridRows-1, true)},
	}
	first := unit(sub(ped[1], ped[0]))
	guandi, dir := along(ped, 0.45*planar.Length(ped))
	s.landmarks = []landmark{
		// 525 m north–south × 225 m east–west, facing south.
		{"西岳庙", "Xiyue Temple", "temple", rectangle(orb.Point{0, 0}, orb.Point{1, 0}, 225, 525)},
		// A small temple on the north-west side of the street.
		{"关帝庙", "Guandi Temple", "temple", rectangle(add(guandi, scale(left(dir), 31)), dir, 30, 44)},
		{"双泉村", "Shuangquan Village", "village", closeRing(
			orb.Point{-1062, -1000}, orb.Point{-1080, -842}, orb.Point{-1066, -724},
			orb.Point{-1205, -700}, orb.Point{-1296, -800}, orb.Point{-1288, -935}, orb.Point{-1185, -1012},
		)},
		{"石牌坊广场", "Stone Arch Square", "square", rectangle(sub(ped[0], scale(first, 8)), first, 56, 48)},
		{"西岳庙南广场", "Xiyue Temple South Square", "square", rectangle(orb.Point{0, -328}, orb.Point{1, 0}, 110, 50)},
	}
	return s
}

// westward moves the line's first point m metres further west, so a lane can
// reach out of the community.
func westward(line orb.LineString, m float64) orb.LineString {
	out := append(orb.LineString{}, line...)
	out[0] = add(out[0], orb.Point{-m, 0})
	return out
}
