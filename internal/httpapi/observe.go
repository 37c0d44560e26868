package httpapi

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// observe is the one middleware every request runs through: it gives the
// request its id, counts and times it, writes its access-log line and
// turns a panic into an internal error. It is kept to what every request
// needs; what depends on the route is in the route table.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		req, res := c.Request(), c.Response()
		id := headerValue(req.Header, headerRequestID)
		if !validRequestID(id) {
			id = s.ids.next()
		}
		res.Header()[headerRequestID] = []string{id}
		s.metrics.inflight.Add(1)
		defer func() {
			if r := recover(); r != nil {
				err = geo.WrapError(geo.EINTERNAL, fmt.Errorf("panic: %v\n%s", r, debug.Stack()), geo.InternalMessage)
			}
			if err != nil {
				c.Error(err)
				err = nil
			}
			s.metrics.inflight.Add(-1)
			took := time.Since(start)
			s.metrics.observe(c.Path(), req.Method, res.Status, took)
			s.access.log(start.Add(took), req.Method, req.URL.Path, res.Status, res.Size, took, id)
		}()
		return next(c)
	}
}

// requestIDs makes the ids of requests that come without one: 64 random
// bits in hex, unique across restarts and instances for all practical
// purposes. They come from the runtime's per-thread generator: no shared
// counter for the server's threads to contend on, nothing a client could
// guess from the one before.
type requestIDs struct{}

// next returns a new id.
func (requestIDs) next() string {
	const digits = "0123456789abcdef"
	var b [16]byte
	n := rand.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

// validRequestID accepts an id a proxy set: short, of characters that
// need no quoting in a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// headerValue returns the first value of a header by its canonical name,
// without canonicalising it again as http.Header.Get does.
func headerValue(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}
