package postgis

import "github.com/prometheus/client_golang/prometheus"

// poolCollector exposes the connection pool's statistics to Prometheus.
type poolCollector struct {
	db       *DB
	total    *prometheus.Desc
	idle     *prometheus.Desc
	acquired *prometheus.Desc
	max      *prometheus.Desc
	waits    *prometheus.Desc
	waitTime *prometheus.Desc
}

// PoolCollector returns a Prometheus collector of the pool's statistics.
func (db *DB) PoolCollector() prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("partymap_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		db:       db,
		total:    d("connections", "Open connections in the pool."),
		idle:     d("idle_connections", "Idle connections in the pool."),
		acquired: d("acquired_connections", "Connections in use."),
		max:      d("max_connections", "The pool's size limit."),
		waits:    d("empty_acquire_total", "Acquires that had to wait for a connection."),
		waitTime: d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

// Describe sends the descriptions of the pool's metrics.
func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.total, p.idle, p.acquired, p.max, p.waits, p.waitTime} {
		ch <- d
	}
}

// Collect sends the pool's current statistics.
func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.db.pool.Stat()
	ch <- prometheus.MustNewConstMetric(p.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(p.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(p.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(p.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(p.waitTime, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
