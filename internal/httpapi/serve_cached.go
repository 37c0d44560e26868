package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// rendered is an answer ready to send and to cache.
type rendered struct {
	contentType string
	etag        string
	body        []byte
}

// readKey names an answer: everything that changes its bytes.
func readKey(c echo.Context, html bool) string {
	format := "j"
	if html {
		format = "h"
	}
	return format + " " + baseURL(c.Request()) + c.Request().URL.RequestURI()
}

// serveCached answers a public read from memory when it can, otherwise
// renders it and keeps it, tagged with the layer (and feature) it shows so
// that changes drop it. During a database outage cached answers are still
// served (markStale marks them); others fail fast with 503.
func (s *Server) serveCached(c echo.Context, layer string, id int64, html bool, render func(ctx context.Context) (rendered, error)) error {
	key := readKey(c, html)
	if r, ok := s.reads.get(key); ok {
		return s.writeCached(c, r, "HIT")
	}
	if s.health.down.Load() {
		return errDatabaseDown()
	}
	gen := s.reads.generation()
	out, err := render(c.Request().Context())
	if err != nil {
		s.health.note(err)
		return err
	}
	r := &cachedRead{key: key, layer: layer, id: id, contentType: out.contentType, etag: out.etag, body: out.body}
	s.reads.putIfCurrent(r, gen)
	return s.writeCached(c, r, "MISS")
}

func (s *Server) writeCached(c echo.Context, r *cachedRead, cacheStatus string) error {
	h := c.Response().Header()
	h.Set("X-Cache", cacheStatus)
	if r.etag != "" {
		h.Set("ETag", r.etag)
		if ifNoneMatch(c.Request().Header.Get("If-None-Match"), r.etag) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	h.Set(echo.HeaderContentType, r.contentType)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(r.body)))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(r.body)
	return err
}

// jsonBytes renders body as JSON.
func jsonBytes(body any) ([]byte, error) {
	var b bytes.Buffer
	if err := jsonEncode(&b, body); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ifNoneMatch reports whether an If-None-Match header names etag, by the
// weak comparison RFC 9110 prescribes for it.
func ifNoneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
