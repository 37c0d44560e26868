package geo

// ResourceLayer holds the co-building units' shared resources (资源单):
// what each organization lends the community (a meeting room, parking at
// weekends, volunteers, equipment) and when. The organization's card lists
// them; the finder finds them by name ("会议室").
const ResourceLayer = "resources"

// resources is the catalogue's entry of the shared resources. Staff of the
// organization's grid (or admins) write them, wherever the resource is
// (ScopeBy).
func resources() Layer {
	return Layer{
		Name: ResourceLayer, Title: Label{"共建资源", "Shared resources"}, Item: Label{"共建资源", "Shared resource"}, Geometry: Point, SearchRank: 11,
		Editable: true, ScopeBy: "organization_id",
		Fields: append(names(),
			Field{Name: "organization_id", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 1e12, Ref: "organizations",
				Title: Label{"共建单位", "Shared by"}, Description: "id of the party organization (a co-building unit) that shares it; its grid's staff edit it"},
			Field{Name: "kind", Type: Text, Required: true, Filterable: true, Title: Label{"类型", "Kind"}, Choices: resourceKinds(), Description: "what is shared"},
			Field{Name: "when_zh", Type: Text, Required: true, Title: Label{"开放时间", "When"}, Description: "when it is shared, in Chinese (周末全天)"},
			Field{Name: "when_en", Type: Text, Required: true, Title: Label{"开放时间", "When"}, Description: "when it is shared, in English"},
			Field{Name: "details_zh", Type: Text, Title: Label{"说明", "Details"}, Description: "what to know, how to ask, in Chinese"},
			Field{Name: "details_en", Type: Text, Title: Label{"说明", "Details"}, Description: "what to know, how to ask, in English"},
			gridCode(),
			community(),
		),
		Tile: TileSpec{MinZoom: 16, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", "organization_id", CommunityField}},
	}
}

func resourceKinds() []Choice {
	return []Choice{
		{Value: "room", Label: Label{"场地", "Room"}, Keywords: []string{"会议室", "活动室", "meeting room"}},
		{Value: "parking", Label: Label{"停车位", "Parking"}, Keywords: []string{"停车", "车位", "parking"}},
		{Value: "volunteers", Label: Label{"志愿者", "Volunteers"}, Keywords: []string{"志愿", "volunteer"}},
		{Value: "equipment", Label: Label{"设备", "Equipment"}, Keywords: []string{"投影", "音响", "projector"}},
		{Value: "other", Label: Label{"其他", "Other"}},
	}
}
