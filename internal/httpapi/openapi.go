package httpapi

import (
	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// handleOpenAPI serves the OpenAPI 3.0 definition of the API, built from the
// layer catalogue so that each collection's filters are described.
func (s *Server) handleOpenAPI(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	if f := c.QueryParam("f"); f != "" && f != "json" {
		return geo.Errorf(geo.EINVALID, "The API definition is served as JSON only: f must be json or left out; got %q.", clipText(f))
	}
	doc := s.openAPI(baseURL(c.Request()))
	return writeJSON(c, 200, mediaOpenAPI, doc)
}

type obj = map[string]any

func (s *Server) openAPI(base string) obj {
	problem := obj{"description": "a problem (RFC 9457)", "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
	jsonResp := func(desc string) obj {
		return obj{"200": obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}, "400": problem}
	}
	fParam := obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"json", "html"}}, "description": "the format of the answer"}
	paths := obj{
		"/":            obj{"get": obj{"summary": "landing page", "operationId": "getLandingPage", "parameters": []obj{fParam}, "responses": jsonResp("links to the API definition, conformance and collections")}},
		"/conformance": obj{"get": obj{"summary": "conformance classes", "operationId": "getConformance", "parameters": []obj{fParam}, "responses": jsonResp("the conformance classes")}},
		"/collections": obj{"get": obj{"summary": "the map's layers", "operationId": "getCollections", "parameters": []obj{fParam}, "responses": jsonResp("the collections")}},
		"/api":         obj{"get": obj{"summary": "this document", "operationId": "getAPI", "responses": obj{"200": obj{"description": "OpenAPI 3.0", "content": obj{mediaOpenAPI: obj{"schema": obj{"type": "object"}}}}}}},
		"/healthz":     obj{"get": obj{"summary": "liveness", "operationId": "getHealth", "responses": obj{"200": obj{"description": "the process is up"}}}},
		"/readyz":      obj{"get": obj{"summary": "readiness", "operationId": "getReady", "responses": obj{"200": obj{"description": "the database is reachable"}, "503": problem}}},
		"/tiles.json":  obj{"get": obj{"summary": "TileJSON 3.0.0 of the vector tiles", "operationId": "getTileJSON", "responses": obj{"200": obj{"description": "TileJSON", "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}}}},
		"/style.json":  obj{"get": obj{"summary": "MapLibre style drawing the map in 3D from this server's tiles", "operationId": "getStyle", "responses": obj{"200": obj{"description": "a MapLibre style (v8)", "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}}}},
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
				"400": problem,
			}}},
	}
	for p, item := range finderPaths(problem) {
		paths[p] = item
	}
	for p, item := range s.viewerPaths(problem) {
		paths[p] = item
	}
	for _, l := range s.cat.Layers() {
		params := []obj{
			fParam,
			{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false, "description": "minLon,minLat,maxLon,maxLat in WGS 84 (CRS84)",
				"schema": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
			{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
				"schema": obj{"type": "integer", "minimum": 1, "maximum": geo.MaxLimit, "default": geo.DefaultLimit}},
			{"name": "offset", "in": "query", "required": false, "schema": obj{"type": "integer", "minimum": 0, "default": 0}},
			{"name": "cursor", "in": "query", "required": false, "description": "the id the previous page ended with, as the next link gives it: keyset paging, not counted", "schema": obj{"type": "integer", "minimum": 1}},
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
			"parameters": []obj{fParam}, "responses": jsonResp("the collection")}}
		paths["/collections/"+l.Name+"/items"] = obj{"get": obj{
			"summary": "features of " + l.Title.En, "operationId": "getItems_" + l.Name, "tags": []string{l.Name},
			"parameters": params,
			"responses":  obj{"200": geoResp("a page of features"), "400": problem, "404": problem}}}
		paths["/collections/"+l.Name+"/items/{featureId}"] = obj{"get": obj{
			"summary": "one feature of " + l.Title.En, "operationId": "getItem_" + l.Name, "tags": []string{l.Name},
			"parameters": []obj{fParam, {"name": "featureId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}},
			"responses":  obj{"200": geoResp("the feature, with an ETag"), "304": obj{"description": "not modified"}, "404": problem}}}
	}
	s.addEditPaths(paths, problem)
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       s.cfg.Title,
			"version":     s.cfg.Version,
			"description": "OGC API – Features for the community's party-building map.",
		},
		"servers": []obj{{"url": base}},
		"paths":   paths,
		"components": obj{"schemas": obj{"problem": obj{"type": "object", "properties": obj{
			"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"},
			"detail": obj{"type": "string"}, "instance": obj{"type": "string"}, "code": obj{"type": "string"},
		}}}},
	}
}
