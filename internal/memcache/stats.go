package memcache

import "sync/atomic"

// Stats is a snapshot of a cache's counters, for metrics. The counts only
// grow; Bytes and Entries are the current size.
type Stats struct {
	// Hits counts Gets answered from memory.
	Hits uint64
	// Misses counts Gets that waited for a load, whether they started it
	// or joined one in flight.
	Misses uint64
	// Loads counts calls of a load function.
	Loads uint64
	// LoadErrors counts loads that failed; nothing was kept for them.
	LoadErrors uint64
	// Evictions counts entries dropped to stay within the byte bound.
	Evictions uint64
	// Invalidations counts entries dropped because their source changed.
	Invalidations uint64
	// Bytes is the sum of the sizes of the entries kept.
	Bytes int64
	// Entries is the number of entries kept.
	Entries int64
	// MaxBytes is the byte bound.
	MaxBytes int64
}

// counters holds the live values behind Stats.
type counters struct {
	hits, misses, loads, loadErrors atomic.Uint64
	evictions, invalidations        atomic.Uint64
	bytes, entries                  atomic.Int64
}

// Stats returns the current counters. It takes no lock, so the fields may
// be from slightly different instants.
func (c *Cache[K, G, V]) Stats() Stats {
	return Stats{
		Hits:          c.stats.hits.Load(),
		Misses:        c.stats.misses.Load(),
		Loads:         c.stats.loads.Load(),
		LoadErrors:    c.stats.loadErrors.Load(),
		Evictions:     c.stats.evictions.Load(),
		Invalidations: c.stats.invalidations.Load(),
		Bytes:         c.stats.bytes.Load(),
		Entries:       c.stats.entries.Load(),
		MaxBytes:      c.cfg.MaxBytes,
	}
}

// publishSize copies the size of the cache to the counters Stats reads
// without the lock. The caller holds c.mu.
func (c *Cache[K, G, V]) publishSize() {
	c.stats.bytes.Store(c.bytes)
	c.stats.entries.Store(int64(len(c.entries)))
}
