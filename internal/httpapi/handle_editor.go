package httpapi

import (
	"github.com/labstack/echo/v4"
)

// handleEditorPage serves the staff editor (/edit): log in, pick a grid,
// drag its vertices, see the dry run's verdict live, save, and use the
// history. The page logs in itself; it holds no secrets.
func (s *Server) handleEditorPage(c echo.Context) error {
	return s.servePage(c, "edit.html", privateNoStore)
}
