package httpapi

import (
	"context"
	"sync"

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
