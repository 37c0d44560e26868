// Package tilecache keeps rendered vector tiles in memory: bounded in bytes,
// evicted least recently used first, rendered once however many requests ask
// for the same missing tile at the same time, and invalidated exactly by the
// area an edit touched. The caching itself is internal/memcache's; this
// package adds what is particular to tiles: compression once per render,
// entity tags, and finding the tiles an area touches at every zoom.
package tilecache

import (
	"context"
	"time"

	"github.com/paulmach/orb/maptile"

	"partymap/internal/geo"
	"partymap/internal/memcache"
)

// DefaultMaxBytes is the byte bound of the cache when the server is given
// none (mapserver -tile-cache-bytes).
const DefaultMaxBytes = 64 << 20

// DefaultRenderTimeout bounds one render once it no longer belongs to the
// request that started it: the cache's loads are memcache's.
const DefaultRenderTimeout = memcache.DefaultLoadTimeout

// entryOverhead estimates, in bytes, what one cached tile costs besides its
// bytes: the cache's bookkeeping, the Entry and its ETags.
const entryOverhead = 256

// RenderFunc produces the raw (uncompressed) MVT bytes of one tile. Zero
// bytes mean a tile without features. Its context keeps the values of the
// request that caused the render but not its cancellation, and ends after
// the render timeout. The cache keeps the bytes: they must not be modified
// afterwards.
type RenderFunc func(ctx context.Context, t geo.TileID) ([]byte, error)

// Cache is an in-memory tile cache. It is safe for concurrent use.
type Cache struct {
	mem *memcache.Cache[geo.TileID, maptile.Zoom, Entry]
	// layers keeps the one-layer tiles cut from mem's (layer.go).
	layers *memcache.Cache[layerKey, maptile.Zoom, Entry]
	buffer float64
	now    func() time.Time
	gz     compressor
}

// Option changes a setting of New.
type Option func(*settings)

type settings struct {
	buffer        float64
	renderTimeout time.Duration
	now           func() time.Time
}

// WithBuffer sets the render buffer in tile widths; a negative one counts as
// zero. A change within the buffer of a tile invalidates it, because the
// tile draws geometry that far outside its edge, so it must match the
// buffer the tile query passes to ST_AsMVTGeom. Without it the cache uses
// geo.TileBuffer/geo.TileExtent, what the PostGIS store renders with.
func WithBuffer(tileWidths float64) Option {
	return func(s *settings) { s.buffer = max(tileWidths, 0) }
}

// WithRenderTimeout bounds how long one render may run; zero or less keeps
// DefaultRenderTimeout.
func WithRenderTimeout(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.renderTimeout = d
		}
	}
}

// WithClock sets the function that stamps Entry.Rendered (time.Now unless
// set).
func WithClock(now func() time.Time) Option {
	return func(s *settings) { s.now = now }
}

// New returns a cache that keeps at most maxBytes of tiles (their gzip and
// raw bytes plus a fixed per-entry overhead). A tile larger than maxBytes/8
// is served but not kept; with maxBytes <= 0 nothing is kept, though
// concurrent requests still share one render.
func New(maxBytes int64, opts ...Option) *Cache {
	s := settings{buffer: float64(geo.TileBuffer) / geo.TileExtent, renderTimeout: DefaultRenderTimeout, now: time.Now}
	for _, opt := range opts {
		opt(&s)
	}
	return &Cache{
		mem: memcache.New(memcache.Config[geo.TileID, maptile.Zoom, Entry]{
			MaxBytes:    maxBytes,
			Size:        func(_ geo.TileID, e Entry) int64 { return int64(len(e.Gzip)+len(e.Raw)) + entryOverhead },
			Group:       geo.TileID.Z,
			LoadTimeout: s.renderTimeout,
		}),
		layers: newLayerCache(maxBytes/4, s),
		buffer: s.buffer,
		now:    s.now,
	}
}

// Get returns the tile from the cache, or renders, compresses and stores it.
// Concurrent Gets of a missing tile share one render. A caller whose ctx
// ends while waiting gets ctx.Err(); the render goes on for the others and
// for the cache. A render error is returned to every waiting caller and
// nothing is stored.
func (c *Cache) Get(ctx context.Context, t geo.TileID, render RenderFunc) (Entry, error) {
	// A hit, the common case, builds no load function.
	if e, ok := c.mem.Lookup(t); ok {
		return e, nil
	}
	e, _, err := c.mem.Get(ctx, t, func(ctx context.Context) (Entry, error) {
		raw, err := render(ctx, t)
		if err != nil {
			return Entry{}, err
		}
		return c.gz.newEntry(raw, c.now())
	})
	return e, err
}

// Peek returns the cached entry of a tile without rendering it, for example
// to answer from memory while the database is unreachable. It counts as
// neither a hit nor a miss and does not refresh the tile's LRU position.
// Invalidated tiles are gone from the cache and never returned.
func (c *Cache) Peek(t geo.TileID) (Entry, bool) {
	return c.mem.Peek(t)
}
