package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/tilecache"
)

// tileCacheCollector exposes the tile cache's statistics to Prometheus.
type tileCacheCollector struct {
	c     *tilecache.Cache
	descs []*prometheus.Desc
}

// newTileCacheCollector describes the tile cache's counters and gauges,
// in the order Collect reports them.
func newTileCacheCollector(c *tilecache.Cache) tileCacheCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return tileCacheCollector{c: c, descs: []*prometheus.Desc{
		d("partymap_tile_cache_hits_total", "Tile requests answered from memory."),
		d("partymap_tile_cache_misses_total", "Tile requests that waited for a render."),
		d("partymap_tile_renders_total", "Tiles rendered by PostGIS."),
		d("partymap_tile_render_errors_total", "Tile renders that failed."),
		d("partymap_tile_cache_evictions_total", "Tiles dropped to stay within the byte bound."),
		d("partymap_tile_cache_invalidated_total", "Tiles dropped because a change touched them."),
		d("partymap_tile_cache_bytes", "Bytes held by the tile cache."),
		d("partymap_tile_cache_entries", "Tiles held by the tile cache."),
	}}
}

// Describe implements prometheus.Collector.
func (k tileCacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range k.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (k tileCacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := k.c.Stats()
	counters := []uint64{s.Hits, s.Misses, s.Renders, s.RenderErrors, s.Evictions, s.Invalidations}
	for i, v := range counters {
		ch <- prometheus.MustNewConstMetric(k.descs[i], prometheus.CounterValue, float64(v))
	}
	ch <- prometheus.MustNewConstMetric(k.descs[6], prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(k.descs[7], prometheus.GaugeValue, float64(s.Entries))
}
