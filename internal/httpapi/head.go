package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// answerHead answers HEAD as GET without the body (RFC 9110 §9.3.2), for
// every GET route: Echo routes HEAD only where it is registered, and the
// items already say "Allow: GET, HEAD". The request is routed as GET; the
// body the handler writes is dropped here, its headers (Content-Length
// included) go out as they are. The event stream is left out: it has no
// end to answer HEAD with.
func (s *Server) answerHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/api/events") {
			return next(c)
		}
		// Echo routes by the request it was handed, so the method is
		// changed in place, and changed back before net/http writes the
		// headers, so that it too knows the answer has no body.
		r.Method = http.MethodGet
		defer func() { r.Method = http.MethodHead }()
		res := c.Response()
		res.Writer = headWriter{res.Writer}
		return next(c)
	}
}

// headWriter drops a body: HEAD answers carry only headers.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap gives http.ResponseController the writer underneath.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
