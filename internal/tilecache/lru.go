package tilecache

import (
	"container/list"

	"github.com/paulmach/orb/maptile"
)

// insert stores e as the most recently used tile and evicts from the cold
// end until the cache fits its byte bound. The caller holds c.mu.
func (c *Cache) insert(t maptile.Tile, e Entry) {
	size := int64(len(e.Gzip)) + entryOverhead
	if size > c.maxEntryBytes {
		// Served to the callers, not kept: one huge tile would push out
		// many small ones.
		return
	}
	if el, ok := c.byZoom[t.Z][t]; ok {
		c.remove(el)
	}
	el := c.lru.PushFront(&item{tile: t, entry: e, size: size})
	c.byZoom[t.Z][t] = el
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
		c.stats.evictions.Add(1)
	}
	c.publishSize()
}

// remove deletes one element from the list and the index. The caller holds
// c.mu and calls publishSize when done.
func (c *Cache) remove(el *list.Element) {
	it := c.lru.Remove(el).(*item)
	delete(c.byZoom[it.tile.Z], it.tile)
	c.bytes -= it.size
}

// publishSize copies the size of the cache to the counters that Stats reads
// without the lock. The caller holds c.mu.
func (c *Cache) publishSize() {
	c.stats.bytes.Store(c.bytes)
	c.stats.entries.Store(int64(c.lru.Len()))
}
