package tilecache

// Stats is a snapshot of the cache's counters, for /metrics. The counts only
// grow (Prometheus counters); Bytes and Entries are gauges.
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
	// Bytes is the current size of the cache: gzip and raw bytes plus the
	// fixed per-entry overhead.
	Bytes int64
	// Entries is the current number of cached tiles.
	Entries int64
	// MaxBytes is the byte bound the cache was created with.
	MaxBytes int64
}

// Stats returns the current counters. It takes no lock, so the fields may be
// from slightly different instants.
func (c *Cache) Stats() Stats {
	s := c.mem.Stats()
	return Stats{
		Hits: s.Hits, Misses: s.Misses, Renders: s.Loads, RenderErrors: s.LoadErrors,
		Evictions: s.Evictions, Invalidations: s.Invalidations,
		Bytes: s.Bytes, Entries: s.Entries, MaxBytes: s.MaxBytes,
	}
}
