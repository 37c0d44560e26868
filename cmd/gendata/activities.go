package main

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// The activities column's programme for the weeks after the day gendata
// is run for (-today): the first-Monday party days in the community
// meeting room, the cultural space's weekly 老腔 rehearsals, a nightly
// 华阴老腔 performance at the cultural centre (so that the kiosk always has
// something tonight), a volunteer day, and the temple festival. Rooms and
// organizations are the data set's own, by their ids in posts.geojson and
// organizations.geojson.

// The venues and organizers of the programme, by id.
const (
	roomDongguan     = 9  // posts: Dongguan Compound Shared Activity Room
	roomQuanxiang    = 10 // posts: Quanxiang Court Shared Activity Room, the community meeting room
	spaceLaoqiang    = 11 // posts: Laoqiang Cultural Space
	spaceCentre      = 12 // posts: Cultural Centre Cultural Space
	postTempleSouth  = 5  // posts: the cabin at the temple's south gate, on its square
	orgCommunity     = 2  // organizations: Xiyue Community General Party Branch
	orgGrid3         = 5  // organizations: Grid 3 Party Branch
	orgCulturalCtr   = 48 // organizations: Huayin Cultural Centre
	orgCultureBureau = 70 // organizations: Huayin Bureau of Culture and Tourism
)

// programme returns the activities, starting on the day today (a date in
// China Standard Time), placed at their venues' positions.
func programme(today time.Time, posts []feature) []feature {
	cst := geo.ChinaStandardTime()
	d := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, cst)
	at := func(day time.Time, hh, mm int) string {
		return geo.FormatTime(day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute))
	}
	pos := func(post int) orb.Point { return posts[post-1].geometry.(orb.Point) }
	next := func(w time.Weekday) time.Time { return d.AddDate(0, 0, (int(w)-int(d.Weekday())+7)%7) }
	var out []feature
	add := func(p orb.Point, props map[string]any) { out = append(out, feature{geometry: p, props: props}) }

	// 华阴老腔 every evening for a year, at the cultural centre.
	add(pos(spaceCentre), map[string]any{
		"name_zh": "华阴老腔演出", "name_en": "Huayin Laoqiang performance",
		"description_zh": "国家级非物质文化遗产华阴老腔，一人领唱、众人帮腔，惊堂木击板。免费入场。",
		"description_en": "Huayin Laoqiang, national intangible heritage: one lead voice, a chorus, and the wooden block struck on the bench. Free entry.",
		"organizer_id":   orgCulturalCtr, "venue_id": spaceCentre,
		"starts_at": at(d, 19, 30), "ends_at": at(d, 21, 0),
		"repeat":   fmt.Sprintf("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;UNTIL=%s", d.AddDate(0, 0, 365).Format("20060102")),
		"capacity": 120, "audience": "public", "status": "planned",
	})
	// Rehearsals at the Laoqiang cultural space, Tuesdays and Thursdays.
	tue, thu := next(time.Tuesday), next(time.Thursday)
	first := tue
	if thu.Before(tue) {
		first = thu
	}
	add(pos(spaceLaoqiang), map[string]any{
		"name_zh": "老腔排练", "name_en": "Laoqiang rehearsal",
		"description_zh": "老腔艺人每周排练，欢迎居民旁听。", "description_en": "The Laoqiang troupe's weekly rehearsal; residents are welcome to listen.",
		"organizer_id": orgGrid3, "venue_id": spaceLaoqiang,
		"starts_at": at(first, 15, 0), "ends_at": at(first, 17, 0),
		"repeat":   fmt.Sprintf("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=%s", d.AddDate(0, 0, 90).Format("20060102")),
		"capacity": 40, "audience": "public", "status": "planned",
	})
	// Party day (主题党日) on the first Monday of the next three months.
	for m := 0; m < 3; m++ {
		month := time.Date(d.Year(), d.Month()+time.Month(m), 1, 0, 0, 0, 0, cst)
		monday := month.AddDate(0, 0, (int(time.Monday)-int(month.Weekday())+7)%7)
		if monday.Before(d) {
			month = time.Date(d.Year(), d.Month()+time.Month(m+3), 1, 0, 0, 0, 0, cst)
			monday = month.AddDate(0, 0, (int(time.Monday)-int(month.Weekday())+7)%7)
		}
		add(pos(roomQuanxiang), map[string]any{
			"name_zh": "主题党日", "name_en": "Party day",
			"description_zh": "社区党总支每月第一个星期一的主题党日活动。", "description_en": "The community party branch's monthly party day, on the first Monday.",
			"organizer_id": orgCommunity, "venue_id": roomQuanxiang,
			"starts_at": at(monday, 9, 0), "ends_at": at(monday, 11, 0),
			"capacity": 60, "audience": "party_members", "status": "planned",
		})
	}
	// A volunteer day on the coming Saturday.
	sat := next(time.Saturday)
	add(pos(roomDongguan), map[string]any{
		"name_zh": "志愿服务日", "name_en": "Volunteer day",
		"description_zh": "清扫步行街、为老人义诊、文明劝导，集合后分组出发。", "description_en": "Sweeping the pedestrian street, free health checks for the elderly, civility guides: meet here, then set off in teams.",
		"organizer_id": orgCommunity, "venue_id": roomDongguan,
		"starts_at": at(sat, 8, 30), "ends_at": at(sat, 11, 30),
		"capacity": 50, "audience": "public", "status": "planned",
	})
	// The Xiyue Temple leisure culture festival on the temple square, in
	// ten days, for three days.
	fest := d.AddDate(0, 0, 10)
	add(pos(postTempleSouth), map[string]any{
		"name_zh": "西岳庙休闲文化节", "name_en": "Xiyue Temple leisure culture festival",
		"description_zh": "庙前广场的老腔、皮影、社火和小吃。", "description_en": "Laoqiang, shadow puppets, folk parades and snacks on the temple square.",
		"organizer_id": orgCultureBureau, "place_zh": "西岳庙广场", "place_en": "Xiyue Temple square",
		"starts_at": at(fest, 9, 0), "ends_at": at(fest.AddDate(0, 0, 2), 21, 0),
		"audience": "public", "status": "planned",
	})
	return out
}
