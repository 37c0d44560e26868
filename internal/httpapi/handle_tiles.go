package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/memcache"
	"partymap/internal/tilecache"
)

// Tile answers.
const (
	mediaMVT = "application/vnd.mapbox-vector-tile"
	// tileCacheControl lets browsers and CDNs reuse a tile briefly and then
	// revalidate it in the background (a 304 when nothing changed), so an
	// edit reaches every viewer within seconds; during an outage a stale
	// tile is better than none.
	tileCacheControl = "public, max-age=5, stale-while-revalidate=60, stale-if-error=86400"
)

// handleTile serves /tiles/{z}/{x}/{y}.mvt: every layer visible at that
// zoom in one Mapbox Vector Tile, from the cache or rendered by PostGIS,
// gzip-compressed when the client accepts it. HEAD is answered from the
// same headers.
func (s *Server) handleTile(c echo.Context) error {
	if s.cfg.Tiles == nil {
		return geo.Errorf(geo.ENOTFOUND, "This server serves no vector tiles.")
	}
	if err := checkTileQuery(c.Request().URL.RawQuery); err != nil {
		return err
	}
	ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return geo.Errorf(geo.EINVALID, "Tiles are Mapbox Vector Tiles at /tiles/{z}/{x}/{y}.mvt; the address must end in .mvt, got %q.", clipText(c.Param("y")))
	}
	t, err := geo.ParseTileID(c.Param("z"), c.Param("x"), ys)
	if err != nil {
		return err
	}
	current := true
	if v := tileVersion(c.Request().URL.RawQuery); v > 0 {
		current = s.awaitVersion(c.Request().Context(), v)
	}
	e, err := s.tileEntry(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if !current {
		// Not yet the version asked for: for this client only.
		c.Response().Header()[headerCacheControl] = s.hdr.noStore
		return s.writeTileAs(c, e, false)
	}
	return s.writeTile(c, e)
}

// tileEntry returns the tile from the cache or renders it. While the
// database is unreachable only cached tiles are served, at once.
func (s *Server) tileEntry(ctx context.Context, t geo.TileID) (tilecache.Entry, error) {
	if s.health.down.Load() {
		if e, ok := s.tileCache.Peek(t); ok {
			return e, nil
		}
		return tilecache.Entry{}, errDatabaseDown()
	}
	e, err := s.tileCache.Get(ctx, t, s.renderTile)
	if err != nil {
		s.health.note(err)
	}
	return e, err
}

// writeTile writes a cached tile: 304 when the client holds it already,
// 204 when it is empty, else the gzip bytes or, for a client that does not
// accept gzip, the raw bytes kept beside them. Each has its own ETag.
func (s *Server) writeTile(c echo.Context, e tilecache.Entry) error {
	return s.writeTileAs(c, e, true)
}

// writeTileAs is writeTile; cacheable false keeps the Cache-Control set
// before.
func (s *Server) writeTileAs(c echo.Context, e tilecache.Entry, cacheable bool) error {
	req, res := c.Request(), c.Response()
	h := res.Header()
	gz := acceptsGzip(headerValue(req.Header, "Accept-Encoding"))
	body, etag, etagHeader, length := e.Gzip, e.ETag, e.ETagHeader, e.GzipLength
	if !gz && !e.Empty {
		body, etag, etagHeader, length = e.Raw, e.IdentityETag, e.IdentityETagHeader, e.RawLength
	}
	h[headerVary] = s.hdr.varyEncoding
	if cacheable {
		h[headerCacheControl] = s.hdr.tileCacheControl
	}
	h[headerETag] = etagHeader
	if ifNoneMatch(headerValue(req.Header, "If-None-Match"), etag) {
		res.WriteHeader(http.StatusNotModified)
		return nil
	}
	if e.Empty {
		res.WriteHeader(http.StatusNoContent)
		return nil
	}
	if gz {
		h[headerContentEncode] = s.hdr.gzip
	}
	h[headerContentType] = s.hdr.mvt
	if len(body) > smallBody {
		h[headerContentLength] = length
	}
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return err
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip: named
// (or x-gzip, or *) with a quality above zero.
func acceptsGzip(header string) bool {
	gzip, star := -1.0, -1.0
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		switch name {
		case "gzip", "x-gzip":
			gzip = q
		case "*":
			star = q
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

// invalidateTiles drops the cached tiles a committed change touched: its
// old and new geometry's bounding box, at every zoom. A change whose area
// is unknown drops them all.
func (s *Server) invalidateTiles(c geo.Change) {
	if c.BBox == (orb.Bound{}) {
		s.tileCache.InvalidateAll()
		return
	}
	s.tileCache.Invalidate(c.BBox)
}

// tileCacheStats returns the tile cache's counters for its collector.
func (s *Server) tileCacheStats() memcache.Stats {
	t := s.tileCache.Stats()
	return memcache.Stats{Hits: t.Hits, Misses: t.Misses, Loads: t.Renders, LoadErrors: t.RenderErrors,
		Evictions: t.Evictions, Invalidations: t.Invalidations, Bytes: t.Bytes, Entries: t.Entries, MaxBytes: t.MaxBytes}
}

// checkTileQuery accepts no query parameter but v, a number a viewer adds
// to reach past its own HTTP cache after a change (the server's cache is
// already clean): the seq of the change, which the instance waits a moment
// to hear of (tile_version.go).
func checkTileQuery(raw string) error {
	if raw == "" {
		return nil
	}
	v, ok := strings.CutPrefix(raw, "v=")
	if ok && len(v) > 0 && len(v) <= 20 && strings.Trim(v, "0123456789") == "" {
		return nil
	}
	return geo.Errorf(geo.EINVALID, "Tile addresses take no query parameters but v=<number>; remove %q.", clipText("?"+raw))
}
