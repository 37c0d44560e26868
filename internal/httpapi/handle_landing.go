package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// conformanceClasses lists the conformance classes this server implements.
func conformanceClasses() []string {
	return []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	}
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
			{Href: base + "/conformance", Rel: relConformance, Type: mediaJSON, Title: "conformance classes"},
			{Href: base + "/collections", Rel: relData, Type: mediaJSON, Title: "the map's layers"},
		},
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
	body := map[string]any{"conformsTo": conformanceClasses()}
	if html {
		return s.renderHTML(c, "Conformance", body)
	}
	return c.JSON(http.StatusOK, body)
}
