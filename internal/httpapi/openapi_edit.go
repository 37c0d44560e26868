package httpapi

// addEditPaths describes staff editing in the OpenAPI document: the OGC API
// – Features Part 4 writes on the editable layers' items, their history,
// and login, reshape, import, export and audit. Every one of them needs a
// login: a session cookie (and the X-CSRF-Token header on writes) or a
// personal API token as "Authorization: Bearer pm_…".
func (s *Server) addEditPaths(paths obj, problem obj) {
	if s.cfg.Accounts == nil || s.cfg.Edits == nil {
		return
	}
	const auth = " Needs a login: the session cookie with the X-CSRF-Token header, or Authorization: Bearer pm_… (a personal API token)."
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	dryRun := q("dry_run", "validate and report what would change, write nothing", obj{"type": "boolean", "default": false})
	ifMatch := obj{"name": "If-Match", "in": "header", "required": true, "description": "the item's strong ETag, \"<layer>-<id>-v<version>\", from GET", "schema": obj{"type": "string"}}
	idParam := obj{"name": "featureId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}
	body := func(desc string, media ...string) obj {
		content := obj{}
		for _, m := range media {
			content[m] = obj{"schema": obj{"type": "object"}}
		}
		return obj{"required": true, "description": desc, "content": content}
	}
	ok := func(desc string) obj {
		return obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}
	}
	writeErrors := func(r obj) obj {
		for _, code := range []string{"400", "401", "403", "404", "413", "415", "422", "503"} {
			r[code] = problem
		}
		return r
	}
	versioned := func(r obj) obj {
		r["412"] = obj{"description": "the item changed since it was read: the problem carries current_version and current_etag", "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
		r["428"] = problem
		return writeErrors(r)
	}
	for _, l := range s.cat.Layers() {
		if !l.Editable {
			continue
		}
		items := "/collections/" + l.Name + "/items"
		item := items + "/{featureId}"
		tags := []string{l.Name}
		if p, found := paths[items].(obj); found {
			p["post"] = obj{"summary": "add a feature to " + l.Title.En, "operationId": "createItem_" + l.Name, "tags": tags,
				"description": "The server assigns the id; answers 201 with Location and ETag." + auth,
				"parameters":  []obj{dryRun}, "requestBody": body("a GeoJSON Feature", mediaGeoJSON, mediaJSON),
				"responses": writeErrors(obj{"201": obj{"description": "created"}, "200": ok("dry run: what would change")})}
			p["options"] = obj{"summary": "what the items accept", "operationId": "optionsItems_" + l.Name, "tags": tags,
				"responses": obj{"204": obj{"description": "the Allow header lists the methods"}}}
		}
		if p, found := paths[item].(obj); found {
			p["put"] = obj{"summary": "replace a feature of " + l.Title.En, "operationId": "replaceItem_" + l.Name, "tags": tags,
				"description": "Validated in the same transaction (geometry, outline, grid coverage, compounds in grids, buildings in compounds); 422 lists every violation in Chinese and English." + auth,
				"parameters":  []obj{idParam, ifMatch, dryRun}, "requestBody": body("the whole GeoJSON Feature", mediaGeoJSON, mediaJSON),
				"responses": versioned(obj{"200": obj{"description": "the feature at its new version, with its ETag and every row the write changed"}})}
			p["patch"] = obj{"summary": "change part of a feature of " + l.Title.En, "operationId": "patchItem_" + l.Name, "tags": tags,
				"description": "A JSON Merge Patch (RFC 7396) of the GeoJSON Feature: {\"properties\": {…}} and/or {\"geometry\": {…}}." + auth,
				"parameters":  []obj{idParam, ifMatch, dryRun}, "requestBody": body("a merge patch", mediaMergePatch),
				"responses": versioned(obj{"200": obj{"description": "the feature at its new version"}})}
			p["delete"] = obj{"summary": "delete a feature of " + l.Title.En, "operationId": "deleteItem_" + l.Name, "tags": tags,
				"description": "It stays in the history and can be restored." + auth,
				"parameters":  []obj{idParam, ifMatch, dryRun},
				"responses":   versioned(obj{"204": obj{"description": "deleted"}, "200": ok("dry run: what would change")})}
			p["options"] = obj{"summary": "what the item accepts", "operationId": "optionsItem_" + l.Name, "tags": tags,
				"parameters": []obj{idParam}, "responses": obj{"204": obj{"description": "the Allow and Accept-Patch headers"}}}
		}
		paths[item+"/history"] = obj{"get": obj{"summary": "every version of a feature of " + l.Title.En, "operationId": "getHistory_" + l.Name, "tags": tags,
			"description": "Oldest first: who, when, why (edit, revert, restore, import, reshape, sql), what changed and the feature as it was." + auth,
			"parameters":  []obj{idParam}, "responses": obj{"200": ok("the history"), "401": problem, "404": problem}}}
		paths[item+"/revert"] = obj{"post": obj{"summary": "make a past version the next version", "operationId": "revertItem_" + l.Name, "tags": tags,
			"description": "Validated like any edit." + auth,
			"parameters":  []obj{idParam, ifMatch, dryRun, {"name": "version", "in": "query", "required": true, "schema": obj{"type": "integer", "minimum": 1}}},
			"responses":   versioned(obj{"200": obj{"description": "the feature at its new version"}})}}
		paths[item+"/restore"] = obj{"post": obj{"summary": "bring a deleted feature back", "operationId": "restoreItem_" + l.Name, "tags": tags,
			"description": "As it was when deleted, as its next version." + auth,
			"parameters":  []obj{idParam, dryRun}, "responses": writeErrors(obj{"201": obj{"description": "restored"}, "412": problem})}}
		paths["/collections/"+l.Name+"/deleted"] = obj{"get": obj{"summary": "deleted features of " + l.Title.En, "operationId": "getDeleted_" + l.Name, "tags": tags,
			"description": "Newest deletion first, each as it was when deleted." + auth,
			"parameters":  []obj{q("limit", "", obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}), q("offset", "", obj{"type": "integer", "minimum": 0})},
			"responses":   obj{"200": ok("the deleted features"), "401": problem}}}
	}
	tags := []string{"staff"}
	paths["/api/login"] = obj{"post": obj{"summary": "log in", "operationId": "login", "tags": tags,
		"description": "JSON {name, password}. Sets an HttpOnly, SameSite=Strict session cookie and answers the CSRF token. A wrong name and a wrong password get the same 401; repeated failures lock the name for a while (429 with Retry-After).",
		"requestBody": body("{\"name\": \"…\", \"password\": \"…\"}", mediaJSON),
		"responses":   obj{"200": ok("the user, the CSRF token and when the session ends"), "400": problem, "401": problem, "403": problem, "415": problem, "429": problem}}}
	paths["/api/logout"] = obj{"post": obj{"summary": "log out", "operationId": "logout", "tags": tags, "responses": obj{"204": obj{"description": "the session is ended"}, "401": problem, "403": problem}}}
	paths["/api/session"] = obj{"get": obj{"summary": "who is logged in", "operationId": "getSession", "tags": tags, "description": auth, "responses": obj{"200": ok("the user and the CSRF token"), "401": problem}}}
	paths["/api/grids/{featureId}/reshape"] = obj{"post": obj{"summary": "redraw a grid and the boundaries it shares, as one edit", "operationId": "reshapeGrid", "tags": []string{"grids"},
		"description": "The body is the grid's new outline (a GeoJSON Polygon or a Feature holding one). In one transaction the neighbours lose what the new outline takes and gain what it gives up (each piece to the neighbour sharing the longest edge with it); every grid changed gets a new version and history row; compounds that now lie wholly in another grid move to it. Only the reshaped grid needs If-Match: the neighbours are recomputed from their current outlines." + auth,
		"parameters":  []obj{idParam, ifMatch, dryRun, commentParam(true)}, "requestBody": body("the new outline", mediaGeoJSON, mediaJSON),
		"responses": versioned(obj{"200": obj{"description": "the grid and every change, and the change set"}})}}
	paths["/api/import"] = obj{"post": obj{"summary": "import GeoJSON or KML into a layer", "operationId": "importLayer", "tags": tags,
		"description": "First with dry_run=true: answers per feature insert / update (with the fields that change) / unchanged, and an ETag naming the plan. Then the same file with If-Match set to that ETag applies exactly that plan (412 if anything changed in between). Features with an id update that feature (properties left out keep their values); without one they are added. The body is the file, or a multipart form with a \"file\" field." + auth,
		"parameters": []obj{
			{"name": "layer", "in": "query", "required": true, "schema": obj{"type": "string"}},
			q("crs", "the coordinates' system: gcj02 (Amap, Tencent) and bd09 (Baidu) are converted to WGS 84", obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
			q("format", "default: from the file name or its first character", obj{"type": "string", "enum": []string{"geojson", "kml"}}),
			dryRun,
			{"name": "If-Match", "in": "header", "required": false, "description": "to apply: the dry run's ETag", "schema": obj{"type": "string"}},
		},
		"requestBody": body("the file", mediaGeoJSON, mediaJSON, mediaKML, "multipart/form-data"),
		"responses":   versioned(obj{"200": ok("what the import did or would do")})}}
	paths["/api/export"] = obj{"get": obj{"summary": "download a layer as GeoJSON or KML", "operationId": "exportLayer", "tags": tags,
		"description": "An attachment (Content-Disposition) for Google Earth, 奥维地图 or a GIS; crs=gcj02|bd09 converts for Chinese map apps." + auth,
		"parameters": []obj{
			{"name": "layer", "in": "query", "required": true, "schema": obj{"type": "string"}},
			q("format", "", obj{"type": "string", "enum": []string{"geojson", "kml"}, "default": "geojson"}),
			q("crs", "", obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
		},
		"responses": obj{"200": obj{"description": "the file", "content": obj{mediaGeoJSON: obj{"schema": obj{"type": "object"}}, mediaKML: obj{"schema": obj{"type": "string"}}}}, "400": problem, "401": problem}}}
	paths["/api/audit"] = obj{"get": obj{"summary": "the audit trail (administrators)", "operationId": "getAudit", "tags": tags,
		"description": "Every change across layers, newest first." + auth,
		"parameters": []obj{
			q("user", "who made the change", obj{"type": "string"}),
			q("layer", "", obj{"type": "string"}),
			q("since", "a date (China Standard Time) or an RFC 3339 time", obj{"type": "string"}),
			q("until", "a date (China Standard Time) or an RFC 3339 time, exclusive", obj{"type": "string"}),
			q("limit", "", obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
			q("offset", "", obj{"type": "integer", "minimum": 0}),
		},
		"responses": obj{"200": ok("a page of the history with next/prev links"), "400": problem, "401": problem, "403": problem}}}
	s.addChangePaths(paths, problem, idParam, ifMatch, dryRun, auth)
}
