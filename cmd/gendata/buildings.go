package main

import (
	"math"

	"github.com/paulmach/orb"

	"partymap/internal/splitmix"
)

// buildingMargin is how far buildings keep from their compound's boundary.
const buildingMargin = 6

// building is one footprint with its floors, in local metres.
type building struct {
	ring       orb.Ring
	floors     int
	heightM    float64
	door       orb.Point // outside the south door, for the door party group
	households int
}

// layoutParams are the footprint and spacing of a compound's buildings.
type layoutParams struct {
	length, depth, rowGap, colGap float64
	most                          int
}

// paramsFor draws a compound's layout from its style.
func paramsFor(r *splitmix.Source, s style) layoutParams {
	switch s {
	case staffHousing:
		return layoutParams{r.Between(24, 34), r.Between(10, 12), r.Between(14, 18), r.Between(8, 12), r.Intn(4, 7)}
	case newEstate:
		return layoutParams{r.Between(28, 38), r.Between(13, 15), r.Between(22, 26), r.Between(12, 16), r.Intn(7, 10)}
	case lowRise:
		return layoutParams{r.Between(24, 34), r.Between(10, 11), r.Between(12, 16), r.Between(6, 10), r.Intn(6, 9)}
	default:
		return layoutParams{r.Between(30, 44), r.Between(12, 13.5), r.Between(18, 22), r.Between(10, 14), r.Intn(6, 9)}
	}
}

// floorsFor draws a building's floors from its compound's style; the
// northern row of a new estate holds its towers.
func floorsFor(r *splitmix.Source, s style, northRow bool) int {
	pick := func(fs ...int) int { return fs[r.Intn(0, len(fs)-1)] }
	switch s {
	case staffHousing:
		return pick(3, 4, 5, 5, 6, 6)
	case newEstate:
		if northRow {
			return pick(11, 12, 15, 18)
		}
		return pick(6, 7, 7)
	case lowRise:
		return pick(2, 3, 3, 4)
	default:
		return pick(5, 6, 6, 6, 7, 7)
	}
}

// layoutBuildings sets out rows of slab buildings along dir inside the
// convex compound ring c and keeps up to the style's number of them, spread
// evenly over the rows.
func layoutBuildings(r *splitmix.Source, c orb.Ring, dir orb.Point, s style) []building {
	p := paramsFor(r, s)
	n := left(dir)
	smin, smax, tmin, tmax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, v := range c {
		smin, smax = math.Min(smin, dot(v, dir)), math.Max(smax, dot(v, dir))
		tmin, tmax = math.Min(tmin, dot(v, n)), math.Max(tmax, dot(v, n))
	}
	type candidate struct {
		ring orb.Ring
		row  int
	}
	var cands []candidate
	rows := 0
	for t := tmin + buildingMargin + p.depth/2; t+p.depth/2 <= tmax-buildingMargin; t += p.depth + p.rowGap {
		if row := fitRow(c, dir, t, smin, smax, p); len(row) > 0 {
			for _, ring := range row {
				cands = append(cands, candidate{ring, rows})
			}
			rows++
		}
	}
	keep := min(p.most, len(cands))
	if keep == 0 {
		return nil
	}
	lastRow := cands[len(cands)-1].row
	staircases := max(1, int(math.Round(p.length/14)))
	var out []building
	for k := range keep {
		// Spread the kept ones from the first to the last candidate.
		idx := 0
		if keep > 1 {
			idx = k * (len(cands) - 1) / (keep - 1)
		}
		cd := cands[idx]
		floors := floorsFor(r, s, cd.row == lastRow && cd.row > 0)
		south := lerp(cd.ring[0], cd.ring[1], 0.5)
		out = append(out, building{
			ring:       cd.ring,
			floors:     floors,
			heightM:    math.Round((float64(floors)*3+r.Between(0, 0.9))*10) / 10,
			door:       sub(south, scale(n, 2)),
			households: floors * staircases * 2,
		})
	}
	return out
}

// fitRow sets out the most buildings that fit side by side in the row at t
// across dir, nudging the row sideways where the compound is slanted.
func fitRow(c orb.Ring, dir orb.Point, t, smin, smax float64, p layoutParams) []orb.Ring {
	n := left(dir)
	most := math.Floor((smax - smin - 2*buildingMargin + p.colGap) / (p.length + p.colGap))
	for cols := most; cols >= 1; cols-- {
		for _, shift := range []float64{0, -6, 6, -12, 12, -18, 18} {
			first := (smin+smax)/2 + shift - (cols*p.length+(cols-1)*p.colGap)/2 + p.length/2
			var row []orb.Ring
			for k := 0.0; k < cols; k++ {
				centre := add(scale(dir, first+k*(p.length+p.colGap)), scale(n, t))
				ring := rectangle(centre, dir, p.length, p.depth)
				if !insideWithMargin(ring, c, buildingMargin) {
					break
				}
				row = append(row, ring)
			}
			if len(row) == int(cols) {
				return row
			}
		}
	}
	return nil
}
