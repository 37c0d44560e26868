// Package memcache keeps computed values in memory: bounded in bytes, least
// recently used out first, each missing key loaded once however many
// callers ask for it at the same time, and dropped by predicate when what
// it was computed from changes. A load still running when an invalidation
// touches its key is served to the callers already waiting but not kept,
// since it may predate the change.
//
// Keys may belong to groups (a tile's zoom, a feature answer's layer and
// item) so that an invalidation that knows its groups visits only their
// entries. The vector tile cache and the HTTP read cache are built on it.
package memcache

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"
)

// DefaultLoadTimeout bounds one load when Config.LoadTimeout is zero.
const DefaultLoadTimeout = 30 * time.Second

// LoadFunc computes the value of a missing key. Its context keeps the values
// of the request that caused the load but not its cancellation, and ends
// after the load timeout: the load goes on for the other callers waiting
// and for the cache when the first caller leaves.
type LoadFunc[V any] func(ctx context.Context) (V, error)

// Config sets up a Cache.
type Config[K, G comparable, V any] struct {
	// MaxBytes bounds the sum of Size over the entries kept. With zero or
	// less nothing is kept, though concurrent loads are still shared.
	MaxBytes int64
	// MaxEntryBytes bounds one entry: a larger one is served to its callers
	// but not kept, so that one huge value cannot push out many small ones.
	// Zero means MaxBytes/8.
	MaxEntryBytes int64
	// Size returns what an entry costs in bytes: its value, its key and the
	// bookkeeping around them. Nil counts every entry as one byte.
	Size func(K, V) int64
	// Group returns the group of a key, for InvalidateGroup and GroupLen.
	// Nil puts every key in the zero group.
	Group func(K) G
	// LoadTimeout bounds one load; zero means DefaultLoadTimeout.
	LoadTimeout time.Duration
}

// Cache is a byte-bounded LRU cache with single-flight loading. It is safe
// for concurrent use.
type Cache[K, G comparable, V any] struct {
	cfg Config[K, G, V]

	mu      sync.Mutex
	entries map[K]*entry[K, G, V]
	groups  map[G]map[K]*entry[K, G, V]
	// head is the most recently used entry, tail the least.
	head, tail *entry[K, G, V]
	flights    map[K]*flight[V]
	bytes      int64

	stats counters
}

// entry is one cached value, linked into the LRU order.
type entry[K, G comparable, V any] struct {
	key        K
	group      G
	value      V
	size       int64
	prev, next *entry[K, G, V]
}

// flight is one load in progress, shared by every Get that wants it.
type flight[V any] struct {
	done  chan struct{}
	value V
	err   error
	// stale is set, under Cache.mu, by an invalidation that touched the
	// key while it loaded: the value goes to the callers already waiting
	// but is never kept.
	stale bool
}

// New returns an empty cache.
func New[K, G comparable, V any](cfg Config[K, G, V]) *Cache[K, G, V] {
	if cfg.MaxEntryBytes == 0 {
		cfg.MaxEntryBytes = cfg.MaxBytes / 8
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxEntryBytes = -1
	}
	if cfg.Size == nil {
		cfg.Size = func(K, V) int64 { return 1 }
	}
	if cfg.LoadTimeout <= 0 {
		cfg.LoadTimeout = DefaultLoadTimeout
	}
	return &Cache[K, G, V]{
		cfg:     cfg,
		entries: make(map[K]*entry[K, G, V]),
		groups:  make(map[G]map[K]*entry[K, G, V]),
		flights: make(map[K]*flight[V]),
	}
}

// Get returns the value of key from memory (hit is true), or loads it,
// keeps it and returns it. Concurrent Gets of a missing key share one load.
// A caller whose ctx ends while waiting gets ctx.Err(); the load goes on for
// the others and for the cache. A load's error goes to every caller waiting
// for it and nothing is kept.
func (c *Cache[K, G, V]) Get(ctx context.Context, key K, load LoadFunc[V]) (v V, hit bool, err error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.touch(e)
		v = e.value
		c.mu.Unlock()
		c.stats.hits.Add(1)
		return v, true, nil
	}
	c.stats.misses.Add(1)
	f, ok := c.flights[key]
	if !ok {
		if err := ctx.Err(); err != nil {
			// Nobody is left to answer: do not load for nobody.
			c.mu.Unlock()
			return v, false, err
		}
		f = &flight[V]{done: make(chan struct{})}
		c.flights[key] = f
		// The load runs on its own goroutine so that the caller that
		// started it can leave when its request ends, like any other.
		go c.load(context.WithoutCancel(ctx), key, f, load)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.value, false, f.err
	case <-ctx.Done():
		return v, false, ctx.Err()
	}
}

