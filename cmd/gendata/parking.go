package main

import (
	"github.com/paulmach/orb"
)

// carPark is one shared car park, in a corner of its facility's plot.
type carPark struct {
	zh, en              string
	at                  facility
	width, depth        float64 // metres, along the plot's u and v
	east, north         bool    // the plot corner it takes
	entranceNorthSouth  bool    // entrance on its north/south edge, else east/west
	capacity, free      int
	hours, feeZh, feeEn string
}

// carParks lists the community's three shared car parks (共享停车场).
func carParks() []carPark {
	return []carPark{
		{"岳庙办机关共享停车场", "Yuemiao Subdistrict Office Shared Car Park", streetOffice, 52, 40, true, true, true,
			80, 23, "00:00-24:00", "免费", "Free"},
		{"文化馆共享停车场", "Cultural Centre Shared Car Park", culturalCentre, 40, 34, true, true, false,
			50, 0, "08:00-20:00", "首小时免费，之后每小时2元", "First hour free, then ¥2/hour"},
		{"岳庙税务所共享停车场", "Yuemiao Tax Office Shared Car Park", taxOffice, 32, 27, false, true, true,
			30, 12, "08:00-18:00", "免费", "Free"},
	}
}

// lot is the car park's ring and entrance in local metres.
func (w *world) lot(c carPark) (orb.Ring, orb.Point) {
	p := w.facilities[c.at]
	pw, ph := p.size()
	fu, fv := min(0.6, c.width/pw), min(0.6, c.depth/ph)
	u0, u1, v0, v1 := 0.0, fu, 0.0, fv
	if c.east {
		u0, u1 = 1-fu, 1
	}
	if c.north {
		v0, v1 = 1-fv, 1
	}
	// The entrance is on the lot's outer edge, half a metre inside it.
	var gate orb.Point
	switch {
	case c.entranceNorthSouth && c.north:
		gate = p.at((u0+u1)/2, v1-0.5/ph)
	case c.entranceNorthSouth:
		gate = p.at((u0+u1)/2, v0+0.5/ph)
	case c.east:
		gate = p.at(u1-0.5/pw, (v0+v1)/2)
	default:
		gate = p.at(u0+0.5/pw, (v0+v1)/2)
	}
	return p.part(u0, u1, v0, v1), gate
}

// parking is the shared car parks layer.
func (w *world) parking() []feature {
	var out []feature
	for _, c := range carParks() {
		ring, gate := w.lot(c)
		out = append(out, feature{
			geometry: orb.Polygon{w.frame.ring(ring)},
			props: map[string]any{
				"name_zh":  c.zh,
				"name_en":  c.en,
				"capacity": c.capacity,
				"free":     c.free,
				"hours":    c.hours,
				"fee_zh":   c.feeZh,
				"fee_en":   c.feeEn,
				"entrance": w.frame.lonLat(gate),
			},
		})
	}
	return out
}
