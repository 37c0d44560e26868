package httpapi

import (
	"net/http"
	"strings"

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
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && publicRead(r.URL.Path) {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "ETag, Link, Retry-After")
		}
		return next(c)
	}
}

// publicRead reports whether a path is one of the public, anonymous reads.
func publicRead(path string) bool {
	switch path {
	case "/", "/api", "/conformance", "/collections", "/style.json", "/tiles.json":
		return true
	}
	for _, prefix := range []string{"/collections/", "/tiles/", "/api/nearest", "/api/locate", "/api/search", "/api/events"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
