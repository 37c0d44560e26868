package httpapi

import (
	"html"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// handleEditorPage serves the staff editor (/edit): log in, pick a grid,
// drag its vertices, see the dry run's verdict live, save, and use the
// history. The page logs in itself; it holds no secrets.
func (s *Server) handleEditorPage(c echo.Context) error {
	f, err := s.static.file("edit.html")
	if err != nil {
		return err
	}
	page := strings.Replace(string(f.body), `<base href="/">`, `<base href="`+html.EscapeString(pathPrefix(c.Request()))+`/">`, 1)
	h := c.Response().Header()
	h.Set("Cache-Control", privateNoStore)
	return c.HTMLBlob(http.StatusOK, []byte(page))
}
