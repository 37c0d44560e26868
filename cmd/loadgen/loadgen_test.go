package main

import (
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestPercentiles(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // descending: the input order must not matter
	}
	tests := []struct {
		name               string
		in                 []time.Duration
		p50, p90, p99, top time.Duration
	}{
		{"none", nil, 0, 0, 0, 0},
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"hundred", ms(hundred...), 50 * time.Millisecond, 90 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond},
		{"ten", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5 * time.Millisecond, 9 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p50, p90, p99, top := percentiles(tt.in)
			if p50 != tt.p50 || p90 != tt.p90 || p99 != tt.p99 || top != tt.top {
				t.Errorf("got %v %v %v %v, want %v %v %v %v", p50, p90, p99, top, tt.p50, tt.p90, tt.p99, tt.top)
			}
		})
	}
}

func TestReadMetrics(t *testing.T) {
	page := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 17
go_memstats_heap_inuse_bytes 3.3554432e+07
partymap_http_requests_total{method="GET",route="/",status="200"} 4
partymap_tile_cache_hits_total 1234
`
	got, err := readMetrics(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"go_goroutines": 17, "go_memstats_heap_inuse_bytes": 32 << 20, "partymap_tile_cache_hits_total": 1234}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
}

func TestKBLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(path, []byte("Name:\tmapserver\nVmHWM:\t   70000 kB\nVmRSS:\t   65536 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := kBLine(path, "VmRSS:"); err != nil || got != 64<<20 {
		t.Errorf("got %d %v, want %d", got, err, 64<<20)
	}
	if _, err := kBLine(path, "VmSwap:"); err == nil {
		t.Error("a missing line gave no error")
	}
	if rss, err := procStatus(os.Getpid(), "VmRSS"); err != nil || rss <= 0 {
		t.Errorf("own VmRSS: got %d %v", rss, err)
	}
}

// The community's area is covered at every zoom, more tiles at each zoom.
func TestTilesOver(t *testing.T) {
	area := orb.Bound{Min: orb.Point{110.09095, 34.56676}, Max: orb.Point{110.10758, 34.57737}}
	tiles := tilesOver(area, 12, 16)
	perZoom := map[uint32]int{}
	for _, tl := range tiles {
		perZoom[uint32(tl.Z)]++
		if !tl.Bound().Intersects(area) {
			t.Errorf("tile %v does not touch the area", tl)
		}
	}
	for z := uint32(12); z <= 16; z++ {
		if perZoom[z] == 0 || (z > 12 && perZoom[z] < perZoom[z-1]) {
			t.Errorf("zoom %d: %d tiles (per zoom %v)", z, perZoom[z], perZoom)
		}
	}
}

// Reads stay inside the plan: enabled kinds only, in their proportions.
func TestPlan_nextRead(t *testing.T) {
	p := &plan{base: "http://x", area: orb.Bound{Min: orb.Point{110, 34}, Max: orb.Point{110.1, 34.1}},
		layers:  []layerIDs{{name: "posts", ids: []int64{1, 2, 3}}},
		enabled: map[string]bool{kindTile: true, kindItem: true, kindPage: true, kindLocate: true}}
	p.tiles = tilesOver(p.area, 12, 13)
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for i := 0; i < 10000; i++ {
		kind, path := p.nextRead(rng)
		counts[kind]++
		if !strings.HasPrefix(path, "/") {
			t.Fatalf("%s: path %q", kind, path)
		}
	}
	if counts[kindNearest] != 0 || counts[kindSearch] != 0 {
		t.Errorf("disabled kinds were sent: %v", counts)
	}
	// tile 50 : item 20 : page 12 : locate 6 of 88.
	if n := counts[kindTile]; n < 5300 || n > 6100 {
		t.Errorf("tiles: got %d of 10000, want about 5682", n)
	}
}

func TestReport_verdict(t *testing.T) {
	ok := func() report {
		rec := newRecorder()
		rec.add(sample{kind: kindTile, took: time.Millisecond, status: 200})
		rec.add(sample{kind: kindPatch, took: time.Millisecond, status: 200})
		return report{opts: options{editors: 1}, plan: &plan{}, rec: rec,
			edits:   &edits{acked: []acked{{"parking", 1, 2}}},
			history: historyCheck{Rows: 1}}
	}
	tests := []struct {
		name   string
		change func(*report)
		want   string
	}{
		{"clean", func(*report) {}, ""},
		{"a 5xx", func(r *report) { r.rec.add(sample{kind: kindItem, status: 503}) }, "5xx"},
		{"a lost edit", func(r *report) { r.history = historyCheck{Rows: 0, Missing: []acked{{"parking", 1, 2}}} }, "missing from the history"},
		{"fewer rows", func(r *report) { r.edits.acked = append(r.edits.acked, acked{"posts", 3, 4}) }, "missing from the history"},
		{"an unanswered write may be there", func(r *report) { r.edits.unknown, r.history.Rows = 1, 2 }, ""},
		{"more rows than writes", func(r *report) { r.history.Rows = 3 }, "more than the edits"},
		{"no answer", func(r *report) { r.rec.failure(kindTile, mustRequest(), "connection reset") }, "without an answer"},
		{"no edit", func(r *report) { r.edits.acked, r.history.Rows = nil, 0 }, "no edit was acknowledged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.change(&r)
			err := r.verdict()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
			if md := r.markdown(); !strings.Contains(md, "## Load with edits") || !strings.Contains(md, "Lost edits: ") {
				t.Errorf("the report lacks its heading or the lost edits:\n%s", md)
			}
		})
	}
}

func mustRequest() *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "http://x/tiles/1/1/1.mvt", nil)
	return req
}

func TestPlateau(t *testing.T) {
	flat := func(n int) []soakSample {
		s := make([]soakSample, n)
		for i := range s {
			s[i] = soakSample{Heap: 20 << 20, Goroutines: 60, FDs: 40, Pool: 8, P99: 20 * time.Millisecond}
		}
		return s
	}
	tests := []struct {
		name    string
		samples []soakSample
		grow    func(i int, s *soakSample)
		want    string
	}{
		{name: "level", samples: flat(30)},
		{name: "warm-up only", samples: flat(30), grow: func(i int, s *soakSample) {
			if i < 10 {
				s.Heap, s.Goroutines = float64(i)*(2<<20), float64(i*6)
			}
		}},
		{name: "too short", samples: flat(5), want: "at least 6"},
		{name: "goroutine leak", samples: flat(30), grow: func(i int, s *soakSample) { s.Goroutines = float64(60 + 3*i) }, want: "goroutines kept growing"},
		{name: "heap leak", samples: flat(30), grow: func(i int, s *soakSample) { s.Heap = float64(20<<20 + i*(4<<20)) }, want: "Go heap kept growing"},
		{name: "heap sawtooth", samples: flat(30), grow: func(i int, s *soakSample) { s.Heap = float64((20 + 60*(i%2)) << 20) }},
		{name: "RSS leak", samples: flat(30), grow: func(i int, s *soakSample) { s.RSS = int64(100<<20 + i*(8<<20)) }, want: "RSS kept growing"},
		{name: "descriptor leak", samples: flat(30), grow: func(i int, s *soakSample) { s.FDs = float64(40 + 2*i) }, want: "open files kept growing"},
		{name: "slower and slower", samples: flat(30), grow: func(i int, s *soakSample) { s.P99 = time.Duration(i*i) * time.Millisecond }, want: "p99 latency kept growing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.samples {
				if tt.grow != nil {
					tt.grow(i, &tt.samples[i])
				}
			}
			got := strings.Join(plateau(tt.samples), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("plateau = %q, want %q", got, tt.want)
			}
		})
	}
}
