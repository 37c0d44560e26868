package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// conformanceClasses lists the conformance classes this server
// implements, and only those: each is tested (internal/postgis
// TestCQL2_conformanceSuite for the CQL2 classes).
func (s *Server) conformanceClasses() []string {
	const feat, cql2, tiles, tms = "http://www.opengis.net/spec/ogcapi-features-", "http://www.opengis.net/spec/cql2/1.0/conf/",
		"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/", "http://www.opengis.net/spec/tms/2.0/conf/"
	out := []string{
		feat + "1/1.0/conf/core", feat + "1/1.0/conf/geojson", feat + "1/1.0/conf/html", feat + "1/1.0/conf/oas30",
		feat + "2/1.0/conf/crs",
		feat + "3/1.0/conf/filter", feat + "3/1.0/conf/features-filter", feat + "3/1.0/conf/queryables",
		cql2 + "cql2-text", cql2 + "cql2-json", cql2 + "basic-cql2", cql2 + "advanced-comparison-operators",
		cql2 + "case-insensitive-comparison", cql2 + "basic-spatial-functions", cql2 + "basic-spatial-functions-plus",
		cql2 + "property-property", cql2 + "array-functions",
		feat + "5/1.0/conf/schemas", feat + "5/1.0/conf/core-roles-features",
	}
	if s.cfg.Accounts != nil && s.cfg.Edits != nil {
		out = append(out, feat+"4/1.0/conf/create-replace-delete", feat+"4/1.0/conf/update", feat+"4/1.0/conf/features")
	}
	if s.cfg.Tiles != nil {
		out = append(out, tiles+"core", tiles+"tileset", tiles+"tilesets-list", tiles+"dataset-tilesets",
			tiles+"geodata-tilesets", tiles+"mvt", tiles+"oas30", tms+"tilematrixset", tms+"json-tilematrixset")
	}
	return out
}

// handleLanding is the OGC API landing page; a browser that opens "/"
// without f= is sent to the map.
func (s *Server) handleLanding(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	c.Response().Header()[headerVary] = s.hdr.varyAccept
	base := baseURL(c.Request())
	if html && c.QueryParam("f") == "" && s.cfg.Viewer != nil {
		// A browser opening the site wants the map; ?f=html keeps the
		// API's own landing page for people walking the API.
		return c.Redirect(http.StatusFound, base+"/map/")
	}
	body := map[string]any{
		"title":       s.cfg.Title,
		"description": "Party-building map of the community: grids, compounds, buildings, party organizations, service posts and shared parking, as OGC API – Features.",
		"links": []Link{
			{Href: base + "/?f=json", Rel: relSelf, Type: mediaJSON, Title: "this document"},
			{Href: base + "/?f=html", Rel: relAlternate, Type: mediaHTML, Title: "this document as HTML"},
			{Href: base + "/api", Rel: relServiceDesc, Type: mediaOpenAPI, Title: "the API definition"},
			{Href: base + "/api?f=html", Rel: relServiceDoc, Type: mediaHTML, Title: "the API documentation"},
			{Href: base + "/conformance", Rel: relConformance, Type: mediaJSON, Title: "conformance classes"},
			{Href: base + "/collections", Rel: relData, Type: mediaJSON, Title: "the map's layers"},
		},
	}
	if s.cfg.Tiles != nil {
		body["links"] = append(body["links"].([]Link),
			Link{Href: base + "/tiles", Rel: relTilesetsVector, Type: mediaJSON, Title: "the vector tiles (OGC API – Tiles)"},
			Link{Href: base + "/tileMatrixSets", Rel: relTileMatrixSets, Type: mediaJSON, Title: "the tiling schemes"},
			Link{Href: base + "/styles", Rel: relStyles, Type: mediaJSON, Title: "the map's styles"})
	}
	if html {
		return s.renderHTML(c, s.cfg.Title, body)
	}
	return c.JSON(http.StatusOK, body)
}

// handleConformance lists the conformance classes.
func (s *Server) handleConformance(c echo.Context) error {
	if err := checkParams(c, "f"); err != nil {
		return err
	}
	html, err := wantsHTML(c)
	if err != nil {
		return err
	}
	c.Response().Header()[headerVary] = s.hdr.varyAccept
	body := map[string]any{"conformsTo": s.conformanceClasses()}
	if html {
		return s.renderHTML(c, "Conformance", body)
	}
	return c.JSON(http.StatusOK, body)
}
