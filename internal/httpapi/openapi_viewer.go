package httpapi

// viewerPaths describes the addresses the web viewer reads at start and
// for its cards, for the OpenAPI document.
func (s *Server) viewerPaths(problem obj) obj {
	withHours := s.layersWithHours()
	ok := func(desc string) obj {
		return obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}
	}
	return obj{
		"/viewer-config.json": obj{"get": obj{
			"summary":     "what the web viewer shows that depends on the data",
			"description": "title {zh, en} (the community outline's name), bounds [minLon, minLat, maxLon, maxLat] (as in /tiles.json), home {center, zoom, bearing, pitch}, kiosk {position, idleSeconds}, languages, and layers: each collection with name, title {zh, en}, item {zh, en}, geometry, editable and fields [{name, type, title {zh, en}, values [{value, zh, en}]}] in display order. Not cached.",
			"operationId": "getViewerConfig", "tags": []string{"viewer"},
			"responses": obj{"200": ok("the viewer's settings and labels"), "400": problem, "503": problem}}},
		"/api/open-now": obj{"get": obj{
			"summary":     "whether places with opening hours are open now",
			"description": "For a post's or a car park's card: item answers are cached until an edit, while being open changes with the clock, so this answer is computed on every request (hours in China Standard Time, several spans allowed: 08:00-12:00,14:00-18:00) and never cached. Answers at (the server's time, RFC 3339) and features [{layer, id, hours, open_now}]; open_now is null when the hours cannot be read.",
			"operationId": "getOpenNow", "tags": []string{"viewer"},
			"parameters": []obj{
				{"name": "layer", "in": "query", "required": true, "description": "a collection with opening hours", "schema": obj{"type": "string", "enum": withHours}},
				{"name": "id", "in": "query", "required": true, "style": "form", "explode": false, "description": "feature ids, at most 20",
					"schema": obj{"type": "array", "minItems": 1, "maxItems": maxOpenNowIDs, "items": obj{"type": "integer", "minimum": 1}}},
			},
			"responses": obj{"200": ok("open or closed, now"), "400": problem, "404": problem, "503": problem}}},
	}
}
