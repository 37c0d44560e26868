package geo

// NewCatalogue returns partymap's layer catalogue: the one place that knows
// a layer. A new layer is a new entry here, a migration that creates its
// table and registers it (SELECT partymap_register_layer('name'): history,
// notifications, tile geometry), and, where the viewer draws it, a layer in
// the style. TestCatalogue_matchesSchema holds the two together.
func NewCatalogue() *Catalogue {
	return &Catalogue{
		layers: []Layer{
			{
				Name: SubdistrictLayer, Title: Label{"街道（镇）", "Subdistricts and towns"}, Item: Label{"街道", "Subdistrict"},
				Geometry: Polygon, Editable: true, Topology: true, CityWide: true, Key: "code", SearchRank: 9,
				Fields: append(names(),
					Field{Name: "code", Type: Text, Required: true, Filterable: true, Title: Label{"编号", "Code"}, Description: "the subdistrict's code, unique in the city"},
					Field{Name: "kind", Type: Text, Required: true, Filterable: true, Title: Label{"类型", "Kind"}, Choices: subdistrictKinds(), Description: "a subdistrict of the city proper (街道) or a town (镇)"},
				),
				Tile: TileSpec{MinZoom: 8, MaxZoom: TileMaxZoom, Fields: []string{"code", "name_zh", "name_en", "kind"}, Simplify: true},
			},
			{
				Name: CommunityLayer, Title: Label{"社区", "Communities"}, Item: Label{"社区", "Community"},
				Geometry: Polygon, Editable: true, Topology: true, CityWide: true, Key: "code", SearchRank: 4,
				Fields: append(names(),
					Field{Name: "code", Type: Text, Required: true, Filterable: true, Title: Label{"社区编号", "Community code"}, Description: "the community's code, unique in the city; its grids' codes start with it"},
					Field{Name: "subdistrict", Type: Text, Filterable: true, Ref: SubdistrictLayer, Derived: true, OrNearest: true, Title: Label{"所属街道", "Subdistrict"},
						Description: "code of the subdistrict or town the community lies in, kept by the server"},
				),
				Tile: TileSpec{MinZoom: 8, MaxZoom: TileMaxZoom, Fields: []string{"code", "name_zh", "name_en", "subdistrict"}, Simplify: true},
				Counts: []Count{
					{Name: "posts", Title: Label{"服务站点", "Service posts"}, Layer: "posts"},
					{Name: "parking", Title: Label{"共享停车场", "Shared car parks"}, Layer: "parking"},
					// Open orders as the public sees them: published, not
					// yet done (an order staff have not checked is not
					// counted in public).
					{Name: "open_orders", Title: Label{"待办诉求", "Open orders"}, Layer: OrdersLayer, Field: "status", Values: OpenStatuses()},
				},
			},
			{
				Name: "landmarks", Title: Label{"地标", "Landmarks"}, Item: Label{"地标", "Landmark"}, Geometry: Polygon, SearchRank: 3,
				Fields: append(names(), Field{Name: "kind", Type: Text, Required: true, Filterable: true,
					Title: Label{"类型", "Kind"}, Choices: landmarkKinds(), Description: "what the landmark is"}, community()),
				Tile: TileSpec{MinZoom: 10, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", CommunityField}, Simplify: true, Labelled: true},
				// A temple is walled: it is entered by its gates.
				Walk: Walk{Role: WalkWall, Kinds: []string{"temple"}},
			},
			{
				Name: "streets", Title: Label{"道路", "Streets"}, Item: Label{"道路", "Street"}, Geometry: LineString, SearchRank: 5,
				Fields: append(names(), Field{Name: "kind", Type: Text, Required: true, Filterable: true,
					Title: Label{"类型", "Kind"}, Choices: streetKinds(), Description: "street class"}, community()),
				Tile: TileSpec{MinZoom: 10, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", CommunityField}, Simplify: true},
				Walk: Walk{Role: WalkWay},
			},
			{
				Name: "paths", Title: Label{"步行小路", "Footpaths"}, Item: Label{"小路", "Footpath"}, Geometry: LineString,
				Editable: true,
				Fields: append(names(), Field{Name: "kind", Type: Text, Required: true, Filterable: true,
					Title: Label{"类型", "Kind"}, Choices: pathKinds(), Description: "what kind of way on foot"}, community()),
				Tile: TileSpec{MinZoom: 14, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", CommunityField}},
				Walk: Walk{Role: WalkWay},
			},
			{
				Name: "grids", Title: Label{"网格", "Grids"}, Item: Label{"网格", "Grid"}, Geometry: Polygon, SearchRank: 4,
				Editable: true, Topology: true, Key: "code",
				Fields: append(names(),
					Field{Name: "code", Type: Text, Required: true, Filterable: true, Title: Label{"网格编号", "Grid code"}, Description: "grid code, unique in the city: the community's code and the grid's number (XY07)"},
					Field{Name: "leader_zh", Type: Text, Required: true, Title: Label{"网格长", "Grid leader"}, Description: "grid leader (网格长), invented name"},
					Field{Name: "leader_en", Type: Text, Required: true, Title: Label{"网格长", "Grid leader"}, Description: "grid leader in pinyin"},
					Field{Name: "leader_phone", Type: Text, Required: true, Title: Label{"电话", "Phone"}, Description: "grid leader's public phone (invented)"},
					Field{Name: "branch_zh", Type: Text, Required: true, Title: Label{"网格党支部", "Party branch"}, Description: "the grid's party branch"},
					Field{Name: "branch_en", Type: Text, Required: true, Title: Label{"网格党支部", "Party branch"}, Description: "the grid's party branch in English"},
					Field{Name: "color", Type: Integer, Required: true, Min: 0, Max: 14, Title: Label{"颜色", "Colour"}, Description: "colour index 0–14"},
					Field{Name: "households", Type: Integer, Min: 0, Max: 100000, Title: Label{"户数", "Households"}, Description: "households in the grid"},
					community(),
				),
				Tile: TileSpec{MinZoom: 10, MaxZoom: TileMaxZoom, Fields: []string{"code", "name_zh", "name_en", "color", CommunityField}, Simplify: true, Labelled: true},
			},
			{
				Name: "compounds", Title: Label{"小区", "Compounds"}, Item: Label{"小区", "Compound"}, Geometry: Polygon, SearchRank: 6,
				Editable: true, Topology: true,
				Fields: append(names(),
					Field{Name: "grid_code", Type: Text, Required: true, Filterable: true, Ref: "grids", Title: Label{"网格", "Grid"}, Description: "code of the grid the compound lies in"},
					Field{Name: "households", Type: Integer, Min: 0, Max: 100000, Title: Label{"户数", "Households"}, Description: "households in the compound"},
					Field{Name: "buildings", Type: Integer, Min: 0, Max: 10000, Title: Label{"楼栋数", "Buildings"}, Description: "number of buildings"},
					community(),
				),
				Tile: TileSpec{MinZoom: 13, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "grid_code", CommunityField}, GridFields: []string{"color"}, Simplify: true, Labelled: true},
				// A compound is walled: it is entered by its gates.
				Walk: Walk{Role: WalkWall},
			},
			{
				Name: "buildings", Title: Label{"楼栋", "Buildings"}, Item: Label{"楼栋", "Building"}, Geometry: Polygon, SearchRank: 8,
				Editable: true, Topology: true,
				Fields: append(names(),
					Field{Name: "compound_id", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 1e12, Ref: "compounds", Title: Label{"所在小区", "Compound"}, Description: "id of the compound the building stands in"},
					gridCode(),
					Field{Name: "floors", Type: Integer, Required: true, Filterable: true, Min: 1, Max: 200, Title: Label{"层数", "Floors"}, Description: "floors above ground"},
					Field{Name: "height_m", Type: Number, Required: true, Min: 1, Max: 600, Title: Label{"高度", "Height"}, Description: "height in metres, what the viewer extrudes"},
					community(),
				),
				Tile: TileSpec{MinZoom: 14, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "floors", "height_m", "grid_code", "compound_id", CommunityField}, GridFields: []string{"color"}},
			},
			{
				Name: "gates", Title: Label{"出入口", "Gates"}, Item: Label{"出入口", "Gate"}, Geometry: Point,
				Editable: true,
				Fields: append(names(), Field{Name: "kind", Type: Text, Required: true, Filterable: true,
					Title: Label{"类型", "Kind"}, Choices: gateKinds(), Description: "what kind of gate"}, community()),
				Tile: TileSpec{MinZoom: 15, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", CommunityField}},
				Walk: Walk{Role: WalkGate},
			},
			{
				Name: "parking", Title: Label{"共享停车场", "Shared parking"}, Item: Label{"共享停车场", "Shared car park"}, Geometry: Polygon, SearchRank: 2,
				Editable: true,
				Fields: append(names(),
					Field{Name: "capacity", Type: Integer, Required: true, Min: 0, Max: 100000, Title: Label{"总车位", "Spaces"}, Description: "parking spaces"},
					Field{Name: "free", Type: Integer, Required: true, Min: 0, Max: 100000, Title: Label{"空余车位", "Free spaces"}, Description: "free spaces now"},
					Field{Name: "hours", Type: Text, Required: true, Title: Label{"开放时间", "Opening hours"}, Description: "opening hours, HH:MM-HH:MM China Standard Time"},
					Field{Name: "fee_zh", Type: Text, Required: true, Title: Label{"收费", "Fee"}, Description: "fee"},
					Field{Name: "fee_en", Type: Text, Required: true, Title: Label{"收费", "Fee"}, Description: "fee in English"},
					Field{Name: "entrance", Type: Position, Required: true, Within: EntranceReach, Title: Label{"入口", "Entrance"}, Description: "entrance as [lon, lat]"},
					gridCode(),
					community(),
				),
				Tile: TileSpec{MinZoom: 12, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "capacity", "free", "hours", CommunityField}, Simplify: true},
			},
			{
				Name: "posts", Title: Label{"服务站点", "Service posts"}, Item: Label{"服务站点", "Service post"}, Geometry: Point, SearchRank: 1,
				Editable: true,
				Fields: append(names(),
					Field{Name: "kind", Type: Text, Required: true, Filterable: true, Title: Label{"类型", "Kind"}, Choices: postKinds(), Description: "what kind of post"},
					Field{Name: "services", Type: TextList, Required: true, Title: Label{"服务", "Services"}, Choices: services(), Description: "services offered"},
					Field{Name: "hours", Type: Text, Required: true, Title: Label{"开放时间", "Opening hours"}, Description: "opening hours, HH:MM-HH:MM China Standard Time"},
					Field{Name: "phone", Type: Text, Title: Label{"电话", "Phone"}, Description: "the post's public phone (invented)"},
					gridCode(),
					community(),
				),
				Tile: TileSpec{MinZoom: 12, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", "services", "hours", CommunityField}},
			},
			{
				Name: "organizations", Title: Label{"党组织", "Party organizations"}, Item: Label{"党组织", "Party organization"}, Geometry: Point, SearchRank: 7,
				Editable: true,
				Fields: append(names(),
					Field{Name: "kind", Type: Text, Required: true, Filterable: true, Title: Label{"类型", "Kind"}, Choices: organizationKinds(), Description: "kind of organization"},
					Field{Name: "level", Type: Integer, Required: true, Filterable: true, Min: 0, Max: 4, Title: Label{"层级", "Level"}, Description: "0 city, 1 street, 2 community, 3 grid, 4 building"},
					Field{Name: "parent_id", Type: Integer, Filterable: true, Min: 1, Max: 1e12, Ref: "organizations", Title: Label{"隶属关系", "Belongs to"}, Description: "id of the parent organization"},
					Field{Name: "members", Type: Integer, Min: 0, Max: 100000, Title: Label{"党员", "Party members"}, Description: "party members"},
					gridCode(),
					community(),
				),
				Tile: TileSpec{MinZoom: 10, MaxZoom: TileMaxZoom, Fields: []string{"name_zh", "name_en", "kind", "level", "members", "grid_code", "parent_id", CommunityField},
					// The street committee and the community branch show
					// from the first zoom, grid-level and partner
					// organizations once compounds show, building-door
					// groups only close in.
					KindMinZoom: map[string]int{"grid_branch": 13, "co_building_unit": 13, "business_circle": 13, "non_public": 13, "building_group": 16},
					Poles:       true},
			},
			activities(),
			resources(),
			ordersLayer(),
		},
	}
}

// The layers and the field of the community dimension: the organisation
// above the grids that one platform for a whole city needs.
const (
	// SubdistrictLayer holds the city's subdistricts (街道) and towns (镇).
	SubdistrictLayer = "subdistricts"
	// CommunityLayer holds the communities' outlines.
	CommunityLayer = "communities"
	// CommunityField is the code of the community a feature belongs to,
	// on every layer below the communities.
	CommunityField = "community"
)

// EntranceReach is how far, in metres, a car park's entrance may lie from
// its outline: a gate in the fence or a few steps across the pavement.
const EntranceReach = 30.0

// names are the two name fields every layer starts with.
func names() []Field {
	return []Field{
		{Name: "name_zh", Type: Text, Required: true, Filterable: true, Title: Label{"名称", "Name"}, Description: "name in Chinese"},
		{Name: "name_en", Type: Text, Required: true, Filterable: true, Title: Label{"名称", "Name"}, Description: "name in English"},
	}
}

// gridCode is the grid a feature lies in, derived from its position: for
// a point the grid that covers it (on an edge or corner several grids
// share, the lowest code, as /api/locate answers), for a polygon the grid
// that covers the most of it.
func gridCode() Field {
	return Field{Name: "grid_code", Type: Text, Filterable: true, Ref: "grids", Derived: true, Title: Label{"网格", "Grid"},
		Description: "code of the grid the feature lies in, kept by the server"}
}

// community is the community a feature belongs to, derived from its
// position like a grid code: for a point the community that covers it
// (the lowest code on a shared edge), for a line or polygon the one that
// covers the most of it, and for a feature outside every community (the
// temple beside Xiyue, a co-building unit down the road) the nearest.
func community() Field {
	return Field{Name: CommunityField, Type: Text, Filterable: true, Ref: CommunityLayer, Derived: true, OrNearest: true,
		Title: Label{"所属社区", "Community"}, Description: "code of the community the feature belongs to, kept by the server"}
}

func subdistrictKinds() []Choice {
	return []Choice{
		{Value: "street", Label: Label{"街道", "Subdistrict"}},
		{Value: "town", Label: Label{"镇", "Town"}},
	}
}

func landmarkKinds() []Choice {
	return []Choice{
		{Value: "temple", Label: Label{"寺庙", "Temple"}},
		{Value: "village", Label: Label{"村落", "Village"}},
		{Value: "park", Label: Label{"公园", "Park"}},
		{Value: "square", Label: Label{"广场", "Square"}},
		{Value: "public", Label: Label{"公共设施", "Public building"}},
	}
}

func streetKinds() []Choice {
	return []Choice{
		{Value: "pedestrian", Label: Label{"步行街", "Pedestrian street"}},
		{Value: "main", Label: Label{"主干道", "Main road"}},
		{Value: "minor", Label: Label{"巷道", "Lane"}},
	}
}

func pathKinds() []Choice {
	return []Choice{
		{Value: "footpath", Label: Label{"步道", "Footpath"}},
		{Value: "lane", Label: Label{"甬道", "Lane"}},
		{Value: "axis", Label: Label{"中轴路", "Axis"}},
	}
}

// gateKinds are the kinds of gate; a temple's entrance may stand at its
// wall, beyond the community's edge.
func gateKinds() []Choice {
	return []Choice{
		{Value: "compound_gate", Label: Label{"小区大门", "Compound gate"}},
		{Value: "temple_entrance", Label: Label{"庙门", "Temple entrance"}, Outside: 500},
		{Value: "side_gate", Label: Label{"侧门", "Side gate"}},
	}
}

func postKinds() []Choice {
	return []Choice{
		{Value: "cabin", Label: Label{"党建驿站小屋", "Party service cabin"}},
		{Value: "service_hall", Label: Label{"一站式服务大厅", "One-stop service hall"}},
		{Value: "rep_studio", Label: Label{"党代表工作室", "Party representative studio"}},
		{Value: "activity_room", Label: Label{"共享活动室", "Shared activity room"}},
		{Value: "cultural_space", Label: Label{"文化空间", "Cultural space"}},
		{Value: "library", Label: Label{"共享书屋", "Shared library"}},
	}
}

// services are what a post can offer, in the finder's order.
func services() []Choice {
	return []Choice{
		{Value: "water", Label: Label{"茶水", "Tea & water"}, Keywords: []string{"水", "茶", "饮水", "热水", "water", "tea"}},
		{Value: "charging", Label: Label{"手机充电", "Phone charging"}, Keywords: []string{"充电", "charging", "charge"}},
		{Value: "first_aid", Label: Label{"急救药箱", "First aid"}, Keywords: []string{"急救", "药箱", "first aid"}},
		{Value: "umbrella", Label: Label{"借伞", "Umbrella loan"}, Keywords: []string{"雨伞", "伞", "umbrella"}},
		{Value: "map", Label: Label{"地图导览", "Maps"}, Keywords: []string{"地图", "导览", "map"}},
		{Value: "wifi", Label: Label{"无线网络", "Wi-Fi"}, Keywords: []string{"WiFi", "wifi", "网络"}},
		{Value: "rest", Label: Label{"休息座椅", "Rest"}, Keywords: []string{"休息", "座椅", "rest"}},
	}
}

// organizationKinds are the kinds of party organization, from the top of
// the hierarchy down.
func organizationKinds() []Choice {
	return []Choice{
		{Value: "city_committee", Label: Label{"市委", "City party committee"}},
		{Value: "street_committee", Label: Label{"街道党工委", "Subdistrict party committee"}},
		{Value: "community_branch", Label: Label{"社区党总支", "Community party branch"}},
		{Value: "grid_branch", Label: Label{"网格党支部", "Grid party branch"}},
		{Value: "building_group", Label: Label{"楼门党小组", "Building party group"}},
		{Value: "co_building_unit", Label: Label{"共建单位", "Co-building unit"}, Outside: 500},
		{Value: "business_circle", Label: Label{"商圈联合党组织", "Business-circle party organization"}},
		{Value: "non_public", Label: Label{"非公企业党组织", "Non-public enterprise party organization"}},
	}
}

// Services returns every service a post can offer, in display order.
func Services() []string {
	f, _ := NewCatalogue().Field("posts", "services")
	return f.Values()
}

// OrganizationKinds lists the kinds of party organization, from the top of
// the hierarchy down.
func OrganizationKinds() []string {
	f, _ := NewCatalogue().Field("organizations", "kind")
	return f.Values()
}

// Field returns a field of a collection.
func (c *Catalogue) Field(layer, field string) (Field, bool) {
	l, ok := c.Layer(layer)
	if !ok {
		return Field{}, false
	}
	return l.Field(field)
}
