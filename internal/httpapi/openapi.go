package httpapi

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// handleOpenAPI serves the OpenAPI 3.0 definition of the API, built from the
// layer catalogue so that each collection's filters are described; with
// f=html (or a browser's Accept) the same definition as a page to read.
func (s *Server) handleOpenAPI(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	c.Response().Header()[headerVary] = s.hdr.varyAccept
	doc := s.openAPI(baseURL(c.Request()))
	if html {
		return s.apiHTML(c, doc)
	}
	return writeJSON(c, 200, mediaOpenAPI, doc)
}

type obj = map[string]any

func (s *Server) openAPI(base string) obj {
	problem := obj{"description": "a problem (RFC 9457)", "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
	jsonResp := func(desc string, codes ...string) obj {
		r := obj{"200": obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}, "400": problem}
		for _, code := range codes {
			r[code] = problem
		}
		return r
	}
	fParam := obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"json", "html"}}, "description": "the format of the answer"}
	paths := obj{
		"/":            obj{"get": obj{"summary": "landing page", "operationId": "getLandingPage", "parameters": []obj{fParam}, "responses": jsonResp("links to the API definition, conformance and collections")}},
		"/conformance": obj{"get": obj{"summary": "conformance classes", "operationId": "getConformance", "parameters": []obj{fParam}, "responses": jsonResp("the conformance classes")}},
		"/collections": obj{"get": obj{"summary": "the map's layers", "operationId": "getCollections", "parameters": []obj{fParam}, "responses": jsonResp("the collections", "503")}},
		"/api": obj{"get": obj{"summary": "this document", "operationId": "getAPI", "parameters": []obj{fParam},
			"responses": obj{"200": obj{"description": "OpenAPI 3.0, or with f=html a page to read", "content": obj{mediaOpenAPI: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}, "400": problem}}},
		"/healthz":    obj{"get": obj{"summary": "liveness", "operationId": "getHealth", "responses": obj{"200": obj{"description": "the process is up"}}}},
		"/readyz":     obj{"get": obj{"summary": "readiness", "operationId": "getReady", "responses": obj{"200": obj{"description": "the database is reachable"}, "503": problem}}},
		"/tiles.json": obj{"get": obj{"summary": "TileJSON 3.0.0 of the vector tiles", "operationId": "getTileJSON", "responses": obj{"200": obj{"description": "TileJSON", "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}, "400": problem, "404": problem, "503": problem}}},
		"/style.json": obj{"get": obj{"summary": "MapLibre style drawing the map in 3D from this server's tiles and sprite", "operationId": "getStyle", "responses": obj{"200": obj{"description": "a MapLibre style (v8)", "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}, "400": problem, "404": problem}}},
		"/tiles/{z}/{x}/{y}.mvt": obj{"get": obj{
			"summary": "one Mapbox Vector Tile with every layer visible at zoom z", "operationId": "getTile",
			"parameters": []obj{
				{"name": "z", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0, "maximum": 22}},
				{"name": "x", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0}},
				{"name": "y", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0}},
			},
			"responses": obj{
				"200": obj{"description": "the tile (gzip when accepted), with a strong ETag", "content": obj{"application/vnd.mapbox-vector-tile": obj{"schema": obj{"type": "string", "format": "binary"}}}},
				"204": obj{"description": "nothing in this tile"},
				"304": obj{"description": "not modified"},
				"400": problem, "404": problem, "503": problem,
			}}},
	}
	for p, item := range s.ogcExtraPaths(problem, fParam) {
		paths[p] = item
	}
	for p, item := range finderPaths(problem) {
		paths[p] = item
	}
	for p, item := range s.viewerPaths(problem) {
		paths[p] = item
	}
	crsParam := func(name, desc string) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": obj{"type": "string", "format": "uri", "enum": s.crsURIs(), "default": geo.CRS84URI}}
	}
	for _, l := range s.cat.Layers() {
		params := []obj{
			fParam,
			{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false, "description": "the box, in bbox-crs (CRS84 by default: minLon,minLat,maxLon,maxLat); a minimum longitude east of the maximum crosses the antimeridian",
				"schema": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
			crsParam("bbox-crs", "the CRS of bbox"),
			crsParam("crs", "the CRS of the answer's coordinates (Content-Crs says which)"),
			{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false, "description": fmt.Sprintf("features per page; above %d, %d are answered", geo.MaxLimit, geo.MaxLimit),
				"schema": obj{"type": "integer", "minimum": 1, "default": geo.DefaultLimit}},
			{"name": "offset", "in": "query", "required": false, "description": "features to skip; the next links use cursor instead where the order allows", "schema": obj{"type": "integer", "minimum": 0, "default": 0}},
			{"name": "cursor", "in": "query", "required": false, "description": "where a page starts, as the next and prev links give it (keyset paging)", "schema": obj{"type": "string"}},
			{"name": "datetime", "in": "query", "required": false, "description": "an instant or interval (RFC 3339, .. for an open end); the collections have no time, so every feature matches", "schema": obj{"type": "string"}},
			{"name": "filter", "in": "query", "required": false, "description": "a CQL2 filter on the queryables (/collections/" + l.Name + "/queryables), e.g. floors > 6 AND grid_code = 'XY07'", "schema": obj{"type": "string"}},
			{"name": "filter-lang", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"cql2-text", "cql2-json"}, "default": "cql2-text"}},
			crsParam("filter-crs", "the CRS of the filter's geometries"),
			{"name": "sortby", "in": "query", "required": false, "style": "form", "explode": false, "description": "sort keys, each with + or - in front: " + strings.Join(l.Sortables(), ", "),
				"schema": obj{"type": "array", "items": obj{"type": "string"}}},
			{"name": "properties", "in": "query", "required": false, "style": "form", "explode": false, "description": "only these properties in the answer",
				"schema": obj{"type": "array", "items": obj{"type": "string", "enum": l.FieldNames()}}},
		}
		for _, fd := range l.Fields {
			if !fd.Filterable {
				continue
			}
			schema := obj{"type": "string"}
			switch fd.Type {
			case geo.Integer:
				schema = obj{"type": "integer"}
			case geo.Number:
				schema = obj{"type": "number"}
			}
			if len(fd.Choices) > 0 {
				schema["enum"] = fd.Values()
			}
			params = append(params, obj{"name": fd.Name, "in": "query", "required": false, "description": fd.Description, "schema": schema})
		}
		geoResp := func(desc string) obj {
			return obj{"description": desc, "content": obj{mediaGeoJSON: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}
		}
		paths["/collections/"+l.Name] = obj{"get": obj{
			"summary": "describe " + l.Title.En, "operationId": "describe_" + l.Name, "tags": []string{l.Name},
			"parameters": []obj{fParam}, "responses": jsonResp("the collection", "404", "503")}}
		paths["/collections/"+l.Name+"/items"] = obj{"get": obj{
			"summary": "features of " + l.Title.En, "operationId": "getItems_" + l.Name, "tags": []string{l.Name},
			"parameters": params,
			"responses":  obj{"200": geoResp("a page of features"), "304": obj{"description": "not modified"}, "400": problem, "404": problem, "503": problem}}}
		paths["/collections/"+l.Name+"/items/{featureId}"] = obj{"get": obj{
			"summary": "one feature of " + l.Title.En, "operationId": "getItem_" + l.Name, "tags": []string{l.Name},
			"parameters": []obj{fParam, {"name": "featureId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}, crsParam("crs", "the CRS of the answer's coordinates"),
				{"name": "properties", "in": "query", "required": false, "style": "form", "explode": false, "schema": obj{"type": "array", "items": obj{"type": "string", "enum": l.FieldNames()}}}},
			"responses": obj{"200": geoResp("the feature, with an ETag"), "304": obj{"description": "not modified"}, "400": problem, "404": problem, "503": problem}}}
		schemaResp := obj{"200": obj{"description": "a JSON Schema", "content": obj{mediaSchema: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}, "400": problem, "404": problem}
		paths["/collections/"+l.Name+"/queryables"] = obj{"get": obj{"summary": "what a filter on " + l.Title.En + " may name", "operationId": "getQueryables_" + l.Name,
			"tags": []string{l.Name}, "parameters": []obj{fParam}, "responses": schemaResp}}
		paths["/collections/"+l.Name+"/schema"] = obj{"get": obj{"summary": "the schema of " + l.Title.En, "operationId": "getSchema_" + l.Name,
			"tags": []string{l.Name}, "parameters": []obj{fParam}, "responses": schemaResp}}
	}
	s.addOrderPaths(paths, problem, false)
	before := map[string]bool{}
	for p, item := range paths {
		for m := range item.(obj) {
			before[p+" "+m] = true
		}
	}
	s.addEditPaths(paths, problem)
	s.addOrderPaths(paths, problem, true)
	s.addActivityPaths(paths, problem)
	// Every staff operation says how to authenticate: a session cookie
	// (with the CSRF header on writes) or a bearer token.
	for p, item := range paths {
		for m, op := range item.(obj) {
			if before[p+" "+m] || m == "options" || p == "/api/login" {
				continue
			}
			sec := []obj{{"sessionCookie": []string{}}, {"bearerToken": []string{}}}
			if m != "get" {
				sec[0]["csrfToken"] = []string{}
			}
			op.(obj)["security"] = sec
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       s.cfg.Title,
			"version":     s.cfg.Version,
			"description": "OGC API – Features for the community's party-building map.",
		},
		"servers": []obj{{"url": base}},
		"paths":   paths,
		"components": obj{
			"schemas": obj{"problem": obj{"type": "object", "properties": obj{
				"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"},
				"detail": obj{"type": "string"}, "instance": obj{"type": "string"}, "code": obj{"type": "string"},
			}}},
			"securitySchemes": obj{
				"sessionCookie": obj{"type": "apiKey", "in": "cookie", "name": plainSessionCookie,
					"description": "The session of a staff member logged in at /edit (POST /api/login); over HTTPS the cookie is " + sessionCookie + ". Writes with it also need csrfToken."},
				"csrfToken": obj{"type": "apiKey", "in": "header", "name": csrfHeader,
					"description": "The session's CSRF token, as /api/login and /api/session answer it: required on writes made with the session cookie."},
				"bearerToken": obj{"type": "http", "scheme": "bearer",
					"description": "A personal API token, pm_…, made with `mapserver token add` (with -unconditional, for clients that cannot send If-Match: QGIS)."},
			},
		},
	}
}
