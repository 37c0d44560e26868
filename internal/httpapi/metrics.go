package httpapi

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus instruments. The series of each
// route and method are looked up once, when the route is registered, so
// that counting a request is a map read and two atomic adds.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// inflight counts the requests being answered: one atomic add each
	// way, read by a gauge when /metrics is scraped.
	inflight      atomic.Int64
	inflightGauge prometheus.GaugeFunc
	// routes holds the series of every registered route by pattern; it is
	// written only while routes are registered, before serving.
	routes map[string]*pathSeries
}

// pathSeries are the series of one route pattern, by method.
type pathSeries struct {
	byMethod [numMethods]*routeSeries
}

// routeSeries are the series of one route and method: the latency
// histogram, and a request counter per status, made on first use.
type routeSeries struct {
	route, method string
	latency       prometheus.Observer
	byStatus      [numStatuses]atomic.Pointer[counter]
}

// counter holds a Prometheus counter behind an atomic pointer.
type counter struct{ prometheus.Counter }

// numMethods is how many methods get their own label value (methodIndex);
// any other is counted as "other", so that clients cannot make series up.
const numMethods = 9

func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodConnect:
		return 7
	case http.MethodTrace:
		return 8
	}
	return -1
}

// numStatuses is how many statuses have their counters kept per route
// (statusIndex); others are looked up by label on every request.
const numStatuses = 22

func statusIndex(status int) int {
	switch status {
	case 200:
		return 0
	case 201:
		return 1
	case 204:
		return 2
	case 206:
		return 3
	case 301:
		return 4
	case 302:
		return 5
	case 304:
		return 6
	case 400:
		return 7
	case 401:
		return 8
	case 403:
		return 9
	case 404:
		return 10
	case 405:
		return 11
	case 409:
		return 12
	case 412:
		return 13
	case 413:
		return 14
	case 415:
		return 15
	case 422:
		return 16
	case 428:
		return 17
	case 429:
		return 18
	case 499:
		return 19
	case 500:
		return 20
	case 503:
		return 21
	}
	return -1
}

func newMetrics() *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partymap_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "partymap_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		routes: map[string]*pathSeries{},
	}
	m.inflightGauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "partymap_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	}, func() float64 { return float64(m.inflight.Load()) })
	return m
}

// collectors returns what to register: the instruments and the Go
// runtime's and process's own.
func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.latency, m.inflightGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
}

// declare makes the series of a route and method.
func (m *metrics) declare(route, method string) {
	i := methodIndex(method)
	if i < 0 {
		return
	}
	p := m.routes[route]
	if p == nil {
		p = &pathSeries{}
		m.routes[route] = p
	}
	p.byMethod[i] = &routeSeries{route: route, method: method, latency: m.latency.WithLabelValues(route, method)}
}

// observe counts and times one answered request by its route pattern (""
// when nothing matched), so that the number of series stays bounded
// whatever paths clients send.
func (m *metrics) observe(route, method string, status int, took time.Duration) {
	if route == "" || status == http.StatusNotFound && route == "/*" {
		route = "unmatched"
	}
	var rs *routeSeries
	mi := methodIndex(method)
	if p := m.routes[route]; p != nil && mi >= 0 {
		rs = p.byMethod[mi]
	}
	if rs == nil {
		// A wrong method on a known path, or no route at all: rare.
		label := "other"
		if mi >= 0 {
			label = method
		}
		m.requests.WithLabelValues(route, label, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, label).Observe(took.Seconds())
		return
	}
	rs.latency.Observe(took.Seconds())
	si := statusIndex(status)
	if si < 0 {
		m.requests.WithLabelValues(rs.route, rs.method, strconv.Itoa(status)).Inc()
		return
	}
	c := rs.byStatus[si].Load()
	if c == nil {
		// Two first requests may both get here; WithLabelValues returns
		// the same counter to both.
		c = &counter{m.requests.WithLabelValues(rs.route, rs.method, strconv.Itoa(status))}
		rs.byStatus[si].Store(c)
	}
	c.Inc()
}

// MetricsHandler serves the registry in the Prometheus text format. It is
// not on the public router: main serves it on its own (loopback) address,
// since the counts tell an attacker, among other things, whether it is
// locked out.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})
}
