package httpapi

import (
	"partymap/internal/geo"
)

// finderPaths describes the finder's and the event stream's addresses for
// the OpenAPI document.
func finderPaths(problem obj) obj {
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	origin := []obj{
		q("lon", "longitude of the point, WGS 84 degrees; with lat. Both omitted: the kiosk's own position, when the server has one", obj{"type": "number", "minimum": -180, "maximum": 180}),
		q("lat", "latitude of the point, WGS 84 degrees; with lon", obj{"type": "number", "minimum": -90, "maximum": 90}),
		q("crs", "coordinate system of lon and lat: gcj02 or bd09 for coordinates from Chinese web maps", obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
	}
	community := q("community", "only within the community with this code (a community's code, as in /collections/communities/items); an unknown code is a 404", obj{"type": "string", "maxLength": geo.MaxCodeLength})
	services := make([]any, 0, len(geo.Services()))
	for _, s := range geo.Services() {
		services = append(services, s)
	}
	nearestParams := append(append([]obj{}, origin...),
		q("layer", "what to find", obj{"type": "string", "enum": geo.NearestLayers(), "default": "posts"}),
		obj{"name": "service", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "posts only: keep posts offering every one of these services",
			"schema":      obj{"type": "array", "items": obj{"type": "string", "enum": services}}},
		q("open_now", "keep only places open now by their hours (China Standard Time)", obj{"type": "boolean", "default": false}),
		q("min_free", "parking only: keep car parks with at least this many free spaces; distances are to the car park's entrance", obj{"type": "integer", "minimum": 0, "maximum": 100000}),
		q("limit", "how many to answer", obj{"type": "integer", "minimum": 1, "maximum": geo.MaxNearestLimit, "default": geo.DefaultNearestLimit}),
		q("by", "straight: nearest in a straight line; walking: the nearest few in a straight line ranked by the walk along streets and paths (walking_m, null where no way leads), the unreachable last", obj{"type": "string", "enum": []string{"straight", "walking"}, "default": "straight"}),
		community,
	)
	ok := func(desc, media string) obj {
		return obj{"description": desc, "content": obj{media: obj{"schema": obj{"type": "object"}}}}
	}
	return obj{
		"/api/nearest": obj{"get": obj{
			"summary":     "the service posts or car parks nearest to a point",
			"description": "GeoJSON features nearest first, each with distance_m (on the WGS 84 ellipsoid), bearing_deg, direction_en/zh, walking_min (straight line ×1.2 at 4.5 km/h), open_now and target (the point measured to: a post, or a car park's entrance).",
			"operationId": "getNearest", "tags": []string{"finder"}, "parameters": nearestParams,
			"responses": obj{"200": ok("the nearest features", mediaGeoJSON), "400": problem, "404": problem, "503": problem}}},
		"/api/locate": obj{"get": obj{
			"summary":     "the community, grid, compound and party branch that contain a point, and the nearest post",
			"description": "Outside the communities (or the one asked about): 200 with inside=false, nothing found and a sentence saying so (message_zh, message_en).",
			"operationId": "getLocate", "tags": []string{"finder"}, "parameters": append(append([]obj{}, origin...), community),
			"responses": obj{"200": ok("where the point is", mediaJSON), "400": problem, "404": problem, "503": problem}}},
		"/api/route": obj{"get": obj{
			"summary":     "the walk from a point to a feature or a point, along streets and footpaths, through gates",
			"description": "A GeoJSON Feature: geometry the walk's LineString; properties reachable, length_m, walking_min (at 4.5 km/h), steps [{text_zh, text_en, length_m}] naming the streets, handoffs (links that open the walk in Amap, Baidu, Apple or Google Maps, each in the coordinates it expects: GCJ-02, BD-09, WGS 84), from, to (the point walked to: a car park's entrance, a post) and target. A target no way leads to (behind a wall without a gate) is 200 with reachable=false, geometry null and a sentence (message_zh, message_en).",
			"operationId": "getRoute", "tags": []string{"finder"},
			"parameters": []obj{
				q("from", "lon,lat to walk from, WGS 84 degrees; omitted: the kiosk's own position, when the server has one", obj{"type": "string", "example": "110.0998,34.5747"}),
				{"name": "to", "in": "query", "required": true, "description": "layer/id of a feature (posts/3; a car park is walked to its entrance) or lon,lat", "schema": obj{"type": "string", "example": "posts/3"}},
				origin[2],
			},
			"responses": obj{"200": ok("the walk", mediaGeoJSON), "400": problem, "404": problem, "503": problem}}},
		"/api/search": obj{"get": obj{
			"summary":     "features by name (Chinese or English), grid code, service or layer",
			"description": "Hits across layers ranked exact > prefix > contains > service > layer, each with layer, id, name_zh, name_en and a point [lon, lat] on the feature. One Chinese character is a query; one Latin letter or digit is refused.",
			"operationId": "getSearch", "tags": []string{"finder"},
			"parameters": []obj{
				{"name": "q", "in": "query", "required": true, "description": "part of a name, a grid code, a service or a layer", "schema": obj{"type": "string", "minLength": 1, "maxLength": geo.MaxSearchText}},
				q("limit", "how many hits to answer", obj{"type": "integer", "minimum": 1, "maximum": geo.MaxSearchLimit, "default": geo.DefaultSearchLimit}),
				community,
			},
			"responses": obj{"200": ok("the hits", mediaJSON), "400": problem, "404": problem, "503": problem}}},
		"/api/communities": obj{"get": obj{
			"summary":     "the city's overview: subdistricts, and communities with their counts",
			"description": "Each subdistrict and community with its code, name (zh, en), bounds and a point for its label; each community with its subdistrict and counts (posts, car parks, open orders: published and not yet done), named and titled in counts.",
			"operationId": "getCommunities", "tags": []string{"finder"},
			"responses": obj{"200": ok("the overview", mediaJSON), "400": problem, "404": problem, "503": problem}}},
		"/api/events": obj{"get": obj{
			"summary":     "the map's changes as Server-Sent Events",
			"description": "Events: ready {seq} first; change {seq, layer, id, version, op, bbox} for every committed change; parking {id, free, capacity} after a car park's change; reset {seq, reason} when too much was missed to replay. The id of each event is the change's history seq. A comment every 15 s keeps proxies from closing the stream. Reconnecting with Last-Event-ID (or last_event_id) replays up to 1000 missed changes. Beyond the caps on open streams (per client address and in all) the answer is 503 with Retry-After.",
			"operationId": "getEvents", "tags": []string{"finder"},
			"parameters": []obj{
				{"name": "Last-Event-ID", "in": "header", "required": false, "description": "the id of the last event seen", "schema": obj{"type": "integer", "minimum": 0}},
				q("last_event_id", "the id of the last event seen, for clients that cannot set the header", obj{"type": "integer", "minimum": 0}),
			},
			"responses": obj{"200": obj{"description": "the stream", "content": obj{"text/event-stream": obj{"schema": obj{"type": "string"}}}}, "400": problem, "503": problem}}},
	}
}
