package httpapi

// ogcExtraPaths describes OGC API – Tiles, the tiling scheme, the styles
// and the sprite for the OpenAPI document.
func (s *Server) ogcExtraPaths(problem, fParam obj) obj {
	jsonOK := func(desc string) obj {
		return obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}, mediaHTML: obj{"schema": obj{"type": "string"}}}}
	}
	tileParams := []obj{
		{"name": "tileMatrix", "in": "path", "required": true, "description": "the zoom, 0 to 22", "schema": obj{"type": "integer", "minimum": 0, "maximum": 22}},
		{"name": "tileRow", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0}},
		{"name": "tileCol", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 0}},
	}
	tileOK := obj{
		"200": obj{"description": "the tile, gzip when accepted, with a strong ETag", "content": obj{mediaMVT: obj{"schema": obj{"type": "string", "format": "binary"}}}},
		"204": obj{"description": "nothing in this tile"}, "304": obj{"description": "not modified"},
		"400": problem, "404": problem, "503": problem,
	}
	paths := obj{
		"/tileMatrixSets": obj{"get": obj{"summary": "the tiling schemes", "operationId": "getTileMatrixSets", "tags": []string{"tiles"},
			"parameters": []obj{fParam}, "responses": obj{"200": jsonOK("WebMercatorQuad"), "400": problem}}},
		"/tileMatrixSets/{tileMatrixSetId}": obj{"get": obj{"summary": "a tiling scheme", "operationId": "getTileMatrixSet", "tags": []string{"tiles"},
			"parameters": []obj{fParam, {"name": "tileMatrixSetId", "in": "path", "required": true, "schema": obj{"type": "string", "enum": []string{tmsID}}}},
			"responses":  obj{"200": jsonOK("the tile matrix set (OGC 17-083r4)"), "400": problem, "404": problem}}},
		"/styles": obj{"get": obj{"summary": "the map's styles", "operationId": "getStyles", "tags": []string{"tiles"},
			"parameters": []obj{fParam}, "responses": obj{"200": jsonOK("the styles, with links to each"), "400": problem}}},
		"/styles/{styleId}": obj{"get": obj{"summary": "a style (MapLibre / Mapbox GL)", "operationId": "getStyleById", "tags": []string{"tiles"},
			"parameters": []obj{{"name": "styleId", "in": "path", "required": true, "schema": obj{"type": "string", "enum": []string{styleID}}}},
			"responses":  obj{"200": obj{"description": "the style", "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}, "400": problem, "404": problem}}},
		"/sprite.json": obj{"get": obj{"summary": "the style's sprite index (1×)", "operationId": "getSpriteIndex", "tags": []string{"tiles"},
			"responses": obj{"200": obj{"description": "where each icon lies in sprite.png"}, "404": problem}}},
		"/sprite.png": obj{"get": obj{"summary": "the style's sprite sheet (1×); @2x for high-density screens", "operationId": "getSpriteSheet", "tags": []string{"tiles"},
			"responses": obj{"200": obj{"description": "PNG", "content": obj{"image/png": obj{"schema": obj{"type": "string", "format": "binary"}}}}, "404": problem}}},
	}
	if s.cfg.Tiles == nil {
		return paths
	}
	add := func(prefix, what string, collection bool) {
		base := []obj{}
		if collection {
			base = append(base, obj{"name": "collectionId", "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
		op := func(id string) string {
			if collection {
				return id + "_collection"
			}
			return id
		}
		paths[prefix] = obj{"get": obj{"summary": "tilesets of " + what, "operationId": op("getTilesets"), "tags": []string{"tiles"},
			"parameters": append(base, fParam), "responses": obj{"200": jsonOK("the tilesets"), "400": problem, "404": problem}}}
		paths[prefix+"/"+tmsID] = obj{"get": obj{"summary": "the tileset of " + what + " (metadata)", "operationId": op("getTileset"), "tags": []string{"tiles"},
			"parameters": append(base, fParam), "responses": obj{"200": jsonOK("tileset metadata (OGC 17-083r4)"), "400": problem, "404": problem, "503": problem}}}
		paths[prefix+"/"+tmsID+"/{tileMatrix}/{tileRow}/{tileCol}"] = obj{"get": obj{"summary": "a vector tile of " + what, "operationId": op("getTilesetTile"), "tags": []string{"tiles"},
			"parameters": append(base, tileParams...), "responses": tileOK}}
	}
	add("/tiles", "every layer (the same bytes as /tiles/{z}/{x}/{y}.mvt)", false)
	add("/collections/{collectionId}/tiles", "one collection (its layer alone)", true)
	return paths
}
