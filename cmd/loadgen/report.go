package main

import (
	"fmt"
	"strings"
	"time"
)

// report is the outcome of a run.
type report struct {
	opts    options
	plan    *plan
	rec     *recorder
	edits   *edits
	history historyCheck
	mem     memory
	elapsed time.Duration
	user    string
	// database names the versions of PostgreSQL and PostGIS.
	database string
	// loadBefore and loadAfter are the machine's load averages (1, 5 and
	// 15 minutes) before and after the run: other work on the machine
	// shows there.
	loadBefore, loadAfter string
}

// lost is how many acknowledged edits the history does not show: those
// without a history row of their version, or, counted, fewer rows than
// acknowledgements.
func (r report) lost() int {
	short := int64(len(r.edits.acked)) - r.history.Rows
	return max(len(r.history.Missing), int(max(short, 0)))
}

// verdict fails the run on any 5xx, lost edit, or request without an
// answer or with an unexpected 4xx.
func (r report) verdict() error {
	_, total := r.rec.summary()
	var faults []string
	if total.Status5xx > 0 {
		faults = append(faults, fmt.Sprintf("%d answers were 5xx", total.Status5xx))
	}
	if n := r.lost(); n > 0 {
		faults = append(faults, fmt.Sprintf("%d acknowledged edits are missing from the history", n))
	}
	if extra := r.history.Rows - int64(len(r.edits.acked)) - int64(r.edits.unknown); extra > 0 {
		faults = append(faults, fmt.Sprintf("%d history rows more than the edits that may have been made", extra))
	}
	if r.rec.failures > 0 {
		faults = append(faults, fmt.Sprintf("%d unexpected answers or requests without an answer", r.rec.failures))
	}
	if len(r.edits.acked) == 0 && r.opts.editors > 0 {
		faults = append(faults, "no edit was acknowledged")
	}
	if len(faults) > 0 {
		return fmt.Errorf("the load run failed: %s", strings.Join(faults, "; "))
	}
	return nil
}

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f ms", float64(d)/1e6)
}

// mib writes a size in MiB, or in KiB below one MiB.
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// markdown renders the report as the "Load with edits" section of
// docs/BENCHMARKS.md.
func (r report) markdown() string {
	var b strings.Builder
	o := r.opts
	kinds, total := r.rec.summary()
	secs := r.elapsed.Seconds()
	fmt.Fprintf(&b, "## Load with edits\n\n")
	fmt.Fprintf(&b, "Run %s. Command:\n\n    %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), orDash(o.command))
	fmt.Fprintf(&b, "Machine: %s; the load generator and the server (with its PostgreSQL) share it; load average %s before the run, %s at its end (this run included).\n",
		machine(), orDash(r.loadBefore), orDash(r.loadAfter))
	if o.description != "" {
		fmt.Fprintf(&b, "Server: %s; %s.\n", o.description, r.database)
	}
	fmt.Fprintf(&b, "Load: %d readers without pause (tiles z%d–z%d over the community's %d tiles, items pages, items, nearest, locate, search; "+
		"gzip accepted, not unzipped) and %d editors (as %s) PATCHing car parks' free spaces and posts' opening hours with If-Match, "+
		"re-reading on 412, %v between edits; %.1f s.\n\n",
		o.readers, minTileZoom, maxTileZoom, len(r.plan.tiles), o.editors, r.user, o.pause, secs)
	for _, n := range r.plan.notes {
		fmt.Fprintf(&b, "Skipped: %s.\n\n", n)
	}
	fmt.Fprintf(&b, "| kind | requests | per second | 2xx | 3xx | 4xx | 5xx | no answer | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range append(kinds, total) {
		name := k.Kind
		if k.Kind == "all" {
			name = "**all**"
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %d | %d | %d | %d | %d | %s | %s | %s | %s |\n", name, k.Count, float64(k.Count)/secs,
			k.Status2xx, k.Status3xx, k.Status4xx, k.Status5xx, k.NoAnswer, ms(k.P50), ms(k.P90), ms(k.P99), ms(k.Max))
	}
	e := r.edits
	fmt.Fprintf(&b, "\nEdits: %d PATCHes acknowledged (200), %d answered 412 and were retried after re-reading the item, %d refused otherwise, %d cut off by the end of the run. "+
		"History rows with reason 'edit' by %s since the start: %d; acknowledged edits without their history row: %d. **Lost edits: %d.**\n\n",
		len(e.acked), e.conflicts, e.refused, e.unknown, r.user, r.history.Rows, len(r.history.Missing), r.lost())
	m := r.mem
	fmt.Fprintf(&b, "Memory at the end: server RSS %s (peak %s), Go heap in use %s (allocated %s), %d goroutines; embedded PostgreSQL: %d processes, %s PSS.\n\n",
		mib(m.RSS), mib(m.PeakRSS), mib(m.HeapInUse), mib(m.Heap), m.Goroutines, m.PostgresProcs, mib(m.PostgresPSS))
	mt := m.Metrics
	fmt.Fprintf(&b, "Server counters: tile cache %.0f hits, %.0f misses, %.0f renders, %.0f invalidated by edits, %.0f tiles (%s) held at the end; "+
		"feature answer cache %.0f hits, %.0f misses, %.0f invalidated; database pool of %.0f, %.0f waits for a connection (%.2f s in all).\n\n",
		mt["partymap_tile_cache_hits_total"], mt["partymap_tile_cache_misses_total"], mt["partymap_tile_renders_total"], mt["partymap_tile_cache_invalidated_total"],
		mt["partymap_tile_cache_entries"], mib(int64(mt["partymap_tile_cache_bytes"])), mt["partymap_read_cache_hits_total"], mt["partymap_read_cache_misses_total"], mt["partymap_read_cache_invalidated_total"],
		mt["partymap_db_pool_max_connections"], mt["partymap_db_pool_empty_acquire_total"], mt["partymap_db_pool_acquire_wait_seconds_total"])
	verdict := "PASS: no 5xx, no lost edit, every request answered."
	if err := r.verdict(); err != nil {
		verdict = "FAIL: " + strings.TrimPrefix(err.Error(), "the load run failed: ") + "."
	}
	fmt.Fprintf(&b, "Result: **%s**\n", verdict)
	if len(r.rec.examples) > 0 {
		fmt.Fprintf(&b, "\nFirst unexpected answers:\n\n")
		for _, ex := range r.rec.examples {
			fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(ex, "`", "'"))
		}
	}
	b.WriteString("\n")
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
