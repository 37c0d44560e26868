package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows only this server's own resources. MapLibre
// needs workers and blob:/data: images; inline styles are set by MapLibre's
// controls.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries, and opens CORS to
// public GET reads only: writes, logins and staff pages stay same-origin.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		r := c.Request()
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && publicRead(c.Path()) {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "ETag, Link, Retry-After")
		}
		return next(c)
	}
}

// publicRead reports whether a route (its pattern, as routed) is one of the
// public, anonymous reads. Staff reads under the same prefixes (an item's
// history, a layer's deleted items) are not.
func publicRead(route string) bool {
	switch route {
	case "/", "/api", "/conformance", "/collections", "/collections/:layer", "/collections/:layer/items",
		"/collections/:layer/items/:id", "/style.json", "/tiles.json", "/tiles/:z/:x/:y",
		"/api/nearest", "/api/locate", "/api/search", "/api/events":
		return true
	}
	return false
}
