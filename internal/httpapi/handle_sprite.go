package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// handleSprite serves the style's sprite, drawn once at start
// (internal/sprite): /sprite.json and /sprite.png, /sprite@2x.json and
// /sprite@2x.png, and each icon alone at 2× as /sprite/{name}.png for the
// page's panel and cards.
func (s *Server) handleSprite(c echo.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	if s.sprite == nil {
		return geo.Errorf(geo.ENOTFOUND, "This server has no sprite.")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	if name := c.Param("icon"); name != "" {
		icon, ok := strings.CutSuffix(name, ".png")
		b, found := s.sprite.Icon(icon)
		if !ok || !found {
			return geo.Errorf(geo.ENOTFOUND, "There is no icon %q; the icons are %s.", clipText(name), strings.Join(s.sprite.Names(), ", "))
		}
		return c.Blob(http.StatusOK, "image/png", b)
	}
	path := c.Path()
	ratio := 1
	if strings.Contains(path, "@2x") {
		ratio = 2
	}
	sheet := s.sprite.Sheet(ratio)
	if strings.HasSuffix(path, ".png") {
		return c.Blob(http.StatusOK, "image/png", sheet.PNG)
	}
	return c.Blob(http.StatusOK, mediaJSON, sheet.JSON)
}
