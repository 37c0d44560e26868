package main

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Kinds of request, as the report groups them.
const (
	kindTile    = "tile"
	kindPage    = "items page"
	kindItem    = "item"
	kindNearest = "nearest"
	kindLocate  = "locate"
	kindSearch  = "search"
	kindRead    = "edit: read"
	kindPatch   = "edit: PATCH"
)

// kindOrder is the order of the report's rows.
var kindOrder = []string{kindTile, kindPage, kindItem, kindNearest, kindLocate, kindSearch, kindRead, kindPatch}

// sample is one finished request.
type sample struct {
	kind   string
	took   time.Duration
	status int // 0: no answer (a transport error)
}

// recorder collects samples from every client goroutine.
type recorder struct {
	mu      sync.Mutex
	samples map[string][]sample
	// failures counts unexpected answers (5xx, a 4xx to a read, no
	// answer); examples keeps the first few.
	failures int
	examples []string
	// window holds the durations since the last takeWindow, for a soak's
	// samples.
	window []time.Duration
}

func newRecorder() *recorder { return &recorder{samples: map[string][]sample{}} }

func (r *recorder) add(s sample) {
	r.mu.Lock()
	r.samples[s.kind] = append(r.samples[s.kind], s)
	r.window = append(r.window, s.took)
	r.mu.Unlock()
}

// takeWindow returns the durations recorded since it was last called.
func (r *recorder) takeWindow() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.window
	r.window = nil
	return w
}

// kindStats summarises the requests of one kind.
type kindStats struct {
	Kind                 string
	Count                int
	Status2xx, Status3xx int
	Status4xx, Status5xx int
	NoAnswer             int
	P50, P90, P99, Max   time.Duration
}

// summary returns the statistics of every kind that was sent, in report
// order, and the total.
func (r *recorder) summary() ([]kindStats, kindStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []kindStats
	var all []time.Duration
	total := kindStats{Kind: "all"}
	kinds := make([]string, 0, len(r.samples))
	for k := range r.samples {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return slices.Index(kindOrder, kinds[i]) < slices.Index(kindOrder, kinds[j]) })
	for _, k := range kinds {
		ss := r.samples[k]
		st := kindStats{Kind: k, Count: len(ss)}
		took := make([]time.Duration, 0, len(ss))
		for _, s := range ss {
			switch {
			case s.status == 0:
				st.NoAnswer++
			case s.status < 300:
				st.Status2xx++
			case s.status < 400:
				st.Status3xx++
			case s.status < 500:
				st.Status4xx++
			default:
				st.Status5xx++
			}
			took = append(took, s.took)
		}
		all = append(all, took...)
		st.P50, st.P90, st.P99, st.Max = percentiles(took)
		out = append(out, st)
		total.Count += st.Count
		total.Status2xx += st.Status2xx
		total.Status3xx += st.Status3xx
		total.Status4xx += st.Status4xx
		total.Status5xx += st.Status5xx
		total.NoAnswer += st.NoAnswer
	}
	total.P50, total.P90, total.P99, total.Max = percentiles(all)
	return out, total
}

// percentiles returns the 50th, 90th and 99th percentiles (nearest rank)
// and the maximum; zeros for no samples.
func percentiles(d []time.Duration) (p50, p90, p99, top time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(float64(len(s))*p+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return rank(0.50), rank(0.90), rank(0.99), s[len(s)-1]
}
