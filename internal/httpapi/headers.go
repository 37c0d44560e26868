package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Header names in their canonical form, for setting them without
// canonicalising them again on every answer.
const (
	headerCacheControl   = "Cache-Control"
	headerContentType    = "Content-Type"
	headerContentLength  = "Content-Length"
	headerContentEncode  = "Content-Encoding"
	headerETag           = "Etag"
	headerVary           = "Vary"
	headerRequestID      = "X-Request-Id"
	headerNoSniff        = "X-Content-Type-Options"
	headerAllowOrigin    = "Access-Control-Allow-Origin"
	headerExposeHeaders  = "Access-Control-Expose-Headers"
	headerCSP            = "Content-Security-Policy"
	headerFrameOptions   = "X-Frame-Options"
	headerReferrerPolicy = "Referrer-Policy"
	headerXCache         = "X-Cache"
)

// contentSecurityPolicy allows only this server's own resources. MapLibre
// needs workers and blob:/data: images; inline styles are set by MapLibre's
// controls.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// headerValues are the header values the server sends unchanged, built
// once: setting a header is then a map assignment, not an allocation. The
// slices are shared by every answer and never modified.
type headerValues struct {
	noSniff, allowOrigin              []string
	exposeRetryAfter                  []string
	csp, frameOptions, referrerPolicy []string
	noStore, tileCacheControl         []string
	private                           []string
	varyAccept, varyEncoding          []string
	varyAcceptEncoding                []string
	gzip, mvt, hit, miss              []string
}

func newHeaderValues() headerValues {
	one := func(v string) []string { return []string{v} }
	return headerValues{
		noSniff:            one("nosniff"),
		allowOrigin:        one("*"),
		exposeRetryAfter:   one("Retry-After"),
		csp:                one(contentSecurityPolicy),
		frameOptions:       one("DENY"),
		referrerPolicy:     one("strict-origin-when-cross-origin"),
		noStore:            one("no-store"),
		private:            one(privateNoStore),
		tileCacheControl:   one(tileCacheControl),
		varyAccept:         one("Accept"),
		varyEncoding:       one("Accept-Encoding"),
		varyAcceptEncoding: one("Accept, Accept-Encoding"),
		gzip:               one("gzip"),
		mvt:                one(mediaMVT),
		hit:                one("HIT"),
		miss:               one("MISS"),
	}
}

// openCORS lets scripts of any site read a public answer, errors included:
// Access-Control-Allow-Origin: * and never credentials, so a browser sends
// no cookie with such a request and another site learns nothing a
// logged-out visitor could not see. Of the headers beyond the safe ones,
// Retry-After is exposed where it is sent (handleError): ETags serve the
// browser's own cache, which needs no exposing, and nothing cross-site
// writes with If-Match.
func (s *Server) openCORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header()[headerAllowOrigin] = s.hdr.allowOrigin
		return next(c)
	}
}

// documentHeaders give an HTML answer what only a document needs: a
// Content Security Policy of this server's own resources, no framing by
// other sites, and a referrer policy for the requests the page makes. The
// viewer's files that are not HTML (scripts, styles) go without.
func (s *Server) documentHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			if isHTML(res.Header().Get(headerContentType)) {
				s.setDocumentHeaders(res.Header())
			}
		})
		return next(c)
	}
}

// setDocumentHeaders sets the headers of an HTML page.
func (s *Server) setDocumentHeaders(h http.Header) {
	h[headerCSP] = s.hdr.csp
	h[headerFrameOptions] = s.hdr.frameOptions
	h[headerReferrerPolicy] = s.hdr.referrerPolicy
}

// sniffNothing tells browsers to take the answer for the type it says
// (X-Content-Type-Options: nosniff), so that no JSON or text is ever run
// as a script or shown as a page. Vector tiles go without: a browser
// neither renders nor runs them. Problems always have it (handleError).
func (s *Server) sniffNothing(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header()[headerNoSniff] = s.hdr.noSniff
		return next(c)
	}
}

// isHTML reports whether a Content-Type is HTML.
func isHTML(ct string) bool {
	return len(ct) >= len(mediaHTML) && ct[:len(mediaHTML)] == mediaHTML
}

// answerHead answers HEAD as GET without the body (RFC 9110 §9.3.2): it is
// the first middleware of the HEAD route registered beside every GET route.
// The handler writes its headers (Content-Length included) as for GET; the
// body is dropped here.
func answerHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
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

// privateNoStore is what staff data, sessions and staff pages answer with:
// no cache keeps them, and "private" tells the phone map's service worker,
// which keeps the public's no-store answers (a walk, the nearest posts) for
// use without signal, never to keep these (sw.js).
const privateNoStore = "private, no-store"
