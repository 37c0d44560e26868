package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// A soak is a long load run that samples the server every interval and
// requires what it holds to level off: heap, goroutines, open files, pool
// connections and the p99 latency of the interval. A leak shows as a
// figure that keeps climbing to the end.

// soakSample is what one interval measured.
type soakSample struct {
	At         time.Duration // since the start
	Heap       float64       // Go heap allocated, bytes
	RSS        int64
	Goroutines float64
	FDs        float64
	Pool       float64 // open pool connections
	InFlight   float64 // requests being answered, event streams included
	Requests   int
	P99        time.Duration
	Events     int64 // events the stream clients received so far
}

// sampler records a soakSample every interval until ctx ends.
func sampler(ctx context.Context, c *http.Client, o options, rec *recorder, events *atomic.Int64, began time.Time, out *[]soakSample) {
	t := time.NewTicker(o.sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mem, err := measureMemory(c, o.metrics, o.pid)
		if err != nil {
			continue
		}
		window := rec.takeWindow()
		_, _, p99, _ := percentiles(window)
		*out = append(*out, soakSample{
			At: time.Since(began).Round(time.Second), Heap: float64(mem.Heap), RSS: mem.RSS,
			Goroutines: mem.Metrics["go_goroutines"], FDs: mem.Metrics["process_open_fds"],
			Pool: mem.Metrics["partymap_db_pool_connections"], InFlight: mem.Metrics["partymap_http_requests_in_flight"],
			Requests: len(window), P99: p99, Events: events.Load(),
		})
	}
}

// streamClient keeps an event stream (/api/events) open until ctx ends,
// counting the events it receives and opening it again when it ends.
func streamClient(ctx context.Context, base string, events, reconnects *atomic.Int64) {
	c := &http.Client{} // no timeout: a stream lasts
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := c.Do(req)
		if err == nil {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: ") && !strings.HasPrefix(sc.Text(), "event: ready") {
					events.Add(1)
				}
			}
			resp.Body.Close()
		}
		if ctx.Err() != nil {
			return
		}
		reconnects.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// plateau reports what did not level off: the last third of the samples
// against the middle third (the first third is the warm-up). Resources may
// grow by a margin (a cache filling, a pool opening a connection more), not
// keep climbing; the p99 may vary with the shared machine, not double.
func plateau(s []soakSample) []string {
	if len(s) < 6 {
		return []string{fmt.Sprintf("only %d samples: a soak needs at least 6 to tell a plateau", len(s))}
	}
	n := len(s) / 3
	mid, last := s[n:2*n], s[2*n:]
	peak := func(xs []soakSample, f func(soakSample) float64) float64 {
		m := 0.0
		for _, x := range xs {
			m = max(m, f(x))
		}
		return m
	}
	median := func(xs []soakSample) time.Duration {
		d := make([]time.Duration, len(xs))
		for i, x := range xs {
			d[i] = x.P99
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	floor := func(xs []soakSample, f func(soakSample) float64) float64 {
		m := f(xs[0])
		for _, x := range xs {
			m = min(m, f(x))
		}
		return m
	}
	var grew []string
	// The heap rises and falls with each collection: what a leak raises
	// is its floor, the lowest it falls to.
	heap := func(x soakSample) float64 { return x.Heap }
	if m, l := floor(mid, heap), floor(last, heap); l > m*1.25+8<<20 {
		grew = append(grew, fmt.Sprintf("Go heap kept growing (lowest %s in the middle third, %s in the last)", mib(int64(m)), mib(int64(l))))
	}
	for _, c := range []struct {
		name  string
		f     func(soakSample) float64
		ratio float64
		slack float64
	}{
		{"RSS", func(x soakSample) float64 { return float64(x.RSS) }, 1.25, 16 << 20},
		{"goroutines", func(x soakSample) float64 { return x.Goroutines }, 1.1, 10},
		{"open files", func(x soakSample) float64 { return x.FDs }, 1.1, 10},
		{"pool connections", func(x soakSample) float64 { return x.Pool }, 1, 2},
	} {
		if m, l := peak(mid, c.f), peak(last, c.f); l > m*c.ratio+c.slack {
			grew = append(grew, fmt.Sprintf("%s kept growing (peak %.0f in the middle third, %.0f in the last)", c.name, m, l))
		}
	}
	if m, l := median(mid), median(last); l > 2*m+10*time.Millisecond {
		grew = append(grew, fmt.Sprintf("p99 latency kept growing (median %s in the middle third, %s in the last)", ms(m), ms(l)))
	}
	return grew
}

// soakMarkdown renders the samples and the verdict.
func soakMarkdown(o options, s []soakSample, events, reconnects int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Soak: %d event-stream clients held /api/events open (%d events received in all, %d reopened); every %v the server was measured:\n\n", o.streams, events, reconnects, o.sampleEvery)
	fmt.Fprintf(&b, "| time | Go heap | RSS | goroutines | open files | pool connections | in flight (streams included) | requests | p99 | events so far |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range s {
		fmt.Fprintf(&b, "| %v | %s | %s | %.0f | %.0f | %.0f | %.0f | %d | %s | %d |\n", x.At, mib(int64(x.Heap)), mib(x.RSS), x.Goroutines, x.FDs, x.Pool, x.InFlight, x.Requests, ms(x.P99), x.Events)
	}
	if grew := plateau(s); len(grew) > 0 {
		fmt.Fprintf(&b, "\nPlateau: **no**: %s.\n\n", strings.Join(grew, "; "))
	} else {
		fmt.Fprintf(&b, "\nPlateau: **yes**: over the last third, heap, goroutines, open files and pool connections stayed within their margins of the middle third's (the heap's lowest point, the others' peaks), and the p99 within twice its median.\n\n")
	}
	return b.String()
}
