package main

// The co-building units' shared resources (资源单): what some of the units
// around Xiyue lend the community, at the unit's own position. The units
// are the data set's organizations, by id.

// shared is one resource of a unit.
type shared struct {
	org                  int
	nameZh, nameEn, kind string
	whenZh, whenEn       string
	detailsZh, detailsEn string
}

// resourceList is what the units share.
func resourceList() []shared {
	return []shared{
		{48, "排练厅", "Rehearsal hall", "room", "工作日晚上 18:00-21:00", "Weekday evenings 18:00-21:00",
			"可容纳 60 人，适合文艺排练和党课。", "Holds 60; for rehearsals and party lessons."},
		{50, "操场停车位", "Schoolyard car spaces", "parking", "周末及节假日全天", "Weekends and holidays, all day",
			"约 40 个车位，从南门进入。", "About 40 spaces; enter by the south gate."},
		{52, "义诊志愿者", "Health-check volunteers", "volunteers", "每月第一个周六上午", "First Saturday morning of each month",
			"中医师为老人义诊、测血压。", "Traditional-medicine doctors check the elderly and take blood pressure."},
		{56, "二楼会议室", "Meeting room, first floor", "room", "周末全天", "Weekends, all day",
			"可容纳 30 人，有投影。", "Holds 30, with a projector."},
		{70, "多功能会议室", "Multi-purpose meeting room", "room", "工作日 14:00-17:00", "Weekdays 14:00-17:00",
			"可容纳 80 人，适合主题党日和讲座。", "Holds 80; for party days and talks."},
		{72, "音响与投影设备", "Sound and projection equipment", "equipment", "提前三天预约", "Ask three days ahead",
			"便携音响两套、投影仪一台。", "Two portable sound systems and a projector."},
		{61, "读书角", "Reading corner", "other", "每天 9:00-21:00", "Daily 9:00-21:00",
			"居民可免费借阅图书。", "Residents borrow books for free."},
	}
}

// sharedResources returns the resources as features at their units.
func sharedResources(orgs []feature) []feature {
	var out []feature
	for _, r := range resourceList() {
		out = append(out, feature{geometry: orgs[r.org-1].geometry, props: map[string]any{
			"name_zh": r.nameZh, "name_en": r.nameEn, "organization_id": r.org, "kind": r.kind,
			"when_zh": r.whenZh, "when_en": r.whenEn, "details_zh": r.detailsZh, "details_en": r.detailsEn,
		}})
	}
	return out
}
