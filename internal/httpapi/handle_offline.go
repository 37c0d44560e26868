package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleServiceWorker serves the phone map's service worker (web/static/js/
// sw.js) at the top of the site, so that its scope covers the pages, the
// tiles and the answers it keeps for when the signal drops. It is asked
// for again on every visit (no-cache): a new version replaces the old.
func (s *Server) handleServiceWorker(c echo.Context) error {
	f, err := s.static.file("js/sw.js")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	if ifNoneMatch(c.Request().Header.Get("If-None-Match"), f.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", f.body)
}
