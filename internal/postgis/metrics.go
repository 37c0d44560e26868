package postgis

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector exposes the connection pools' statistics to Prometheus:
// the primary's (partymap_db_pool_*), each read replica's state and lag,
// and where the reads went.
type poolCollector struct {
	db       *DB
	total    *prometheus.Desc
	idle     *prometheus.Desc
	acquired *prometheus.Desc
	max      *prometheus.Desc
	waits    *prometheus.Desc
	waitTime *prometheus.Desc

	replicaUp       *prometheus.Desc
	replicaRotation *prometheus.Desc
	replicaLag      *prometheus.Desc
	replicaLagTime  *prometheus.Desc
	replicaConns    *prometheus.Desc
	reads           *prometheus.Desc
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

		replicaUp: prometheus.NewDesc("partymap_db_replica_up", "1 while a read replica answers and replays the primary's log.", []string{"pool"}, nil),
		replicaRotation: prometheus.NewDesc("partymap_db_replica_in_rotation",
			"1 while reads go to a replica: it answers and is no further behind than allowed.", []string{"pool"}, nil),
		replicaLag:     prometheus.NewDesc("partymap_db_replica_lag_bytes", "Bytes of the primary's log a replica has yet to replay.", []string{"pool"}, nil),
		replicaLagTime: prometheus.NewDesc("partymap_db_replica_lag_seconds", "Age of the last change a replica replayed while it trails; 0 when it has replayed everything.", []string{"pool"}, nil),
		replicaConns:   prometheus.NewDesc("partymap_db_replica_connections", "Open connections to a replica.", []string{"pool"}, nil),
		reads: prometheus.NewDesc("partymap_db_reads_total",
			"Public reads by the pool that served them and why: replica, or the primary because a replica had not replayed a change in time (stale), failed (failed), none was in rotation (no_replica) or the request was a staff member's (consistent).",
			[]string{"pool", "why"}, nil),
	}
}

// Describe sends the descriptions of the pool's metrics.
func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.total, p.idle, p.acquired, p.max, p.waits, p.waitTime,
		p.replicaUp, p.replicaRotation, p.replicaLag, p.replicaLagTime, p.replicaConns, p.reads} {
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
	rs := p.db.replicas
	if rs == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, pool string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, pool)
	}
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for i, st := range p.db.Pools()[1:] {
		gauge(p.replicaUp, one(st.State != stateDown), st.Name)
		gauge(p.replicaRotation, one(st.InRotation), st.Name)
		gauge(p.replicaLag, float64(st.LagBytes), st.Name)
		gauge(p.replicaLagTime, st.LagSeconds, st.Name)
		gauge(p.replicaConns, float64(rs.replicas[i].pool.Stat().TotalConns()), st.Name)
	}
	rs.reads.Range(func(k, v any) bool {
		r := k.(readReason)
		ch <- prometheus.MustNewConstMetric(p.reads, prometheus.CounterValue, float64(v.(*atomic.Uint64).Load()), r.pool, r.why)
		return true
	})
}
