package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/memcache"
)

// cacheMetricNames names a cache's metrics, in the order of cacheStats.
type cacheMetricNames [8][2]string

// tileCacheMetrics returns the tile cache's metric names and help.
func tileCacheMetrics() cacheMetricNames {
	return cacheMetricNames{
		{"partymap_tile_cache_hits_total", "Tile requests answered from memory."},
		{"partymap_tile_cache_misses_total", "Tile requests that waited for a render."},
		{"partymap_tile_renders_total", "Tiles rendered by PostGIS."},
		{"partymap_tile_render_errors_total", "Tile renders that failed."},
		{"partymap_tile_cache_evictions_total", "Tiles dropped to stay within the byte bound."},
		{"partymap_tile_cache_invalidated_total", "Tiles dropped because a change touched them."},
		{"partymap_tile_cache_bytes", "Bytes held by the tile cache."},
		{"partymap_tile_cache_entries", "Tiles held by the tile cache."},
	}
}

// readCacheMetrics returns the feature answer cache's metric names and help.
func readCacheMetrics() cacheMetricNames {
	return cacheMetricNames{
		{"partymap_read_cache_hits_total", "Feature answers served from memory."},
		{"partymap_read_cache_misses_total", "Feature answers that waited for a render from the database."},
		{"partymap_read_cache_renders_total", "Feature answers rendered from the database."},
		{"partymap_read_cache_render_errors_total", "Feature answer renders that failed."},
		{"partymap_read_cache_evictions_total", "Feature answers dropped to stay within the byte bound."},
		{"partymap_read_cache_invalidated_total", "Cached feature answers dropped by changes."},
		{"partymap_read_cache_bytes", "Bytes held by the feature answer cache."},
		{"partymap_read_cache_entries", "Feature answers held by the cache."},
	}
}

// cacheCollector exposes a cache's statistics to Prometheus: six counters
// and two gauges, read when /metrics is scraped.
type cacheCollector struct {
	stats func() memcache.Stats
	descs [8]*prometheus.Desc
}

func newCacheCollector(stats func() memcache.Stats, names cacheMetricNames) cacheCollector {
	k := cacheCollector{stats: stats}
	for i, n := range names {
		k.descs[i] = prometheus.NewDesc(n[0], n[1], nil, nil)
	}
	return k
}

// Describe implements prometheus.Collector.
func (k cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range k.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (k cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := k.stats()
	counters := [...]uint64{s.Hits, s.Misses, s.Loads, s.LoadErrors, s.Evictions, s.Invalidations}
	for i, v := range counters {
		ch <- prometheus.MustNewConstMetric(k.descs[i], prometheus.CounterValue, float64(v))
	}
	ch <- prometheus.MustNewConstMetric(k.descs[6], prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(k.descs[7], prometheus.GaugeValue, float64(s.Entries))
}
