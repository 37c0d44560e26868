// Package tilecache keeps rendered vector tiles in memory: bounded in bytes,
// evicted least recently used first, rendered once however many requests ask
// for the same missing tile at the same time, and invalidated exactly by the
// area an edit touched.
package tilecache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paulmach/orb/maptile"
)

// MaxZoom is the highest zoom level the cache accepts.
const MaxZoom = 22

// DefaultBuffer is the render buffer, in tile widths, added on each side of a
// tile when deciding whether a change touches it: 64 units of a 4096 extent.
// ST_AsMVTGeom's own default is 256, so the tile query must pass the buffer
// it uses here (see WithBuffer).
const DefaultBuffer = 64.0 / 4096.0

// DefaultRenderTimeout bounds one render once it no longer belongs to the
// request that started it.
const DefaultRenderTimeout = 30 * time.Second

// entryOverhead estimates, in bytes, what one cached tile costs besides its
// gzip bytes: the list element, the map slot, the Entry and its ETag.
const entryOverhead = 256

// ErrInvalidTile is returned for a tile whose x or y lies outside its zoom,
// or whose zoom is above MaxZoom.
var ErrInvalidTile = errors.New("tilecache: tile outside the tile grid")

// RenderFunc produces the raw (uncompressed) MVT bytes of one tile. Zero
// bytes mean a tile without features. Its context keeps the values of the
// request that caused the render but not its cancellation, and ends after
// the render timeout. The cache neither keeps nor modifies the bytes.
type RenderFunc func(ctx context.Context) ([]byte, error)

// Cache is an in-memory tile cache. It is safe for concurrent use.
type Cache struct {
	maxBytes      int64
	maxEntryBytes int64
	buffer        float64
	renderTimeout time.Duration
	now           func() time.Time
	gz            compressor

	mu       sync.Mutex
	lru      *list.List // of *item, most recently used first
	byZoom   [MaxZoom + 1]map[maptile.Tile]*list.Element
	inflight map[maptile.Tile]*flight
	bytes    int64

	stats counters
}

// item is what a list element holds.
type item struct {
	tile  maptile.Tile
	entry Entry
	size  int64
}

// flight is one render in progress, shared by every Get that wants it.
type flight struct {
	done  chan struct{}
	entry Entry
	err   error
	// stale is set, under Cache.mu, by an invalidation that touched the
	// tile while it was rendering: the result may predate the edit, so it
	// goes to the callers already waiting but is never stored.
	stale bool
}

// Option changes a setting of New.
type Option func(*Cache)

// WithBuffer sets the render buffer in tile widths (DefaultBuffer is
// 64/4096); a negative one counts as zero. A change within the buffer of a
// tile invalidates it, because the tile draws geometry that far outside its
// edge. It must match the buffer the tile query passes to ST_AsMVTGeom.
func WithBuffer(tileWidths float64) Option {
	return func(c *Cache) { c.buffer = max(tileWidths, 0) }
}

// WithRenderTimeout bounds how long one render may run; zero or less keeps
// DefaultRenderTimeout.
func WithRenderTimeout(d time.Duration) Option {
	return func(c *Cache) {
		if d > 0 {
			c.renderTimeout = d
		}
	}
}

// WithClock sets the function that stamps Entry.Rendered (time.Now unless
// set).
func WithClock(now func() time.Time) Option {
	return func(c *Cache) { c.now = now }
}

// New returns a cache that keeps at most maxBytes of tiles (their gzip size
// plus a fixed per-entry overhead). A tile larger than maxBytes/8 is served
// but not kept; with maxBytes <= 0 nothing is kept, though concurrent
// requests still share one render.
func New(maxBytes int64, opts ...Option) *Cache {
	c := &Cache{
		maxBytes:      maxBytes,
		maxEntryBytes: maxBytes / 8,
		buffer:        DefaultBuffer,
		renderTimeout: DefaultRenderTimeout,
		now:           time.Now,
		lru:           list.New(),
		inflight:      make(map[maptile.Tile]*flight),
	}
	for z := range c.byZoom {
		c.byZoom[z] = make(map[maptile.Tile]*list.Element)
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Get returns the tile from the cache, or renders, compresses and stores it.
// Concurrent Gets of a missing tile share one render. A caller whose ctx
// ends while waiting gets ctx.Err(); the render goes on for the others and
// for the cache. A render error is returned to every waiting caller and
// nothing is stored.
func (c *Cache) Get(ctx context.Context, t maptile.Tile, render RenderFunc) (Entry, error) {
	if !validTile(t) {
		return Entry{}, fmt.Errorf("%w: %d/%d/%d", ErrInvalidTile, t.Z, t.X, t.Y)
	}
	c.mu.Lock()
	if el, ok := c.byZoom[t.Z][t]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*item).entry
		c.mu.Unlock()
		c.stats.hits.Add(1)
		return e, nil
	}
	c.stats.misses.Add(1)
	f, ok := c.inflight[t]
	if !ok {
		if err := ctx.Err(); err != nil {
			// Nobody is left to answer; do not load the database for it.
			c.mu.Unlock()
			return Entry{}, err
		}
		f = &flight{done: make(chan struct{})}
		c.inflight[t] = f
		// The render runs on its own goroutine so that the caller that
		// started it can leave when its request ends, like any other waiter.
		go c.render(context.WithoutCancel(ctx), t, f, render)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.entry, f.err
	case <-ctx.Done():
		return Entry{}, ctx.Err()
	}
}

// Peek returns the cached entry of a tile without rendering it, for example
// to answer from memory while the database is unreachable. It counts as
// neither a hit nor a miss and does not refresh the tile's LRU position.
// Invalidated tiles are gone from the cache and never returned.
func (c *Cache) Peek(t maptile.Tile) (Entry, bool) {
	if !validTile(t) {
		return Entry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byZoom[t.Z][t]
	if !ok {
		return Entry{}, false
	}
	return el.Value.(*item).entry, true
}

// render runs one flight to completion and publishes its result.
func (c *Cache) render(ctx context.Context, t maptile.Tile, f *flight, render RenderFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.renderTimeout)
	defer cancel()
	c.stats.renders.Add(1)

	raw, err := callRender(ctx, render)
	var e Entry
	if err == nil {
		e, err = c.gz.newEntry(raw, c.now())
	}
	if err != nil {
		c.stats.renderErrors.Add(1)
	}

	c.mu.Lock()
	if c.inflight[t] == f {
		delete(c.inflight, t)
	}
	if err == nil && !f.stale {
		c.insert(t, e)
	}
	f.entry, f.err = e, err
	c.mu.Unlock()
	close(f.done)
}

// callRender calls render and returns its result, or an error when ctx ends
// first: a render that ignores its context must not hold the tile's flight,
// and every later Get of the tile with it, forever. A panic in render
// becomes an error too, so that the waiting callers are released.
func callRender(ctx context.Context, render RenderFunc) ([]byte, error) {
	type outcome struct {
		raw []byte
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.err = fmt.Errorf("tilecache: render panicked: %v", r)
			}
			done <- o
		}()
		o.raw, o.err = render(ctx)
	}()
	select {
	case o := <-done:
		return o.raw, o.err
	case <-ctx.Done():
		return nil, fmt.Errorf("tilecache: render did not return: %w", context.Cause(ctx))
	}
}

// validTile reports whether t lies on the tile grid up to MaxZoom.
func validTile(t maptile.Tile) bool {
	return t.Z <= MaxZoom && t.Valid()
}
