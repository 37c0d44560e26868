package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"partymap/internal/geo"
)

// observe is the one middleware every request runs through: it gives the
// request its id, counts and times it, writes its access-log line, turns a
// panic into an internal error, and marks the answer nosniff. It is kept
// to what every request needs; what depends on the route is in the route
// table.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		req, res := c.Request(), c.Response()
		id := req.Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = s.ids.next()
		}
		h := res.Header()
		h[headerRequestID] = []string{id}
		h[headerNoSniff] = s.hdr.noSniff
		s.metrics.inflight.Inc()
		defer func() {
			if r := recover(); r != nil {
				err = geo.WrapError(geo.EINTERNAL, fmt.Errorf("panic: %v\n%s", r, debug.Stack()), geo.InternalMessage)
			}
			if err != nil {
				c.Error(err)
				err = nil
			}
			s.metrics.inflight.Dec()
			took := time.Since(start)
			s.metrics.observe(c.Path(), req.Method, res.Status, took)
			s.access.log(req.Context(), req.Method, req.URL.Path, res.Status, res.Size, took, id)
		}()
		return next(c)
	}
}

// requestIDs makes the ids of requests that come without one: a prefix
// random to the process and a counter, unique across restarts and
// instances, and cheap (no random bytes per request).
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

// next returns a new id.
func (r *requestIDs) next() string {
	var buf [32]byte
	b := append(buf[:0], r.prefix...)
	b = strconv.AppendUint(b, r.n.Add(1), 36)
	return string(b)
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

// accessLog writes one line per request at info level. The line is
// formatted on the request's goroutine (about a microsecond); the writing
// is up to the logger's handler, which main gives a buffer that never
// waits for the disk or the terminal (internal/logbuf), so a slow log never
// slows a request.
type accessLog struct {
	logger *slog.Logger
}

// log writes the line of one request, if the log takes info lines.
func (a *accessLog) log(ctx context.Context, method, path string, status int, size int64, took time.Duration, id string) {
	if !a.logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	a.logger.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("method", method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Int64("bytes", size),
		slog.Duration("took", took),
		slog.String("request_id", id),
	)
}
