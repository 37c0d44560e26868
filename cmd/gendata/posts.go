package main

import (
	"fmt"

	"github.com/paulmach/orb"
)

// post is one service post before it is written.
type post struct {
	zh, en, kind string
	services     []string
	hours        string
	at           orb.Point // local metres
}

// posts is the service-post layer: six party service cabins (党建驿站小屋)
// along the pedestrian street and by the temple, and the community's halls
// and rooms. Cabins offer different services, so a service filter matters.
func (w *world) posts() ([]feature, error) {
	ped := w.site.pedestrian
	l := w.site.lattice
	centre := w.facilities[communityCentre]
	gate := func(c compound) orb.Point {
		// Just inside the middle of the compound's southern edge.
		a, b := c.ring[0], c.ring[1]
		return add(lerp(a, b, 0.5), scale(left(unit(sub(b, a))), 4))
	}
	first := func(g int) compound {
		for _, c := range w.compounds {
			if c.s.grid() == g {
				return c
			}
		}
		return w.compounds[0]
	}
	cabin := func(zh, en string) (string, string) {
		return "党建驿站小屋（" + zh + "）", "Party Service Cabin (" + en + ")"
	}
	all := []post{
		{kind: "cabin", services: []string{"water", "charging", "umbrella", "map", "rest"}, hours: "08:00-20:00", at: beside(ped, 0.03, 10)},
		{kind: "cabin", services: []string{"water", "first_aid", "map", "wifi", "rest"}, hours: "08:00-20:00", at: beside(ped, 0.40, -9)},
		{kind: "cabin", services: []string{"water", "charging", "umbrella", "wifi", "rest"}, hours: "00:00-24:00", at: beside(ped, 0.62, 9)},
		{kind: "cabin", services: []string{"water", "umbrella", "map", "rest"}, hours: "09:00-17:00", at: beside(ped, 0.80, -9)},
		{kind: "cabin", services: []string{"water", "charging", "first_aid", "map", "wifi", "rest"}, hours: "08:00-20:00", at: beside(ped, 0.93, 10)},
		{kind: "cabin", services: []string{"water", "umbrella", "map", "rest"}, hours: "08:00-20:00", at: add(l.at(2, gridRows-1, 0.88, 1), orb.Point{0, -8})},
		{"西岳社区一站式服务大厅", "Xiyue Community One-Stop Service Hall", "service_hall",
			[]string{"water", "charging", "first_aid", "wifi", "rest"}, "08:30-17:30", centre.at(0.35, 0.4)},
		{"西岳社区党代表工作室", "Xiyue Community Party Representatives' Studio", "rep_studio",
			[]string{"water", "rest"}, "09:00-12:00", centre.at(0.7, 0.4)},
		{"", "", "activity_room", []string{"water", "wifi", "rest"}, "08:00-20:00", gate(first(6))},
		{"", "", "activity_room", []string{"water", "rest"}, "08:00-20:00", gate(first(14))},
		{"老腔文化空间", "Laoqiang Cultural Space", "cultural_space", []string{"wifi", "map", "rest"}, "08:00-20:00", beside(ped, 0.48, -10)},
		{"文化馆文化空间", "Cultural Centre Cultural Space", "cultural_space", []string{"water", "rest"}, "09:00-18:00",
			w.facilities[culturalCentre].at(0.55, 0.3)},
		{"西岳共享书屋", "Xiyue Shared Library", "library", []string{"water", "charging", "wifi", "rest"}, "08:00-20:00", beside(ped, 0.20, 10)},
	}
	cabins := [][2]string{
		{"石牌坊", "Stone Arch"}, {"关帝庙", "Guandi Temple"}, {"步行街中段", "Mid-Street"},
		{"步行街北段", "North Street"}, {"西岳庙南门", "Temple South Gate"}, {"西岳庙西侧", "Temple West"},
	}
	for k := range cabins {
		all[k].zh, all[k].en = cabin(cabins[k][0], cabins[k][1])
	}
	for k, g := range []int{6, 14} {
		c := first(g)
		all[8+k].zh, all[8+k].en = c.name.zh+"共享活动室", c.name.en+" Shared Activity Room"
	}
	var out []feature
	for k, p := range all {
		for _, q := range all[:k] {
			if length(sub(p.at, q.at)) < 8 {
				return nil, fmt.Errorf("posts %s and %s stand closer than 8 m", p.zh, q.zh)
			}
		}
		props := map[string]any{
			"name_zh": p.zh, "name_en": p.en, "kind": p.kind, "services": p.services,
			"hours": p.hours, "phone": fmt.Sprintf("0913-0000%03d", 101+k),
		}
		if gc := w.gridCode(p.at); gc != "" {
			props["grid_code"] = gc
		}
		out = append(out, feature{geometry: w.frame.lonLat(p.at), props: props})
	}
	return out, nil
}
