package httpapi

import (
	"context"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
)

// boundsMemory remembers the tile store's last answer to TileBounds, so
// that /tiles.json keeps answering while the database is unreachable: a
// kiosk that reloads its page during an outage needs the TileJSON to draw
// the tiles that are still cached. While the database is known to be down
// it answers from memory at once; otherwise it asks the store, and falls
// back to memory only when the store fails. The outline changes rarely,
// and the first answer after the outage is fresh again.
type boundsMemory struct {
	geo.TileStore
	// down reports whether the database is known to be unreachable.
	down func() bool

	mu    sync.Mutex
	known bool
	b     orb.Bound
	ok    bool
}

// TileBounds answers the store's bounds, or the last ones it gave.
func (m *boundsMemory) TileBounds(ctx context.Context) (orb.Bound, bool, error) {
	if m.down() {
		if b, ok, known := m.last(); known {
			return b, ok, nil
		}
	}
	b, ok, err := m.TileStore.TileBounds(ctx)
	if err != nil {
		if lb, lok, known := m.last(); known && geo.ErrorCode(err) == geo.EUNAVAILABLE {
			return lb, lok, nil
		}
		return b, ok, err
	}
	m.mu.Lock()
	m.known, m.b, m.ok = true, b, ok
	m.mu.Unlock()
	return b, ok, nil
}

func (m *boundsMemory) last() (orb.Bound, bool, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b, m.ok, m.known
}

// markStale marks the public reads answered while the database is
// unreachable — feature answers and tiles from the caches, the TileJSON
// from memory — as stale: the X-Partymap-Stale header and Warning 110.
func (s *Server) markStale(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Path() {
		case "/tiles/:z/:x/:y", "/tiles.json", "/collections", "/collections/:layer",
			"/collections/:layer/items", "/collections/:layer/items/:id":
		default:
			return next(c)
		}
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
