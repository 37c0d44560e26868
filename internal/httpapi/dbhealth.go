package httpapi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partymap/internal/geo"
)

// dbHealth tracks whether the database answers. While it is down, cached
// public reads are served marked stale and everything else fails fast with
// 503 instead of waiting for connection timeouts.
type dbHealth struct {
	mu    sync.Mutex // serialises observePing's transitions
	down  atomic.Bool
	since atomic.Int64 // unix nanoseconds of the last change of state
	gauge prometheus.Gauge
}

func newDBHealth() *dbHealth {
	h := &dbHealth{gauge: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "partymap_database_up",
		Help: "1 while the database answers, 0 during an outage.",
	})}
	h.gauge.Set(1)
	return h
}

func (h *dbHealth) set(down bool) {
	if h.down.Swap(down) != down {
		h.since.Store(time.Now().UnixNano())
		if down {
			h.gauge.Set(0)
		} else {
			h.gauge.Set(1)
		}
	}
}

// note marks the database down when err says it cannot be reached.
func (h *dbHealth) note(err error) {
	if geo.ErrorCode(err) == geo.EUNAVAILABLE {
		h.set(true)
	}
}

// MonitorDatabase pings the database every interval until ctx ends, so the
// server notices an outage, and the end of one, by itself.
func (s *Server) MonitorDatabase(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.store.Ping(pingCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		s.observePing(err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// observePing records the outcome of a ping: the start and the end of an
// outage are logged, and at its end the cached answers are dropped, since
// changes may have been missed while the database was away.
func (s *Server) observePing(err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	wasDown := s.health.down.Load()
	s.health.set(err != nil)
	switch {
	case err != nil && !wasDown:
		s.log.Warn("database unreachable: serving cached reads only", "err", err)
	case err == nil && wasDown:
		s.log.Info("database reachable again")
		s.reads.reset()
	}
}

// errDatabaseDown is the answer to reads that are not cached, and to
// writes, during an outage.
func errDatabaseDown() error {
	return geo.Errorf(geo.EUNAVAILABLE, "The map database is not reachable right now; recently viewed map data is still shown. Please try again in a minute.")
}
