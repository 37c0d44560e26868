package httpapi

import "partymap/internal/geo"

// addOrderPaths describes residents' orders in the OpenAPI document: the
// public's addresses (no login), or with staff the desk's (which the
// document then marks as needing a login).
func (s *Server) addOrderPaths(paths obj, problem obj, staffPaths bool) {
	if s.cfg.Orders == nil {
		return
	}
	ok := func(desc string) obj {
		return obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}
	}
	tags := []string{"orders"}
	tooMany := obj{"description": "too many from this address or device: Retry-After says when to try again",
		"content": obj{mediaProblem: obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
	idParam := obj{"name": "orderId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}
	codeParam := obj{"name": "code", "in": "path", "required": true, "description": "the grid's or community's code", "schema": obj{"type": "string"}}
	f, _ := s.cat.Field(geo.OrdersLayer, "category")
	if !staffPaths {
		paths["/api/orders"] = obj{"post": obj{"summary": "place an order: a problem for the wall or a need for the three-order system", "operationId": "submitOrder", "tags": tags,
			"description": "Anonymous. JSON {kind: problem|need, category, text (≤ 1000 characters, plain text), point: [lon, lat] or compound: id, phone (optional, private: only the grid's staff see it, and it is deleted a while after the order ends)}. Answers 201 with the id, the tracking code (shown once; keep it to follow, confirm or reopen the order) and the address to follow it. Nothing is public until staff of its grid publish it. Limited per address and per device (its cookie).",
			"requestBody": obj{"required": true, "content": obj{mediaJSON: obj{"schema": obj{"type": "object", "required": []string{"kind", "text"}, "properties": obj{
				"kind": obj{"type": "string", "enum": []string{geo.KindProblem, geo.KindNeed}}, "category": obj{"type": "string", "enum": f.Values()},
				"text": obj{"type": "string", "maxLength": geo.MaxOrderText}, "point": obj{"type": "array", "items": obj{"type": "number"}, "minItems": 2, "maxItems": 2},
				"compound": obj{"type": "integer"}, "phone": obj{"type": "string"}}}}}},
			"responses": obj{"201": ok("the order's id and tracking code"), "400": problem, "403": problem, "413": problem, "422": problem, "429": tooMany}}}
		paths["/api/track"] = obj{"get": obj{"summary": "follow an order by its tracking code", "operationId": "trackOrder", "tags": tags,
			"description": "The order as its submitter sees it (status, times, answer, or why it was rejected); never the phone. Look-ups are limited per address.",
			"parameters":  []obj{{"name": "code", "in": "query", "required": true, "schema": obj{"type": "string"}}},
			"responses":   obj{"200": ok("the order"), "400": problem, "404": problem, "429": tooMany}}}
		paths["/api/orders/{orderId}/{action}"] = obj{"post": obj{"summary": "take an action on an order", "operationId": "stepOrder", "tags": tags,
			"description": "Staff (a login, and If-Match with the order's ETag from the desk): publish, reject (text: the reason), claim (the grid's branch takes it), assign (member: id), close (text: the public answer; the member earns points), move (point). The submitter, with {code} instead of a login, within 7 days of its closing: confirm (the member earns a point) or reopen (text: why). An action the order's status does not allow is 409 naming the status.",
			"parameters": []obj{idParam, {"name": "action", "in": "path", "required": true, "schema": obj{"type": "string", "enum": geo.OrderActions()}},
				{"name": "If-Match", "in": "header", "required": false, "description": "staff's actions: the order's ETag", "schema": obj{"type": "string"}}},
			"requestBody": obj{"required": false, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}},
			"responses":   obj{"200": ok("the order as the action left it"), "400": problem, "401": problem, "403": problem, "404": problem, "409": problem, "412": problem, "422": problem, "428": problem, "429": tooMany}}}
		stats := func(id, what string) obj {
			return obj{"get": obj{"summary": "the orders' figures of a " + what, "operationId": id, "tags": tags,
				"description": "Over its published orders: open, overdue (not claimed in 24 h, not done in 7 days), done in the last 30 days, and the median hours from publication to claim and from submission to done.",
				"parameters":  []obj{codeParam}, "responses": obj{"200": ok("the figures"), "400": problem, "404": problem, "503": problem}}}
		}
		paths["/api/grids/{code}/stats"] = stats("getGridOrderStats", "grid")
		paths["/api/communities/{code}/stats"] = stats("getCommunityOrderStats", "community")
		paths["/api/grids/open-orders"] = obj{"get": obj{"summary": "every grid with its open orders", "operationId": "getOpenOrdersByGrid", "tags": tags,
			"description": "Each grid's feature id, code, a point inside it, and its published orders still open and how many are overdue: what the map colours the grids by.",
			"parameters":  []obj{{"name": "community", "in": "query", "required": false, "schema": obj{"type": "string"}}},
			"responses":   obj{"200": ok("the grids"), "400": problem, "503": problem}}}
		paths["/api/leaderboard"] = obj{"get": obj{"summary": "the branches by the points their members earned", "operationId": "getLeaderboard", "tags": tags,
			"description": "Each grid's branch with its points, and its members who agreed to show, by display name only; with the rules of the points.",
			"parameters":  []obj{{"name": "community", "in": "query", "required": false, "schema": obj{"type": "string"}}},
			"responses":   obj{"200": ok("the leaderboard"), "400": problem, "503": problem}}}
		return
	}
	if s.cfg.Accounts == nil {
		return
	}
	paths["/api/orders"] = obj{"post": paths["/api/orders"].(obj)["post"], "get": obj{"summary": "the staff desk's queue", "operationId": "getOrderQueue", "tags": tags,
		"description": "The orders of your grids (every status), newest first, each with its ETag, whether it is overdue and the submitter's phone while it is kept.",
		"parameters": []obj{{"name": "grid", "in": "query", "schema": obj{"type": "string"}}, {"name": "community", "in": "query", "schema": obj{"type": "string"}},
			{"name": "status", "in": "query", "description": "statuses, comma-separated", "schema": obj{"type": "string"}},
			{"name": "overdue", "in": "query", "schema": obj{"type": "boolean"}}, {"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1}}},
		"responses": obj{"200": ok("the queue"), "400": problem, "401": problem}}}
	period := []obj{{"name": "from", "in": "query", "schema": obj{"type": "string", "format": "date"}}, {"name": "to", "in": "query", "schema": obj{"type": "string", "format": "date"}}}
	paths["/api/orders/export"] = obj{"get": obj{"summary": "the orders submitted in a period, as CSV", "operationId": "exportOrders", "tags": tags,
		"description": "Public fields only: never the phone.", "parameters": period,
		"responses": obj{"200": obj{"description": "CSV", "content": obj{"text/csv": obj{"schema": obj{"type": "string"}}}}, "400": problem, "401": problem}}}
	paths["/api/members"] = obj{
		"get": obj{"summary": "the party members of your grids, with their points", "operationId": "getMembers", "tags": tags,
			"responses": obj{"200": ok("the members"), "401": problem}},
		"post": obj{"summary": "add a party member to a grid's branch", "operationId": "addMember", "tags": tags,
			"description": "JSON {name (display name), grid, account (optional staff account), public (shown on the leaderboard by name)}.",
			"requestBody": obj{"required": true, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}},
			"responses":   obj{"201": ok("the member"), "400": problem, "401": problem, "403": problem, "422": problem}}}
	paths["/api/points"] = obj{"get": obj{"summary": "the points ledger of your grids in a period", "operationId": "getPoints", "tags": tags,
		"description": "Append-only: member, order, points, reason, who, when; with the rules.", "parameters": period,
		"responses": obj{"200": ok("the ledger"), "400": problem, "401": problem}}}
}