// Lookup returns the value of key if it is in memory, counting a hit and
// making it the most recently used; it counts nothing when the key is
// missing. It is for a caller that checks memory before it builds the load
// function of Get, which then costs only the requests that miss.
func (c *Cache[K, G, V]) Lookup(key K) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		var zero V
		return zero, false
	}
	c.touch(e)
	v := e.value
	c.mu.Unlock()
	c.stats.hits.Add(1)
	return v, true
}

// Peek returns the value of key if it is in memory, without loading it,
// for example to answer while the source is unreachable. It counts as
// neither a hit nor a miss and leaves the LRU order as it is.
func (c *Cache[K, G, V]) Peek(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		return e.value, true
	}
	var zero V
	return zero, false
}

// load runs one flight to completion and publishes its result.
func (c *Cache[K, G, V]) load(ctx context.Context, key K, f *flight[V], load LoadFunc[V]) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.LoadTimeout)
	defer cancel()
	c.stats.loads.Add(1)
	v, err := callLoad(ctx, load)
	if err != nil {
		c.stats.loadErrors.Add(1)
	}
	c.mu.Lock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	if err == nil && !f.stale {
		c.insert(key, v)
	}
	f.value, f.err = v, err
	c.mu.Unlock()
	close(f.done)
}

// callLoad calls load and returns its result, or an error when ctx ends
// first: a load that ignores its context must not hold its key's flight,
// and every later Get of the key with it, forever. A panic in load becomes
// an error too, so that the waiting callers are released.
func callLoad[V any](ctx context.Context, load LoadFunc[V]) (V, error) {
	type outcome struct {
		v   V
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.err = fmt.Errorf("memcache: load panicked: %v", r)
			}
			done <- o
		}()
		o.v, o.err = load(ctx)
	}()
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		var zero V
		return zero, fmt.Errorf("memcache: load did not return: %w", context.Cause(ctx))
	}
}

// Invalidate drops every entry whose key matches, and marks every load in
// flight for a matching key stale, and returns how many entries it dropped.
// Call it after the change is committed: a Get that starts afterwards loads
// afresh.
func (c *Cache[K, G, V]) Invalidate(match func(K) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.staleFlights(match)
	removed := 0
	for e := c.head; e != nil; {
		next := e.next
		if match(e.key) {
			c.remove(e)
			removed++
		}
		e = next
	}
	return c.invalidated(removed)
}

// InvalidateGroup is Invalidate over the keys of group g only; a nil match
// drops the whole group.
func (c *Cache[K, G, V]) InvalidateGroup(g G, match func(K) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.staleFlights(func(k K) bool { return c.groupOf(k) == g && (match == nil || match(k)) })
	removed := 0
	for _, e := range c.groups[g] {
		if match == nil || match(e.key) {
			c.remove(e)
			removed++
		}
	}
	return c.invalidated(removed)
}

// InvalidateKeys drops the entries of the given keys and marks their loads
// in flight stale: for a caller that can list the few keys a change
// touches, whatever the size of the cache.
func (c *Cache[K, G, V]) InvalidateKeys(keys iter.Seq[K]) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	removed := 0
	for k := range keys {
		if f, ok := c.flights[k]; ok {
			f.stale = true
			delete(c.flights, k)
		}
		if e, ok := c.entries[k]; ok {
			c.remove(e)
			removed++
		}
	}
	return c.invalidated(removed)
}

// Clear drops everything and marks every load in flight stale, for when
// changes may have been missed. It returns how many entries it dropped.
func (c *Cache[K, G, V]) Clear() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.staleFlights(func(K) bool { return true })
	removed := len(c.entries)
	clear(c.entries)
	clear(c.groups)
	c.head, c.tail, c.bytes = nil, nil, 0
	return c.invalidated(removed)
}

// Len returns the number of entries kept.
func (c *Cache[K, G, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// GroupLen returns the number of entries kept in group g.
func (c *Cache[K, G, V]) GroupLen(g G) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.groups[g])
}

// staleFlights marks the loads in flight of matching keys stale and forgets
// them, so that later Gets start their own. The caller holds c.mu.
func (c *Cache[K, G, V]) staleFlights(match func(K) bool) {
	for k, f := range c.flights {
		if match(k) {
			f.stale = true
			delete(c.flights, k)
		}
	}
}

// invalidated counts removed entries and publishes the new size. The caller
// holds c.mu.
func (c *Cache[K, G, V]) invalidated(removed int) int {
	c.stats.invalidations.Add(uint64(removed))
	c.publishSize()
	return removed
}

func (c *Cache[K, G, V]) groupOf(k K) G {
	if c.cfg.Group == nil {
		var zero G
		return zero
	}
	return c.cfg.Group(k)
}
