package httpapi

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/geo"
)

// cachedRead is one cached answer to a public read.
type cachedRead struct {
	key         string
	layer       string // "" for answers about every layer (the collections list)
	id          int64  // the feature of an item answer, 0 for pages and descriptions
	contentType string
	etag        string
	body        []byte
}

func (r *cachedRead) size() int64 { return int64(len(r.body)+len(r.key)) + 200 }

// readCache keeps rendered OGC answers (collections, pages, items) in
// memory, bounded in bytes, least recently used out first. A change drops
// exactly the answers it can alter: the changed item, the pages and
// description of its layer, and the collections list. When the database
// is unreachable, what is cached keeps being served.
type readCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	order    *list.List // front = most recently used
	entries  map[string]*list.Element

	// gen counts invalidations, so that an answer rendered before a
	// change is not stored after it.
	gen atomic.Int64

	hits, misses, invalidated atomic.Int64
}

func newReadCache(maxBytes int64) *readCache {
	return &readCache{maxBytes: maxBytes, order: list.New(), entries: map[string]*list.Element{}}
}

func (c *readCache) get(key string) (*cachedRead, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(el)
	return el.Value.(*cachedRead), true
}

// generation returns the current invalidation count.
func (c *readCache) generation() int64 { return c.gen.Load() }

// putIfCurrent stores r unless something was invalidated since gen.
func (c *readCache) putIfCurrent(r *cachedRead, gen int64) {
	if r.size() > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if el, ok := c.entries[r.key]; ok {
		c.removeLocked(el)
	}
	c.entries[r.key] = c.order.PushFront(r)
	c.bytes += r.size()
	for c.bytes > c.maxBytes {
		c.removeLocked(c.order.Back())
	}
}

func (c *readCache) removeLocked(el *list.Element) {
	r := el.Value.(*cachedRead)
	c.order.Remove(el)
	delete(c.entries, r.key)
	c.bytes -= r.size()
}

// apply drops the answers a change can alter.
func (c *readCache) apply(ch geo.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		r := el.Value.(*cachedRead)
		if r.layer == "" || r.layer == ch.Layer && (r.id == 0 || r.id == ch.ID) {
			c.removeLocked(el)
			c.invalidated.Add(1)
		}
		el = next
	}
}

// reset drops everything: changes may have been missed.
func (c *readCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.invalidated.Add(int64(len(c.entries)))
	c.order.Init()
	c.entries = map[string]*list.Element{}
	c.bytes = 0
}

// collector exposes the cache's statistics to Prometheus.
func (c *readCache) collector() prometheus.Collector {
	return readCacheCollector{c: c,
		hits:   prometheus.NewDesc("partymap_read_cache_hits_total", "Feature answers served from memory.", nil, nil),
		misses: prometheus.NewDesc("partymap_read_cache_misses_total", "Feature answers rendered from the database.", nil, nil),
		inval:  prometheus.NewDesc("partymap_read_cache_invalidated_total", "Cached feature answers dropped by changes.", nil, nil),
		bytes:  prometheus.NewDesc("partymap_read_cache_bytes", "Bytes held by the feature answer cache.", nil, nil),
	}
}

type readCacheCollector struct {
	c                          *readCache
	hits, misses, inval, bytes *prometheus.Desc
}

func (k readCacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- k.hits
	ch <- k.misses
	ch <- k.inval
	ch <- k.bytes
}

func (k readCacheCollector) Collect(ch chan<- prometheus.Metric) {
	k.c.mu.Lock()
	b := k.c.bytes
	k.c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(k.hits, prometheus.CounterValue, float64(k.c.hits.Load()))
	ch <- prometheus.MustNewConstMetric(k.misses, prometheus.CounterValue, float64(k.c.misses.Load()))
	ch <- prometheus.MustNewConstMetric(k.inval, prometheus.CounterValue, float64(k.c.invalidated.Load()))
	ch <- prometheus.MustNewConstMetric(k.bytes, prometheus.GaugeValue, float64(b))
}
