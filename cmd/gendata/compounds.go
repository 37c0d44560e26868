package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"partymap/internal/splitmix"
)

// compoundCount is how many residential compounds the community has.
const compoundCount = 33

// compoundMinArea is the smallest plot, in m², worth a compound; smaller
// plots, squeezed by a street, go to offices instead.
const compoundMinArea = 9000

// compound is a residential compound (小区) and its buildings, in local
// metres.
type compound struct {
	id         int
	s          slot
	name       compoundName
	ring       orb.Ring
	buildings  []building
	households int
}

// chooseCompounds picks compoundCount of the free plots: two per grid where
// there is land, then a third in the grids with the most land to spare. The
// rest are returned for other uses.
func chooseCompounds(r *splitmix.Source, free []plot) (chosen, rest []plot, err error) {
	byGrid := make([][]plot, gridRows*gridCols+1)
	for _, p := range free {
		if planar.Area(p.ring) < compoundMinArea {
			rest = append(rest, p)
			continue
		}
		byGrid[p.s.grid()] = append(byGrid[p.s.grid()], p)
	}
	count := make([]int, len(byGrid))
	total := 0
	for g := 1; g < len(byGrid); g++ {
		// Shuffle, so which quarters stay empty varies from grid to grid.
		ps := byGrid[g]
		for k := len(ps) - 1; k > 0; k-- {
			m := r.Intn(0, k)
			ps[k], ps[m] = ps[m], ps[k]
		}
		count[g] = min(2, len(ps))
		total += count[g]
	}
	order := make([]int, 0, len(byGrid)-1)
	for g := 1; g < len(byGrid); g++ {
		order = append(order, g)
	}
	// The grids with the most spare land get the extra compounds; ties go
	// to the higher grid number, the outer southern blocks.
	slices.SortStableFunc(order, func(a, b int) int {
		if d := (len(byGrid[b]) - count[b]) - (len(byGrid[a]) - count[a]); d != 0 {
			return d
		}
		return b - a
	})
	for _, g := range order {
		if total == compoundCount {
			break
		}
		if count[g] < len(byGrid[g]) {
			count[g]++
			total++
		}
	}
	if total != compoundCount {
		return nil, nil, fmt.Errorf("room for %d compounds, want %d", total, compoundCount)
	}
	for g := 1; g < len(byGrid); g++ {
		ps := byGrid[g]
		// Number the chosen compounds quarter by quarter inside a grid.
		pick := slices.Clone(ps[:count[g]])
		slices.SortFunc(pick, func(a, b plot) int { return a.s.q - b.s.q })
		chosen = append(chosen, pick...)
		rest = append(rest, ps[count[g]:]...)
	}
	return chosen, rest, nil
}

// newCompound gives a plot its name, a less boxy outline and its buildings.
func newCompound(r *splitmix.Source, id int, p plot, name compoundName) (compound, error) {
	c := compound{id: id, s: p.s, name: name, ring: p.ring}
	// Buildings face south along the plot's southern edge, turned a little.
	dir := unit(sub(p.ring[1], p.ring[0]))
	turn := r.Between(-4, 4) * math.Pi / 180
	dir = orb.Point{dir[0]*math.Cos(turn) - dir[1]*math.Sin(turn), dir[0]*math.Sin(turn) + dir[1]*math.Cos(turn)}
	if r.Float() < 0.4 {
		c.ring = chamfer(p.ring, r.Intn(0, 3), r.Between(14, 26))
	}
	c.buildings = layoutBuildings(r, c.ring, dir, name.style)
	if len(c.buildings) < 2 {
		return c, fmt.Errorf("compound %d (%s) has room for %d buildings", id, name.zh, len(c.buildings))
	}
	for _, b := range c.buildings {
		c.households += b.households
	}
	return c, nil
}

// chamfer cuts corner k of a convex quadrilateral by t metres along both of
// its edges, as many compounds lose a corner to a shop or a lane.
func chamfer(r orb.Ring, k int, t float64) orb.Ring {
	n := len(r) - 1
	var pts []orb.Point
	for i := range n {
		if i != k {
			pts = append(pts, r[i])
			continue
		}
		prev, next := r[(i+n-1)%n], r[(i+1)%n]
		pts = append(pts,
			add(r[i], scale(unit(sub(prev, r[i])), t)),
			add(r[i], scale(unit(sub(next, r[i])), t)))
	}
	return closeRing(pts...)
}
