package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
)

// OGC API – Tiles Part 1 over the same vector tiles: the tiling scheme
// (WebMercatorQuad, the one /tiles/{z}/{x}/{y}.mvt uses), the dataset
// tileset (every layer: the same bytes as /tiles/{z}/{x}/{y}.mvt, from the
// same cache) and a tileset per collection (one layer, cut from those
// bytes), with their metadata (OGC Two Dimensional Tile Matrix Set and
// Tile Set Metadata 2.0).

const (
	tmsID   = "WebMercatorQuad"
	tmsURI  = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crs3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
)

// webMercatorQuad is the tile matrix set's definition, zooms 0 to
// geo.TileMaxZoom.
func webMercatorQuad(base string) obj {
	const origin = 20037508.3427892
	var matrices []obj
	for z := 0; z <= geo.TileMaxZoom; z++ {
		n := 1 << z
		matrices = append(matrices, obj{
			"id": strconv.Itoa(z), "scaleDenominator": 559082264.0287178 / float64(n), "cellSize": 156543.03392804097 / float64(n),
			"cornerOfOrigin": "topLeft", "pointOfOrigin": []float64{-origin, origin},
			"tileWidth": 256, "tileHeight": 256, "matrixWidth": n, "matrixHeight": n,
		})
	}
	return obj{
		"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI, "crs": crs3857,
		"orderedAxes": []string{"X", "Y"}, "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices": matrices,
		"links":        []Link{{Href: base + "/tileMatrixSets/" + tmsID, Rel: relSelf, Type: mediaJSON, Title: "this tile matrix set"}},
	}
}

// handleTileMatrixSets lists the tiling schemes.
func (s *Server) handleTileMatrixSets(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	base := baseURL(c.Request())
	body := obj{"tileMatrixSets": []obj{{"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI, "crs": crs3857,
		"links": []Link{{Href: base + "/tileMatrixSets/" + tmsID, Rel: relTilingScheme, Type: mediaJSON, Title: "the tile matrix set"}}}}}
	return s.answerDocument(c, "Tile matrix sets", body)
}

// handleTileMatrixSet describes WebMercatorQuad.
func (s *Server) handleTileMatrixSet(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	if c.Param("tms") != tmsID {
		return geo.Errorf(geo.ENOTFOUND, "There is no tile matrix set %q; the one served is %s.", clipText(c.Param("tms")), tmsID)
	}
	return s.answerDocument(c, tmsID, webMercatorQuad(baseURL(c.Request())))
}

