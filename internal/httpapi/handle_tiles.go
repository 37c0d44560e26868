package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
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
	// defaultTileCacheBytes bounds the tile cache when main sets none.
	defaultTileCacheBytes = 64 << 20
)

// handleTile serves /tiles/{z}/{x}/{y}.mvt: every layer visible at that
// zoom in one Mapbox Vector Tile, from the cache or rendered by PostGIS,
// gzip-compressed when the client accepts it. HEAD is answered by
// answerHead from the same headers.
func (s *Server) handleTile(c echo.Context) error {
	if s.cfg.Tiles == nil {
		return geo.Errorf(geo.ENOTFOUND, "This server serves no vector tiles.")
	}
	if err := checkTileQuery(c.Request().URL.RawQuery); err != nil {
		return err
	}
	t, err := parseTile(c.Param("z"), c.Param("x"), c.Param("y"))
	if err != nil {
		return err
	}
	e, err := s.tileEntry(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return writeTile(c, e)
}

// tileEntry returns the tile from the cache or renders it. While the
// database is unreachable only cached tiles are served, at once.
func (s *Server) tileEntry(ctx context.Context, t maptile.Tile) (tilecache.Entry, error) {
	if s.health.down.Load() {
		if e, ok := s.tiles.Peek(t); ok {
			return e, nil
		}
		return tilecache.Entry{}, errDatabaseDown()
	}
	e, err := s.tiles.Get(ctx, t, func(ctx context.Context) ([]byte, error) {
		return s.cfg.Tiles.Tile(ctx, t)
	})
	if err != nil {
		s.health.note(err)
	}
	return e, err
}

// writeTile writes a cached tile: 304 when the client holds it already,
// 204 when it is empty, else the gzip bytes as they are or unzipped for a
// client that does not accept gzip.
func writeTile(c echo.Context, e tilecache.Entry) error {
	req := c.Request()
	h := c.Response().Header()
	gz := acceptsGzip(req.Header.Get("Accept-Encoding"))
	etag := e.ETag
	if !gz && !e.Empty {
		// A strong tag names one representation: the unzipped bytes get
		// their own.
		etag = strings.TrimSuffix(e.ETag, `"`) + `-identity"`
	}
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", tileCacheControl)
	h.Set("ETag", etag)
	if ifNoneMatch(req.Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if e.Empty {
		return c.NoContent(http.StatusNoContent)
	}
	body := e.Gzip
	if gz {
		h.Set("Content-Encoding", "gzip")
	} else {
		raw, err := e.Raw()
		if err != nil {
			return err
		}
		body = raw
	}
	h.Set(echo.HeaderContentType, mediaMVT)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(body)
	return err
}

// parseTile reads the z, x and y.mvt path segments of a tile address.
func parseTile(zs, xs, ys string) (maptile.Tile, error) {
	ys, ok := strings.CutSuffix(ys, ".mvt")
	if !ok {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "Tiles are Mapbox Vector Tiles at /tiles/{z}/{x}/{y}.mvt; the address must end in .mvt, got %q.", clipText(ys))
	}
	z, ok := tileNumber(zs, geo.TileMaxZoom)
	if !ok {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "The zoom must be a whole number from 0 to %d; got %q.", geo.TileMaxZoom, clipText(zs))
	}
	last := uint64(1)<<z - 1
	x, ok := tileNumber(xs, last)
	if !ok {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "At zoom %d the tile column x must be a whole number from 0 to %d; got %q.", z, last, clipText(xs))
	}
	y, ok := tileNumber(ys, last)
	if !ok {
		return maptile.Tile{}, geo.Errorf(geo.EINVALID, "At zoom %d the tile row y must be a whole number from 0 to %d; got %q.", z, last, clipText(ys))
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

// tileNumber reads a plain decimal number from 0 to max: digits only, no
// sign, no leading zeros, so that each tile has exactly one address.
func tileNumber(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 8 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n <= max
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip: named
// (or x-gzip, or *) with a quality above zero.
func acceptsGzip(header string) bool {
	gzip, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
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
		s.tiles.InvalidateAll()
		return
	}
	s.tiles.Invalidate(c.BBox)
}

// checkTileQuery accepts no query parameter but v, a number a viewer adds
// to reach past its own HTTP cache after a change (the server's cache is
// already clean): it does not change the answer.
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
