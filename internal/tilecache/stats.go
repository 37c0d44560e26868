package tilecache

import "sync/atomic"

// Stats is a snapshot of the cache's counters, for /metrics. The counts
// only grow (Prometheus counters); Bytes and Entries are gauges.
type Stats struct {
	// Hits counts Gets answered from the cache.
	Hits uint64
	// Misses counts Gets that had to wait for a render, whether they
	// started it or joined one in flight.
	Misses uint64
	// Renders counts calls of a render function.
	Renders uint64
	// RenderErrors counts renders that failed (or whose bytes could not be
	// compressed); nothing was stored for them.
	RenderErrors uint64
	// Evictions counts tiles removed to respect the byte bound.
	Evictions uint64
	// Invalidations counts tiles removed because an edit touched them.
	Invalidations uint64
	// Bytes is the current size of the cache: gzip bytes plus the fixed
	// per-entry overhead.
	Bytes int64
	// Entries is the current number of cached tiles.
	Entries int64
	// MaxBytes is the byte bound the cache was created with.
	MaxBytes int64
}

// counters holds the live values behind Stats.
type counters struct {
	hits, misses, renders, renderErrors atomic.Uint64
	evictions, invalidations            atomic.Uint64
	bytes, entries                      atomic.Int64
}

// Stats returns the current counters. It takes no lock, so the fields may be
// from slightly different instants.
func (c *Cache) Stats() Stats {
	return Stats{
		Hits:          c.stats.hits.Load(),
		Misses:        c.stats.misses.Load(),
		Renders:       c.stats.renders.Load(),
		RenderErrors:  c.stats.renderErrors.Load(),
		Evictions:     c.stats.evictions.Load(),
		Invalidations: c.stats.invalidations.Load(),
		Bytes:         c.stats.bytes.Load(),
		Entries:       c.stats.entries.Load(),
		MaxBytes:      c.maxBytes,
	}
}