// answerDocument answers a JSON document, or its HTML page.
func (s *Server) answerDocument(c echo.Context, title string, body obj) error {
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	if html {
		return s.renderHTML(c, title, body)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return writeJSON(c, http.StatusOK, mediaJSON, body)
}

// tilesetLayers are the tile layers of a tileset: every one, or the
// collection's.
func (s *Server) tilesetLayers(collection string) []geo.TileLayer {
	var out []geo.TileLayer
	for _, tl := range s.cat.TileLayers() {
		if collection == "" || tl.Name == collection {
			out = append(out, tl)
		}
	}
	return out
}

// tilesetBase is where a tileset's addresses start: /tiles or
// /collections/{id}/tiles.
func tilesetBase(base, collection string) string {
	if collection == "" {
		return base + "/tiles"
	}
	return base + "/collections/" + collection + "/tiles"
}

// tilesetSummary is a tileset as the tileset lists show it.
func (s *Server) tilesetSummary(base, collection string) obj {
	tb := tilesetBase(base, collection)
	title := s.cfg.Title + ": every layer"
	if collection != "" {
		title = s.cfg.Title + ": " + collection
	}
	return obj{
		"title": title, "dataType": "vector", "crs": crs3857, "tileMatrixSetURI": tmsURI,
		"links": []Link{
			{Href: tb + "/" + tmsID, Rel: relSelf, Type: mediaJSON, Title: "the tileset"},
			{Href: base + "/tileMatrixSets/" + tmsID, Rel: relTilingScheme, Type: mediaJSON, Title: "the tiling scheme"},
			{Href: tb + "/" + tmsID + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item", Type: mediaMVT, Title: "a tile (tileMatrix is the zoom)", Templated: true},
		},
	}
}

// handleTilesets lists the dataset's tilesets (/tiles) or a collection's
// (/collections/{id}/tiles).
func (s *Server) handleTilesets(c echo.Context) error {
	collection, err := s.tilesCollection(c)
	if err != nil {
		return err
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	base := baseURL(c.Request())
	body := obj{"tilesets": []obj{s.tilesetSummary(base, collection)},
		"links": []Link{{Href: tilesetBase(base, collection), Rel: relSelf, Type: mediaJSON, Title: "these tilesets"}}}
	return s.answerDocument(c, "Tilesets", body)
}

// handleTileset answers a tileset's metadata: its layers, the zooms and
// tiles they cover, and the tile address template.
func (s *Server) handleTileset(c echo.Context) error {
	collection, err := s.tilesCollection(c)
	if err != nil {
		return err
	}
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	base := baseURL(c.Request())
	doc := s.tilesetSummary(base, collection)
	var layers []obj
	minZ, maxZ := tileJSONMaxZoom, tileMinZoom(s.cat)
	for _, tl := range s.tilesetLayers(collection) {
		props := obj{}
		for _, f := range tl.Fields {
			props[f.Name] = obj{"type": map[string]string{"Number": "number", "String": "string", "Boolean": "boolean"}[f.Type], "description": f.Description}
		}
		lmin, lmax := max(tl.MinZoom, tileMinZoom(s.cat)), min(tl.MaxZoom, tileJSONMaxZoom)
		minZ, maxZ = min(minZ, lmin), max(maxZ, lmax)
		layers = append(layers, obj{"id": tl.Name, "title": tl.Description, "dataType": "vector",
			"geometryDimension": map[geo.GeometryType]int{geo.Point: 0, geo.LineString: 1, geo.Polygon: 2}[tl.Geometry],
			"minTileMatrix":     strconv.Itoa(lmin), "maxTileMatrix": strconv.Itoa(lmax),
			"propertiesSchema": obj{"type": "object", "properties": props}})
	}
	doc["layers"] = layers
	bounds, ok, err := s.cfg.Tiles.TileBounds(c.Request().Context())
	if err != nil {
		s.health.note(err)
		return err
	}
	if ok {
		doc["boundingBox"] = obj{"lowerLeft": []float64{bounds.Min[0], bounds.Min[1]}, "upperRight": []float64{bounds.Max[0], bounds.Max[1]}, "crs": geo.CRS84URI}
		var limits []obj
		for z := minZ; z <= maxZ; z++ {
			nw := maptile.At(orb.Point{bounds.Min[0], bounds.Max[1]}, maptile.Zoom(z))
			se := maptile.At(orb.Point{bounds.Max[0], bounds.Min[1]}, maptile.Zoom(z))
			limits = append(limits, obj{"tileMatrix": strconv.Itoa(z), "minTileRow": nw.Y, "maxTileRow": se.Y, "minTileCol": nw.X, "maxTileCol": se.X})
		}
		doc["tileMatrixSetLimits"] = limits
		doc["centerPoint"] = obj{"coordinates": []float64{bounds.Center()[0], bounds.Center()[1]}, "crs": geo.CRS84URI, "tileMatrix": strconv.Itoa(tileJSONCenterZoom)}
	}
	doc["links"] = append(doc["links"].([]Link), Link{Href: base + "/styles", Rel: relStyles, Type: mediaJSON, Title: "styles for these tiles"})
	if collection != "" {
		doc["links"] = append(doc["links"].([]Link), Link{Href: base + "/collections/" + collection, Rel: relCollection, Type: mediaJSON, Title: "the collection"})
	}
	return s.answerDocument(c, "Tileset", doc)
}

// handleTilesetTile answers one tile of a tileset: the dataset's, the
// same bytes and cache as /tiles/{z}/{x}/{y}.mvt; a collection's, its
// layer of those.
func (s *Server) handleTilesetTile(c echo.Context) error {
	collection, err := s.tilesCollection(c)
	if err != nil {
		return err
	}
	if err := checkTileQuery(c.Request().URL.RawQuery); err != nil {
		return err
	}
	t, err := geo.ParseTileID(c.Param("z"), c.Param("x"), c.Param("y"))
	if err != nil {
		return err
	}
	if collection == "" {
		e, err := s.tileEntry(c.Request().Context(), t)
		if err != nil {
			return err
		}
		return s.writeTile(c, e)
	}
	if s.health.down.Load() {
		if e, ok := s.tileCache.PeekLayer(t, collection); ok {
			return s.writeTile(c, e)
		}
		return errDatabaseDown()
	}
	e, err := s.tileCache.GetLayer(c.Request().Context(), t, collection, s.renderTile)
	if err != nil {
		s.health.note(err)
		return err
	}
	return s.writeTile(c, e)
}

// tilesCollection returns the collection of a /collections/{id}/tiles
// address ("" under /tiles), checking that it has tiles.
func (s *Server) tilesCollection(c echo.Context) (string, error) {
	if s.cfg.Tiles == nil {
		return "", geo.Errorf(geo.ENOTFOUND, "This server serves no vector tiles.")
	}
	name := c.Param("layer")
	if name == "" {
		return "", nil
	}
	if _, err := s.collectionOrError(name); err != nil {
		return "", err
	}
	if len(s.tilesetLayers(name)) == 0 {
		return "", geo.Errorf(geo.ENOTFOUND, "Collection %q is not in the vector tiles.", name)
	}
	return name, nil
}
