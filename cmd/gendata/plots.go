package main

import (
	"fmt"

	"github.com/paulmach/orb"

	"partymap/internal/splitmix"
)

// plot is the land of one slot that a compound or a facility takes: a
// counter-clockwise quadrilateral, corners south-west, south-east, north-east,
// north-west.
type plot struct {
	s    slot
	ring orb.Ring
}

// at maps (u, v) in [0, 1]² bilinearly onto the plot's corners.
func (p plot) at(u, v float64) orb.Point {
	r := p.ring
	return lerp(lerp(r[0], r[1], u), lerp(r[3], r[2], u), v)
}

// part is the counter-clockwise quadrilateral [u0, u1] × [v0, v1] of the plot.
func (p plot) part(u0, u1, v0, v1 float64) orb.Ring {
	return closeRing(p.at(u0, v0), p.at(u1, v0), p.at(u1, v1), p.at(u0, v1))
}

// size is the plot's mean width (along u) and depth (along v) in metres.
func (p plot) size() (w, h float64) {
	return length(sub(p.at(1, 0.5), p.at(0, 0.5))), length(sub(p.at(0.5, 1), p.at(0.5, 0)))
}

// surveyPlots measures the land of every slot, grid by grid, and returns the
// slots that have some, in order.
func (st *site) surveyPlots(r *splitmix.Source) []plot {
	var plots []plot
	for g := 1; g <= gridRows*gridCols; g++ {
		i, j := (g-1)%gridCols, gridRows-1-(g-1)/gridCols
		for q := range 4 {
			s := slot{i, j, q}
			outer, inner := r.Between(18, 30), r.Between(12, 20)
			if ring, ok := st.land(s, outer, inner); ok {
				plots = append(plots, plot{s, ring})
			}
		}
	}
	return plots
}

// facility is a public building that takes a slot instead of a compound.
type facility int

// The facilities that take whole slots.
const (
	streetOffice    facility = iota // 岳庙街道办事处, with the 80-space car park
	culturalCentre                  // 华阴市文化馆, with the 50-space car park
	taxOffice                       // 岳庙税务所, with the 30-space car park
	communityCentre                 // 西岳社区党群服务中心: service hall, studio
	primarySchool
	middleSchool
	hospital
	policeStation
	pocketPark // a landmark park
	facilityCount
)

// facilitySlots says which slot each facility takes.
func facilitySlots() [facilityCount]slot {
	return [facilityCount]slot{
		streetOffice:    {2, 1, 3}, // grid 8, north-east quarter, on Taihua Road
		culturalCentre:  {1, 1, 3}, // grid 7, by the stone arch
		taxOffice:       {2, 2, 2}, // grid 3, west of the street
		communityCentre: {3, 2, 0}, // grid 4, east of the street
		primarySchool:   {2, 0, 2}, // grid 13
		middleSchool:    {4, 1, 1}, // grid 10
		hospital:        {3, 0, 3}, // grid 14
		policeStation:   {1, 0, 3}, // grid 12
		pocketPark:      {1, 2, 3}, // grid 2
	}
}

// claimFacilities finds each facility's plot and returns them with the
// plots left for compounds.
func claimFacilities(plots []plot) ([facilityCount]plot, []plot, error) {
	var claimed [facilityCount]plot
	want := facilitySlots()
	var rest []plot
	found := 0
	for _, p := range plots {
		taken := false
		for f, s := range want {
			if p.s == s {
				claimed[f], taken = p, true
				found++
			}
		}
		if !taken {
			rest = append(rest, p)
		}
	}
	if found != int(facilityCount) {
		return claimed, nil, fmt.Errorf("only %d of %d facility slots have land", found, facilityCount)
	}
	return claimed, rest, nil
}
