package httpapi

import "github.com/labstack/echo/v4"

// markStale marks an answer given from memory while the database is
// unreachable (feature answers and tiles from the caches, the TileJSON from
// the last bounds) as stale: the X-Partymap-Stale header and Warning 110.
// The route table puts it on the routes that answer so.
func (s *Server) markStale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.health.down.Load() {
			return next(c)
		}
		res := c.Response()
		res.Before(func() {
			if res.Status < 400 {
				res.Header().Set("Warning", `110 partymap "Response is Stale"`)
				res.Header().Set("X-Partymap-Stale", "database unreachable")
			}
		})
		return next(c)
	}
}
